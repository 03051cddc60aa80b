"""Finding checkpoints: a name shipped in lmviz.assets, or a path on disk."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_CHECKPOINT = "addition8"  # the pretrained 8-digit addition model (assets/README.md)


class CheckpointError(ValueError):
    """A checkpoint that cannot be found or read; the message is one sentence for the user."""


def shipped_checkpoints() -> list[str]:
    return sorted(p.name[:-3] for p in resources.files("lmviz.assets").iterdir() if p.name.endswith(".pt"))


def resolve_checkpoint(name_or_path: str) -> Path:
    """A shipped checkpoint's name (``addition8``) or a path to a ``.pt`` file."""
    p = Path(name_or_path).expanduser()
    if p.is_file():
        return p
    if p.exists():
        raise CheckpointError(f"{name_or_path} is not a checkpoint file")
    shipped = resources.files("lmviz.assets") / f"{name_or_path}.pt"
    if "/" not in name_or_path and shipped.is_file():
        return Path(str(shipped))
    names = ", ".join(shipped_checkpoints()) or "none"
    raise CheckpointError(f"no checkpoint named {name_or_path!r} (shipped: {names}; or give a path)")


def load_learner(name_or_path: str):
    """The OnlineLearner saved in a checkpoint (imports torch)."""
    from .online import OnlineLearner

    path = resolve_checkpoint(name_or_path)
    try:
        return OnlineLearner.load(path)
    except ValueError as exc:
        raise CheckpointError(str(exc)) from None
