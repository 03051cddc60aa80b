"""Modular division a/b = c (mod p): the grokking task."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .base import Task, TaskError, shorten


@dataclass(frozen=True)
class ModDivTask(Task):
    """``a/b=c`` with c * b == a (mod p), b != 0; tokens are the numbers 0..p-1, '/' and '='."""

    p: int = 97  # the prime modulus
    train_fraction: float = 0.5  # fraction of the p * (p - 1) equations used for training
    split_seed: int = 0  # seed of the train / validation split
    name: str = field(default="moddiv", init=False)

    def __post_init__(self) -> None:
        if self.p < 3 or any(self.p % k == 0 for k in range(2, int(self.p**0.5) + 1)):
            raise TaskError(f"the modulus must be a prime of at least 3, not {self.p}")
        if not 0 < self.train_fraction < 1:
            raise TaskError("the training fraction must lie strictly between 0 and 1")

    @property
    def symbols(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(str(i) for i in range(self.p)) + ("/", "=")

    @property
    def DIV(self) -> int:  # noqa: N802 - token id constant
        return self.p

    @property
    def EQ(self) -> int:  # noqa: N802
        return self.p + 1

    block_size = 5
    first_predicted = 4  # only the answer c is learned and coded

    def spec(self) -> dict:
        return {"name": "moddiv", "p": self.p, "train_fraction": self.train_fraction, "split_seed": self.split_seed}

    def all_equations(self) -> np.ndarray:
        """Every (a, b, c) with b != 0, as token rows [a, /, b, =, c]; shape (p*(p-1), 5)."""
        p = self.p
        a, b = np.meshgrid(np.arange(p), np.arange(1, p), indexing="ij")
        a, b = a.ravel(), b.ravel()
        c = (a * np.array([pow(int(x), p - 2, p) for x in b])) % p
        rows = np.stack([a, np.full_like(a, self.DIV), b, np.full_like(a, self.EQ), c], axis=1)
        return rows.astype(np.int64)

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """The seeded train / validation split of all equations."""
        rows = self.all_equations()
        perm = np.random.default_rng(self.split_seed).permutation(len(rows))
        k = int(round(self.train_fraction * len(rows)))
        return rows[perm[:k]], rows[perm[k:]]

    def encode_text(self, text: str) -> np.ndarray:
        t = text.replace(" ", "")
        try:
            a, rest = t.split("/")
            b, c = rest.split("=")
            vals = [int(a), int(b), int(c)]
        except ValueError:
            raise TaskError(f"a division looks like 5/7=29 (mod {self.p}), not {shorten(text)!r}") from None
        if any(not 0 <= v < self.p for v in vals) or vals[1] == 0:
            raise TaskError(f"numbers must lie in 0..{self.p - 1} and the divisor must not be 0")
        return np.array([vals[0], self.DIV, vals[1], self.EQ, vals[2]], dtype=np.int64)

    def label(self) -> str:
        return f"a/b mod {self.p}"

    def allowed_characters(self) -> str:
        return "0123456789/= "

    def edit_hint(self) -> str:
        return f"a division like 5/7=29: a/b=c with c·b = a (mod {self.p}); only c is coded"

    def decode_tokens(self, ids) -> str:
        ids = [int(i) for i in ids]
        return "".join(self.symbols[i] if i >= self.p else f"{i}" for i in ids)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        a = int(rng.integers(self.p))
        b = int(rng.integers(1, self.p))
        c = a * pow(b, self.p - 2, self.p) % self.p
        return np.array([a, self.DIV, b, self.EQ, c], dtype=np.int64)

    def true_distribution(self, prefix) -> np.ndarray:
        if len(prefix) != 4:
            raise ValueError("only the answer of a division is predicted")
        a, b = int(prefix[0]), int(prefix[2])
        q = np.zeros(self.vocab_size)
        q[a * pow(b, self.p - 2, self.p) % self.p] = 1.0
        return q

    def floor_bits(self) -> float:
        return 0.0
