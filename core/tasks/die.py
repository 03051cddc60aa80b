"""One throw of a loaded die: the article's interval example as a task.

Six faces, 0 to 5, with probabilities 0.15, 0.15, 0.15, 0.15, 0.2, 0.2: laid end to end they
split [0, 1) so that face 4 owns [0.6, 0.8). A sequence is the start token and one throw. The
law is known, so the explorer can code the throw with exactly the article's distribution and
step through its bisection (tour step 2's "try it").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .base import Task, TaskError

FACE_PROBS = (0.15, 0.15, 0.15, 0.15, 0.2, 0.2)  # the article's distribution


@dataclass(frozen=True)
class DieTask(Task):
    """A start token, then one face of the loaded die (FACE_PROBS)."""

    name: str = field(default="die", init=False)
    symbols: tuple[str, ...] = field(default=("0", "1", "2", "3", "4", "5", "s"), init=False)

    START = 6
    raw_bits = 3  # six faces sent as they are: 3 bits a throw

    @property
    def block_size(self) -> int:  # type: ignore[override]
        return 2

    def spec(self) -> dict:
        return {"name": "die"}

    def label(self) -> str:
        return "one throw of the article's loaded die"

    def given_tokens(self) -> list[int]:
        return [self.START]

    def allowed_characters(self) -> str:
        return "012345"

    def edit_hint(self) -> str:
        return "one face, 0 to 5 (4 and 5 are likelier: 0.2 each, the rest 0.15)"

    def encode_text(self, text: str) -> np.ndarray:
        face = text.strip().removeprefix("s")
        if len(face) != 1 or face not in "012345":
            raise TaskError(f"a throw is one face, 0 to 5, not {face!r}")
        return np.array([self.START, int(face)], dtype=np.int64)

    def editable_text(self, ids) -> str:
        return self.decode_tokens(ids).removeprefix("s")

    def sample_batch(self, rng: np.random.Generator, n: int) -> np.ndarray:
        out = np.full((n, 2), self.START, dtype=np.int64)
        out[:, 1] = rng.choice(6, size=n, p=FACE_PROBS)
        return out

    def true_distribution(self, prefix) -> np.ndarray:
        if len(prefix) != 1:
            raise ValueError(f"no token is predicted at position {len(prefix)}")
        return np.array([*FACE_PROBS, 0.0])

    def aleatoric_positions(self) -> list[int]:
        return [1]  # a throw: no model can know it

    def floor_bits(self) -> float:
        return -sum(p * math.log2(p) for p in FACE_PROBS)
