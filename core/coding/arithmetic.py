"""The streaming arithmetic coder: 32-bit integer state and pending bits (Witten, Neal and Cleary,
1987). Its output is within 2 bits of the sum of -log2 q over the whole message."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .cdf import (
    FULL,
    HALF,
    MASK,
    PRECISION,
    QUARTER,
    THREE_QUARTERS,
    Cdf,
    CodingError,
    _as_cdf,
    cost_bits,
)


def _bits_of(value: int, n: int) -> list[int]:
    """The n low bits of value, most significant first."""
    return [(value >> (n - 1 - i)) & 1 for i in range(n)]


# _BITS[n][v]: the n-bit expansion of v, for the short runs the encoder settles at once.
_BITS = [[_bits_of(v, n) for v in range(1 << n)] for n in range(9)]


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
        return cost_bits(self.cum_hi - self.cum_lo, self.total)


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


WINDOW_BLOCK = 1 << 15  # read positions whose 32-bit windows are held at once (bounded memory)


class Decoder:
    """Streaming arithmetic decoder over a sequence of bits (missing bits read as 0).

    Give it the bits as a sequence, or packed (``packed`` bytes, most significant bit first, and
    ``nbits``): a file's payload is never expanded to one Python object a bit. The decoder
    holds the 32-bit windows of `WINDOW_BLOCK` read positions at a time, so its memory is
    bounded whatever the stream's length."""

    def __init__(self, bits: Sequence[int] | None = None, *, packed: bytes | None = None,
                 nbits: int | None = None) -> None:
        if (bits is None) == (packed is None):
            raise ValueError("give the bits, or packed bytes and nbits")
        if bits is not None:
            self.bits: Sequence[int] | None = bits
            self._packed = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()
            self.nbits = len(bits)
        else:
            self.bits = None
            self._packed = bytes(packed)
            self.nbits = len(self._packed) * 8 if nbits is None else nbits
            if not 0 <= self.nbits <= len(self._packed) * 8:
                raise CodingError("the stream is shorter than its stated length")
        # Read positions run from 0 to nbits + PRECISION: zero padding stands for the bits past
        # the end that a complete stream never needs; reading past it raises CodingError.
        self._positions = self.nbits + PRECISION + 1
        self._base = 0
        self._window = self._block(0)
        self.pos = PRECISION
        self.low = 0
        self.high = MASK
        self.value = self._window[0]

    def _block(self, base: int) -> list[int]:
        """window[i] = the 32 bits from position base + i on, for one block of positions."""
        n = min(WINDOW_BLOCK, self._positions - base)
        first, last = base // 8, (base + n + PRECISION) // 8 + 1
        raw = np.frombuffer(self._packed[first:last], dtype=np.uint8)
        bits = np.zeros((last - first) * 8, dtype=np.uint64)
        bits[: len(raw) * 8] = np.unpackbits(raw)
        bits[max(0, self.nbits - first * 8):] = 0  # past the stream: zero padding
        off = base - first * 8
        bits = bits[off : off + n + PRECISION]
        if len(bits) < n + PRECISION:
            bits = np.concatenate([bits, np.zeros(n + PRECISION - len(bits), dtype=np.uint64)])
        window = np.zeros(n, dtype=np.uint64)
        for i in range(PRECISION):
            window |= bits[i : i + n] << np.uint64(PRECISION - 1 - i)
        return window.tolist()

    def __str__(self) -> str:
        return (
            f"Decoder[low={self.low:#010x} high={self.high:#010x} value={self.value:#010x} "
            f"read={self.pos}/{self.nbits}]"
        )

    def decode_interval(self, cdf: Cdf, _bisect=bisect.bisect_right) -> int:
        """The hot path: find the symbol, narrow, shift in bits. Returns the symbol."""
        cum = cdf.cum
        s = _bisect(cum, self._count(cdf.total)) - 1
        self._take(cum[s], cum[s + 1], cdf.total)
        return s

    def _count(self, total: int) -> int:
        """Where the value read so far falls, in counts out of ``total``."""
        return ((self.value - self.low + 1) * total - 1) // (self.high - self.low + 1)

    def _take(self, cum_lo: int, cum_hi: int, total: int, _P=PRECISION, _M=MASK, _Q=QUARTER,
              _Q3=THREE_QUARTERS, _H=HALF) -> None:
        """Narrow to the symbol's interval and shift in bits. (The constants are bound as
        defaults: local lookups are what make this reach its benchmark target in pure Python.)"""
        low = self.low
        value = self.value
        span = self.high - low + 1
        high = low + span * cum_hi // total - 1
        low += span * cum_lo // total
        pos = self.pos
        window = self._window
        base = self._base
        try:
            k = _P - (low ^ high).bit_length()
            if k:
                low = (low << k) & _M
                high = ((high << k) & _M) | ((1 << k) - 1)
                value = ((value << k) & _M) | (window[pos - base] >> (_P - k))
                pos += k
            while low >= _Q and high < _Q3:
                low = (low - _Q) << 1
                high = ((high - _Q) << 1) | 1
                value = ((value - _Q) << 1) | (window[pos - base] >> (_P - 1))
                pos += 1
        except IndexError:
            # Past the block of windows held: move the block to this symbol's first read (no
            # state has changed yet) and take it again; past the stream's end: corrupt.
            if base != self.pos and base + len(window) < self._positions:
                self._base = self.pos
                self._window = self._block(self.pos)
                return self._take(cum_lo, cum_hi, total)
            raise CodingError("the bit stream is too short for the symbols asked of it") from None
        if not low <= value <= high:
            raise CodingError("corrupt stream: the decoder's value left its interval")
        assert low < _H <= high and high - low > _Q, str(self)
        self.low = low
        self.high = high
        self.value = value
        self.pos = pos

    def read_bits(self, start: int, end: int) -> tuple[int, ...]:
        """Stream bits [start, end) (for the records the UI draws)."""
        if self.bits is not None:
            return tuple(self.bits[start:end])
        raw = np.unpackbits(np.frombuffer(self._packed, dtype=np.uint8)[start // 8 : end // 8 + 1])
        return tuple(int(b) for b in raw[start % 8 : start % 8 + end - start])

    def decode(self, freqs: Cdf | Sequence[int] | np.ndarray) -> tuple[int, CoderStep]:
        cdf = _as_cdf(freqs)
        low0, high0, pos0 = self.low, self.high, self.pos
        s = self.decode_interval(cdf)
        cum_lo, cum_hi = cdf.interval(s)
        nlo, nhi = _narrow(low0, high0, cum_lo, cum_hi, cdf.total)
        read = self.read_bits(pos0 - PRECISION, min(self.pos - PRECISION, self.nbits))
        step = CoderStep(
            s, cum_lo, cum_hi, cdf.total, low0, high0, nlo, nhi, self.low, self.high,
            read, 0, max(0, self.pos - PRECISION),
        )
        return s, step


def stream_encode(cdfs: Sequence[Cdf], symbols: Sequence[int]) -> list[int]:
    enc = Encoder()
    for cdf, s in zip(cdfs, symbols, strict=True):
        lo, hi = cdf.cum[s], cdf.cum[s + 1]
        enc.encode_interval(lo, hi, cdf.total)
    return enc.finish()


def stream_decode(cdfs: Iterable[Cdf], bits: Sequence[int]) -> list[int]:
    dec = Decoder(bits)
    return [dec.decode_interval(cdf) for cdf in cdfs]
