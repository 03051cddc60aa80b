"""The article's alternative for m = 2: send runs, not tokens.

With two symbols, per-token bisection spends at least one bit a token, so it cannot compress.
The article's way out: Alice sends the length k of each run of tokens that equal the model's
argmax (Elias gamma of k + 1: about 2 log2 k + 1 bits), and the token that ends the run is the
other symbol, so it needs no bits. Bob predicts the argmax k times, then flips. The last run is
sent too (Bob stops at the sequence's end even if it runs past).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from .cdf import CodingError


def gamma_length(n: int) -> int:
    """Bits of the Elias gamma code of n >= 1: 2 floor(log2 n) + 1."""
    if n < 1:
        raise ValueError(f"Elias gamma codes numbers from 1, not {n}")
    return 2 * (n.bit_length() - 1) + 1


def gamma_encode(n: int) -> list[int]:
    if n < 1:
        raise ValueError(f"Elias gamma codes numbers from 1, not {n}")
    body = [int(b) for b in bin(n)[2:]]
    return [0] * (len(body) - 1) + body


def gamma_decode(bits: Iterator[int]) -> int:
    try:
        zeros = 0
        while next(bits) == 0:
            zeros += 1
            if zeros > 62:
                raise CodingError("a run length longer than any sequence")
        n = 1
        for _ in range(zeros):
            n = (n << 1) | next(bits)
    except StopIteration:
        raise CodingError("the bit stream ended in the middle of a run length") from None
    return n


def run_length_encode(symbols: Sequence[int], argmaxes: Sequence[int]) -> list[int]:
    """The runs of ``symbols`` (0/1) against the model's argmax before each, as gamma codes."""
    out: list[int] = []
    run = 0
    for s, a in zip(symbols, argmaxes, strict=True):
        if s == a:
            run += 1
        else:
            out += gamma_encode(run + 1)
            run = 0
    return out + gamma_encode(run + 1)


def run_length_decode(bits: Sequence[int], n: int, argmax: Callable[[list[int]], int]) -> list[int]:
    """``n`` symbols from the runs, asking ``argmax(prefix)`` for the model's guess each time."""
    it = iter(bits)
    out: list[int] = []
    while len(out) < n:
        run = gamma_decode(it) - 1
        for _ in range(min(run, n - len(out))):
            out.append(argmax(out))
        if len(out) < n:
            out.append(1 - argmax(out))
    return out


class RunLengthMeter:
    """Running size of the run-length code, token by token (what the explorer's totals show):
    the finished runs, plus the run in progress as if the sequence ended now."""

    def __init__(self) -> None:
        self.finished = 0
        self.run = 0

    def add(self, symbol: int, argmax: int) -> int:
        if symbol == argmax:
            self.run += 1
        else:
            self.finished += gamma_length(self.run + 1)
            self.run = 0
        return self.finished + gamma_length(self.run + 1)
