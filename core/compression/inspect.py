"""Where the bits go in a file: every byte's cost under `lmviz compress`'s own model, and what
each part of that model predicted for it (`lmviz inspect`).

`explained_compress` is `compress_packed` with an eye on every byte: it returns the very bytes
`lmviz compress` writes (so the total a user sees is the payload, not an estimate) and hands
out, in chunks (costs.ExplainChunk), per byte: what it cost the coder and its interval, the
model's most likely bytes, and each part's view (each context alone and the match model, with
the weight the mixer gave it). costs.CostMap collects them for the screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .bitcontexts import context_names
from .compressor import BitModel, compress_packed
from .config import CompressorConfig
from .costs import MATCH, MODEL, TOP_K, TOTAL, ExplainChunk
from .match import length_bucket
from .records import SEEN_BUCKETS, log_bucket

TINY = 2.0**-24  # the least probability a part is shown with (float16's smallest)
CHUNK_SECONDS = 0.1  # how often chunks are handed out while coding


class Cancelled(Exception):
    """The user left: stop coding at the next byte."""


def part_names(config: CompressorConfig) -> tuple[str, ...]:
    """The model's parts, in the order of the per-part arrays: the bit mixer's contexts, then
    the match model, then a pretrained byte model (``config.model``)."""
    names = context_names(config.orders, config.skips, config.words, config.record, config.lines)
    return (*names, *([MATCH] if config.match_min else []), *([MODEL] if config.model else []))


# Each byte's path down the tree: the node at each depth and the bit taken there.
_BYTES = np.arange(256)
_PATH_BIT = (_BYTES[:, None] >> (7 - np.arange(8))) & 1
_PATH_NODE = (256 | _BYTES)[:, None] >> (8 - np.arange(8))


def model_logp(node_p: np.ndarray) -> np.ndarray:
    """ln P over bytes (256,) of a byte model's 12-bit node probabilities (bytemodel.py)."""
    p1 = node_p[_PATH_NODE] / 4096
    return np.log(np.where(_PATH_BIT == 1, p1, 1 - p1)).sum(axis=1)


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


def _chunk(raw: list[tuple], names: tuple[str, ...], payload_bits: int,
           seconds: float) -> ExplainChunk:
    """Each byte's raw view (what `explained_compress` kept of it) as an ExplainChunk, the
    arithmetic done for all of them at once."""
    t, byte, lo, width, logp, own, path_w, first, match, held, lm = (np.array(c) for c in zip(*raw))
    P = len(names)
    C = P - (MATCH in names) - (MODEL in names)
    cost = -np.log2(width)  # what the byte cost the coder: its eight bits' probabilities
    n = len(t)
    at = np.arange(n)
    probs = np.exp(logp.astype(np.float64))  # the model's distribution before each byte
    cum = np.cumsum(probs, axis=1) - probs
    top = np.argsort(-probs, axis=1, kind="stable")[:, :TOP_K]
    top_lo, top_freq = _fixed(np.take_along_axis(cum, top, 1), np.take_along_axis(probs, top, 1))
    part_p = np.full((n, P), np.nan, dtype=np.float32)
    part_top = np.zeros((n, P), dtype=np.uint8)
    part_w = np.full((n, P), np.nan, dtype=np.float32)
    part_bucket = np.zeros((n, P), dtype=np.uint8)
    # Each context alone: its own bit probabilities multiplied along the tree.
    own = np.exp(own.astype(np.float64))
    part_p[:, :C] = np.fmax(own[at, :, byte], TINY)  # float16 keeps down to 2**-24
    part_top[:, :C] = own.argmax(axis=2)
    part_w[:, :C] = path_w[:, :C]  # the mixer's weight along the byte's path
    seen = first.sum(axis=2)  # how often the context's first bit was seen, and whether only
    part_bucket[:, :C] = (log_bucket(seen, SEEN_BUCKETS)  # one value came
                          + SEEN_BUCKETS * ((first.min(axis=2) == 0) & (seen > 1)))
    if MODEL in names:  # the byte model: a distribution; its weight is path_w's last
        lm = np.exp(lm)
        part_p[:, P - 1] = np.fmax(lm[at, byte], TINY)
        part_top[:, P - 1] = lm.argmax(axis=1)
        part_w[:, P - 1] = path_w[:, -1]
        part_bucket[:, P - 1] = np.round(100 * lm.max(axis=1))
    if MATCH in names:  # the match model: a byte (or none) and how long it has held
        has = match >= 0
        part_top[:, C] = np.where(has, match, 0)
        part_p[:, C] = np.where(has, (match == byte).astype(np.float32), np.nan)
        part_w[:, C] = path_w[:, C]
        part_bucket[:, C] = length_bucket(match, held)
    a, f = _fixed(lo, width)
    return ExplainChunk(t.astype(np.int64), cost.astype(np.float32), a, f, top.astype(np.uint8),
                        top_lo, top_freq, part_p.astype(np.float16), part_top,
                        part_w.astype(np.float16), part_bucket, payload_bits=payload_bits,
                        seconds=seconds)


def explained_compress(data: bytes, config: CompressorConfig,
                       on_chunk: Callable[[ExplainChunk], None],
                       cancelled: Callable[[], bool] = lambda: False,
                       byte_model=None) -> tuple[bytes | None, int]:
    """compress_packed(data, config, byte_model=byte_model) (the same payload and bit count),
    handing out an ExplainChunk at least every CHUNK_SECONDS and at the end. Raises Cancelled
    as soon as ``cancelled()`` is true (it is asked every byte)."""
    names = part_names(config)
    pending: list[tuple] = []  # each byte's raw view, until the next chunk
    t0 = last = time.perf_counter()
    bits = [0]
    view: list = []  # what the first hook saw of the byte, for the second

    def flush() -> None:
        if pending:
            on_chunk(_chunk(pending, names, bits[0], time.perf_counter() - t0))
            pending.clear()

    def progress(p) -> None:
        bits[0] = p.bits

    def before(model: BitModel, t: int, byte: int) -> None:
        """The model's view of byte t, before it codes and learns from it."""
        if cancelled():
            raise Cancelled
        mixer = model.mixer
        logp = mixer.distribution(model.match_byte, model.match_len, model.model_p)  # hashed
        own, path_w, first = mixer.explain(byte, model.match_byte, model.match_len)
        held = model.match.length if model.match is not None else 0
        lm = model_logp(model.model_p) if config.model else np.zeros(256)
        view[:] = [logp, own, path_w, first, model.match_byte, held, lm]

    def after(model: BitModel, t: int) -> None:
        nonlocal last
        byte = int(model.history[t])
        lo, width = byte_interval(model.probs, byte)
        pending.append((t, byte, lo, width, *view))
        now = time.perf_counter()
        if now - last > CHUNK_SECONDS:
            last = now
            flush()

    payload, nbits = compress_packed(data, config, progress, (before, after), byte_model)
    bits[0] = nbits
    flush()
    return payload, nbits
