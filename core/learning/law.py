"""The source's own law as a model: for a task whose generator is known (addition, the binary
Markov source), the exact next-token distribution, with nothing to learn. It codes at the floor
on average, and is what the explorer's `m` calls "the source's law". Torch-free (numpy only)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from ..tasks import Task


@dataclass(frozen=True)
class LawConfig:
    """What the sessions read of a learner's config; the law's code f is its task's spec."""

    task: dict  # the task's spec: all Bob needs to compute the law
    total_bits: int = 16  # frequencies sum to 2**total_bits (coding/quantize.py)
    batch_size: int = 1  # sequences coded per prediction
    model: str = "the source's"  # what the explorer's model line says
    size: str = "law"

    @property
    def size_bits(self) -> int:
        return 8 * len(json.dumps(self.task, sort_keys=True, separators=(",", ":")).encode())


class SourceLaw:
    """`OnlineLearner`'s predicting half for a task with an oracle: ``predict`` gives, for each
    position t of a block, the true p(token t | tokens before t); a position whose prefix the
    law cannot read (padding after a sequence's end) gets a uniform distribution."""

    parameter_count = 0
    sequences_seen = 0

    def __init__(self, task: Task) -> None:
        if not task.has_oracle:
            raise ValueError(f"no law is known for {task.label()}: its model must learn")
        self.task = task
        self.config = LawConfig(task.spec())

    def predict(self, tokens: np.ndarray, keep_for_update: bool = False) -> np.ndarray:
        b, L = tokens.shape
        v = self.task.vocab_size
        out = np.full((b, L, v), 1.0 / v)
        for i in range(b):
            for t in range(1, L):
                try:
                    law = self.task.true_distribution(tokens[i, :t])
                except (ValueError, KeyError, IndexError):
                    law = None
                if law is not None:
                    out[i, t] = law
        return out
