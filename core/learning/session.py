"""Alice and Bob: coding a stream of sequences while both sides train in lockstep.

`EncodeSession` (Alice) and `DecodeSession` (Bob) yield one `TokenStep` per coded token: every
number the UI draws. Sequences are coded in chunks of ``config.batch_size``: one model codes the
whole chunk (position by position, sequences within a position), then both sides train on it.
Bob, who does not know the future, predicts position t of the chunk from a block whose later
positions are padding; the learner guarantees the same floats as Alice's full block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ..coding import Cdf, Decoder, Encoder
from ..coding.quantize import quantize_probs
from .ledger import Ledger, TokenStep, quantized
from .online import OnlineLearner

__all__ = ["DecodeSession", "EncodeSession", "TokenStep"]


class EncodeSession:
    """Alice: code sequences (token arrays of the task's block size) and train as she goes."""

    def __init__(self, learner: OnlineLearner, train: bool = True) -> None:
        self.ledger = Ledger(learner.task, learner.config.total_bits, learner.config.size_bits)
        self.train = train
        self.learner = learner
        self.encoder = Encoder()
        self.sequences = 0
        self.bits: list[int] | None = None

    def steps(self, sequences: Iterable[np.ndarray]) -> Iterator[TokenStep]:
        """Yield a TokenStep per predicted token of every sequence; training happens between
        chunks, so a consumer that stops early has not trained on a partial chunk."""
        batch = self.learner.config.batch_size
        chunk: list[np.ndarray] = []
        for seq in sequences:
            chunk.append(np.asarray(seq, dtype=np.int64))
            if len(chunk) == batch:
                yield from self._code_chunk(np.stack(chunk))
                chunk = []
        if chunk:
            yield from self._code_chunk(np.stack(chunk))

    def _code_chunk(self, block: np.ndarray) -> Iterator[TokenStep]:
        led = self.ledger
        probs = self.learner.predict(block, keep_for_update=self.train)
        task = self.learner.task
        pos = task.coded_positions(block[0])
        if any(task.coded_positions(row) != pos for row in block[1:]):
            raise ValueError("the sequences of one batch must code the same positions")
        freqs = quantized(probs, pos, led.total_bits)
        coded = np.zeros(block.shape, dtype=np.float64)
        for j, t in enumerate(pos):
            for b in range(block.shape[0]):
                cdf = Cdf.of(freqs[b, j])
                s = int(block[b, t])
                step = self.encoder.encode(cdf, s)
                rec = led.record(self.sequences + b, block[b], t, probs[b, t], freqs[b, j], cdf, s,
                                 step, len(self.encoder.out) + self.encoder.pending)
                coded[b, t] = rec.bits
                yield rec
        self.sequences += block.shape[0]
        if self.train:
            self.learner.update(block, coded, positions=None if pos == led.positions else pos)

    def finish(self) -> list[int]:
        self.bits = self.encoder.finish()
        return self.bits


class DecodeSession:
    """Bob: from the bits alone (and the same config), recover the sequences, training alike."""

    def __init__(self, learner: OnlineLearner, bits: Sequence[int], train: bool = True,
                 given: Sequence[int] | None = None) -> None:
        self.ledger = Ledger(learner.task, learner.config.total_bits, learner.config.size_bits)
        self.train = train
        self.learner = learner
        self.decoder = Decoder(bits)
        self.sequences = 0
        task = learner.task
        # The tokens before the first predicted position: the same for every sequence of most
        # tasks ('s' for addition), sent alongside for others (a division's a and b).
        self.prefix = np.asarray(given if given is not None else task.given_tokens(), dtype=np.int64)
        if len(self.prefix) != task.first_predicted:
            raise ValueError(f"Bob needs the {task.first_predicted} given tokens of each sequence")
        self.decoded: list[np.ndarray] = []

    def steps(self, n_sequences: int) -> Iterator[TokenStep]:
        batch = self.learner.config.batch_size
        while self.sequences < n_sequences:
            yield from self._decode_chunk(min(batch, n_sequences - self.sequences))

    def _decode_chunk(self, n: int) -> Iterator[TokenStep]:
        led = self.ledger
        L = self.learner.task.block_size
        block = np.zeros((n, L), dtype=np.int64)  # unknown positions are padding (token 0)
        block[:, : len(self.prefix)] = self.prefix
        coded = np.zeros(block.shape, dtype=np.float64)
        task = self.learner.task
        done = np.zeros(n, dtype=bool)
        pos: list[int] = []
        for t in led.positions:
            probs = self.learner.predict(block)[:, t]
            freqs = quantize_probs(probs, led.total_bits)
            for b in range(n):
                cdf = Cdf.of(freqs[b])
                s, step = self.decoder.decode(cdf)
                block[b, t] = s
                rec = led.record(self.sequences + b, block[b], t, probs[b], freqs[b], cdf, s, step,
                                 step.bits_so_far)
                coded[b, t] = rec.bits
                done[b] = task.sequence_ends(t, s)
                yield rec
            pos.append(t)
            if done.any():
                # Sequences of one batch code the same positions (EncodeSession checks it).
                if not done.all():
                    raise ValueError("the sequences of one batch ended at different positions")
                break
        self.sequences += n
        self.decoded.extend(block)
        if self.train:
            self.learner.update(block, coded, positions=None if pos == led.positions else pos)

    def texts(self) -> list[str]:
        return [self.learner.task.decode_tokens(row) for row in self.decoded]
