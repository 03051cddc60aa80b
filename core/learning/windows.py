"""A whole file through a frozen text model, in windows of the model's context.

Each window starts with the start-of-text token and holds up to ``context - 1`` bytes; after the
first, a window repeats the last ``history`` bytes of the previous one as context and codes only
the bytes after them, so every byte but the first few is predicted from at least ``history`` bytes
before it. Windows are independent (the model is frozen), so they run as batches. The costs come
from the same quantized frequencies as every other path, and the streaming coder codes them all:
its output length is measured, not assumed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..coding import Cdf, Decoder, Encoder, code_lengths
from ..coding.quantize import quantize_probs
from ..tasks import TextTask
from ..tasks.text import LONG_TEXT_BYTES
from .ledger import Ledger, TokenStep, quantized
from .online import OnlineLearner

BATCH = 16  # windows per forward pass


@dataclass(frozen=True)
class FileCost:
    bytes: int  # bytes coded
    windows: int  # forward windows run
    ideal_bits: float  # sum of -log2 q over every byte
    stream_bits: int  # what the streaming coder produced for all of them


def window_plan(length: int, context: int, history: int) -> list[tuple[int, int, int]]:
    """(start, first_coded, end) byte offsets of each window: bytes [start, end) are in the
    window, those from first_coded on are coded by it."""
    span = context - 1
    if not 0 <= history < span:
        raise ValueError(f"history must lie in [0, {span}), not {history}")
    plan, done = [], 0
    while done < length:
        start = max(0, done - history)
        end = min(length, start + span)
        plan.append((start, done, end))
        done = end
    return plan


def code_file(learner: OnlineLearner, data: bytes, history: int | None = None,
              progress: Callable[[int, int], None] = lambda done, total: None) -> FileCost:
    task = learner.task
    if not isinstance(task, TextTask):
        raise ValueError("files are coded with a text model")
    c = task.context
    history = (c - 1) // 2 if history is None else history
    plan = window_plan(len(data), c, history)
    arr = np.frombuffer(data, dtype=np.uint8)
    enc = Encoder()
    ideal = 0.0
    total_bits = learner.config.total_bits
    for i in range(0, len(plan), BATCH):
        chunk = plan[i : i + BATCH]
        block = np.zeros((len(chunk), c), dtype=np.int64)
        block[:, 0] = task.BOS
        for r, (start, _, end) in enumerate(chunk):
            block[r, 1 : 1 + end - start] = arr[start:end]
        probs = learner.predict(block)
        for r, (start, first, end) in enumerate(chunk):
            pos = list(range(1 + first - start, 1 + end - start))
            freqs = quantized(probs[r : r + 1], pos, total_bits)[0]
            symbols = block[r, pos]
            ideal += float(code_lengths(freqs, symbols).sum())
            cum = np.concatenate([np.zeros((len(pos), 1), np.int64), np.cumsum(freqs, axis=1)], axis=1)
            total = 1 << total_bits
            for j, s in enumerate(symbols.tolist()):
                enc.encode_interval(int(cum[j, s]), int(cum[j, s + 1]), total)
        progress(chunk[-1][2], len(data))
    bits = enc.finish()
    return FileCost(len(data), len(plan), ideal, len(bits))


def _long_text_learner(learner: OnlineLearner, history: int | None) -> tuple[TextTask, int]:
    task = learner.task
    if not isinstance(task, TextTask):
        raise ValueError("long texts are coded with a text model")
    span = task.context - 1
    history = span // 2 if history is None else history
    if not 0 <= history < span:
        raise ValueError(f"history must lie in [0, {span}), not {history}")
    return task, history


class LongTextEncodeSession:
    """Alice codes a text longer than the model's context, and its end token, one window at a
    time: each window is the start token and up to ``context - 1`` tokens, the first ``history``
    of them (after the first window) repeated from the window before as context, the rest coded.
    The model is frozen. Every window is predicted alone, in a block of the context's length, so
    Bob, who predicts the same block with padding after the token he decodes, gets bit-identical
    distributions; each record's ``position`` is the token's place in the whole text (1 = the
    first byte)."""

    def __init__(self, learner: OnlineLearner, history: int | None = None) -> None:
        self.task, self.history = _long_text_learner(learner, history)
        self.learner = learner
        self.ledger = Ledger(self.task, learner.config.total_bits, learner.config.size_bits)
        self.encoder = Encoder()
        self.windows = 0
        self.bits: list[int] | None = None

    def steps(self, data: bytes) -> Iterator[TokenStep]:
        self.task.validate(data)  # one sentence for an empty text or one too long
        task, c = self.task, self.task.context
        tokens = np.array([*data, task.END], dtype=np.int64)
        for start, done, end in window_plan(len(tokens), c, self.history):
            block = np.zeros((1, c), dtype=np.int64)
            block[0, 0] = task.BOS
            block[0, 1 : 1 + end - start] = tokens[start:end]
            probs = self.learner.predict(block)
            pos = list(range(1 + done - start, 1 + end - start))
            freqs = quantized(probs, pos, self.ledger.total_bits)[0]
            for j, t in enumerate(pos):
                cdf = Cdf.of(freqs[j])
                s = int(block[0, t])
                step = self.encoder.encode(cdf, s)
                rec = self.ledger.record(0, block[0], t, probs[0, t], freqs[j], cdf, s, step,
                                         len(self.encoder.out) + self.encoder.pending)
                yield replace(rec, position=start + t)
            self.windows += 1

    def finish(self) -> list[int]:
        self.bits = self.encoder.finish()
        return self.bits


class LongTextDecodeSession:
    """Bob decodes a long text from the bits alone, window by window as Alice coded it: he
    does not need its length, since a window is full after ``context - 1`` tokens and the text
    ends at its end token."""

    def __init__(self, learner: OnlineLearner, bits: Sequence[int],
                 history: int | None = None) -> None:
        self.task, self.history = _long_text_learner(learner, history)
        self.learner = learner
        self.ledger = Ledger(self.task, learner.config.total_bits, learner.config.size_bits)
        self.decoder = Decoder(bits)
        self.tokens: list[int] = []
        self.new_per_window = self.task.context - 1 - self.history  # tokens each window adds

    def steps(self) -> Iterator[TokenStep]:
        task, c = self.task, self.task.context
        total_bits = self.ledger.total_bits
        while len(self.tokens) <= LONG_TEXT_BYTES:
            done = len(self.tokens)
            start = max(0, done - self.history)
            block = np.zeros((1, c), dtype=np.int64)  # unknown positions are padding
            block[0, 0] = task.BOS
            block[0, 1 : 1 + done - start] = self.tokens[start:done]
            for t in range(1 + done - start, c):
                probs = self.learner.predict(block)[:, t]
                freqs = quantize_probs(probs, total_bits)
                cdf = Cdf.of(freqs[0])
                s, step = self.decoder.decode(cdf)
                block[0, t] = s
                self.tokens.append(s)
                rec = self.ledger.record(0, block[0], t, probs[0], freqs[0], cdf, s, step,
                                         step.bits_so_far)
                yield replace(rec, position=start + t)
                if s == task.END:
                    return
        raise ValueError("the bits decode to a text longer than any the explorer codes: "
                         "they are not a long text's")

    def text(self) -> str:
        body = self.tokens[:-1] if self.tokens and self.tokens[-1] == self.task.END else self.tokens
        return bytes(body).decode("utf-8", errors="replace")
