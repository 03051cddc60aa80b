"""The bit mixer's contexts (bitmix.py): what the file's recent bytes hash to, and the bit
histories kept under each context.

A context is a 64-bit hash of some of the last bytes: the last k for each order, chosen earlier
bytes (the skip contexts), the word being written and the word before it, the column in the
line with the byte above, and in a table of fixed-size records the column with the bytes above
and before; `context_parts` lists them once. Under each context and each node of the byte's bit
tree the mixer keeps a *bit history*, a small state standing for two bounded counts, numbered
here.
"""

from __future__ import annotations

from dataclasses import dataclass

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
_WORD[128:] = True  # the bytes of UTF-8 sequences: letters of other scripts
_FOLD = np.arange(256, dtype=np.uint64)
_FOLD[65:91] += np.uint64(32)


# The kinds of context part (a part's ``kind``): what its hash is made of.
ORDER, SKIP, WORD, WORD_PAIR, LINE, COLUMN_ABOVE, COLUMN_ABOVE_LEFT, COLUMN_TWO_ABOVE, COLUMN_LEFT = range(9)


@dataclass(frozen=True)
class ContextPart:
    """One context of the bit mixer: what `lmviz inspect` calls it and what it hashes."""

    name: str
    kind: int  # ORDER, SKIP, ... (above)
    arg: int = 0  # the order k; a skip context's row in the skip table


def _skip_name(d: tuple[int, ...]) -> str:
    """"byte 2 back", "bytes 2 and 3 back", "bytes 2, 4 and 6 back" (costs.context_bytes reads
    it back; short enough for the inspect screen's parts column)."""
    if len(d) == 1:
        return f"byte {d[0]} back"
    return "bytes " + ", ".join(map(str, d[:-1])) + f" and {d[-1]} back"


def context_parts(orders, skips, words: bool, record: int, lines: bool = False
                  ) -> tuple[ContextPart, ...]:
    """The bit mixer's contexts, in the one order that the names, the hashing (`part_table`,
    `hash_contexts`) and `lmviz inspect`'s parts table all read."""
    parts = [ContextPart(f"order-{k}", ORDER, k) for k in orders]
    parts += [ContextPart(_skip_name(d), SKIP, i) for i, d in enumerate(skips)]
    if words:
        parts += [ContextPart("word so far", WORD), ContextPart("word + last word", WORD_PAIR)]
    if lines:
        parts.append(ContextPart("line col, above, left", LINE))
    if record:
        parts += [ContextPart("column + above", COLUMN_ABOVE),
                  ContextPart("column + above+left", COLUMN_ABOVE_LEFT),
                  ContextPart("column + 2 above", COLUMN_TWO_ABOVE),
                  ContextPart("column + left", COLUMN_LEFT)]
    return tuple(parts)


def context_names(orders, skips, words: bool, record: int, lines: bool = False) -> list[str]:
    """The contexts' names, in context_parts' order; their number is the context count."""
    return [p.name for p in context_parts(orders, skips, words, record, lines)]


def part_table(parts: tuple[ContextPart, ...]) -> np.ndarray:
    """(C, 2) int64: each part's kind and argument, what the compiled hashing reads."""
    return np.array([[p.kind, p.arg] for p in parts], dtype=np.int64).reshape(-1, 2)


@njit(cache=True, inline="always")
def _last_bytes(history, t, k, h):
    """h with the k bytes before byte t hashed in (zeros before the start)."""
    for j in range(1, k + 1):
        b = history[t - j] if t - j >= 0 else np.uint8(0)
        h = (h ^ np.uint64(b)) * _K
    return h


@njit(cache=True, inline="always")
def _column(history, t):
    """Text laid out in lines: the column of byte t (up to 255) and the byte above it in the
    line before (0 where that line is shorter, or over 256 bytes: its start is not looked for
    further back)."""
    j = t - 1
    col = 0
    while j >= 0 and col < 255 and history[j] != 10:
        col += 1
        j -= 1
    if j < 0 or history[j] != 10:
        return col, 0
    k = j - 1  # j is the newline that ends the line before; find the one before it
    while k >= 0 and j - k <= 256 and history[k] != 10:
        k -= 1
    if k >= 0 and history[k] != 10:  # the line before is longer than 256 bytes
        return col, 0
    start = k + 1
    if start + col < j:
        return col, np.int64(history[start + col])
    return col, 0


@njit(cache=True, nogil=True)
def hash_contexts(history, t, parts, skips, words, record, out):
    """Every context's hash before byte t into ``out``, in the order of ``parts``
    (`part_table`): the last k bytes, a skip context's bytes (distances, 0 padded), the word
    so far (words: the word and the last word, as next_words keeps them) and it with the last
    word, the line column with the bytes above and before, the record column with the bytes
    above and before. Returns the last two bytes (the APM's and the weight sets' key)."""
    last2 = (np.int64(history[t - 1] if t >= 1 else 0)
             | (np.int64(history[t - 2] if t >= 2 else 0) << 8))
    left = np.uint64(last2 & 255)
    for c in range(parts.shape[0]):
        kind, arg = parts[c, 0], parts[c, 1]
        if kind == ORDER:
            out[c] = _last_bytes(history, t, arg, np.uint64(arg + 1) * _K)
        elif kind == SKIP:
            h = np.uint64(100 + arg) * _K
            for j in range(skips.shape[1]):
                d = skips[arg, j]
                if d > 0:
                    b = history[t - d] if t - d >= 0 else np.uint8(0)
                    h = (h ^ np.uint64(b)) * _K
            out[c] = h
        elif kind == WORD:
            out[c] = (np.uint64(200) * _K ^ words[0]) * _K
        elif kind == WORD_PAIR:
            out[c] = ((np.uint64(201) * _K ^ words[0]) * _K ^ words[1]) * _K
        elif kind == LINE:  # text: the column, the byte above it and the byte before
            line_col, above = _column(history, t)
            out[c] = (((np.uint64(202) * _K ^ np.uint64(line_col)) * _K ^ np.uint64(above)) * _K
                      ^ left) * _K
        else:  # a table of rows: the column, the byte above, the one above it, the one before
            col = np.uint64(t % record)
            up = np.uint64(history[t - record] if t >= record else 0)
            if kind == COLUMN_ABOVE:
                out[c] = ((np.uint64(300) * _K ^ col) * _K ^ up) * _K
            elif kind == COLUMN_ABOVE_LEFT:
                out[c] = (((np.uint64(301) * _K ^ col) * _K ^ up) * _K ^ left) * _K
            elif kind == COLUMN_TWO_ABOVE:
                up2 = np.uint64(history[t - 2 * record] if t >= 2 * record else 0)
                out[c] = (((np.uint64(302) * _K ^ col) * _K ^ up) * _K ^ up2) * _K
            else:
                out[c] = ((np.uint64(303) * _K ^ col) * _K ^ left) * _K
    return last2


@njit(cache=True, nogil=True)
def next_words(byte, words):
    """After ``byte``: words[0], the hash of the word being written (letters and digits, case
    folded), and words[1], the last word before it."""
    if _WORD[byte]:
        words[0] = (words[0] + _FOLD[byte] + np.uint64(1)) * _K
    else:
        if words[0] != 0:
            words[1] = words[0]
        words[0] = 0
