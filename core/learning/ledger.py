"""The ledger Alice and Bob keep: one `TokenStep` per coded token and the running `Totals`.

Plain records that cross from the engine to the UI: numpy arrays, ints and floats only. Nothing
here imports torch, so the UI can import these types (and build fixed records for its tests)
before the engine has loaded. `quantized` is the one step from a model's distributions to the
integer frequencies every coding path uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..coding import BisectionTrace, Cdf, CoderStep, bisect_encode, header_size, ideal_bits
from ..coding.quantize import quantize_probs
from ..coding.runlength import RunLengthMeter
from ..tasks import Task


def quantized(probs: np.ndarray, positions, total_bits: int) -> np.ndarray:
    """Integer frequencies (B, P, V) of the distributions ``probs[:, positions]`` (B, L, V)."""
    b, _, v = probs.shape
    return quantize_probs(probs[:, positions].reshape(-1, v), total_bits).reshape(b, -1, v)


@dataclass(frozen=True)
class Totals:
    """Running totals in bits over every token coded so far."""

    tokens: int  # predicted tokens coded
    ideal_bits: float  # sum of -log2 q(x): the area under the loss curve
    bisection_bits: int  # the article's per-token bisection codes, concatenated
    header_bits: int  # per-token optimistic codes with a length header (reference notebook)
    stream_bits: int  # streaming arithmetic coder: bits emitted so far (plus pending)
    raw_bits: int  # the uncompressed baseline: 8 bits a token (1 for bits)
    floor_bits: float | None  # sum of aleatoric bits: what no model can avoid on average
    expected_bits: float | None  # aleatoric + epistemic: this model's expected cost
    config_bits: int  # the "training code f" sent first; counts in every total
    run_length_bits: int | None = None  # m = 2 only: the article's run-length code (runlength.py)


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


class Ledger:
    """Bookkeeping shared by Alice and Bob: per-token records and running totals."""

    def __init__(self, task: Task, total_bits: int = 16, config_bits: int = 0) -> None:
        self.task = task
        self.total_bits = total_bits
        self.positions = list(self.task.predicted_positions())
        self.ideal = 0.0
        self.bisection = 0
        self.header = 0
        self.raw = 0
        self.floor: float | None = 0.0 if self.task.has_oracle else None
        self.expected: float | None = 0.0 if self.task.has_oracle else None
        self.tokens = 0
        self.config_bits = config_bits
        self.runs = RunLengthMeter() if task.two_symbols else None

    def record(self, seq_index: int, row: np.ndarray, t: int, probs: np.ndarray,
               freqs: np.ndarray, cdf: Cdf, symbol: int, stream: CoderStep,
               stream_bits: int) -> TokenStep:
        lo, hi = cdf.interval(symbol)
        trace = bisect_encode(cdf, symbol)
        # The header code is the length header plus the optimistic bits (coder.header_encode).
        hdr = header_size(cdf.total.bit_length() - 1) + trace.optimistic_bits
        bits = ideal_bits(cdf, symbol)
        p = float(probs[symbol])
        loss = -math.log(p) if p > 0 else math.inf
        true = self.task.true_distribution(row[:t]) if self.task.has_oracle else None
        alea, epi = split_cost(true, freqs)
        self.tokens += 1
        self.ideal += bits
        self.bisection += len(trace.bits)
        self.header += hdr
        self.raw += self.task.raw_bits
        if alea is not None:
            self.floor += alea
            self.expected += alea + epi
        runs = None
        if self.runs is not None:  # the model's guess is the likelier of the two bits
            runs = self.runs.add(symbol, int(freqs[1] > freqs[0]))
        totals = Totals(self.tokens, self.ideal, self.bisection, self.header, stream_bits,
                        self.raw, self.floor, self.expected, self.config_bits, runs)
        return TokenStep(
            seq_index, t, symbol, self.task.symbols[symbol], probs, freqs, lo, hi, cdf.total,
            trace, hdr, stream, loss, bits, true, alea, epi, totals,
        )
