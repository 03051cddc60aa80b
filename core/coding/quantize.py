"""The one place where float probabilities become integer frequencies.

Alice and Bob must agree on every frequency bit for bit, so both sides call `quantize_probs` and
nothing else. The rule is plain integer arithmetic after one float multiply, so it is deterministic
for identical float inputs (which the online learner guarantees by fixing tensor shapes and the
thread count).
"""

from __future__ import annotations

import functools

import numpy as np

MAX_TOTAL_BITS = 24  # the streaming coder keeps 32-bit state; it needs total <= 2**30 (see cdf.py)


def quantize_probs(probs: np.ndarray, total_bits: int = 16) -> np.ndarray:
    """Turn probabilities into integer frequencies that sum to exactly ``2**total_bits``.

    Every symbol gets at least 1, so any symbol can still be coded (a wrong sum in an addition is
    expensive, never impossible). ``probs`` may be one distribution ``(V,)`` or a batch ``(N, V)``;
    rows need not sum to 1 (they are normalised). The result is ``int64`` of the same shape.

    Rule: ``f = 1 + floor(p * (T - V))``; the few units lost to the floors go one each to the
    symbols with the largest fractional parts, ties to the lower index.
    """
    if not 1 <= total_bits <= MAX_TOTAL_BITS:
        raise ValueError(f"total_bits must be between 1 and {MAX_TOTAL_BITS}, got {total_bits}")
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim not in (1, 2) or p.shape[-1] == 0:
        raise ValueError(f"probabilities must be a non-empty vector or matrix, got shape {p.shape}")
    single = p.ndim == 1
    p = np.atleast_2d(p)
    vocab = p.shape[1]
    total = 1 << total_bits
    if vocab > total:
        raise ValueError(f"{vocab} symbols cannot each get a frequency of 1 out of 2**{total_bits}")
    if not np.all(np.isfinite(p)):
        raise ValueError("probabilities contain NaN or infinity")
    if np.any(p < 0):
        raise ValueError("probabilities contain a negative value")
    # Summed left to right (cumsum, not numpy's pairwise sum), as `quantize_rows` sums.
    sums = np.cumsum(p, axis=1)[:, -1:]
    if np.any(sums <= 0):
        raise ValueError("probabilities are all zero: there is no distribution to code with")
    spare = total - vocab
    scaled = p / sums * spare
    base = np.floor(scaled)
    freqs = base.astype(np.int64) + 1
    # Floors lose < 1 unit each, so the shortfall is in [0, vocab): hand it out one unit each.
    # It is never negative: the float error of the sum and of each p / sum * spare is at most
    # about 2 * vocab * 2**-53 of spare in all, under 2**(24 + 24 + 1 - 53) = 1/16 of a unit for
    # the largest vocabulary and total allowed, so the floors cannot add up past spare
    # (tests/test_quantize.py tries the worst cases; the assert below would catch it).
    short = total - freqs.sum(axis=1)
    if np.any(short):
        frac = scaled - base
        # The `short` largest fractional parts of each row get one unit, ties to the lower
        # index: everything above the row's short-th largest value, then as many of the values
        # equal to it as are still owed, leftmost first. (The same result as a stable argsort,
        # at a third of its cost: this runs once per coded step of the file compressor.)
        owed = np.maximum(short, 1)[:, None]
        threshold = np.take_along_axis(-np.sort(-frac, axis=1), owed - 1, axis=1)
        above = frac > threshold
        at = frac == threshold
        room = owed - above.sum(axis=1, keepdims=True)
        give = above | (at & (np.cumsum(at, axis=1) <= room))
        freqs += give & (short > 0)[:, None]
    assert np.all(freqs.sum(axis=1) == total) and np.all(freqs >= 1)
    return freqs[0] if single else freqs


def quantize_rows(probs: np.ndarray, total_bits: int) -> np.ndarray:
    """`quantize_probs` of a batch (N, V) of rows already known to be fine (finite,
    non-negative, each with a positive sum: a softmax), compiled: the same frequencies, about
    three times sooner. The file compressor calls it at every step (a 100 KB file: 2,084 calls,
    0.6 s as quantize_probs). numba is imported on the first call only, so the screens that
    quantize a few rows never load it."""
    p = np.ascontiguousarray(probs, dtype=np.float64)
    out = np.empty(p.shape, dtype=np.int64)
    if not _compiled_rows()(p, 1 << total_bits, out):
        raise ValueError("probabilities do not sum to a positive finite number")
    return out


@functools.cache
def _compiled_rows():
    from numba import njit

    return njit(cache=True, nogil=True)(_rows)


def _rows(p, total, out):
    """quantize_probs's rule, row by row, for numba. The units owed go to the largest
    fractional parts: those in a higher one of 1024 bins take one each, and the bin where the
    owed units run out is sorted (stable, so ties go to the lower index) to pick the rest: a
    full sort of every row cost more than all the rest of the rule. False for a bad row."""
    n, vocab = p.shape
    spare = total - vocab
    frac = np.empty(vocab)
    bins = np.empty(vocab, dtype=np.int64)
    counts = np.empty(1024, dtype=np.int64)
    cand = np.empty(vocab, dtype=np.int64)
    for i in range(n):
        s = 0.0
        for j in range(vocab):
            s += p[i, j]
        if not (s > 0 and s < np.inf):
            return False
        got = 0
        for j in range(vocab):
            x = p[i, j] / s * spare
            b = np.floor(x)
            frac[j] = x - b
            out[i, j] = np.int64(b) + 1
            got += out[i, j]
        short = total - got
        assert short >= 0  # see quantize_probs
        if short == 0:
            continue
        counts[:] = 0
        for j in range(vocab):
            bins[j] = np.int64(frac[j] * 1024)  # frac < 1, and * 1024 is exact: at most 1023
            counts[bins[j]] += 1
        edge = 1023
        above = 0  # units given to the bins above edge
        while above + counts[edge] < short:
            above += counts[edge]
            edge -= 1
        m = 0
        for j in range(vocab):
            if bins[j] > edge:
                out[i, j] += 1
            elif bins[j] == edge:
                cand[m] = j
                m += 1
        for a in range(1, m):  # insertion sort, largest first; equal values keep their order
            x = cand[a]
            c = a - 1
            while c >= 0 and frac[cand[c]] < frac[x]:
                cand[c + 1] = cand[c]
                c -= 1
            cand[c + 1] = x
        for k in range(short - above):
            out[i, cand[k]] += 1
    return True
