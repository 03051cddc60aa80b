"""The learner's configuration: the "training code f" Alice sends first, as JSON.

Torch-free, so the UI and the command line can build and validate one before the engine loads.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from ..tasks import AdditionTask


class PretrainError(ValueError):
    """A corpus, device or checkpoint lmviz cannot pretrain with; one sentence for the user."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be found or read; the message is one sentence for the user."""


class TrainingDiverged(ValueError):
    """Training produced a loss or weights that are not finite; one sentence for the user."""


# Model presets: name -> (layers, heads, width). Small is the default for addition.
TRANSFORMER_SIZES = {"tiny": (1, 2, 32), "small": (2, 4, 64), "medium": (3, 4, 96),
                     "english": (4, 4, 160),  # the byte model shipped before english-large
                     "english-large": (4, 4, 256),  # the shipped byte model (assets/english.pt)
                     # The scaling family (`lmviz scale`): one architecture, 23k to 1.9M
                     # parameters at 128 bytes of context.
                     "scale-1": (1, 2, 24), "scale-2": (2, 2, 48), "scale-3": (2, 4, 96),
                     "scale-4": (3, 4, 128), "scale-5": (4, 4, 192)}
SCALE_FAMILY = ("scale-1", "scale-2", "scale-3", "scale-4", "scale-5")
LSTM_SIZES = {"tiny": (1, 64), "small": (1, 128), "medium": (2, 192)}


@dataclass(frozen=True)
class LearnerConfig:
    task: dict = field(default_factory=lambda: AdditionTask().spec())  # task spec (core/tasks)
    model: str = "transformer"  # "transformer" or "lstm"
    size: str = "small"  # preset: tiny, small, medium, english (see *_SIZES)
    lr: float = 3e-3  # AdamW learning rate at the start
    betas: tuple[float, float] = (0.9, 0.99)  # AdamW betas
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    batch_size: int = 16  # sequences coded with one model, then trained on together
    seed: int = 0  # seeds the weights; nothing else is random on the coding path
    threads: int = 1  # torch intra-op threads; part of the code because floats depend on it
    total_bits: int = 16  # frequencies sum to 2**total_bits (coding/quantize.py)
    operand_loss_weight: float = 0.1  # training weight of unpredictable operand digits
    operand_loss_weight_late: float = 1.0  # ... once every lr drop is done (answers learned)
    lr_drops: tuple[float, ...] = (0.1, 0.03, 0.01, 0.003)  # divide lr when answer bits/digit fall below
    lr_drop_factor: float = 3.0  # ... by this factor, once per threshold
    grad_clip: float = 1.0  # max gradient norm

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> LearnerConfig:
        d = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown learner settings: {', '.join(sorted(unknown))}")
        for k in ("betas", "lr_drops"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)

    @property
    def size_bits(self) -> int:
        """What sending this configuration costs: its JSON, 8 bits a byte."""
        return 8 * len(self.to_json().encode())

    def replace(self, **changes) -> LearnerConfig:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class PretrainConfig:
    size: str = "english-large"  # transformer preset (TRANSFORMER_SIZES)
    context: int = 256  # bytes the model sees, the start token included
    batch: int = 32  # windows per step
    lr: float = 2e-3  # AdamW peak learning rate
    min_lr: float = 2e-4  # cosine decay floor, reached at the time budget
    warmup: int = 200  # linear warm-up steps
    weight_decay: float = 0.1  # AdamW decoupled weight decay
    grad_clip: float = 1.0  # max gradient norm
    seed: int = 0  # weights and window sampling
    threads: int = 2  # torch intra-op threads on CPU
    device: str = "cpu"  # cpu or cuda
    eval_bytes: int = 64_000  # held-out bytes evaluated at each report
    doc_start_share: float = 0.5  # share of windows that begin at a document's start
    bf16: bool = True  # train under bfloat16 autocast (2.2x faster on this CPU); weights stay fp32


@dataclass(frozen=True)
class ScaleConfig:
    """How every size of `lmviz scale` reads the stream: the same for all, but the learning rate,
    which each size's sweep picks (scaling.sweep)."""

    context: int = 128  # bytes a window predicts (each sees the byte before it, then its own)
    batch: int = 4  # windows coded, then trained on, per step: 512 new bytes a step
    betas: tuple[float, float] = (0.9, 0.99)  # AdamW betas (no weight decay: one pass, no reuse)
    warmup: int = 50  # steps of linear learning-rate warm-up, then constant
    grad_clip: float = 1.0  # max gradient norm
    seed: int = 0  # every size's initial weights
    threads: int = 2  # torch intra-op threads
    chunk_bytes: int = 8192  # one point of the loss curve: the bits of this many stream bytes
