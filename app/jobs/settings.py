"""What a job is asked to do: plain, frozen settings that import no torch."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from lmviz.core.grokking.records import GrokConfig
from lmviz.core.learning.checkpoints import shipped_for
from lmviz.core.learning.config import LearnerConfig
from lmviz.core.tasks import (
    AdditionTask,
    BinaryTask,
    ModDivTask,
    Task,
    TextTask,
    addition_digits_of,
    task_from_spec,
)

ARTICLE_EXAMPLE = "17282456+79546852=96829308"
TEXT_CONTEXT = 256  # bytes the English model sees, both text tokens included (assets/README.md)
class ModelKind(str, Enum):
    """Which model codes a sequence in the explorer (a str: records and JSON carry it as one)."""

    PRETRAINED = "pretrained"  # a shipped or named checkpoint, frozen
    UNTRAINED = "untrained"  # the same architecture with fresh weights
    ONLINE = "online"  # trains on every sequence it codes; Bob replays it
    LAW = "law"  # the source's own distribution, where the generator is known

    def __str__(self) -> str:  # "pretrained" in a sentence, not "ModelKind.PRETRAINED"
        return self.value


MODEL_KINDS = tuple(ModelKind)  # the order the explorer's `m` cycles through


@dataclass(frozen=True)
class ExplorerRequest:
    """What the explorer shows: from the command line, or a model handed over by the train screen."""

    text: str | None = None  # sequence to open on (None: the article's example, or a random one)
    task: str = "addition"  # addition, moddiv or text
    checkpoint: str | None = None  # shipped name or path (None: the shipped model for the task)
    digits: int | None = None  # operand digits (None: from text, or 8)
    model: bytes | None = None  # a checkpoint in memory (the train screen's current model)
    model_name: str = ""  # what the header calls that model
    task_spec: dict | None = None  # the task of that model or checkpoint (wins over task/digits)
    kind: ModelKind | None = None  # which model codes (None: the task's default)
    then: str = ""  # once the first sequence is coded: "bob" (Bob's view) or "finish" (all sent)


def task_of(request: ExplorerRequest) -> Task:
    """The task a request asks for (numpy only: the UI calls this before torch loads)."""
    if request.task_spec is not None:
        return task_from_spec(request.task_spec)
    if request.task == "moddiv":
        return ModDivTask()
    if request.task == "text":
        return TextTask(context=TEXT_CONTEXT)
    if request.task == "binary":
        return BinaryTask()
    return AdditionTask(digits=request.digits or addition_digits_of(request.text) or 8)


def default_kind(request: ExplorerRequest) -> ModelKind:
    """Pretrained where a checkpoint was given or one is shipped for the task; else untrained."""
    if request.model is not None or request.checkpoint:
        return ModelKind.PRETRAINED
    return ModelKind.PRETRAINED if shipped_for(task_of(request).spec()) else ModelKind.UNTRAINED


ENGLISH_EXAMPLE = "The quick brown fox jumps over the lazy dog, and then it takes a long nap."
# Tour step 8's bits: the first of BINARY_SAMPLES sequences drawn from the Markov source with
# this seed (jobs/tour.py averages over all of them; its "try it" opens the first).
BINARY_SEED, BINARY_SAMPLES = 4, 20


def binary_example() -> str:
    task = BinaryTask()
    return task.decode_tokens(task.sample_batch(np.random.default_rng(BINARY_SEED),
                                                BINARY_SAMPLES)[0])

# Where each tour step's "try it" key opens the explorer (app/tour.py names them).
TRY_IT = {
    "untrained": ExplorerRequest(text=ARTICLE_EXAMPLE, kind=ModelKind.UNTRAINED),
    "pretrained": ExplorerRequest(text=ARTICLE_EXAMPLE),
    "bob": ExplorerRequest(text=ARTICLE_EXAMPLE, then="bob"),
    "finish": ExplorerRequest(text=ARTICLE_EXAMPLE, then="finish"),
    # step 2's: the article's example, face 4 of the loaded die in [0.6, 0.8), under its own law
    "die": ExplorerRequest(text="4", task_spec={"name": "die"}, kind=ModelKind.LAW),
    "binary": ExplorerRequest(text=binary_example(), task="binary", kind=ModelKind.LAW),  # step 8's
    "english": ExplorerRequest(text=ENGLISH_EXAMPLE, task="text"),
}

TRAIN_SIZES = ("tiny", "small", "medium")


@dataclass(frozen=True)
class TrainSettings:
    """The train screen's choices: one model, or two sizes on the very same stream."""

    digits: int = 4  # operand digits
    leading_zeros: bool = False
    reverse: bool = False  # answer least significant digit first
    model: str = "transformer"  # or lstm
    size: str = "small"  # tiny, small or medium
    compare: bool = False  # also train the next larger size on the very same stream

    def task(self) -> AdditionTask:
        return AdditionTask(digits=self.digits, leading_zeros=self.leading_zeros,
                            reverse_answer=self.reverse)

    def configs(self) -> list[LearnerConfig]:
        # Batch 8 and two threads: on 2 cores this learns 4-digit addition fastest per second
        # (benchmarks/train.py).
        first = LearnerConfig(task=self.task().spec(), model=self.model, size=self.size,
                              batch_size=8, threads=2)
        if not self.compare:
            return [first]
        i = TRAIN_SIZES.index(self.size)
        bigger = TRAIN_SIZES[i + 1] if i + 1 < len(TRAIN_SIZES) else TRAIN_SIZES[i - 1]
        return [first, first.replace(size=bigger)]

    def labels(self) -> list[str]:
        return [f"{c.model} {c.size}" for c in self.configs()]


# Fast on a 2-core CPU and still a real grok (benchmarks/grok.py measures it): 40% of the table
# for training, the canonical AdamW (weight decay 1, betas 0.9/0.98) at lr 2e-3, validation
# evaluated every 5th step (what costs most at this size).
DEFAULT_GROK = GrokConfig(train_fraction=0.4, weight_decay=1.0, lr=2e-3, width=128, eval_every=5,
                          threads=2)
