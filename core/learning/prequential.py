"""The prequential stream at full speed: code a long stream of sequences while training.

`EncodeSession` makes a rich record per token for the explorer; this path makes one
`LearnProgress` per report instead, and codes with the streaming coder's hot path, so that
hundreds of thousands of sequences go by in minutes. The numbers are the same: the cost of each
token is -log2 of its quantized probability, and the streaming coder's output is measured, not
assumed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..coding import Encoder, code_lengths
from .ledger import quantized
from .online import LearnerConfig, OnlineLearner


@dataclass(frozen=True)
class LearnProgress:
    """Where the stream stands after `sequences` sequences."""

    sequences: int  # sequences coded so far
    seconds: float  # wall time so far
    ideal_bits: float  # sum of -log2 q over every coded token (area under the loss curve)
    stream_bits: int  # bits the streaming coder has produced (emitted + pending)
    config_bits: int  # the training code f, sent once
    floor_bits_per_sequence: float | None  # the generator's entropy per sequence
    position_bits: np.ndarray  # (P,) mean bits at each predicted position over the last report
    position_labels: tuple[str, ...]  # what each predicted position is ("a1", "+", "c3", ...)
    monitored_bits: float | None  # mean recent bits at the positions the task must learn (answers)
    train_loss: float  # weighted training loss of the last update
    lr: float  # learning rate now

    @property
    def cumulative_bits_per_sequence(self) -> float:
        """Total message size so far (config included) per sequence."""
        return (self.ideal_bits + self.config_bits) / max(self.sequences, 1)


def learn_stream(
    config: LearnerConfig,
    sequences: int,
    data_seed: int = 1,
    report_every: float = 0.25,
    learner: OnlineLearner | None = None,
    keep_text: bool = True,
) -> Iterator[tuple[LearnProgress, bytes]]:
    """Code ``sequences`` random sequences of the config's task, training after each batch.

    Yields (progress, new_text) about every ``report_every`` seconds and once at the end, where
    new_text is the stream's text since the last report (for the classical baselines).
    The generator can be closed at any time (the UI's cancel).
    """
    learner = learner or OnlineLearner(config)
    task = learner.task
    rng = np.random.default_rng(data_seed)
    pos = np.array(list(task.predicted_positions()))
    labels = task.position_labels()
    monitored = set(task.monitored_positions())
    watched = [i for i, t in enumerate(pos) if t in monitored]
    floor = task.floor_bits()
    enc = Encoder()
    ideal = 0.0
    n = 0
    t0 = time.perf_counter()
    last = t0
    recent = np.zeros(len(pos))
    recent_n = 0
    text: list[bytes] = []
    loss = float("nan")
    batch = config.batch_size
    total_bits = config.total_bits
    while n < sequences:
        b = min(batch, sequences - n)
        block = task.sample_batch(rng, b)
        probs = learner.predict(block, keep_for_update=True)
        freqs = quantized(probs, pos, total_bits)
        cum = np.cumsum(freqs, axis=-1)
        sym = block[:, pos]
        hi = np.take_along_axis(cum, sym[..., None], -1)[..., 0]
        f = np.take_along_axis(freqs, sym[..., None], -1)[..., 0]
        lo = hi - f
        total = 1 << total_bits
        # Position-major order, as EncodeSession codes a chunk.
        for lo_, hi_ in zip(lo.T.ravel().tolist(), hi.T.ravel().tolist()):
            enc.encode_interval(lo_, hi_, total)
        cost = code_lengths(freqs, sym)
        ideal += float(cost.sum())
        recent += cost.sum(axis=0)
        recent_n += b
        coded = np.zeros(block.shape)
        coded[:, pos] = cost
        loss = learner.update(block, coded)
        n += b
        if keep_text:
            text.append("".join(task.decode_tokens(row) for row in block).encode())
        now = time.perf_counter()
        if now - last >= report_every or n >= sequences:
            last = now
            # Finishing now would add the pending bits and two more; at the end, finish for real.
            stream = len(enc.finish()) if n >= sequences else len(enc.out) + enc.pending + 2
            recent_mean = recent / max(recent_n, 1)
            yield (
                LearnProgress(
                    n, now - t0, ideal, stream, config.size_bits, floor, recent_mean, labels,
                    float(recent_mean[watched].mean()) if watched else None, loss, learner.lr,
                ),
                b"".join(text),
            )
            recent = np.zeros(len(pos))
            recent_n = 0
            text = []


def evaluate_frozen(learner: OnlineLearner, sequences: int, data_seed: int = 12345,
                    batch: int = 500) -> dict:
    """Mean bits per sequence of a frozen model on fresh sequences (no training), with the floor."""
    task = learner.task
    rng = np.random.default_rng(data_seed)
    pos = np.array(list(task.predicted_positions()))
    total_bits = learner.config.total_bits
    cost = np.zeros(len(pos))
    n = 0
    while n < sequences:
        b = min(batch, sequences - n)
        block = task.sample_batch(rng, b)
        freqs = quantized(learner.predict(block), pos, total_bits)
        cost += code_lengths(freqs, block[:, pos]).sum(axis=0)
        n += b
    per_position = cost / n
    return {"sequences": n, "bits_per_sequence": float(per_position.sum()),
            "floor_bits_per_sequence": task.floor_bits(),
            "position_bits": dict(zip(task.position_labels(), map(float, per_position)))}
