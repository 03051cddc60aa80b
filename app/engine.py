"""The explorer's engine: owns the learners and runs sessions. Called only from worker threads
of the group "engine" (exclusive, so one at a time); returns plain records.

Importing this module does not import torch: `Engine.start()` does, in the worker, so the UI's
first frame never waits for it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .messages import ModelInfo

MODEL_KINDS = ("pretrained", "untrained", "online")  # the order `m` cycles through


@dataclass(frozen=True)
class ExplorerRequest:
    """What the user asked for on the command line."""

    text: str | None = None  # sequence to open on (None: the article's example)
    task: str = "addition"  # addition, moddiv or text
    checkpoint: str | None = None  # shipped name or path (None: the default)
    digits: int | None = None  # operand digits (None: from text, or 8)


ARTICLE_EXAMPLE = "17282456+79546852=96829308"


class Engine:
    def __init__(self, request: ExplorerRequest, seed: int = 0) -> None:
        self.request = request
        self.rng = np.random.default_rng(seed)
        self.learners: dict = {}
        self.before_online = None  # Bob's starting point for the last online sequence
        self.given: list[int] | None = None  # the given tokens of the last sequence Alice coded

    # -- set up ---------------------------------------------------------------------------
    def task(self):
        from lmviz.core.tasks import AdditionTask, ModDivTask, TextTask, addition_digits_of

        r = self.request
        if r.task == "moddiv":
            return ModDivTask()
        if r.task == "text":
            n = len((r.text or "the model learns").encode())
            return TextTask(context=n + 1)
        digits = r.digits or addition_digits_of(r.text) or 8
        return AdditionTask(digits=digits)

    def default_kind(self) -> str:
        task = self.task()
        pretrained_fits = task.spec() == {"name": "addition", "digits": 8, "leading_zeros": False,
                                          "reverse_answer": False}
        return "pretrained" if pretrained_fits or self.request.checkpoint else "untrained"

    def learner(self, kind: str):
        """The learner of a kind, made on first use (this is where torch is imported)."""
        if kind in self.learners:
            return self.learners[kind]
        from lmviz.core.checkpoints import DEFAULT_CHECKPOINT, load_learner
        from lmviz.core.online import LearnerConfig, OnlineLearner

        if kind == "pretrained":
            learner = load_learner(self.request.checkpoint or DEFAULT_CHECKPOINT)
        else:
            # The online model trains after every sequence: batch 1.
            batch = 1 if kind == "online" else 16
            learner = OnlineLearner(LearnerConfig(task=self.task().spec(), batch_size=batch))
        self.learners[kind] = learner
        return learner

    def info(self, kind: str) -> ModelInfo:
        learner = self.learner(kind)
        c = learner.config
        desc = f"{c.model} {c.size}"
        ck = (self.request.checkpoint or "addition8") if kind == "pretrained" else "-"
        return ModelInfo(kind, desc, learner.parameter_count, ck, learner.sequences_seen)

    # -- work -----------------------------------------------------------------------------
    def parse(self, text: str, kind: str) -> np.ndarray:
        return self.learner(kind).task.parse(text)

    def sample(self, kind: str) -> np.ndarray:
        return self.learner(kind).task.sample(self.rng)

    def encode(self, sequence: np.ndarray, kind: str, cancelled=lambda: False):
        """Alice codes one sequence; in online mode the model then trains on it."""
        from lmviz.core.session import EncodeSession

        learner = self.learner(kind)
        # Tokens before the first coded position are given to both sides (the 's' of an
        # addition; a, / and b of a division, whose answer alone is coded).
        self.given = [int(t) for t in sequence[: learner.task.first_predicted]]
        train = kind == "online"
        if train:
            self.before_online = copy.deepcopy(learner)
        session = EncodeSession(learner, train=train)
        steps = []
        for step in session.steps([sequence]):
            steps.append(step)
            if cancelled():
                return None
        bits = session.finish()
        return tuple(steps), tuple(bits), learner.task.decode_tokens(sequence)

    def decode(self, bits, kind: str, cancelled=lambda: False):
        """Bob decodes from the bits alone, starting from the model Alice started from."""
        from lmviz.core.session import DecodeSession

        learner = self.before_online if kind == "online" else self.learner(kind)
        learner = copy.deepcopy(learner)  # Bob's own copy: decoding an online sequence trains
        session = DecodeSession(learner, list(bits), train=kind == "online",
                                prefix=getattr(self, "given", None))
        steps = []
        for step in session.steps(1):
            steps.append(step)
            if cancelled():
                return None
        return tuple(steps), session.texts()[0]

