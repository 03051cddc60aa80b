"""Where the bits go in a file: every byte's cost under `lmviz compress`'s own model, and what
each part of that model predicted for it (`lmviz inspect`).

`explained_compress` is `compress_packed` with an eye on every step: it returns the very bits
`lmviz compress` writes (so the total a user sees is the payload, not an estimate) and hands
out, in chunks, per byte: its interval under the quantized mix, the mix's most likely bytes,
and each part's view (each count context, the match model, the LSTM alone, with the weight the
mixer gave it). `CostMap` collects the chunks into compact arrays (about 60 bytes a byte, so a
file of MAX_INSPECT bytes needs about 130 MB besides the compressor's own) and answers what the
screen draws: costs along the file, windowed and cumulative, and one byte's `ByteDetail`.

Numbers only: no torch tensor leaves this module (the explain hook reads them in the worker).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .compressor import CompressorConfig, _layout, compress_packed
from .contexts import COUNT_BUCKETS, MATCH_BUCKETS

TOP_K = 4  # the mix's most likely bytes kept per byte
MAX_INSPECT = 2 << 20  # the largest file `lmviz inspect` takes (the issue asks for 1 MB)
CHUNK_SECONDS = 0.1  # how often chunks are handed out while coding


class Cancelled(Exception):
    """The user left: stop coding at the next step."""


def part_names(config: CompressorConfig) -> tuple[str, ...]:
    """The model's parts, in the order of the per-part arrays: the count contexts (as
    ContextInputs rows), the match model, the LSTM alone."""
    names = [f"order-{k} counts" for k in config.orders]
    names += ["row above" if d == (config.record,) else "row above + last byte"
              for d in config.sparse]
    if config.match_min:
        names.append("match model")
    return (*names, "LSTM alone")


@dataclass(frozen=True)
class ExplainChunk:
    """Bytes coded since the last chunk, in coding order (a step codes one byte of every stream,
    so they lie all over the file). n bytes, P parts (part_names), K = TOP_K."""

    positions: np.ndarray  # (n,) int64: offsets in the file
    lo: np.ndarray  # (n,) uint16: start of the byte's interval, out of 2**total_bits
    freq: np.ndarray  # (n,) uint16: its width (the mix's quantized frequency)
    top: np.ndarray  # (n, K) uint8: the mix's most likely bytes, most likely first
    top_lo: np.ndarray  # (n, K) uint16
    top_freq: np.ndarray  # (n, K) uint16
    part_p: np.ndarray  # (n, P) float16: each part's probability of the real byte (NaN: none)
    part_top: np.ndarray  # (n, P) uint8: each part's most likely byte
    part_w: np.ndarray  # (n, P) float16: the mixer's weight on the part (NaN for the LSTM)
    part_bucket: np.ndarray  # (n, P) uint8: count confidence / match length bucket
    payload_bits: int  # the encoder's bits so far
    seconds: float


def explained_compress(data: bytes, config: CompressorConfig,
                       on_chunk: Callable[[ExplainChunk], None],
                       cancelled: Callable[[], bool] = lambda: False) -> tuple[bytes, int]:
    """compress_packed(data, config) (the same payload and bit count), handing out an
    ExplainChunk at least every CHUNK_SECONDS and at the end. Raises Cancelled as soon as
    ``cancelled()`` is true (it is asked every step)."""
    steps, _ = _layout(len(data), config.streams)
    P = len(part_names(config))
    pending: list[tuple] = []
    t0 = last = time.perf_counter()
    bits = [0]

    def flush() -> None:
        if not pending:
            return
        cols = list(zip(*pending))
        pending.clear()
        on_chunk(ExplainChunk(*(np.concatenate(c) for c in cols), payload_bits=bits[0],
                              seconds=time.perf_counter() - t0))

    def progress(p) -> None:
        bits[0] = p.bits

    def explain(eng, t: int, cums: np.ndarray, row: np.ndarray, live: np.ndarray) -> None:
        nonlocal last
        if cancelled():
            raise Cancelled
        rows = np.flatnonzero(live)
        n = len(rows)
        sym = row[rows].astype(np.int64)
        cum = cums[rows]
        at = np.arange(n)
        lo = cum[at, sym]
        freqs = np.diff(cum, axis=1)
        top = np.argsort(-freqs, axis=1, kind="stable")[:, :TOP_K]
        part_p = np.full((n, P), np.nan, dtype=np.float32)
        part_top = np.zeros((n, P), dtype=np.uint8)
        part_w = np.full((n, P), np.nan, dtype=np.float32)
        part_bucket = np.zeros((n, P), dtype=np.uint8)
        ctx, head = eng.last_parts
        if ctx is not None:
            feats = ctx.features[rows].numpy()  # (n, F, 256)
            index = ctx.index[rows].numpy()  # (n, F)
            counts = eng.config.count_contexts
            # A count part's own distribution: softmax of log(count + 1/4) = (count + 1/4) / sum.
            c = np.exp(feats[:, :counts, :].astype(np.float64))
            c /= c.sum(axis=2, keepdims=True)
            part_p[:, :counts] = c[at, :, sym]
            part_top[:, :counts] = c.argmax(axis=2)
            part_w[:, : index.shape[1]] = eng.model.mix_w.detach().numpy()[index]
            part_bucket[:, :counts] = index[:, :counts] % COUNT_BUCKETS
            if index.shape[1] > counts:  # the match model: a byte (or none) and a length
                hot = feats[:, counts, :]
                has = hot.max(axis=1) > 0
                part_top[:, counts] = hot.argmax(axis=1)
                part_p[:, counts] = np.where(has, hot[at, sym], np.nan)
                part_bucket[:, counts] = index[:, counts] - eng._match_offset
        lstm = torch.softmax(head[rows].double(), dim=-1).numpy()
        part_p[:, -1] = lstm[at, sym]
        part_top[:, -1] = lstm.argmax(axis=1)
        pending.append((rows.astype(np.int64) * steps + t, lo.astype(np.uint16),
                        freqs[at, sym].astype(np.uint16), top.astype(np.uint8),
                        np.take_along_axis(cum[:, :256], top, 1).astype(np.uint16),
                        np.take_along_axis(freqs, top, 1).astype(np.uint16),
                        part_p.astype(np.float16), part_top, part_w.astype(np.float16),
                        part_bucket))
        now = time.perf_counter()
        if now - last > CHUNK_SECONDS:
            last = now
            flush()

    payload, nbits = compress_packed(data, config, progress, explain)
    bits[0] = nbits
    flush()
    return payload, nbits


# -- what the screen reads -------------------------------------------------------------------
@dataclass(frozen=True)
class PartView:
    """What one part of the model said about one byte."""

    name: str
    top: int  # its most likely byte (-1: it had no prediction)
    p: float  # its probability of the real byte (NaN: not a distribution, or none)
    weight: float  # the mixer's weight on it (NaN: the LSTM, whose logits enter as they are)
    confidence: str  # e.g. "seen 4-7 times" or "held 3-6 bytes"


@dataclass(frozen=True)
class ByteDetail:
    """One byte as the coder saw it: its interval under the mix, the mix's favourites, the
    parts."""

    position: int
    byte: int
    lo: int  # the byte's interval [lo, lo + freq) out of total
    freq: int
    total: int
    top: tuple[tuple[int, int, int], ...]  # (byte, lo, freq) of the mix's likeliest, best first
    parts: tuple[PartView, ...]

    @property
    def bits(self) -> float:
        return math.log2(self.total / self.freq)

    def segments(self) -> tuple[list[int], list[int]]:
        """[0, 1) as the bytes we know the intervals of (the top ones and the real one) and the
        gaps between them (byte -1): cumulative frequencies and the byte of each segment, for the
        explorer's IntervalBar."""
        known = {b: (lo, f) for b, lo, f in self.top}
        known[self.byte] = (self.lo, self.freq)
        cum, owners, at = [0], [], 0
        for b, (lo, f) in sorted(known.items(), key=lambda kv: kv[1][0]):
            if lo > at:
                cum.append(lo)
                owners.append(-1)
            cum.append(lo + f)
            owners.append(b)
            at = lo + f
        if at < self.total:
            cum.append(self.total)
            owners.append(-1)
        return cum, owners


def _count_label(bucket: int) -> str:
    if bucket == 0:
        return "unseen context"
    if bucket == COUNT_BUCKETS - 1:
        return f"seen {1 << (bucket - 1)}+ times"
    a, b = 1 << (bucket - 1), (1 << bucket) - 1
    return f"seen {a} time{'s' if a > 1 else ''}" if a == b else f"seen {a}-{b} times"


def _match_label(bucket: int, top_bucket: int) -> str:
    # MatchModel buckets the verified length plus one: bucket b holds 2**(b-1) - 1 .. 2**b - 2.
    if bucket == 0:
        return "no match"
    a, b = (1 << (bucket - 1)) - 1, (1 << bucket) - 2
    if bucket == top_bucket:
        return f"held {a}+ bytes"
    return f"held {a} bytes" if a == b else f"held {a}-{b} bytes"


class CostMap:
    """Every byte's cost and parts as chunks arrive (preallocated: memory is fixed by the file's
    size when it is made)."""

    def __init__(self, data: bytes, parts: tuple[str, ...], total_bits: int) -> None:
        n, P = len(data), len(parts)
        self.data = np.frombuffer(data, dtype=np.uint8)
        self.parts = parts
        self.total = 1 << total_bits
        self.coded = np.zeros(n, dtype=bool)
        self.cost = np.zeros(n, dtype=np.float32)  # bits of each coded byte (0 until coded)
        self.lo = np.zeros(n, dtype=np.uint16)
        self.freq = np.zeros(n, dtype=np.uint16)
        self.top = np.zeros((n, TOP_K), dtype=np.uint8)
        self.top_lo = np.zeros((n, TOP_K), dtype=np.uint16)
        self.top_freq = np.zeros((n, TOP_K), dtype=np.uint16)
        self.part_p = np.zeros((n, P), dtype=np.float16)
        self.part_top = np.zeros((n, P), dtype=np.uint8)
        self.part_w = np.zeros((n, P), dtype=np.float16)
        self.part_bucket = np.zeros((n, P), dtype=np.uint8)
        self.done = 0  # bytes coded
        self.ideal_bits = 0.0  # sum of -log2 q over coded bytes
        self.payload_bits = 0  # the encoder's bits so far (at the end: the payload's)
        self.seconds = 0.0

    def __len__(self) -> int:
        return len(self.data)

    def add(self, chunk: ExplainChunk) -> None:
        at = chunk.positions
        assert not self.coded[at].any(), "every byte is coded once"
        self.coded[at] = True
        bits = np.log2(self.total / chunk.freq.astype(np.float64))
        self.cost[at] = bits
        for name in ("lo", "freq", "top", "top_lo", "top_freq", "part_p", "part_top", "part_w",
                     "part_bucket"):
            getattr(self, name)[at] = getattr(chunk, name)
        self.done += len(at)
        self.ideal_bits += float(bits.sum())
        self.payload_bits = chunk.payload_bits
        self.seconds = chunk.seconds

    @property
    def finished(self) -> bool:
        return self.done == len(self.data)

    def along(self, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The file cut into ``bins`` equal pieces: each piece's start (bytes), its mean bits per
        coded byte (NaN where none is coded yet), and the cumulative mean from the file's start
        over the coded bytes up to its end."""
        n = len(self.data)
        bins = max(1, min(bins, n))
        edges = np.linspace(0, n, bins + 1).astype(np.int64)
        cost_sum = np.add.reduceat(self.cost.astype(np.float64), edges[:-1])
        coded = np.add.reduceat(self.coded.astype(np.int64), edges[:-1])
        with np.errstate(invalid="ignore", divide="ignore"):
            window = np.where(coded > 0, cost_sum / coded, np.nan)
            cumulative = np.where(np.cumsum(coded) > 0, np.cumsum(cost_sum) / np.cumsum(coded),
                                  np.nan)
        return edges[:-1], window, cumulative

    def detail(self, pos: int) -> ByteDetail | None:
        """What the screen shows for the byte at ``pos`` (None until it is coded)."""
        if not self.coded[pos]:
            return None
        parts = []
        for i, name in enumerate(self.parts):
            p = float(self.part_p[pos, i])
            bucket = int(self.part_bucket[pos, i])
            if name == "match model":
                has = bucket > 0
                confidence = _match_label(bucket, MATCH_BUCKETS - 1)
                top = int(self.part_top[pos, i]) if has else -1
            elif name == "LSTM alone":
                confidence, top = "", int(self.part_top[pos, i])
            else:
                confidence, top = _count_label(bucket), int(self.part_top[pos, i])
            parts.append(PartView(name, top, p, float(self.part_w[pos, i]), confidence))
        top = tuple((int(b), int(lo), int(f)) for b, lo, f in
                    zip(self.top[pos], self.top_lo[pos], self.top_freq[pos]))
        return ByteDetail(pos, int(self.data[pos]), int(self.lo[pos]), int(self.freq[pos]),
                          self.total, top, tuple(parts))
