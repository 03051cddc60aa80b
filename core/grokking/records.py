"""Grokking records: the configuration of a run, one `GrokStep` per step, and recorded runs on disk.

Plain numbers only (no torch), so the UI and the recorded-run replay load without the engine.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from ..files import write_output


@dataclass(frozen=True)
class GrokConfig:
    p: int = 97  # prime modulus
    train_fraction: float = 0.4  # share of the p(p-1) equations used for training
    weight_decay: float = 1.0  # AdamW decoupled weight decay: what makes it generalise
    lr: float = 1e-3  # AdamW learning rate
    betas: tuple[float, float] = (0.9, 0.98)  # AdamW betas, as in the grokking paper
    width: int = 128  # transformer width
    layers: int = 1  # transformer blocks
    heads: int = 4  # attention heads
    warmup: int = 10  # linear learning-rate warm-up steps
    eval_every: int = 1  # evaluate the validation set every this many steps (reused between)
    grokfast: float = 0.0  # Grokfast-EMA amplification of slow gradients (0: plain AdamW)
    grokfast_alpha: float = 0.98  # EMA decay of that slow-gradient filter
    seed: int = 0  # seeds the weights and the split
    threads: int = 2  # torch threads

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> GrokConfig:
        d = dict(d)
        d["betas"] = tuple(d.get("betas", (0.9, 0.98)))
        return cls(**d)


@dataclass(frozen=True)
class GrokStep:
    step: int  # optimiser steps done
    seconds: float  # wall time since the start
    train_loss: float  # mean cross-entropy (nats) on the training half
    val_loss: float  # and on the held-out equations
    train_acc: float  # accuracy on the training equations
    val_acc: float  # accuracy on the held-out equations
    val_bits: float  # cost in bits of coding every held-out answer with the model
    weight_norm: float  # L2 norm of all weights


def grokked(records, train99: int | None) -> bool:
    """When a run has nothing more to show: validation accuracy at 99.9% after three times the
    steps that training accuracy took to reach 99%. The live screen and ``lmviz grok`` without
    ``--steps`` both stop here (benchmarks/grok.py: 74 and 535 steps for the defaults)."""
    last = records[-1] if records else None
    return bool(last and train99 and last.val_acc >= 0.999 and last.step > 3 * train99)


def crossings(records, threshold: float = 0.99) -> dict:
    """Steps and seconds at which train and validation accuracy first reached the threshold."""
    out = {"train99_step": None, "val99_step": None, "train99_seconds": None, "val99_seconds": None}
    for r in records:
        if out["train99_step"] is None and r.train_acc >= threshold:
            out["train99_step"], out["train99_seconds"] = r.step, r.seconds
        if out["val99_step"] is None and r.val_acc >= threshold:
            out["val99_step"], out["val99_seconds"] = r.step, r.seconds
    return out


def save_run(path, config: GrokConfig, records: list[GrokStep], command: str = "",
             force: bool = False) -> None:
    """A recorded run as JSON: config, command and one row per step (columns, not objects),
    written atomically (see files.py)."""
    cols = [f.name for f in dataclasses.fields(GrokStep)]
    data = {
        "config": dataclasses.asdict(config),
        "command": command,
        "columns": cols,
        "rows": [[getattr(r, k) for k in cols] for r in records],
    }
    write_output(path, json.dumps(data, separators=(",", ":")).encode(), force=force)


def load_run(path) -> tuple[GrokConfig, list[GrokStep], str]:
    with open(path) as f:
        data = json.load(f)
    cols = data["columns"]
    records = [GrokStep(**dict(zip(cols, row))) for row in data["rows"]]
    return GrokConfig.from_dict(data["config"]), records, data.get("command", "")


def load_recorded_run() -> tuple[GrokConfig, list[GrokStep], str]:
    """The canonical run shipped in assets/grok_p97.json (replayed by the grok screen and the
    tour); a missing or damaged file is a ValueError of one sentence."""
    from importlib import resources

    try:
        return load_run(resources.files("lmviz.assets") / "grok_p97.json")
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"cannot load the recorded run: {exc}") from None
