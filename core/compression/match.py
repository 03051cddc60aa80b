"""The match model: the most recent earlier place whose last ``min_len`` bytes equal the
file's last ones (found by hash; followed byte by byte while it keeps predicting right) and the
byte that came next there, with how long the match has held. This is what LZ77 and xz live on.
Its update is compiled (numba): it runs once a byte.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .records import MATCH_BUCKETS, log_bucket

MULT = np.uint64(0x9E3779B97F4A7C15)  # a 64-bit multiplicative hash; the top bits mix best


LONG = 24  # the second table's context: a repeat this long is where a passage repeats (a page
#   translated, a file copied), which the latest 6-byte context often is not: 8 MiB of HTML
#   679,606 bytes with a 24-byte context alone against 691,753 with a 6-byte one
MAX_VERIFIED = 63  # a candidate's context is checked back this far: its length to start with


@njit(cache=True, inline="always")
def _context_hash(history, t, n):
    h = np.uint64(0)
    for j in range(t + 1 - n, t + 1):
        h = (h ^ np.uint64(history[j])) * MULT
    return h


@njit(cache=True, inline="always")
def _verified(history, t, cand):
    """How many bytes before ``cand`` equal those up to t (at most MAX_VERIFIED)."""
    n = 0
    while n < MAX_VERIFIED and cand - 1 - n >= 0 and history[cand - 1 - n] == history[t - n]:
        n += 1
    return n


@njit(cache=True, nogil=True)
def _update(history, t, byte, ptr, length, table, min_len, shift):
    """After byte t (``byte``): the match extended or dropped; then, while it is shorter than
    LONG, the latest earlier place with the same last LONG bytes (table[1]) taken instead, and
    with no match the latest with the same last ``min_len`` (table[0]); a new candidate's
    length is its context checked back (_verified). Both contexts that end at t are recorded.
    Returns (ptr, length)."""
    if ptr >= 0 and history[ptr] == byte:
        length += 1
        ptr = ptr + 1 if ptr + 1 < history.size else -1
    else:
        length = 0
        ptr = -1
    if t + 1 < min_len or t + 1 >= history.size:
        return ptr, length
    if t + 1 >= LONG:
        key = np.int64(_context_hash(history, t, LONG) >> shift)
        if length < LONG:  # looked up before it is written: the latest earlier place
            cand = np.int64(table[1, key])
            if cand >= 0 and cand != ptr:
                n = _verified(history, t, cand)
                if n >= LONG:
                    ptr, length = cand, n
        table[1, key] = t + 1
    key = np.int64(_context_hash(history, t, min_len) >> shift)
    if ptr < 0:
        cand = np.int64(table[0, key])
        if cand >= 0:
            ptr = cand
            length = _verified(history, t, cand)
    table[0, key] = t + 1  # the byte after this context
    return ptr, length


@njit(cache=True, nogil=True)
def _index(history, stop, table, min_len, shift):
    """_update over bytes 0..stop-1: their contexts recorded, as if they had been coded."""
    ptr, length = -1, 0
    for t in range(stop):
        ptr, length = _update(history, t, history[t], ptr, length, table, min_len, shift)


def length_bucket(byte, length):
    """A match as one of MATCH_BUCKETS: 0 for none, else by how many bytes it has predicted
    right, plus one (`lmviz inspect`'s "held 3-6 bytes")."""
    return np.where(np.asarray(byte) >= 0, log_bucket(np.asarray(length) + 1, MATCH_BUCKETS), 0)


class MatchModel:
    """The byte that followed the latest earlier occurrence of the file's recent context."""

    def __init__(self, min_len: int, table_log2: int = 20) -> None:
        self.min_len = min_len
        self.shift = np.uint64(64 - table_log2)
        # by the last min_len bytes' hash, then by the last LONG bytes': the index of the next
        # byte (np.full touches every page: 8 MB; 2**22 rows gained 0.05% on 20 MB); int32: a
        # history (a prior and a block) is far under 2**31 bytes
        self.table = np.full((2, 1 << table_log2), -1, dtype=np.int32)
        self.ptr = -1  # index of the predicted byte (-1: no match)
        self.length = 0  # bytes the match has held: its context checked back, then predicted right

    def predict(self, history: np.ndarray) -> int:
        """The predicted next byte, or -1."""
        return int(history[self.ptr]) if self.ptr >= 0 else -1

    def index(self, history: np.ndarray, stop: int) -> None:
        """Record the contexts of bytes 0..stop-1 (a prior: bytes both sides had before this
        file), the match left empty."""
        _index(history, stop, self.table, self.min_len, self.shift)
        self.ptr, self.length = -1, 0

    def update(self, history: np.ndarray, t: int) -> None:
        """After byte t: extend the match that held or drop it, then look up and record the
        context that ends at t."""
        self.ptr, self.length = _update(history, t, history[t], self.ptr, self.length,
                                        self.table, self.min_len, self.shift)
