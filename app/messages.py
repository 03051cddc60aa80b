"""Messages from the engine's worker threads to the UI: dataclasses of plain records.

Workers never touch widgets; they `post_message` one of these (thread-safe), batched to about
30 a second. Progress messages define `can_replace`, so a UI that falls behind skips stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass(frozen=True)
class ModelInfo:
    """What the header says about the model in use."""

    kind: str  # "untrained", "pretrained" or "online"
    description: str  # e.g. "transformer small, 2 layers, d=64"
    parameters: int
    checkpoint: str  # name or path, or "-"
    sequences_seen: int  # training sequences behind this model


@dataclass
class EngineStatus(Message):
    """A one-line status from the engine (loading, training...)."""

    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EngineStatus)


@dataclass
class EngineFailed(Message):
    """The engine could not do what was asked; text is one sentence for the user."""

    text: str


@dataclass
class SequenceCoded(Message):
    """Alice coded one whole sequence: every token's record, the stream's bits, the model."""

    steps: tuple  # tuple[TokenStep, ...]
    bits: tuple[int, ...]
    text: str
    model: ModelInfo


@dataclass
class SequenceDecoded(Message):
    """Bob decoded the bits alone: his records, his text, and whether it matches Alice's."""

    steps: tuple  # tuple[TokenStep, ...]
    text: str
    matches: bool


@dataclass
class TrainProgress(Message):
    """A batch of training progress records for the train screen (newest last)."""

    generation: int  # which start of training sent it: a reset ignores the old run's stragglers
    records: tuple  # ((run, LearnProgress), ...): run 0, or 1 for the compared model
    baselines: dict  # name -> bits per sequence on the text so far

    def can_replace(self, message: Message) -> bool:
        return False  # every record is a point on a curve


@dataclass
class GrokProgress(Message):
    """New grokking steps (plain GrokStep records)."""

    generation: int  # which start sent it: a reset ignores the old run's stragglers
    records: tuple
    finished: bool = False
