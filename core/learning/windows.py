"""A whole file through a frozen text model, in windows of the model's context.

Each window starts with the start-of-text token and holds up to ``context - 1`` bytes; after the
first, a window repeats the last ``history`` bytes of the previous one as context and codes only
the bytes after them, so every byte but the first few is predicted from at least ``history`` bytes
before it. Windows are independent (the model is frozen), so they run as batches. The costs come
from the same quantized frequencies as every other path, and the streaming coder codes them all:
its output length is measured, not assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..coding import Encoder, code_lengths
from ..tasks import TextTask
from .ledger import quantized
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
