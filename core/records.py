"""Plain records that cross from the engine to the UI: numpy arrays, ints and floats only.

Nothing here imports torch, so the UI can import these types (and build fixed records for its
tests) before the engine has loaded.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

import numpy as np

from .coder import BisectionTrace, Cdf, CoderStep, Encoder, bisect_encode, header_size
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

    def record(self, seq_index: int, row: np.ndarray, t: int, probs: np.ndarray,
               freqs: np.ndarray, cdf: Cdf, symbol: int, stream: CoderStep,
               stream_bits: int) -> TokenStep:
        lo, hi = cdf.interval(symbol)
        trace = bisect_encode(cdf, symbol)
        # The header code is the length header plus the optimistic bits (coder.header_encode).
        hdr = header_size(cdf.total.bit_length() - 1) + trace.optimistic_bits
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


def code_with_distributions(task: Task, sequence: np.ndarray, probs: np.ndarray,
                            total_bits: int = 16, config_bits: int = 0) -> tuple[list[TokenStep], list[int]]:
    """Code one sequence with given next-token distributions (probs[t] for token t): the same
    records as EncodeSession, with no model. For fixed test data and for what-if demos."""
    ledger = Ledger(task, total_bits, config_bits)
    freqs = quantize_probs(probs[ledger.positions], total_bits)
    enc = Encoder()
    steps = []
    for j, t in enumerate(ledger.positions):
        cdf = Cdf.of(freqs[j])
        s = int(sequence[t])
        step = enc.encode(cdf, s)
        steps.append(ledger.record(0, sequence, t, probs[t], freqs[j], cdf, s, step,
                                   len(enc.out) + enc.pending))
    return steps, enc.finish()


# ----------------------------------------------------------------------------------------------
# Grokking records (the trainer is in grokking.py)


@dataclass(frozen=True)
class GrokConfig:
    p: int = 97  # prime modulus
    train_fraction: float = 0.4  # share of the p(p-1) equations used for training
    weight_decay: float = 1.0  # AdamW decoupled weight decay: what makes it generalise
    lr: float = 1e-3  # AdamW learning rate
    betas: tuple[float, float] = (0.9, 0.98)  # AdamW betas, as in the grokking paper
    width: int = 128  # transformer width
    layers: int = 1  # transformer blocks
    heads: int = 4  # attention heads
    warmup: int = 10  # linear learning-rate warm-up steps
    eval_every: int = 1  # evaluate the validation set every this many steps (reused between)
    grokfast: float = 0.0  # Grokfast-EMA amplification of slow gradients (0: plain AdamW)
    grokfast_alpha: float = 0.98  # EMA decay of that slow-gradient filter
    seed: int = 0  # seeds the weights and the split
    threads: int = 2  # torch threads

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> GrokConfig:
        d = dict(d)
        d["betas"] = tuple(d.get("betas", (0.9, 0.98)))
        return cls(**d)


@dataclass(frozen=True)
class GrokStep:
    step: int  # optimiser steps done
    seconds: float  # wall time since the start
    train_loss: float  # mean cross-entropy (nats) on the training half
    val_loss: float  # and on the held-out equations
    train_acc: float  # accuracy on the training equations
    val_acc: float  # accuracy on the held-out equations
    val_bits: float  # cost in bits of coding every held-out answer with the model
    weight_norm: float  # L2 norm of all weights


def crossings(records, threshold: float = 0.99) -> dict:
    """Steps and seconds at which train and validation accuracy first reached the threshold."""
    out = {"train99_step": None, "val99_step": None, "train99_seconds": None, "val99_seconds": None}
    for r in records:
        if out["train99_step"] is None and r.train_acc >= threshold:
            out["train99_step"], out["train99_seconds"] = r.step, r.seconds
        if out["val99_step"] is None and r.val_acc >= threshold:
            out["val99_step"], out["val99_seconds"] = r.step, r.seconds
    return out


def save_run(path, config: GrokConfig, records: list[GrokStep], command: str = "") -> None:
    """A recorded run as JSON: config, command and one row per step (columns, not objects)."""
    cols = [f.name for f in dataclasses.fields(GrokStep)]
    data = {
        "config": dataclasses.asdict(config),
        "command": command,
        "columns": cols,
        "rows": [[getattr(r, k) for k in cols] for r in records],
    }
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))


def load_run(path) -> tuple[GrokConfig, list[GrokStep], str]:
    with open(path) as f:
        data = json.load(f)
    cols = data["columns"]
    records = [GrokStep(**dict(zip(cols, row))) for row in data["rows"]]
    return GrokConfig.from_dict(data["config"]), records, data.get("command", "")
