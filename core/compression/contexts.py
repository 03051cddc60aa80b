"""What the bytes coded so far say about the next one, besides the bit mixer (bitmix.py): a long
match, the shape of a fixed-record table, and the labels of the mixer's confidence buckets.

Numpy only, and fully determined by the bytes already coded, so Alice and Bob hold identical
tables (the inspect screen reads the bucket constants without torch or numba).

Streams are coded side by side (S of them, one byte each per step); the models are shared by all
streams, and within a step they are updated in stream order, after every stream's byte is known.

* `MatchModel`: the most recent earlier place whose last ``min_len`` bytes equal the stream's
  (found by hash, in the stream's own past first, then anywhere; followed byte by byte while it
  keeps predicting right) and the byte that came next there, with how long the match has held.
  This is what LZ77 and xz live on.
* `record_length`: the row length of a table of fixed-size records, for the bit mixer's column
  contexts.
"""

from __future__ import annotations

import numpy as np

# How often a bit context was seen (`lmviz inspect`'s label): 0, 1, 2-3, 4-7, ...; and each
# again where its first bit has always been the same.
SEEN_BUCKETS = 8
# Confidence buckets of the bit mixer's whole prediction: its likeliest byte's -log2 p in
# quarter bits (0: sure, 15: 3.75 bits or more).
MIX_BUCKETS = 16
# Match length buckets: 0 = no match, then 1, 2, 3-4, 5-8, 9-16, 17-32, > 32 bytes verified.
MATCH_BUCKETS = 8

_MULT = np.uint64(0x9E3779B97F4A7C15)


def _window(history: np.ndarray, t: int, k: int) -> np.ndarray:
    """The k bytes of every stream before step t as uint64 (S, k), zeros before a stream starts."""
    ctx = history[:, max(0, t - k) : t].astype(np.uint64)
    if ctx.shape[1] < k:
        ctx = np.concatenate([np.zeros((ctx.shape[0], k - ctx.shape[1]), np.uint64), ctx], axis=1)
    return ctx


def _hash(ctx: np.ndarray, seed: np.uint64) -> np.ndarray:
    """A 64-bit multiplicative hash of each row of ctx (S, k); the top bits are the best mixed."""
    h = np.full(ctx.shape[0], seed, dtype=np.uint64)
    for column in ctx.T:
        h = (h ^ column) * _MULT
    return h


def log_bucket(n: np.ndarray, buckets: int) -> np.ndarray:
    """0 for 0, else 1 + floor(log2 n), capped: 1 -> 1, 2-3 -> 2, 4-7 -> 3, ..."""
    out = np.zeros(n.shape, dtype=np.int64)
    pos = n > 0
    out[pos] = np.minimum(buckets - 1, 1 + np.floor(np.log2(n[pos])).astype(np.int64))
    return out


def record_length(data: bytes, longest: int = 512, sample: int = 1 << 16) -> int:
    """The row length of a table of fixed-size records (0: none found), from how often a byte
    equals the byte r before it on the file's first 64 KB. The smallest r within 5% of the best
    wins (a record of 16 bytes also repeats at 32 and 48), and it must stand out: at least 10% of
    bytes equal their neighbour above, twice the median rate over every r."""
    x = np.frombuffer(data[:sample], dtype=np.uint8)
    if len(x) < 4 * longest:
        return 0
    rates = np.array([np.mean(x[r:] == x[:-r]) for r in range(1, longest + 1)])
    best = rates[1:].max()  # r = 1 is the order-1 model's job
    if best < 0.1 or best < 2 * np.median(rates):
        return 0
    return int(np.flatnonzero(rates[1:] >= 0.95 * best)[0]) + 2


class MatchModel:
    """The byte that followed the latest earlier occurrence of each stream's recent context."""

    def __init__(self, streams: int, steps: int, min_len: int, table_log2: int = 20) -> None:
        self.min_len = min_len
        self.steps = steps
        self.shift = np.uint64(64 - table_log2)
        self.table = np.full(1 << table_log2, -1, dtype=np.int64)  # hash -> flat index of next byte
        self.local = np.full(1 << table_log2, -1, dtype=np.int64)  # (hash, stream) -> the same
        self.ptr = np.full(streams, -1, dtype=np.int64)  # flat index of the predicted byte
        self.length = np.zeros(streams, dtype=np.int64)  # bytes the match has predicted right

    def predict(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predicted byte per stream (-1: none) and its length bucket; flat is history.ravel()."""
        has = self.ptr >= 0
        byte = np.where(has, flat[np.maximum(self.ptr, 0)].astype(np.int64), -1)
        bucket = np.where(has, log_bucket(self.length + 1, MATCH_BUCKETS), 0)
        return byte, bucket

    def update(self, history: np.ndarray, t: int, symbols: np.ndarray, live: np.ndarray) -> None:
        """After step t: extend matches that held, drop the rest, then look up and record the
        context that ends at t for every live stream."""
        S = history.shape[0]
        flat = history.reshape(-1)
        has = self.ptr >= 0
        right = has & (flat[np.maximum(self.ptr, 0)] == symbols)
        self.length = np.where(right, self.length + 1, 0)
        self.ptr = np.where(right & (self.ptr + 1 < flat.size), self.ptr + 1, -1)
        k = self.min_len
        if t + 1 < k or t + 1 >= self.steps:
            return
        h = _hash(_window(history, t + 1, k), np.uint64(0))
        key = (h >> self.shift).astype(np.int64)
        # The same context in this stream first (the part of the file it codes is what the
        # next bytes are most like: a table's previous row, not another stream's), then anywhere.
        own = (_hash(np.stack([h, np.arange(S, dtype=np.uint64)], axis=1), np.uint64(1))
               >> self.shift).astype(np.int64)
        # Streams without a match take the latest earlier place with the same context: every
        # entry already in the table points at a byte that is known by now.
        lost = live & (self.ptr < 0)
        cand = np.where(self.local[own] >= 0, self.local[own], self.table[key])
        found = lost & (cand >= 0)
        self.ptr = np.where(found, cand, self.ptr)
        self.length = np.where(found, 0, self.length)
        here = np.arange(S, dtype=np.int64) * self.steps + t + 1  # the byte after this context
        # In stream order, so that the last stream wins a shared key, on both sides alike.
        live_idx = np.flatnonzero(live)
        self.table[key[live_idx]] = here[live_idx]
        self.local[own[live_idx]] = here[live_idx]
