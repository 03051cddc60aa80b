"""Where the bits go in a file: every byte's cost under `lmviz compress`'s own model, and what
each part of that model predicted for it (`lmviz inspect`).

`explained_compress` is `compress_packed` with an eye on every byte: it returns the very bytes
`lmviz compress` writes (so the total a user sees is the payload, not an estimate) and hands
out, in chunks (costs.ExplainChunk), per byte: what it cost the coder and its interval, the
model's most likely bytes, and each part's view (each context alone and the match model, with
the weight the mixer gave it). costs.CostMap collects them for the screen.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from .bitcontexts import context_names
from .compressor import BitModel, compress_packed
from .config import CompressorConfig
from .contexts import MATCH_BUCKETS, SEEN_BUCKETS, log_bucket
from .costs import MATCH, TOP_K, TOTAL, ExplainChunk

TINY = 2.0**-24  # the least probability a part is shown with (float16's smallest)
CHUNK_SECONDS = 0.1  # how often chunks are handed out while coding


class Cancelled(Exception):
    """The user left: stop coding at the next byte."""


def part_names(config: CompressorConfig) -> tuple[str, ...]:
    """The model's parts, in the order of the per-part arrays: the bit mixer's contexts, then
    the match model."""
    names = context_names(config.orders, (), config.skips, config.words, config.record,
                          config.lines)
    return (*names, MATCH) if config.match_min else tuple(names)


def byte_interval(probs: np.ndarray, byte: int) -> tuple[float, float]:
    """The byte's interval [lo, lo + width) in [0, 1) under its eight bits' 12-bit p(1): the
    coder's bisection, a 0 taking the lower part of each interval and a 1 the upper."""
    lo, width = 0.0, 1.0
    for depth in range(8):
        p1 = probs[depth] / 4096
        if (byte >> (7 - depth)) & 1:
            lo += width * (1 - p1)
            width *= p1
        else:
            width *= 1 - p1
    return lo, width


def _fixed(lo: np.ndarray, width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fractions of [0, 1) as integers out of TOTAL, every width at least 1."""
    a = np.minimum(np.floor(lo * TOTAL), TOTAL - 1)
    return a.astype(np.uint32), np.clip(np.round(width * TOTAL), 1, TOTAL - a).astype(np.uint32)


def explained_compress(data: bytes, config: CompressorConfig,
                       on_chunk: Callable[[ExplainChunk], None],
                       cancelled: Callable[[], bool] = lambda: False) -> tuple[bytes | None, int]:
    """compress_packed(data, config) (the same payload and bit count), handing out an
    ExplainChunk at least every CHUNK_SECONDS and at the end. Raises Cancelled as soon as
    ``cancelled()`` is true (it is asked every byte)."""
    P = len(part_names(config))
    pending: list[tuple] = []
    t0 = last = time.perf_counter()
    bits = [0]
    seen: dict = {}  # what the first hook saw of the byte, for the second

    def flush() -> None:
        if not pending:
            return
        cols = list(zip(*pending))
        pending.clear()
        on_chunk(ExplainChunk(*(np.stack(c) for c in cols), payload_bits=bits[0],
                              seconds=time.perf_counter() - t0))

    def progress(p) -> None:
        bits[0] = p.bits

    def before(model: BitModel, t: int, byte: int) -> None:
        """The model's view of byte t, before it codes and learns from it."""
        if cancelled():
            raise Cancelled
        mixer = model.mixer
        logp = mixer.predict(model.history, t, model.match_byte, model.match_len)[0]
        probs = np.exp(logp.astype(np.float64))
        cum = np.concatenate(([0.0], np.cumsum(probs)[:-1]))
        top = np.argsort(-probs, kind="stable")[:TOP_K]
        C = mixer.C
        part_p = np.full(P, np.nan, dtype=np.float32)
        part_top = np.zeros(P, dtype=np.uint8)
        part_w = np.full(P, np.nan, dtype=np.float32)
        part_bucket = np.zeros(P, dtype=np.uint8)
        # Each context alone: its own bit probabilities multiplied along the tree.
        own, path_w, first = mixer.explain(np.zeros(1, dtype=np.int64), np.array([byte]))
        own = np.exp(own[0].astype(np.float64))
        part_p[:C] = np.fmax(own[:, byte], TINY)  # float16 keeps down to 2**-24
        part_top[:C] = own.argmax(axis=1)
        part_w[:C] = path_w[0, :C]  # the mixer's weight along the byte's path
        n = first[0].sum(axis=1)  # how often the context's first bit was seen, and whether only
        part_bucket[:C] = (log_bucket(n, SEEN_BUCKETS)  # one value came
                           + SEEN_BUCKETS * ((first[0].min(axis=1) == 0) & (n > 1)))
        if P > C:  # the match model: a byte (or none) and how long it has held
            mb = int(model.match_byte[0])
            if mb >= 0:
                part_top[C] = mb
                part_p[C] = float(mb == byte)
            part_w[C] = path_w[0, C]
            length = model.match.length[:1] + 1
            part_bucket[C] = log_bucket(length, MATCH_BUCKETS)[0] if mb >= 0 else 0
        top_lo, top_freq = _fixed(cum[top], probs[top])
        seen["view"] = (top.astype(np.uint8), top_lo, top_freq, part_p.astype(np.float16),
                        part_top, part_w.astype(np.float16), part_bucket)

    def after(model: BitModel, t: int) -> None:
        nonlocal last
        byte = int(model.flat[t])
        lo, width = byte_interval(model.probs, byte)
        cost = -sum(math.log2((p if (byte >> (7 - d)) & 1 else 4096 - p) / 4096)
                    for d, p in enumerate(model.probs.tolist()))
        a, f = _fixed(np.array(lo), np.array(width))
        pending.append((np.int64(t), np.float32(cost), a, f, *seen.pop("view")))
        now = time.perf_counter()
        if now - last > CHUNK_SECONDS:
            last = now
            flush()

    payload, nbits = compress_packed(data, config, progress, (before, after))
    bits[0] = nbits
    flush()
    return payload, nbits
