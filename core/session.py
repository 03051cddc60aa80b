"""Alice and Bob: coding a stream of sequences while both sides train in lockstep.

`EncodeSession` (Alice) and `DecodeSession` (Bob) yield one `TokenStep` per coded token: every
number the UI draws. Sequences are coded in chunks of ``config.batch_size``: one model codes the
whole chunk (position by position, sequences within a position), then both sides train on it.
Bob, who does not know the future, predicts position t of the chunk from a block whose later
positions are padding; the learner guarantees the same floats as Alice's full block.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .coder import BisectionTrace, Cdf, CoderStep, Decoder, Encoder, bisect_encode, header_encode
from .online import OnlineLearner
from .quantize import quantize_probs
from .tasks import Task


@dataclass(frozen=True)
class Totals:
    """Running totals in bits over every token coded so far."""

    tokens: int  # predicted tokens coded
    ideal_bits: float  # sum of -log2 q(x): the area under the loss curve
    bisection_bits: int  # the article's per-token bisection codes, concatenated
    header_bits: int  # per-token optimistic codes with a length header (reference notebook)
    stream_bits: int  # streaming arithmetic coder: bits emitted so far (plus pending)
    raw_bits: int  # 8 bits per token, the uncompressed baseline
    floor_bits: float | None  # sum of aleatoric bits: what no model can avoid on average
    expected_bits: float | None  # aleatoric + epistemic: this model's expected cost
    config_bits: int  # the "training code f" sent first; counts in every total

    def with_config(self, bits: float) -> float:
        return bits + self.config_bits


@dataclass(frozen=True)
class TokenStep:
    """Everything about one coded token. Plain data: numpy arrays, ints and floats."""

    sequence: int  # index of the sequence in the stream
    position: int  # position within the sequence
    symbol: int  # token id
    text: str  # the token as text
    probs: np.ndarray  # the model's distribution (float64, vocab)
    freqs: np.ndarray  # quantized integer frequencies (sum 2**total_bits)
    cum_lo: int  # the token's interval [cum_lo, cum_hi) of total
    cum_hi: int
    total: int
    bisection: BisectionTrace  # every halving of [0, 1) into the token's interval
    header_code_bits: int  # length of the per-token code with its header
    stream: CoderStep  # what the streaming coder did with this token
    loss_nats: float  # -ln p(x) under the model's float distribution (the training loss)
    bits: float  # -log2 q(x) under the quantized distribution (what is actually coded)
    true_probs: np.ndarray | None  # the generator's distribution, where the task knows it
    aleatoric_bits: float | None  # H(p_true): cannot be learned
    epistemic_bits: float | None  # KL(p_true || q): what a better model would still save
    totals: Totals  # running totals after this token

    @property
    def q(self) -> float:
        return (self.cum_hi - self.cum_lo) / self.total


def split_cost(true_probs: np.ndarray | None, freqs: np.ndarray) -> tuple[float | None, float | None]:
    """(aleatoric, epistemic) bits of one position: H(p) and KL(p || q)."""
    if true_probs is None:
        return None, None
    q = freqs / freqs.sum()
    m = true_probs > 0
    p = true_probs[m]
    h = float(-(p * np.log2(p)).sum())
    kl = float((p * (np.log2(p) - np.log2(q[m]))).sum())
    return h + 0.0, max(kl, 0.0)


class _Ledger:
    """Shared bookkeeping of both sides: per-token records and running totals."""

    def __init__(self, learner: OnlineLearner, train: bool) -> None:
        self.learner = learner
        self.task: Task = learner.task
        self.train = train
        self.total_bits = learner.config.total_bits
        self.positions = list(self.task.predicted_positions())
        self.ideal = 0.0
        self.bisection = 0
        self.header = 0
        self.raw = 0
        self.floor: float | None = 0.0 if self.task.has_oracle else None
        self.expected: float | None = 0.0 if self.task.has_oracle else None
        self.tokens = 0
        self.config_bits = learner.config.size_bits

    def record(self, seq_index: int, row: np.ndarray, t: int, probs: np.ndarray,
               freqs: np.ndarray, cdf: Cdf, symbol: int, stream: CoderStep,
               stream_bits: int) -> TokenStep:
        lo, hi = cdf.interval(symbol)
        trace = bisect_encode(cdf, symbol)
        hdr = len(header_encode(cdf, symbol))
        bits = math.log2(cdf.total / (hi - lo))
        p = float(probs[symbol])
        loss = -math.log(p) if p > 0 else math.inf
        true = self.task.true_distribution(row[:t]) if self.task.has_oracle else None
        alea, epi = split_cost(true, freqs)
        self.tokens += 1
        self.ideal += bits
        self.bisection += len(trace.bits)
        self.header += hdr
        self.raw += 8
        if alea is not None:
            self.floor += alea
            self.expected += alea + epi
        totals = Totals(self.tokens, self.ideal, self.bisection, self.header, stream_bits,
                        self.raw, self.floor, self.expected, self.config_bits)
        return TokenStep(
            seq_index, t, symbol, self.task.symbols[symbol], probs, freqs, lo, hi, cdf.total,
            trace, hdr, stream, loss, bits, true, alea, epi, totals,
        )


class EncodeSession:
    """Alice: code sequences (token arrays of the task's block size) and train as she goes."""

    def __init__(self, learner: OnlineLearner, train: bool = True) -> None:
        self.ledger = _Ledger(learner, train)
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
        probs = self.learner.predict(block)
        pos = led.positions
        freqs = quantize_probs(probs[:, pos].reshape(-1, probs.shape[-1]), led.total_bits)
        freqs = freqs.reshape(block.shape[0], len(pos), -1)
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
        if led.train:
            self.learner.update(block, coded)

    def finish(self) -> list[int]:
        self.bits = self.encoder.finish()
        return self.bits


class DecodeSession:
    """Bob: from the bits alone (and the same config), recover the sequences, training alike."""

    def __init__(self, learner: OnlineLearner, bits: Sequence[int], train: bool = True,
                 prefix: Sequence[int] | None = None) -> None:
        self.ledger = _Ledger(learner, train)
        self.learner = learner
        self.decoder = Decoder(bits)
        self.sequences = 0
        task = learner.task
        # The given tokens before the first predicted position ('s' for addition).
        self.prefix = np.asarray(
            prefix if prefix is not None else self._default_prefix(task), dtype=np.int64
        )
        self.decoded: list[np.ndarray] = []

    @staticmethod
    def _default_prefix(task: Task) -> list[int]:
        start = getattr(task, "START", None)
        return [start] if start is not None and task.first_predicted == 1 else [0] * task.first_predicted

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
                yield rec
        self.sequences += n
        self.decoded.extend(block)
        if led.train:
            self.learner.update(block, coded)

    def texts(self) -> list[str]:
        return [self.learner.task.decode_tokens(row) for row in self.decoded]
