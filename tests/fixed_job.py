"""A torch-free stand-in for the explorer job: fixed, hand-made distributions.

The "model" mixes the generator's true distribution with a uniform one, so records are the same
on every machine (no floats from a network), which is what snapshot tests need. Alice and Bob
both go through the real coder, quantizer and Ledger, and the same `CodedSequence` /
`DecodedSequence` records the real `ExplorerJob` returns.
"""

from __future__ import annotations

import numpy as np
from lmviz.app.jobs.events import CodedSequence, DecodedSequence, ModelInfo
from lmviz.app.jobs.settings import ExplorerRequest, task_of
from lmviz.app.jobs.tour import code_with_distributions
from lmviz.core.baselines import classical_bits
from lmviz.core.coding import Cdf, Decoder
from lmviz.core.coding.quantize import quantize_probs
from lmviz.core.learning.ledger import Ledger

_SAMPLE = b"the model learns the bits as it codes each byte, and the cost of each byte is its loss. "


def _bigram(prev: int) -> np.ndarray:
    """A fixed next-byte law (257 symbols) from the bytes that follow ``prev`` in _SAMPLE."""
    counts = np.full(257, 0.01)
    counts[256] = 0.5 if prev == ord(".") else 0.01  # the end token after a full stop
    for a, b in zip(_SAMPLE, _SAMPLE[1:]):
        if a == prev or prev == 256:
            counts[b] += 1.0
    return counts / counts.sum()


class FixedJob:
    """The ExplorerJob's interface (encode, decode), answered from fixed mixtures."""

    def __init__(self, request: ExplorerRequest | None = None, trust: float = 0.8) -> None:
        self.request = request or ExplorerRequest()
        self.task = task_of(self.request)
        self.rng = np.random.default_rng(0)
        self.trust = {"pretrained": trust, "untrained": 0.0, "online": 0.5, "law": 1.0}
        self.calls: list[str] = []

    def info(self, kind: str) -> ModelInfo:
        return ModelInfo(kind, "fixed mixture (test)", 1234, "fixed", 0,
                         32 * 1234 if kind == "pretrained" else None)

    def _dist(self, prefix, kind) -> np.ndarray:
        v = self.task.vocab_size
        true = self.task.true_distribution(prefix)
        if true is None:  # text: a bigram table from a fixed sentence stands for the model
            true = _bigram(int(prefix[-1]))
        w = self.trust[kind]
        return w * true + (1 - w) * np.full(v, 1.0 / v)

    def encode(self, text, kind, cancelled=lambda: False):
        self.calls.append(f"encode:{kind}")
        task = self.task
        sequence = task.sample(self.rng) if text is None else task.parse(text)
        probs = np.zeros((task.block_size, task.vocab_size))
        for t in task.coded_positions(sequence):
            probs[t] = self._dist(sequence[:t], kind)
        steps, bits = code_with_distributions(task, np.asarray(sequence), probs)
        given = tuple(int(t) for t in sequence[: task.first_predicted])
        classical = None if task.has_oracle else classical_bits(task.text_bytes(sequence))
        return CodedSequence(tuple(steps), tuple(bits), task.decode_tokens(sequence), given,
                             self.info(kind), None, classical)

    def decode(self, coded, cancelled=lambda: False, partial=lambda decoded: None):
        kind = coded.model.kind
        self.calls.append(f"decode:{kind}")
        task = self.task
        ledger = Ledger(task)
        dec = Decoder(list(coded.bits))
        row = np.zeros(task.block_size, dtype=np.int64)
        row[: len(coded.given)] = coded.given
        steps = []
        for t in task.predicted_positions():
            p = self._dist(row[:t], kind)
            f = quantize_probs(p)
            cdf = Cdf.of(f)
            s, step = dec.decode(cdf)
            row[t] = s
            steps.append(ledger.record(0, row, t, p, f, cdf, s, step, step.bits_so_far))
            if task.sequence_ends(t, s):
                break
        return DecodedSequence(tuple(steps), task.decode_tokens(row))
