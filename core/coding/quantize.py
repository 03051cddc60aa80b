"""The one place where float probabilities become integer frequencies.

Alice and Bob must agree on every frequency bit for bit, so both sides call `quantize_probs` and
nothing else. The rule is plain integer arithmetic after one float multiply, so it is deterministic
for identical float inputs (which the online learner guarantees by fixing tensor shapes and the
thread count).
"""

from __future__ import annotations

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
    # Summed left to right (cumsum, not numpy's pairwise sum): the order is part of the rule.
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
        # at a third of its cost.)
        owed = np.maximum(short, 1)[:, None]
        threshold = np.take_along_axis(-np.sort(-frac, axis=1), owed - 1, axis=1)
        above = frac > threshold
        at = frac == threshold
        room = owed - above.sum(axis=1, keepdims=True)
        give = above | (at & (np.cumsum(at, axis=1) <= room))
        freqs += give & (short > 0)[:, None]
    assert np.all(freqs.sum(axis=1) == total) and np.all(freqs >= 1)
    return freqs[0] if single else freqs
