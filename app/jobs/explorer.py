"""The explorer job: Alice codes one sequence, Bob decodes it from the bits alone.

Each call takes everything it needs and returns plain records: `decode` reads nothing that
`encode` left behind (Alice's result carries the given tokens and, for an online model, the model
Bob must start from). The learners are made on first use and kept, since loading one costs
seconds; the online learner is the one that changes, by design: it trains on every sequence coded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
from lmviz.core.baselines import classical_bits
from lmviz.core.learning.checkpoints import CheckpointError, load_learner, shipped_for
from lmviz.core.learning.config import LearnerConfig
from lmviz.core.learning.law import SourceLaw
from lmviz.core.learning.online import OnlineLearner
from lmviz.core.learning.pretrain import PretrainConfig, learner_config
from lmviz.core.learning.session import DecodeSession, EncodeSession
from lmviz.core.learning.windows import (
    FileCost,
    LongTextDecodeSession,
    LongTextEncodeSession,
    code_file,
)
from lmviz.core.tasks import TaskError, TextTask

from .base import Cancelled
from .events import CodedSequence, DecodedSequence, ModelInfo
from .settings import TEXT_CONTEXT, ExplorerRequest, ModelKind, task_of

# Untrained models of the tasks whose pretrained model is not the default learner's shape.
UNTRAINED = {"text": lambda task: learner_config(PretrainConfig(context=task.context))}


def checkpoint_task(name_or_path: str) -> dict:
    """The task a checkpoint was trained on, read from the checkpoint (one sentence if it is
    missing or damaged): what `lmviz --checkpoint` checks before the app starts."""
    return load_learner(name_or_path).task.spec()


class ExplorerJob:
    def __init__(self, request: ExplorerRequest, seed: int = 0, control=None) -> None:
        # ``control``: as every job is made (jobs/factory.py); the explorer takes no commands
        self.request = request
        self.task = task_of(request)
        self.rng = np.random.default_rng(seed)
        self.learners: dict[str, OnlineLearner] = {}

    def _pretrained_source(self):
        r = self.request
        source = r.model if r.model is not None else (r.checkpoint or shipped_for(self.task.spec()))
        if source is None:
            raise CheckpointError(f"no pretrained model ships for {self.task.label()}: "
                                  "press m for the untrained or online one")
        return source

    def learner(self, kind: ModelKind) -> OnlineLearner:
        """The learner of a kind, made on first use."""
        if kind in self.learners:
            return self.learners[kind]
        if kind == ModelKind.LAW:  # the generator's own distribution: nothing to load or learn
            self.learners[kind] = SourceLaw(self.task)
            return self.learners[kind]
        if kind == ModelKind.PRETRAINED:
            learner = load_learner(self._pretrained_source())
        elif kind == ModelKind.ONLINE and self.task.online_from_pretrained and self._has_pretrained():
            # One sentence teaches a byte model from scratch nothing worth watching: online text
            # fine-tunes the pretrained model, one text at a time (its config says batch 1).
            learner = copy.deepcopy(self.learner(ModelKind.PRETRAINED))
        elif self.task.name in UNTRAINED:  # the pretrained architecture, with fresh weights
            learner = OnlineLearner(UNTRAINED[self.task.name](self.task))
        else:
            # The online model trains after every sequence: batch 1.
            batch = 1 if kind == ModelKind.ONLINE else 16
            learner = OnlineLearner(LearnerConfig(task=self.task.spec(), batch_size=batch))
        self.learners[kind] = learner
        return learner

    def _has_pretrained(self) -> bool:
        try:
            self._pretrained_source()
            return True
        except CheckpointError:
            return False

    def info(self, kind: ModelKind) -> ModelInfo:
        learner = self.learner(kind)
        if kind == ModelKind.LAW:
            return ModelInfo(kind, "the source's own law (the best model there is)", 0, "-", 0)
        c = learner.config
        r = self.request
        pretrained = kind == ModelKind.PRETRAINED or (kind == ModelKind.ONLINE and self.task.online_from_pretrained
                                              and self._has_pretrained())
        name = "-"
        if pretrained:
            name = r.model_name or r.checkpoint or shipped_for(self.task.spec()) or "-"
        # Bob must hold a pretrained model's weights before the first bit: 32 bits each, as stored.
        weights = 32 * learner.parameter_count if pretrained else None
        return ModelInfo(kind, f"{c.model} {c.size}", learner.parameter_count, name,
                         learner.sequences_seen, weights)

    def encode(self, text: str | None, kind: ModelKind, cancelled: Cancelled = lambda: False
               ) -> CodedSequence | None:
        """Alice codes ``text`` (a fresh random sequence if None); an online model then trains
        on it. None if cancelled."""
        if text is not None and isinstance(self.task, TextTask) and self.task.is_long(text):
            return self._encode_long(text, kind, cancelled)  # before any learner is made
        learner = self.learner(kind)
        task = learner.task
        sequence = task.sample(self.rng) if text is None else task.parse(text)
        train = kind == ModelKind.ONLINE
        bob_start = learner.to_bytes() if train else None
        session = EncodeSession(learner, train=train)
        steps = []
        for step in session.steps([sequence]):
            steps.append(step)
            if cancelled():
                return None
        bits = session.finish()
        given = tuple(int(t) for t in sequence[: task.first_predicted])
        classical = None
        if not task.has_oracle:  # no oracle: the classical compressors are the yardstick
            classical = classical_bits(task.text_bytes(sequence))
        return CodedSequence(tuple(steps), tuple(bits), task.decode_tokens(sequence), given,
                             self.info(kind), bob_start, classical)

    def _encode_long(self, text: str, kind: ModelKind, cancelled: Cancelled
                     ) -> CodedSequence | None:
        """A text longer than the context, coded by the frozen model window by window."""
        if kind == ModelKind.ONLINE:
            raise TaskError(f"the online model fine-tunes on texts of up to "
                            f"{self.task.max_bytes} bytes, one at a time; this one is "
                            f"{len(text.encode()):,}: press m for a frozen model")
        learner = self.learner(kind)
        data = text.encode("utf-8")
        session = LongTextEncodeSession(learner)
        steps = []
        for step in session.steps(data):
            steps.append(step)
            if cancelled():
                return None
        bits = session.finish()
        return CodedSequence(tuple(steps), tuple(bits), text, (learner.task.BOS,), self.info(kind),
                             None, classical_bits(data), windows=session.windows)

    def decode(self, coded: CodedSequence, cancelled: Cancelled = lambda: False,
               partial: Callable[[DecodedSequence], None] = lambda d: None
               ) -> DecodedSequence | None:
        """Bob decodes ``coded.bits`` alone (plus the given tokens), starting from the model
        Alice started from. None if cancelled.

        A long text costs Bob one model pass a token: ``partial`` gets what he has decoded after
        each window, so the screen can show it while he goes on.

        Bob's model is a copy that is dropped after this sequence, so he does not train it; that
        both sides stay in lockstep across many sequences while training is what
        tests/test_session.py checks."""
        kind = coded.model.kind
        if coded.windows:  # a long text: window by window, as Alice coded it
            long = LongTextDecodeSession(self.learner(kind), list(coded.bits))
            steps = []
            for step in long.steps():
                steps.append(step)
                if cancelled():
                    return None
                if step.position % long.new_per_window == 0:
                    partial(DecodedSequence(tuple(steps), long.text(), complete=False))
            return DecodedSequence(tuple(steps), long.text())
        if kind == ModelKind.ONLINE:
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

def text_model(checkpoint: str | None):
    """The frozen model for --file (a text model): the shipped English one, a path, or none."""
    if checkpoint == "none":
        return OnlineLearner(learner_config(PretrainConfig())), False
    name = checkpoint or shipped_for(TextTask(context=TEXT_CONTEXT).spec())
    if name is None:
        raise CheckpointError("no English model ships with this lmviz: give --checkpoint PATH "
                              "(made by `lmviz pretrain text`) or --checkpoint none")
    learner = load_learner(name)
    if not isinstance(learner.task, TextTask):
        raise CheckpointError(f"{name} is a model of {learner.task.label()}, not of text")
    return learner, True


def code_text_file(learner: OnlineLearner, data: bytes, progress) -> FileCost:
    """A whole file through a frozen text model, in windows of its context (`lmviz encode
    --task text --file`)."""
    return code_file(learner, data, progress=progress)
