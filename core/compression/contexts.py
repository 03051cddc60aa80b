"""What the bytes coded so far say about the next one: order-k counts and a long match.

The byte LSTM learns slowly; these two classical models adapt at once, and the compressor mixes
them into the LSTM's logits with weights it learns online (compressor.py). Both are plain numpy
and fully determined by the bytes already coded, so Alice and Bob hold identical tables.

Streams are coded side by side (S of them, one byte each per step); the models are shared by all
streams, and within a step they are updated in stream order, after every stream's byte is known.

* `CountModel`: for each order k, how often each byte followed the last k bytes. Contexts of
  order 1 and 2 index their table directly; longer ones are hashed into ``rows`` rows (a
  collision only blurs a prediction, it never breaks decoding). Counts live in uint8 and a row is
  halved when one passes 191, which also makes the model favour recent statistics.
* Word contexts (in `CountModel`, as two more tables): the letters and digits of the word being
  written (case folded), alone and with the previous word: what paq's word models see in text,
  HTML, JSON and source.
* `MatchModel`: the most recent earlier place whose last ``min_len`` bytes equal the stream's
  (found by hash, then followed byte by byte while it keeps predicting right) and the byte that
  came next there, with how long the match has held. This is what LZ77 and xz live on.
"""

from __future__ import annotations

import numpy as np

# Count confidence buckets by the context's total count n: 0, 1, 2-3, 4-7, ..., >= 64; and
# each again for a deterministic context (one byte only has followed it so far), which deserves
# more trust at the same n.
SEEN_BUCKETS = 8
COUNT_BUCKETS = 2 * SEEN_BUCKETS
# Match length buckets: 0 = no match, then 1, 2, 3-4, 5-8, 9-16, 17-32, > 32 bytes verified.
MATCH_BUCKETS = 8

# A row is halved once a count passes this; 255 - 64 leaves room for 64 streams adding to one
# count in the same step without overflowing uint8.
HALVE_ABOVE = 191

_MULT = np.uint64(0x9E3779B97F4A7C15)

# Word letters: a-z, A-Z (folded to lower case) and digits; any other byte ends a word.
_WORD = np.zeros(256, dtype=bool)
_WORD[list(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")] = True
_FOLD = np.arange(256, dtype=np.uint64)
_FOLD[65:91] += np.uint64(32)


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


def _bucket(n: np.ndarray, buckets: int) -> np.ndarray:
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


class CountModel:
    """Byte counts under each context, shared by all streams: the last k bytes for k in
    ``orders``, ``sparse`` contexts given as the distances of the bytes they take (``(16,
    1)``: the byte one record of 16 above and the byte just before), and with ``words`` the
    word being written, alone and with the word before it (each stream keeps its own)."""

    def __init__(self, orders: tuple[int, ...], rows_log2: int,
                 sparse: tuple[tuple[int, ...], ...] = (), streams: int = 1,
                 words: bool = False) -> None:
        self.orders = orders
        self.sparse = sparse
        self.words = words
        self.word = np.zeros(streams, dtype=np.uint64)  # hash of the word so far (0: none)
        self.prev_word = np.zeros(streams, dtype=np.uint64)  # hash of the last whole word
        self.rows = ([256 ** k if k <= 2 else 1 << rows_log2 for k in orders]
                     + [1 << rows_log2 for _ in sparse] + [1 << rows_log2 for _ in range(2 * words)])
        # One table for every context, each its own block of rows: a step's lookup is one gather
        # and its update one scatter (per context, they were most of a step's numpy time).
        self.offsets = np.concatenate([[0], np.cumsum(self.rows)[:-1]]).astype(np.int64)
        self.table = np.zeros((sum(self.rows), 256), dtype=np.uint8)
        self.total = np.zeros(sum(self.rows), dtype=np.int64)
        self.tables = [self.table[o : o + r] for o, r in zip(self.offsets, self.rows)]  # views
        self.totals = [self.total[o : o + r] for o, r in zip(self.offsets, self.rows)]
        self._current = np.zeros((streams, len(self.rows)), dtype=np.int64)
        self._reach = max([*orders, *(d for ctx in sparse for d in ctx)])

    def _rows_of(self, history: np.ndarray, t: int) -> list[np.ndarray]:
        """Row of every stream's context before step t, per context (history is (S, steps))."""
        window = _window(history, t, self._reach)
        width = window.shape[1]
        out = []
        for k, rows in zip(self.orders, self.rows):
            ctx = window[:, width - k :]
            if k <= 2:  # small enough to index directly
                idx = ctx[:, -1] if k == 1 else ctx[:, 0] * np.uint64(256) + ctx[:, 1]
            else:
                idx = _hash(ctx, np.uint64(k)) >> np.uint64(64 - (rows.bit_length() - 1))
            out.append(idx.astype(np.int64))
        for i, distances in enumerate(self.sparse):
            ctx = window[:, [width - d for d in distances]]
            rows = self.rows[len(self.orders) + i]
            idx = _hash(ctx, np.uint64(1000 + i)) >> np.uint64(64 - (rows.bit_length() - 1))
            out.append(idx.astype(np.int64))
        if self.words:
            shift = np.uint64(64 - (self.rows[-1].bit_length() - 1))
            alone = _hash(self.word[:, None], np.uint64(2000))
            out.append((alone >> shift).astype(np.int64))
            pair = _hash(np.stack([self.word, self.prev_word], axis=1), np.uint64(2001))
            out.append((pair >> shift).astype(np.int64))
        return out

    def lookup(self, history: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Counts (S, orders, 256) as uint8 and confidence buckets (S, orders) before step t:
        by the context's total count, plus SEEN_BUCKETS where only one byte has followed it."""
        # (S, contexts): each stream's row of each context in the one table
        self._current = np.stack(self._rows_of(history, t), axis=1) + self.offsets
        counts = self.table[self._current]
        n = self.total[self._current]
        deterministic = np.count_nonzero(counts, axis=2) == 1
        return counts, _bucket(n, SEEN_BUCKETS) + SEEN_BUCKETS * deterministic

    def update(self, symbols: np.ndarray, live: np.ndarray) -> None:
        """Count step t's bytes (of live streams) under the contexts `lookup` used."""
        r = self._current[live].ravel()
        syms = np.repeat(symbols[live], len(self.rows))
        np.add.at(self.table, (r, syms), 1)  # two streams may share a context in one step
        np.add.at(self.total, r, 1)
        full = r[self.table[r, syms] > HALVE_ABOVE]
        if full.size:  # keep the row's shape, forget half its history
            full = np.unique(full)
            self.table[full] >>= 1
            self.total[full] = self.table[full].sum(axis=1, dtype=np.int64)
        if self.words:
            letter = _WORD[symbols]
            with np.errstate(over="ignore"):  # the hash wraps around 2**64 on purpose
                grown = (self.word + _FOLD[symbols] + np.uint64(1)) * _MULT
            ended = live & ~letter & (self.word != 0)
            self.prev_word = np.where(ended, self.word, self.prev_word)
            self.word = np.where(live, np.where(letter, grown, np.uint64(0)), self.word)


class MatchModel:
    """The byte that followed the latest earlier occurrence of each stream's recent context."""

    def __init__(self, streams: int, steps: int, min_len: int, table_log2: int = 20) -> None:
        self.min_len = min_len
        self.steps = steps
        self.shift = np.uint64(64 - table_log2)
        self.table = np.full(1 << table_log2, -1, dtype=np.int64)  # hash -> flat index of next byte
        self.ptr = np.full(streams, -1, dtype=np.int64)  # flat index of the predicted byte
        self.length = np.zeros(streams, dtype=np.int64)  # bytes the match has predicted right

    def predict(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predicted byte per stream (-1: none) and its length bucket; flat is history.ravel()."""
        has = self.ptr >= 0
        byte = np.where(has, flat[np.maximum(self.ptr, 0)].astype(np.int64), -1)
        bucket = np.where(has, _bucket(self.length + 1, MATCH_BUCKETS), 0)
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
        key = (_hash(_window(history, t + 1, k), np.uint64(0)) >> self.shift).astype(np.int64)
        # Streams without a match take the latest earlier place with the same context: every
        # entry already in the table points at a byte that is known by now.
        lost = live & (self.ptr < 0)
        cand = self.table[key]
        found = lost & (cand >= 0)
        self.ptr = np.where(found, cand, self.ptr)
        self.length = np.where(found, 0, self.length)
        here = np.arange(S, dtype=np.int64) * self.steps + t + 1  # the byte after this context
        # In stream order, so that the last stream wins a shared key, on both sides alike.
        live_idx = np.flatnonzero(live)
        self.table[key[live_idx]] = here[live_idx]
