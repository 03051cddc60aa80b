"""What `lmviz inspect` knows about every byte of a file, as plain numbers (numpy only: the
screen reads this without numba). The job side, which makes the chunks, is inspect.py.

`CostMap` collects ExplainChunk records into compact arrays (at most 170 bytes a byte with the
20 parts of a binary record table's model, so a file of MAX_INSPECT bytes needs about 360 MB
besides the compressor's own) and answers what the screen
draws: costs along the file, windowed and cumulative, and one byte's `ByteDetail`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .records import MATCH_BUCKETS, SEEN_BUCKETS

MATCH = "match model"  # one byte, right or wrong, no distribution (the other parts: contexts)
MODEL = "byte model"  # a pretrained byte model (`--model`): a distribution over bytes
TOP_K = 4  # the mix's most likely bytes kept per byte
# Intervals are kept as integers out of TOTAL: the explorer's coder, which the bisection panel
# runs on them, takes totals up to 2**30 (a byte under 2**-30 is drawn as 1 of it; its cost is
# kept exactly).
TOTAL = 1 << 30
MAX_INSPECT = 2 << 20  # the largest file `lmviz inspect` takes (the issue asks for 1 MB)


@dataclass(frozen=True)
class ExplainChunk:
    """Bytes coded since the last chunk, in the file's order. n bytes, P parts (part_names),
    K = TOP_K."""

    positions: np.ndarray  # (n,) int64: offsets in the file
    bits: np.ndarray  # (n,) float32: what the byte cost the coder (-log2 of its eight bits' p)
    lo: np.ndarray  # (n,) uint32: start of the byte's interval, out of TOTAL
    freq: np.ndarray  # (n,) uint32: its width (at least 1)
    top: np.ndarray  # (n, K) uint8: the mix's most likely bytes, most likely first
    top_lo: np.ndarray  # (n, K) uint32
    top_freq: np.ndarray  # (n, K) uint32
    part_p: np.ndarray  # (n, P) float16: each part's probability of the real byte (NaN: none)
    part_top: np.ndarray  # (n, P) uint8: each part's most likely byte
    part_w: np.ndarray  # (n, P) float16: the mixer's weight on the part
    part_bucket: np.ndarray  # (n, P) uint8: count confidence / match length bucket / the byte
    #   model's probability of its own guess, in percent
    payload_bits: int  # the encoder's bits so far
    seconds: float


@dataclass(frozen=True)
class PartView:
    """What one part of the model said about one byte."""

    name: str
    top: int  # its most likely byte (-1: it had no prediction)
    p: float  # its probability of the real byte (NaN: not a distribution, or none)
    weight: float  # the mixer's weight on it (NaN: none)
    confidence: str  # e.g. "seen 4-7 times" or "held 3-6 bytes"


@dataclass(frozen=True)
class ByteDetail:
    """One byte as the coder saw it: its interval under the mix, the mix's favourites, the
    parts."""

    position: int
    byte: int
    bits: float  # what it cost the coder
    lo: int  # the byte's interval [lo, lo + freq) out of total
    freq: int
    total: int
    top: tuple[tuple[int, int, int], ...]  # (byte, lo, freq) of the mix's likeliest, best first
    parts: tuple[PartView, ...]

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
    seen, one = bucket % SEEN_BUCKETS, bucket >= SEEN_BUCKETS
    if seen == 0:
        return "unseen context"
    if seen == SEEN_BUCKETS - 1:
        text = f"seen {1 << (seen - 1)}+ times"
    else:
        a, b = 1 << (seen - 1), (1 << seen) - 1
        text = f"seen {a} time{'s' if a > 1 else ''}" if a == b else f"seen {a}-{b} times"
    if one and seen > 1:  # its first bit never varied; "seen" goes to keep the column's width
        return text.removeprefix("seen ") + ", one way"
    return text


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

    def __init__(self, data: bytes, parts: tuple[str, ...]) -> None:
        n, P = len(data), len(parts)
        self.data = np.frombuffer(data, dtype=np.uint8)
        self.parts = parts
        self.total = TOTAL
        self.coded = np.zeros(n, dtype=bool)
        self.cost = np.zeros(n, dtype=np.float32)  # bits of each coded byte (0 until coded)
        self.lo = np.zeros(n, dtype=np.uint32)
        self.freq = np.zeros(n, dtype=np.uint32)
        self.top = np.zeros((n, TOP_K), dtype=np.uint8)
        self.top_lo = np.zeros((n, TOP_K), dtype=np.uint32)
        self.top_freq = np.zeros((n, TOP_K), dtype=np.uint32)
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
        bits = chunk.bits.astype(np.float64)
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
            if name == MATCH:
                has = bucket > 0
                confidence = _match_label(bucket, MATCH_BUCKETS - 1)
                top = int(self.part_top[pos, i]) if has else -1
            elif name == MODEL:  # pretrained: it always has a guess
                confidence = f"guess {bucket}% sure"
                top = int(self.part_top[pos, i])
            else:  # a context never seen has no guess (its flat distribution's argmax is 0)
                confidence = _count_label(bucket)
                top = int(self.part_top[pos, i]) if bucket % SEEN_BUCKETS else -1
            parts.append(PartView(name, top, p, float(self.part_w[pos, i]), confidence))
        top = tuple((int(b), int(lo), int(f)) for b, lo, f in
                    zip(self.top[pos], self.top_lo[pos], self.top_freq[pos]))
        return ByteDetail(pos, int(self.data[pos]), float(self.cost[pos]), int(self.lo[pos]),
                          int(self.freq[pos]), self.total, top, tuple(parts))


def _word_start(data: bytes, pos: int) -> int:
    i = pos
    while i > 0 and (chr(data[i - 1]).isalnum()):
        i -= 1
    return i


def context_bytes(name: str, data: bytes, pos: int) -> bytes | None:
    """The bytes a context of the bit mixer hashed for the byte at ``pos`` (what "order-2" saw),
    by the context's name (bitcontexts.context_names); None where they are not a plain run of
    earlier bytes (the line and record contexts hash a column with them)."""
    if name.startswith("order-"):
        k = int(name.removeprefix("order-"))
        return data[max(0, pos - k) : pos]
    if name.startswith("byte") and name.endswith(" back"):
        listed = name.split(" ", 1)[1].removesuffix(" back").replace(", ", " and ")
        ds = [int(x) for x in listed.split(" and ")]
        return bytes(data[pos - d] if pos - d >= 0 else 0 for d in ds)
    if name == "word so far":
        return data[_word_start(data, pos) : pos]
    if name == "word + last word":
        start = _word_start(data, pos)
        j = start
        while j > 0 and not chr(data[j - 1]).isalnum():
            j -= 1
        return data[_word_start(data, j) : pos]
    return None
