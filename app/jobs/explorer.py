"""The explorer job: Alice codes one sequence, Bob decodes it from the bits alone.

Each call takes everything it needs and returns plain records: `decode` reads nothing that
`encode` left behind (Alice's result carries the given tokens and, for an online model, the model
Bob must start from). The learners are made on first use and kept, since loading one costs
seconds; the online learner is the one that changes, by design: it trains on every sequence coded.
"""

from __future__ import annotations

import numpy as np
from lmviz.core.learning.checkpoints import DEFAULT_CHECKPOINT, load_learner, shipped_for
from lmviz.core.learning.config import LearnerConfig
from lmviz.core.learning.online import OnlineLearner
from lmviz.core.learning.session import DecodeSession, EncodeSession

from .base import Cancelled
from .events import CodedSequence, DecodedSequence, ModelInfo
from .settings import ExplorerRequest, task_of


class ExplorerJob:
    def __init__(self, request: ExplorerRequest, seed: int = 0) -> None:
        self.request = request
        self.task = task_of(request)
        self.rng = np.random.default_rng(seed)
        self.learners: dict[str, OnlineLearner] = {}

    def learner(self, kind: str) -> OnlineLearner:
        """The learner of a kind, made on first use."""
        if kind not in self.learners:
            r = self.request
            if kind == "pretrained":
                source = r.model if r.model is not None else (
                    r.checkpoint or shipped_for(self.task.spec()) or DEFAULT_CHECKPOINT)
                learner = load_learner(source)
            else:
                # The online model trains after every sequence: batch 1.
                batch = 1 if kind == "online" else 16
                learner = OnlineLearner(LearnerConfig(task=self.task.spec(), batch_size=batch))
            self.learners[kind] = learner
        return self.learners[kind]

    def info(self, kind: str) -> ModelInfo:
        learner = self.learner(kind)
        c = learner.config
        r = self.request
        if kind != "pretrained":
            name = "-"
        else:
            name = r.model_name or r.checkpoint or shipped_for(self.task.spec()) or DEFAULT_CHECKPOINT
        return ModelInfo(kind, f"{c.model} {c.size}", learner.parameter_count, name,
                         learner.sequences_seen)

    def encode(self, text: str | None, kind: str, cancelled: Cancelled = lambda: False
               ) -> CodedSequence | None:
        """Alice codes ``text`` (a fresh random sequence if None); an online model then trains
        on it. None if cancelled."""
        learner = self.learner(kind)
        task = learner.task
        sequence = task.parse(text) if text else task.sample(self.rng)
        train = kind == "online"
        bob_start = learner.to_bytes() if train else None
        session = EncodeSession(learner, train=train)
        steps = []
        for step in session.steps([sequence]):
            steps.append(step)
            if cancelled():
                return None
        bits = session.finish()
        given = tuple(int(t) for t in sequence[: task.first_predicted])
        return CodedSequence(tuple(steps), tuple(bits), task.decode_tokens(sequence), given,
                             self.info(kind), bob_start)

    def decode(self, coded: CodedSequence, cancelled: Cancelled = lambda: False
               ) -> DecodedSequence | None:
        """Bob decodes ``coded.bits`` alone (plus the given tokens), starting from the model
        Alice started from. None if cancelled.

        Bob's model is a copy that is dropped after this sequence, so he does not train it; that
        both sides stay in lockstep across many sequences while training is what
        tests/test_session.py checks."""
        kind = coded.model.kind
        if kind == "online":
            learner = load_learner(coded.bob_start)
        else:
            learner = self.learner(kind)  # frozen: decoding does not change it
        session = DecodeSession(learner, list(coded.bits), train=False, given=coded.given)
        steps = []
        for step in session.steps(1):
            steps.append(step)
            if cancelled():
                return None
        return DecodedSequence(tuple(steps), session.texts()[0])
