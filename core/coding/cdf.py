"""Cumulative frequencies: what every coder reads, and the constants of the coder's state.

lmviz has three exact coders over integer frequencies, with no floats anywhere in the coding path:

* `bisection.bisect_encode` / `bisect_decode`: the article's picture. Halve [0, 1) and emit one bit
  per halving until the dyadic interval lies entirely inside the token's interval. The stopping
  rule is prefix-free, so per-token codes simply concatenate.
* `bisection.header_encode` / `header_decode`: the reference notebook's scheme. Stop as soon as the
  midpoint lands inside the token's interval (the "optimistic" count) and send that count in a
  fixed-size header first, since the optimistic code alone is not prefix-free.
* `stream.Encoder` / `Decoder`: a streaming arithmetic coder with 32-bit integer state and pending
  bits (Witten, Neal and Cleary, 1987). Its length is within 2 bits of the sum of -log2 q.

Frequencies come from `quantize.quantize_probs`; wrap them in a `Cdf` once per distribution.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PRECISION = 32  # bits of coder state
FULL = 1 << PRECISION
HALF = FULL >> 1
QUARTER = FULL >> 2
THREE_QUARTERS = 3 * QUARTER
MASK = FULL - 1
MAX_TOTAL = QUARTER  # after renormalisation the range exceeds a quarter, so every symbol keeps >= 1


class CodingError(ValueError):
    """A bit stream that cannot be decoded: too short, corrupt, or not produced by our encoder."""


# ----------------------------------------------------------------------------------------------
# Cumulative frequencies


@dataclass(frozen=True)
class Cdf:
    """Cumulative frequencies of one distribution: symbol s owns ``[cum[s], cum[s+1])`` of ``total``."""

    cum: tuple[int, ...]  # length vocab + 1, cum[0] == 0, cum[-1] == total
    total: int  # sum of the frequencies; a power of two when made by quantize_probs

    @classmethod
    def of(cls, freqs: Sequence[int] | np.ndarray) -> Cdf:
        f = np.asarray(freqs, dtype=np.int64)
        if f.ndim != 1 or f.size == 0:
            raise ValueError("frequencies must be a non-empty vector")
        if np.any(f < 1):
            raise ValueError("every frequency must be at least 1")
        cum = np.concatenate(([0], np.cumsum(f)))
        total = int(cum[-1])
        if total > MAX_TOTAL:
            raise ValueError(f"frequencies sum to {total}, more than the coder's 2**30")
        return cls(tuple(cum.tolist()), total)

    @property
    def vocab(self) -> int:
        return len(self.cum) - 1

    def interval(self, symbol: int) -> tuple[int, int]:
        if not 0 <= symbol < len(self.cum) - 1:
            raise ValueError(f"symbol {symbol} is outside the vocabulary of {self.vocab}")
        return self.cum[symbol], self.cum[symbol + 1]

    def symbol_at(self, count: int) -> int:
        """The symbol whose interval holds ``count`` (0 <= count < total)."""
        return bisect.bisect_right(self.cum, count) - 1


def _as_cdf(freqs: Cdf | Sequence[int] | np.ndarray) -> Cdf:
    return freqs if isinstance(freqs, Cdf) else Cdf.of(freqs)


def _dyadic_cdf(freqs: Cdf | Sequence[int] | np.ndarray) -> Cdf:
    cdf = _as_cdf(freqs)
    if cdf.total & (cdf.total - 1):
        raise ValueError(f"bisection needs frequencies summing to a power of two, not {cdf.total}")
    return cdf


def cost_bits(width: int, total: int) -> float:
    """-log2 q for an interval of ``width`` out of ``total``: what an ideal coder pays. Every
    record's cost comes from here (or from `code_lengths`, its batch form)."""
    return math.log2(total / width)


def ideal_bits(freqs: Cdf | Sequence[int] | np.ndarray, symbol: int) -> float:
    """-log2 q(symbol) for the quantized distribution."""
    cdf = _as_cdf(freqs)
    lo, hi = cdf.interval(symbol)
    return cost_bits(hi - lo, cdf.total)


def code_lengths(freqs: np.ndarray, symbols: np.ndarray) -> np.ndarray:
    """-log2 q(symbol) for a batch: ``freqs`` (..., V) integer frequencies, ``symbols`` (...) ids.

    The one formula every coding path uses for what a token costs (the area under the loss curve
    is the sum of these); each row's total is its own sum, a power of two for `quantize_probs`.
    """
    f = np.asarray(freqs)
    s = np.asarray(symbols)[..., None]
    mine = np.take_along_axis(f, s, -1)[..., 0]
    return np.log2(f.sum(axis=-1)) - np.log2(mine)


def pack_bits(bits: Sequence[int]) -> bytes:
    """Bits (0/1, most significant first) to bytes, zero-padded at the end."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes() if len(bits) else b""


def unpack_bits(data: bytes, nbits: int | None = None) -> list[int]:
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).tolist()
    return bits if nbits is None else bits[:nbits]
