"""The bit mixer's contexts (bitmix.py): what the file's recent bytes hash to, and the bit
histories kept under each context.

A context is a 64-bit hash of some of the last bytes: the last k for each order, chosen earlier
bytes (the skip contexts), the word being written and the word before it, the column in the line with the
byte above, and in a table of fixed-size records the column with the bytes above and before. Under each context and each node of the byte's bit tree the mixer keeps a *bit
history*, a small state standing for two bounded counts, numbered here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_K = np.uint64(0x9E3779B97F4A7C15)

# Bit histories: a state is a pair (n0, n1) of bounded counts. Seeing a bit adds one to its
# count and, when the other count is above 2, halves the excess of the other (so a context
# that changes its mind is believed soon). Every reachable pair gets a number; state 0 is
# "never seen".

COUNT_LIMIT = 30


def _build_states() -> tuple[np.ndarray, np.ndarray]:
    def step(n: tuple[int, int], bit: int) -> tuple[int, int]:
        mine, other = (n[1], n[0]) if bit else (n[0], n[1])
        mine = min(mine + 1, COUNT_LIMIT)
        if other > 2:
            other = other // 2 + 1
        return (other, mine) if bit else (mine, other)

    ids = {(0, 0): 0}
    order = [(0, 0)]
    for n in order:  # breadth first: order grows while it is read
        for bit in (0, 1):
            m = step(n, bit)
            if m not in ids:
                ids[m] = len(order)
                order.append(m)
    nxt = np.array([[ids[step(n, 0)], ids[step(n, 1)]] for n in order], dtype=np.uint8)
    counts = np.array(order, dtype=np.int32)
    return nxt, counts


NEXT_STATE, STATE_COUNTS = _build_states()  # (states, 2) successor; (states, 2) the (n0, n1)
STATES = len(NEXT_STATE)
assert STATES <= 256, "bit histories must fit a uint8"


_WORD = np.zeros(256, dtype=np.bool_)
_WORD[list(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")] = True
_FOLD = np.arange(256, dtype=np.uint64)
_FOLD[65:91] += np.uint64(32)


def context_names(orders, skips, words: bool, record: int, lines: bool = False) -> list[str]:
    """The contexts in the order hash_contexts lays them out (what `lmviz inspect` calls each);
    their number is the bit mixer's context count."""
    names = [f"order-{k}" for k in orders]
    names += ["byte" + ("s " if len(d) > 1 else " ") + " and ".join(map(str, d)) + " back"
              for d in skips]
    names += ["word so far", "word + last word"] if words else []
    names += ["line col, above, left"] if lines else []
    names += (["column + above", "column + above+left", "column + 2 above", "column + left"]
              if record else [])
    return names


@njit(cache=True, inline="always")
def _last_bytes(history, s, t, k, h):
    """h with the k bytes of stream s before step t hashed in (zeros before its start)."""
    for j in range(1, k + 1):
        b = history[s, t - j] if t - j >= 0 else np.uint8(0)
        h = (h ^ np.uint64(b)) * _K
    return h


@njit(cache=True, inline="always")
def _column(history, s, t):
    """Text laid out in lines: the column of stream s's next byte (up to 255) and the byte
    above it in the line before (0 where that line is shorter, or over 256 bytes: its start is
    not looked for further back)."""
    j = t - 1
    col = 0
    while j >= 0 and col < 255 and history[s, j] != 10:
        col += 1
        j -= 1
    if j < 0 or history[s, j] != 10:
        return col, 0
    k = j - 1  # j is the newline that ends the line before; find the one before it
    while k >= 0 and j - k <= 256 and history[s, k] != 10:
        k -= 1
    if k >= 0 and history[s, k] != 10:  # the line before is longer than 256 bytes
        return col, 0
    start = k + 1
    if start + col < j:
        return col, np.int64(history[s, start + col])
    return col, 0


@njit(cache=True, nogil=True)
def hash_contexts(history, t, orders, skips, words, word, prev_word, record, lines, out, last2):
    """Each stream's context hashes before step t, laid out as context_names says: the last k
    bytes for each order, each skip context's bytes
    (distances, 0 padded), the word so far and it with the last word, the line column with
    the bytes above and before, the record contexts."""
    S = history.shape[0]
    for s in range(S):
        c = 0
        for k in orders:
            out[s, c] = _last_bytes(history, s, t, k, np.uint64(k + 1) * _K)
            c += 1
        for i in range(skips.shape[0]):
            h = np.uint64(100 + i) * _K
            for j in range(skips.shape[1]):
                d = skips[i, j]
                if d > 0:
                    b = history[s, t - d] if t - d >= 0 else np.uint8(0)
                    h = (h ^ np.uint64(b)) * _K
            out[s, c] = h
            c += 1
        if words:
            out[s, c] = (np.uint64(200) * _K ^ word[s]) * _K
            out[s, c + 1] = ((np.uint64(201) * _K ^ word[s]) * _K ^ prev_word[s]) * _K
            c += 2
        last2[s] = ((history[s, t - 1] if t >= 1 else 0)
                    | (np.int64(history[s, t - 2] if t >= 2 else 0) << 8))  # the last two bytes
        if lines:  # text: the column, the byte above it and the byte before
            line_col, above = _column(history, s, t)
            out[s, c] = (((np.uint64(202) * _K ^ np.uint64(line_col)) * _K ^ np.uint64(above)) * _K
                         ^ np.uint64(last2[s] & 255)) * _K
            c += 1
        if record:
            # a table of rows: the column, the byte above, the one above it, the one before
            col = np.uint64((s * history.shape[1] + t) % record)
            up = np.uint64(history[s, t - record] if t >= record else 0)
            up2 = np.uint64(history[s, t - 2 * record] if t >= 2 * record else 0)
            left = np.uint64(last2[s] & 255)
            out[s, c] = ((np.uint64(300) * _K ^ col) * _K ^ up) * _K
            out[s, c + 1] = (((np.uint64(301) * _K ^ col) * _K ^ up) * _K ^ left) * _K
            out[s, c + 2] = (((np.uint64(302) * _K ^ col) * _K ^ up) * _K ^ up2) * _K
            out[s, c + 3] = ((np.uint64(303) * _K ^ col) * _K ^ left) * _K


@njit(cache=True, nogil=True)
def next_words(symbols, live, word, prev_word):
    for s in range(symbols.shape[0]):
        if not live[s]:
            continue
        b = symbols[s]
        if _WORD[b]:
            word[s] = (word[s] + _FOLD[b] + np.uint64(1)) * _K
        else:
            if word[s] != 0:
                prev_word[s] = word[s]
            word[s] = 0
