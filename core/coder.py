"""Three exact coders over integer frequencies: no floats anywhere in the coding path.

* `bisect_encode` / `bisect_decode`: the article's picture. Halve [0, 1) and emit one bit per
  halving until the dyadic interval lies entirely inside the token's interval. The stopping rule is
  prefix-free, so per-token codes simply concatenate.
* `header_encode` / `header_decode`: the reference notebook's scheme. Stop as soon as the midpoint
  lands inside the token's interval (the "optimistic" count) and send that count in a fixed-size
  header first, since the optimistic code alone is not prefix-free.
* `Encoder` / `Decoder`: a streaming arithmetic coder with 32-bit integer state and pending bits
  (Witten, Neal and Cleary, 1987). Its length is within 2 bits of the sum of -log2 q over the message.

Frequencies come from `quantize.quantize_probs`; wrap them in a `Cdf` once per distribution.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

PRECISION = 32  # bits of coder state
FULL = 1 << PRECISION
HALF = FULL >> 1
QUARTER = FULL >> 2
THREE_QUARTERS = 3 * QUARTER
MASK = FULL - 1
MAX_TOTAL = QUARTER  # after renormalisation the range exceeds a quarter, so every symbol keeps >= 1


def _bits_of(value: int, n: int) -> list[int]:
    """The n low bits of value, most significant first."""
    return [(value >> (n - 1 - i)) & 1 for i in range(n)]


# _BITS[n][v]: the n-bit expansion of v, for the short runs the encoder settles at once.
_BITS = [[_bits_of(v, n) for v in range(1 << n)] for n in range(9)]


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


def ideal_bits(freqs: Cdf | Sequence[int] | np.ndarray, symbol: int) -> float:
    """-log2 q(symbol) for the quantized distribution: what an ideal coder pays."""
    cdf = _as_cdf(freqs)
    lo, hi = cdf.interval(symbol)
    return math.log2(cdf.total / (hi - lo))


def pack_bits(bits: Sequence[int]) -> bytes:
    """Bits (0/1, most significant first) to bytes, zero-padded at the end."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes() if len(bits) else b""


def unpack_bits(data: bytes, nbits: int | None = None) -> list[int]:
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).tolist()
    return bits if nbits is None else bits[:nbits]


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
        return math.log2(self.scale / (self.token_hi - self.token_lo))

    @property
    def bound(self) -> int:
        """The guaranteed length: ceil(-log2 q) + 1."""
        return math.ceil(self.ideal_bits - 1e-12) + 1

    def final_interval(self) -> tuple[int, int]:
        lo, hi = 0, self.scale
        for b in self.bits:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if b == 0 else (mid, hi)
        return lo, hi

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


# ----------------------------------------------------------------------------------------------
# Streaming arithmetic coder


@dataclass(frozen=True)
class CoderStep:
    """One symbol through the streaming coder: what the UI draws of the running interval.

    Intervals are inclusive 32-bit integers [low, high] of the current window; each emitted bit
    (and each pending bit) doubles the window, i.e. is one bisection of the running interval.
    """

    symbol: int
    cum_lo: int  # the symbol's interval [cum_lo, cum_hi) out of total
    cum_hi: int
    total: int
    low_before: int  # window before this symbol
    high_before: int
    narrowed_low: int  # after narrowing to the symbol, before renormalising
    narrowed_high: int
    low_after: int  # after renormalising
    high_after: int
    bits: tuple[int, ...]  # bits that left the coder during this step (pending ones resolved)
    pending: int  # straddling bits still waiting for their value after this step
    bits_so_far: int  # total emitted bits after this step

    @property
    def ideal_bits(self) -> float:
        return math.log2(self.total / (self.cum_hi - self.cum_lo))


def _narrow(low: int, high: int, cum_lo: int, cum_hi: int, total: int) -> tuple[int, int]:
    span = high - low + 1
    return low + span * cum_lo // total, low + span * cum_hi // total - 1


class Encoder:
    """Streaming arithmetic encoder. `encode` symbols, then `finish` once to get the bits."""

    def __init__(self) -> None:
        self.low = 0
        self.high = MASK
        self.pending = 0
        self.out: list[int] = []
        self.finished = False

    def __str__(self) -> str:
        return (
            f"Encoder[low={self.low:#010x} high={self.high:#010x} "
            f"({self.low / FULL:.6f}..{(self.high + 1) / FULL:.6f}) pending={self.pending} "
            f"bits={len(self.out)}{' finished' if self.finished else ''}]"
        )

    def encode_interval(self, cum_lo: int, cum_hi: int, total: int) -> None:
        """The hot path: narrow to [cum_lo, cum_hi) of total and shift out settled bits.

        Renormalisation is done in bulk: the k leading bits that low and high share are settled
        (the first of them also settles any pending bits), then each "straddling the middle" case
        doubles the window around 1/2 and leaves a pending bit, as in Witten-Neal-Cleary.
        """
        if self.finished:
            raise RuntimeError("encoder already finished")
        low, high = self.low, self.high
        span = high - low + 1
        high = low + span * cum_hi // total - 1
        low = low + span * cum_lo // total
        k = PRECISION - (low ^ high).bit_length()
        if k:
            out = self.out
            top = low >> (PRECISION - k)
            first = top >> (k - 1)
            out.append(first)
            if self.pending:
                out.extend([1 - first] * self.pending)
                self.pending = 0
            if k > 1:
                out.extend(_BITS[k - 1][top & ((1 << (k - 1)) - 1)] if k <= 9 else _bits_of(top, k - 1))
            low = (low << k) & MASK
            high = ((high << k) & MASK) | ((1 << k) - 1)
        while low >= QUARTER and high < THREE_QUARTERS:
            self.pending += 1
            low = (low - QUARTER) << 1
            high = ((high - QUARTER) << 1) | 1
        assert 0 <= low < HALF <= high < FULL and high - low > QUARTER, str(self)
        self.low, self.high = low, high

    def encode(self, freqs: Cdf | Sequence[int] | np.ndarray, symbol: int) -> CoderStep:
        """Code one symbol and return the record of what happened to the interval."""
        cdf = _as_cdf(freqs)
        cum_lo, cum_hi = cdf.interval(symbol)
        low0, high0, n0 = self.low, self.high, len(self.out)
        nlo, nhi = _narrow(low0, high0, cum_lo, cum_hi, cdf.total)
        self.encode_interval(cum_lo, cum_hi, cdf.total)
        return CoderStep(
            symbol, cum_lo, cum_hi, cdf.total, low0, high0, nlo, nhi, self.low, self.high,
            tuple(self.out[n0:]), self.pending, len(self.out),
        )

    def finish(self) -> list[int]:
        """Flush: two more bits (plus pending) pin a point inside the final interval."""
        if self.finished:
            raise RuntimeError("encoder already finished")
        self.pending += 1
        b = 0 if self.low < QUARTER else 1
        self.out.append(b)
        self.out.extend([1 - b] * self.pending)
        self.pending = 0
        self.finished = True
        return self.out


class Decoder:
    """Streaming arithmetic decoder over a sequence of bits (missing bits read as 0)."""

    def __init__(self, bits: Sequence[int]) -> None:
        self.bits = bits
        # window[i] is the 32-bit integer made of bits[i : i + 32], zero-padded: the decoder takes
        # k bits at once from it. Zero padding stands for the bits past the end that a complete
        # stream never needs; reading past the padding raises CodingError instead of looping.
        self._window = _windows(bits)
        self.pos = PRECISION
        self.low = 0
        self.high = MASK
        self.value = self._window[0]

    def __str__(self) -> str:
        return (
            f"Decoder[low={self.low:#010x} high={self.high:#010x} value={self.value:#010x} "
            f"read={self.pos}/{len(self.bits)}]"
        )

    def decode_interval(self, cdf: Cdf, _bisect=bisect.bisect_right, _P=PRECISION, _M=MASK,
                        _Q=QUARTER, _Q3=THREE_QUARTERS, _H=HALF) -> int:
        """The hot path: find the symbol, narrow, shift in bits. Returns the symbol.

        (The constants are bound as defaults: local lookups are what make this reach its
        benchmark target in pure Python.)
        """
        low = self.low
        value = self.value
        total = cdf.total
        span = self.high - low + 1
        cum = cdf.cum
        s = _bisect(cum, ((value - low + 1) * total - 1) // span) - 1
        high = low + span * cum[s + 1] // total - 1
        low += span * cum[s] // total
        pos = self.pos
        try:
            k = _P - (low ^ high).bit_length()
            if k:
                low = (low << k) & _M
                high = ((high << k) & _M) | ((1 << k) - 1)
                value = ((value << k) & _M) | (self._window[pos] >> (_P - k))
                pos += k
            while low >= _Q and high < _Q3:
                low = (low - _Q) << 1
                high = ((high - _Q) << 1) | 1
                value = ((value - _Q) << 1) | (self._window[pos] >> (_P - 1))
                pos += 1
        except IndexError:
            raise CodingError("the bit stream is too short for the symbols asked of it") from None
        if not low <= value <= high:
            raise CodingError("corrupt stream: the decoder's value left its interval")
        assert low < _H <= high and high - low > _Q, str(self)
        self.low = low
        self.high = high
        self.value = value
        self.pos = pos
        return s

    def decode(self, freqs: Cdf | Sequence[int] | np.ndarray) -> tuple[int, CoderStep]:
        cdf = _as_cdf(freqs)
        low0, high0, pos0 = self.low, self.high, self.pos
        s = self.decode_interval(cdf)
        cum_lo, cum_hi = cdf.interval(s)
        nlo, nhi = _narrow(low0, high0, cum_lo, cum_hi, cdf.total)
        read = tuple(self.bits[pos0 - PRECISION : self.pos - PRECISION])
        step = CoderStep(
            s, cum_lo, cum_hi, cdf.total, low0, high0, nlo, nhi, self.low, self.high,
            read, 0, max(0, self.pos - PRECISION),
        )
        return s, step


def _windows(bits: Sequence[int]) -> list[int]:
    """window[i] = int(bits[i : i + 32]) for every read position of a complete stream, plus one."""
    n = len(bits) + PRECISION + 1
    padded = np.zeros(n + PRECISION, dtype=np.uint64)
    padded[: len(bits)] = np.asarray(bits, dtype=np.uint64)
    window = np.zeros(n, dtype=np.uint64)
    for i in range(PRECISION):
        window |= padded[i : i + n] << np.uint64(PRECISION - 1 - i)
    return window.tolist()


def stream_encode(cdfs: Sequence[Cdf], symbols: Sequence[int]) -> list[int]:
    enc = Encoder()
    for cdf, s in zip(cdfs, symbols, strict=True):
        lo, hi = cdf.cum[s], cdf.cum[s + 1]
        enc.encode_interval(lo, hi, cdf.total)
    return enc.finish()


def stream_decode(cdfs: Iterable[Cdf], bits: Sequence[int]) -> list[int]:
    dec = Decoder(bits)
    return [dec.decode_interval(cdf) for cdf in cdfs]
