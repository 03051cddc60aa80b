"""Bits (m = 2): the article's one case where per-token bisection cannot compress at all.

The source is a Markov chain of order 2 with a known law, so the oracle splits every bit's cost
into aleatoric and epistemic parts: after two equal bits the next one almost always repeats them,
after two different bits it is a coin toss. A model learns that; bisection still pays at least
one bit per token, while the streaming coder pays a fraction of a bit for a predictable one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .base import Task, TaskError, shorten

# p(next bit = 1 | the two bits before it)
P_ONE = {(0, 0): 0.03, (0, 1): 0.5, (1, 0): 0.5, (1, 1): 0.97}


def _h(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


@dataclass(frozen=True)
class BinaryTask(Task):
    """``length`` bits after a start token; the first two are fair coins, the rest follow P_ONE."""

    length: int = 64  # bits per sequence
    name: str = field(default="binary", init=False)
    symbols: tuple[str, ...] = field(default=("0", "1", "s"), init=False)

    START = 2
    two_symbols = True
    raw_bits = 1  # a bit sent as it is costs one bit

    def __post_init__(self) -> None:
        if not 3 <= self.length <= 512:
            raise TaskError(f"a bit sequence must have 3 to 512 bits, not {self.length}")

    @property
    def block_size(self) -> int:  # type: ignore[override]
        return 1 + self.length

    def spec(self) -> dict:
        return {"name": "binary", "length": self.length}

    def label(self) -> str:
        return f"{self.length} bits, order-2 Markov source"

    def given_tokens(self) -> list[int]:
        return [self.START]

    def allowed_characters(self) -> str:
        return "01"

    def edit_hint(self) -> str:
        return f"{self.length} bits, like {'0011' * (self.length // 4)}"[:80]

    def encode_text(self, text: str) -> np.ndarray:
        bits = text.strip().removeprefix("s")
        bad = next((i for i, ch in enumerate(bits) if ch not in "01"), None)
        if bad is not None:
            raise TaskError(f"character {bits[bad]!r} at position {bad + 1} is not a bit (0 or 1)")
        if len(bits) != self.length:
            raise TaskError(f"the sequence must have {self.length} bits, not {len(bits)} "
                            f"({shorten(bits) or 'empty'})")
        return np.array([self.START] + [int(b) for b in bits], dtype=np.int64)

    def editable_text(self, ids) -> str:
        return self.decode_tokens(ids).removeprefix("s")

    def sample_batch(self, rng: np.random.Generator, n: int) -> np.ndarray:
        out = np.empty((n, self.block_size), dtype=np.int64)
        out[:, 0] = self.START
        out[:, 1:3] = rng.integers(0, 2, size=(n, 2))
        table = np.array([[P_ONE[(0, 0)], P_ONE[(0, 1)]], [P_ONE[(1, 0)], P_ONE[(1, 1)]]])
        for t in range(3, self.block_size):
            p1 = table[out[:, t - 2], out[:, t - 1]]
            out[:, t] = (rng.random(n) < p1).astype(np.int64)
        return out

    def true_distribution(self, prefix) -> np.ndarray:
        t = len(prefix)
        if not 1 <= t < self.block_size:
            raise ValueError(f"no token is predicted at position {t}")
        if t < 3:
            return np.array([0.5, 0.5, 0.0])
        p1 = P_ONE[(int(prefix[-2]), int(prefix[-1]))]
        return np.array([1 - p1, p1, 0.0])

    def floor_bits(self) -> float:
        """Two fair bits, then the chain's entropy rate for the rest, from its stationary law
        (the first two bits are uniform, which is the stationary law of this symmetric chain)."""
        states = [(0, 0), (0, 1), (1, 0), (1, 1)]
        T = np.zeros((4, 4))
        for i, (a, b) in enumerate(states):
            p1 = P_ONE[(a, b)]
            T[i, states.index((b, 1))] += p1
            T[i, states.index((b, 0))] += 1 - p1
        pi = np.full(4, 0.25)
        total = 2.0
        for _ in range(self.length - 2):
            total += float(sum(pi[i] * _h(P_ONE[s]) for i, s in enumerate(states)))
            pi = pi @ T
        return total
