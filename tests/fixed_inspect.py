"""Fixed records for the inspect screen: a file whose every byte has a made-up but consistent
cost (no model runs), fed to the screen by a job that emits them as the real one would."""

from __future__ import annotations

import numpy as np
from lmviz.app.jobs.events import ClassicalRate, InspectFinished, InspectStarted
from lmviz.core.compression.costs import TOP_K, TOTAL, ExplainChunk

PARTS = ("order-1", "order-2", "match model")
TEXT = (b"The quick brown fox jumps over the lazy dog.\n" * 6
        + b"Then a zebra! It costs more.\n" + b"the end\n")


def fixed_cost(data: np.ndarray) -> np.ndarray:
    """Frequency of each byte out of 2**16: a byte seen before in the file is cheap (1/2 bit);
    a new one costs 10 bits."""
    seen, freq = set(), np.zeros(len(data), dtype=np.int64)
    for i, b in enumerate(data.tolist()):
        freq[i] = 46341 if b in seen else 64  # -log2(46341/65536) = 0.5, -log2(64/65536) = 10
        seen.add(b)
    return freq


def fixed_chunk(data: bytes, positions: np.ndarray) -> ExplainChunk:
    arr = np.frombuffer(data, dtype=np.uint8)
    freq = fixed_cost(arr)[positions]
    n = len(positions)
    real = arr[positions].astype(np.int64)
    # The real byte's interval starts at its value * 64 / 2**16; the others fit around it.
    lo = real.astype(np.int64) * 64
    top = np.stack([real] + [(real + k) % 256 for k in range(1, TOP_K)], axis=1).astype(np.uint8)
    top_lo = np.stack([lo] + [lo + freq + 16 * (k - 1) for k in range(1, TOP_K)], axis=1)
    top_freq = np.stack([freq] + [np.full(n, 16)] * (TOP_K - 1), axis=1)
    p = freq / 65536
    part_p = np.stack([p / 2, p / 3, np.ones(n)], axis=1)
    part_top = np.stack([real, (real + 1) % 256, real], axis=1).astype(np.uint8)
    part_w = np.tile(np.array([0.5, 0.4, 2.0]), (n, 1))
    bucket = np.tile(np.array([7, 3, 4]), (n, 1))
    scale = TOTAL >> 16  # the intervals above are out of 2**16
    return ExplainChunk(positions.astype(np.int64), (-np.log2(p)).astype(np.float32),
                        (lo * scale).astype(np.uint32), (freq * scale).astype(np.uint32), top,
                        (top_lo * scale).astype(np.uint32), (top_freq * scale).astype(np.uint32),
                        part_p.astype(np.float16), part_top, part_w.astype(np.float16),
                        bucket.astype(np.uint8), payload_bits=int(np.ceil(
                            -np.log2(fixed_cost(arr)[:positions.max() + 1] / 65536).sum())),
                        seconds=1.0)


class FixedInspectJob:
    """Emits what InspectJob emits, from the fixed costs: all of the file in two chunks (the
    first half, then the rest) unless ``stop_after_first``."""

    def __init__(self, data: bytes = TEXT, stop_after_first: bool = False) -> None:
        self.data, self.stop_after_first = data, stop_after_first

    def run(self, emit, cancelled) -> None:
        n = len(self.data)
        emit(InspectStarted("fixed.txt", self.data, PARTS, "a fixed model"))
        emit(ClassicalRate("gzip -9", 3.25))
        emit(ClassicalRate("xz -9e", 3.5))
        emit(ClassicalRate("zpaq -m5", None))
        emit(fixed_chunk(self.data, np.arange(0, n // 2)))
        if self.stop_after_first:
            return
        emit(fixed_chunk(self.data, np.arange(n // 2, n)))
        bits = int(np.ceil(-np.log2(fixed_cost(np.frombuffer(self.data, np.uint8)) / 65536).sum()))
        emit(InspectFinished(bits, bits // 8 + 60, "model", 2.0))
