"""A torch-free stand-in for the explorer's engine: fixed, hand-made distributions.

The "model" mixes the generator's true distribution with a uniform one, so records are the same
on every machine (no floats from a network), which is what snapshot tests need. Alice and Bob
both go through the real coder, quantizer and Ledger.
"""

from __future__ import annotations

import numpy as np
from lmviz.app.engine import Engine, ExplorerRequest
from lmviz.app.messages import ModelInfo
from lmviz.core.coder import Cdf, Decoder
from lmviz.core.quantize import quantize_probs
from lmviz.core.records import Ledger, code_with_distributions


class FixedEngine(Engine):
    def __init__(self, request: ExplorerRequest | None = None, trust: float = 0.8) -> None:
        super().__init__(request or ExplorerRequest())
        self.trust = {"pretrained": trust, "untrained": 0.0, "online": 0.5}
        self.calls: list[str] = []

    def default_kind(self) -> str:
        return "pretrained"

    def info(self, kind: str) -> ModelInfo:
        return ModelInfo(kind, "fixed mixture (test)", 1234, "fixed", 0)

    def _dist(self, prefix, kind) -> np.ndarray:
        task = self.task()
        v = task.vocab_size
        true = task.true_distribution(prefix)
        w = self.trust[kind]
        return w * true + (1 - w) * np.full(v, 1.0 / v)

    def parse(self, text, kind):
        return self.task().parse(text)

    def sample(self, kind):
        return self.task().sample(self.rng)

    def encode(self, sequence, kind, cancelled=lambda: False):
        self.calls.append(f"encode:{kind}")
        task = self.task()
        probs = np.zeros((task.block_size, task.vocab_size))
        for t in task.predicted_positions():
            probs[t] = self._dist(sequence[:t], kind)
        steps, bits = code_with_distributions(task, np.asarray(sequence), probs)
        return tuple(steps), tuple(bits), task.decode_tokens(sequence)

    def decode(self, bits, kind, cancelled=lambda: False):
        self.calls.append(f"decode:{kind}")
        task = self.task()
        ledger = Ledger(task)
        dec = Decoder(list(bits))
        row = np.zeros(task.block_size, dtype=np.int64)
        row[0] = task.START
        steps = []
        for t in task.predicted_positions():
            p = self._dist(row[:t], kind)
            f = quantize_probs(p)
            cdf = Cdf.of(f)
            s, step = dec.decode(cdf)
            row[t] = s
            steps.append(ledger.record(0, row, t, p, f, cdf, s, step, step.bits_so_far))
        return tuple(steps), task.decode_tokens(row)
