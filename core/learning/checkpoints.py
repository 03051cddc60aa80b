"""Finding checkpoints: a name shipped in lmviz.assets, or a path on disk."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..tasks import AdditionTask, TextTask
from .config import CheckpointError  # here too: callers that load checkpoints catch it

DEFAULT_CHECKPOINT = "addition8"  # the pretrained 8-digit addition model (assets/README.md)

# The task each shipped checkpoint was trained on, so that the explorer can pick a pretrained model
# without loading torch first (tests/test_checkpoints.py checks this against the files).
SHIPPED_TASKS = {"addition8": AdditionTask(digits=8).spec(),
                 "english": TextTask(context=256).spec(),  # the explorer's English model
                 # the English model before it: 2.5x smaller, so `lmviz compress --model`
                 # runs 2x faster with it (assets/README.md)
                 "english-small": TextTask(context=256).spec()}


# sha256 of each shipped checkpoint file, checked whenever one is loaded by name: a damaged or
# replaced asset is refused in one sentence (tests/test_checkpoints.py checks the files).
SHIPPED_SHA256 = {
    "addition8": "5dfa2b38f17b15e846c6bf34f291244d9523167b9005641448a7e549596d00a9",
    "english": "d67f48c3dcc418c050785b8d8d74d698634c0f3e27c77940621a26df1883acc0",
    "english-small": "f11bbfa4595c249d54511b482bb6202bd27796f0dcca6bfa72192bb3f8e03a83",
}


def shipped_checkpoints() -> list[str]:
    return sorted(p.name[:-3] for p in resources.files("lmviz.assets").iterdir() if p.name.endswith(".pt"))


def shipped_for(task_spec: dict) -> str | None:
    """The shipped checkpoint trained on exactly this task, if there is one."""
    return next((name for name, spec in SHIPPED_TASKS.items() if spec == task_spec), None)


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


def load_learner(name_or_path: str | bytes):
    """The OnlineLearner saved in a checkpoint: a shipped name, a path, or `to_bytes` output."""
    from .online import OnlineLearner  # torch: only when a checkpoint is actually read

    if isinstance(name_or_path, bytes):
        source, label = name_or_path, None
    else:
        path = resolve_checkpoint(name_or_path)
        source, label = path, str(path)
        if path != Path(name_or_path).expanduser():
            # A shipped name: the file must be the one this version shipped (read once, then
            # loaded from those bytes).
            import hashlib

            from ..files import read_bounded
            from .online import MAX_CHECKPOINT_BYTES

            source = read_bounded(path, MAX_CHECKPOINT_BYTES, "checkpoint")
            if hashlib.sha256(source).hexdigest() != SHIPPED_SHA256.get(name_or_path):
                raise CheckpointError(f"the shipped checkpoint {name_or_path!r} ({path}) is "
                                      "damaged or replaced: reinstall lmviz")
    try:
        return OnlineLearner.load(source, label)
    except ValueError as exc:
        raise CheckpointError(str(exc)) from None
