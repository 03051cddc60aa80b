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


@njit(cache=True, nogil=True)
def _update(history, t, byte, ptr, length, table, min_len, shift):
    """After byte t (``byte``): the match extended or dropped, then the context that ends at t
    looked up (where there is no match) and recorded. Returns (ptr, length)."""
    if ptr >= 0 and history[ptr] == byte:
        length += 1
        ptr = ptr + 1 if ptr + 1 < history.size else -1
    else:
        length = 0
        ptr = -1
    if t + 1 < min_len or t + 1 >= history.size:
        return ptr, length
    h = np.uint64(0)
    for j in range(t + 1 - min_len, t + 1):
        h = (h ^ np.uint64(history[j])) * MULT
    key = np.int64(h >> shift)
    if ptr < 0:  # the latest earlier place with the same context, looked up before it is written
        cand = table[key]
        if cand >= 0:
            ptr = cand
            length = 0
    table[key] = t + 1  # the byte after this context
    return ptr, length


def length_bucket(byte, length):
    """A match as one of MATCH_BUCKETS: 0 for none, else by how many bytes it has predicted
    right, plus one (`lmviz inspect`'s "held 3-6 bytes")."""
    return np.where(np.asarray(byte) >= 0, log_bucket(np.asarray(length) + 1, MATCH_BUCKETS), 0)


class MatchModel:
    """The byte that followed the latest earlier occurrence of the file's recent context."""

    def __init__(self, min_len: int, table_log2: int = 20) -> None:
        self.min_len = min_len
        self.shift = np.uint64(64 - table_log2)
        self.table = np.full(1 << table_log2, -1, dtype=np.int64)  # hash -> index of next byte
        self.ptr = -1  # index of the predicted byte (-1: no match)
        self.length = 0  # bytes the match has predicted right

    def predict(self, history: np.ndarray) -> int:
        """The predicted next byte, or -1."""
        return int(history[self.ptr]) if self.ptr >= 0 else -1

    def update(self, history: np.ndarray, t: int) -> None:
        """After byte t: extend the match that held or drop it, then look up and record the
        context that ends at t."""
        self.ptr, self.length = _update(history, t, history[t], self.ptr, self.length,
                                        self.table, self.min_len, self.shift)
