"""The article's bisection code, and the reference notebook's per-token code with a length header."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .cdf import PRECISION, Cdf, CodingError, _as_cdf, _dyadic_cdf, cost_bits

# ----------------------------------------------------------------------------------------------
# Bisection, as in the article


@dataclass(frozen=True)
class BisectionStep:
    """One halving. Positions are integers in units of 1 / scale of the unit interval."""

    depth: int  # bits emitted before this step
    lo: int  # dyadic interval [lo, hi) before halving
    hi: int
    mid: int  # its midpoint
    bit: int  # 0: keep [lo, mid); 1: keep [mid, hi)
    mid_inside: bool  # does the midpoint already lie inside the token's interval?


@dataclass(frozen=True)
class BisectionTrace:
    """Every step of bisecting [0, 1) down into one token's interval."""

    symbol: int
    token_lo: int  # the token's interval [token_lo, token_hi), in units of 1 / scale
    token_hi: int
    scale: int  # 2 * total: fine enough for every midpoint the optimistic code can use
    steps: tuple[BisectionStep, ...]
    bits: tuple[int, ...]  # the decodable code: stop once the dyadic interval is inside
    optimistic_bits: int  # steps until the midpoint first lies inside: shorter, not prefix-free

    @property
    def probability(self) -> float:
        return (self.token_hi - self.token_lo) / self.scale

    @property
    def ideal_bits(self) -> float:
        return cost_bits(self.token_hi - self.token_lo, self.scale)

    @property
    def bound(self) -> int:
        """The guaranteed length: ceil(-log2 q) + 1."""
        return math.ceil(self.ideal_bits - 1e-12) + 1

    def interval_after(self, n: int) -> tuple[int, int]:
        """The dyadic interval [lo, hi) (units of 1 / scale) after the first n halvings."""
        lo, hi = 0, self.scale
        for b in self.bits[:n]:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if b == 0 else (mid, hi)
        return lo, hi

    def final_interval(self) -> tuple[int, int]:
        """The dyadic interval the whole code names: inside the token's interval."""
        return self.interval_after(len(self.bits))

    def __str__(self) -> str:
        code = "".join(map(str, self.bits)) or "(empty)"
        return (
            f"bisection of symbol {self.symbol}: q={self.probability:.6g} "
            f"-log2 q={self.ideal_bits:.3f} code={code} ({len(self.bits)} bits, "
            f"optimistic {self.optimistic_bits})"
        )


def _largest_aligned(width: int, limit: int) -> int:
    """The largest power-of-two width <= limit that divides ``width`` (width is a power of two)."""
    w = width
    while w > limit:
        w //= 2
    return w


def bisect_encode(freqs: Cdf | Sequence[int] | np.ndarray, symbol: int) -> BisectionTrace:
    """Bisect [0, 1) until the dyadic interval lies inside the symbol's interval.

    Where the token's interval straddles the midpoint, go to the side that holds the larger aligned
    dyadic interval: the result is the shortest dyadic interval inside the token's, so its length
    is at most ceil(-log2 q) + 1 bits.
    """
    cdf = _dyadic_cdf(freqs)
    c_lo, c_hi = (2 * c for c in cdf.interval(symbol))
    scale = 2 * cdf.total
    lo, hi = 0, scale
    steps: list[BisectionStep] = []
    bits: list[int] = []
    optimistic: int | None = None
    while not (c_lo <= lo and hi <= c_hi):
        mid = (lo + hi) // 2
        inside = c_lo <= mid < c_hi
        if inside and optimistic is None:
            optimistic = len(bits)
        if c_hi <= mid:
            bit = 0
        elif c_lo >= mid:
            bit = 1
        else:  # straddles: both halves hold part of the token's interval
            half = (hi - lo) // 2
            left = _largest_aligned(half, mid - c_lo)
            right = _largest_aligned(half, c_hi - mid)
            bit = 0 if left >= right else 1
        steps.append(BisectionStep(len(bits), lo, hi, mid, bit, inside))
        bits.append(bit)
        lo, hi = (lo, mid) if bit == 0 else (mid, hi)
        assert lo < hi and (hi - lo) & (hi - lo - 1) == 0, "the interval stays dyadic"
        assert lo < c_hi and c_lo < hi, "the interval always overlaps the token's"
    if optimistic is None:  # the interval was inside from the start (a vocabulary of one)
        optimistic = len(bits)
    trace = BisectionTrace(symbol, c_lo, c_hi, scale, tuple(steps), tuple(bits), optimistic)
    assert len(bits) <= trace.bound, str(trace)
    return trace


def bisect_decode(freqs: Cdf | Sequence[int] | np.ndarray, bits: Iterator[int]) -> BisectionTrace:
    """Read bits until the dyadic interval lies inside one symbol's interval; that is the symbol.

    The encoder stopped at the first such step, and the first step at which the interval lies
    inside *any* symbol's interval is that same step, so Bob stops exactly where Alice did.
    """
    cdf = _dyadic_cdf(freqs)
    scale = 2 * cdf.total
    lo, hi = 0, scale
    n = 0
    while True:
        s = cdf.symbol_at(lo // 2)
        if hi <= 2 * cdf.cum[s + 1]:
            break
        if n > PRECISION:
            raise CodingError("bisection code runs past any possible token length")
        try:
            bit = next(bits)
        except StopIteration:
            raise CodingError("the bit stream ended in the middle of a token") from None
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if bit == 0 else (mid, hi)
        n += 1
    trace = bisect_encode(cdf, s)
    if len(trace.bits) != n:
        raise CodingError("bit stream is not a bisection code")
    return trace


def bisect_encode_message(cdfs: Sequence[Cdf], symbols: Sequence[int]) -> list[int]:
    return [b for cdf, s in zip(cdfs, symbols, strict=True) for b in bisect_encode(cdf, s).bits]


def bisect_decode_message(cdfs: Iterable[Cdf], bits: Sequence[int]) -> list[int]:
    it = iter(bits)
    return [bisect_decode(cdf, it).symbol for cdf in cdfs]


# ----------------------------------------------------------------------------------------------
# Per-token coding with a length header (the reference notebook)


def header_size(total_bits: int) -> int:
    """Header bits that carry the optimistic length, which ranges over 0..total_bits.

    This is ceil(log2(log2 m)) for a codebook of m = 2**20 (5 bits); we use ceil(log2(B + 1)) since
    a token of the smallest frequency needs all B bits, and B + 1 lengths must fit.
    """
    return max(1, math.ceil(math.log2(total_bits + 1)))


def header_encode(freqs: Cdf | Sequence[int] | np.ndarray, symbol: int) -> list[int]:
    """Header (the optimistic length k, big-endian) then the first k bisection bits."""
    cdf = _as_cdf(freqs)
    trace = bisect_encode(cdf, symbol)
    k = trace.optimistic_bits
    # Past the optimistic point the path may differ from the decodable code's, but only the first
    # k bits are sent, and those are shared.
    size = header_size(cdf.total.bit_length() - 1)
    assert k < 1 << size
    return [(k >> (size - 1 - i)) & 1 for i in range(size)] + list(trace.bits[:k])


def header_decode(freqs: Cdf | Sequence[int] | np.ndarray, bits: Iterator[int]) -> int:
    cdf = _as_cdf(freqs)
    size = header_size(cdf.total.bit_length() - 1)
    try:
        k = 0
        for _ in range(size):
            k = (k << 1) | next(bits)
        lo, hi = 0, 2 * cdf.total
        for _ in range(k):
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if next(bits) == 0 else (mid, hi)
    except StopIteration:
        raise CodingError("the bit stream ended in the middle of a token") from None
    if hi - lo < 2:
        raise CodingError("header names a length longer than any token needs")
    mid = (lo + hi) // 2  # the point Bob reads: an exact multiple of 1 / (2 * total)
    return cdf.symbol_at(mid // 2)
