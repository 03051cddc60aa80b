"""What jobs emit: plain records (numbers, strings, tuples, numpy arrays; never tensors).

A screen's worker wraps each one in a `messages.JobEvent`; the command line reads them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lmviz.core.coding.bisection import BisectionTrace

# The live scaling race's record, made by core (the headless command reads the same): one size
# after one more chunk of the stream.
from lmviz.core.learning.scale_records import ScaleChunk  # noqa: F401


@dataclass(frozen=True)
class Status:
    """A one-line status (loading, training, saved…)."""

    text: str


@dataclass(frozen=True)
class Failed:
    """The job stopped: one sentence for the user."""

    text: str


@dataclass(frozen=True)
class ModelInfo:
    """What the explorer's header says about the model in use."""

    kind: str  # a jobs.settings.ModelKind: pretrained, untrained, online or law
    description: str  # e.g. "transformer small"
    parameters: int
    checkpoint: str  # name or path, or "-"
    sequences_seen: int  # training sequences behind this model
    weights_bits: int | None = None  # a pretrained model's weights: Bob needs them too


@dataclass(frozen=True)
class CodedSequence:
    """Alice coded one whole sequence. Everything Bob needs to decode it is here too."""

    steps: tuple  # tuple[TokenStep, ...]
    bits: tuple[int, ...]  # the streaming coder's output
    text: str  # the sequence as text
    given: tuple[int, ...]  # the tokens before the first coded one, sent alongside
    model: ModelInfo  # the model after coding (an online one has trained on the sequence)
    bob_start: bytes | None  # online: the model Alice started from (a checkpoint), for Bob
    classical_bits: dict | None = None  # gzip / bzip2 / xz of the same bytes (text only)
    windows: int = 0  # a text longer than the context: the windows it was coded in (0: one block)


@dataclass(frozen=True)
class DecodedSequence:
    """Bob decoded the bits alone: his records and his text (so far, while ``complete`` is
    False: a long text arrives a window at a time)."""

    steps: tuple
    text: str
    complete: bool = True


@dataclass(frozen=True)
class TrainBatch:
    """Training progress records, newest last."""

    records: tuple  # ((run, LearnProgress), ...): run 0, or 1 for the compared model
    baselines: dict  # {} or name -> bits per sequence on the stream so far, and "sequences"


@dataclass(frozen=True)
class Saved:
    """A checkpoint was written."""

    path: str


@dataclass(frozen=True)
class Exported:
    """The current model, handed over in memory (no file is left behind)."""

    checkpoint: bytes
    digits: int
    name: str


@dataclass(frozen=True)
class GrokBatch:
    """New grokking steps (GrokStep records); finished once the run has nothing more to show."""

    records: tuple
    finished: bool = False


@dataclass(frozen=True)
class InspectStarted:
    """`lmviz inspect` began coding a file (its ExplainChunk records follow)."""

    name: str
    data: bytes  # the file
    parts: tuple[str, ...]  # the model's parts (core.compression.inspect.part_names)
    model: str  # what the model is, in words


@dataclass(frozen=True)
class ClassicalRate:
    """A classical compressor's whole-file rate on the inspected file."""

    name: str  # e.g. "xz -9e"
    bits_per_byte: float | None  # None: the tool is not installed


@dataclass(frozen=True)
class InspectFinished:
    """Every byte is coded: the payload is exactly what `lmviz compress` codes."""

    payload_bits: int
    output_bytes: int  # what `lmviz compress` writes for this file, header included
    form: str  # what compress writes: "model" (the payload), "lzma", "stored" (raw) or "repeated"
    seconds: float


@dataclass(frozen=True)
class PretrainProgress:
    """One report: held-out bits per byte after so many minutes and bytes."""

    row: dict  # steps, minutes, bytes_seen, lr, train_bpb, held_out_bpb


@dataclass(frozen=True)
class PretrainDone:
    record: dict  # what the checkpoint records (corpus, settings, figures)


@dataclass(frozen=True)
class CompressionResult:
    data: bytes  # what to write
    original_length: int  # bytes of the uncompressed file
    model: str | None = None  # the byte model mixed in (its name), None for none


@dataclass(frozen=True)
class LearnResult:
    last: object  # the final LearnProgress
    baselines: dict  # gzip / bzip2 / xz bits per sequence on the same stream
    parameters: int


@dataclass(frozen=True)
class ArticleInterval:
    """Step 2: the article's distribution, Alice's bisection and what Bob reads back."""

    freqs: np.ndarray  # quantized frequencies of the six tokens
    symbols: tuple[str, ...]
    token: int
    trace: BisectionTrace  # Alice's halvings
    bob_point: float  # the middle of the final dyadic interval: where Bob looks
    bob_token: int  # the token that owns bob_point


@dataclass(frozen=True)
class CodeLengthRow:
    label: str
    bits: float
    note: str = ""
    of_raw: bool = True  # show its share of raw (not for a cost paid once, like code f)


@dataclass(frozen=True)
class CodeLengths:
    """A small table of code lengths for the same data, with raw as the yardstick."""

    caption: str
    rows: tuple[CodeLengthRow, ...]
    raw_bits: float  # what sending every token as it is costs


@dataclass(frozen=True)
class StepRecords:
    """What one step shows: a coded sequence, Bob's decoding, tables, the article interval."""

    coded: CodedSequence | None = None
    decoded: DecodedSequence | None = None
    tables: tuple[CodeLengths, ...] = ()
    interval: ArticleInterval | None = None
    task: object = None  # the Task of `coded` (labels, glyphs, raw bits per token)
