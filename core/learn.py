"""The prequential stream at full speed: code a long stream of sequences while training.

`EncodeSession` makes a rich record per token for the explorer; this path makes one
`LearnProgress` per report instead, and codes with the streaming coder's hot path, so that
hundreds of thousands of sequences go by in minutes. The numbers are the same: the cost of each
token is -log2 of its quantized probability, and the streaming coder's output is measured, not
assumed.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .coder import Encoder
from .online import LearnerConfig, OnlineLearner
from .quantize import quantize_probs


def classical_bits(data: bytes) -> dict[str, int]:
    """Sizes in bits of gzip -9, bzip2 -9 and xz -9e on the same bytes (container overhead in)."""
    return {
        "gzip": 8 * len(gzip.compress(data, compresslevel=9, mtime=0)),
        "bzip2": 8 * len(bz2.compress(data, compresslevel=9)),
        "xz": 8 * len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)),
    }


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
    train_loss: float  # weighted training loss of the last update
    lr: float  # learning rate now

    @property
    def cumulative_bits_per_sequence(self) -> float:
        """Total message size so far (config included) per sequence."""
        return (self.ideal_bits + self.config_bits) / max(self.sequences, 1)


def position_labels(task) -> tuple[str, ...]:
    """Short names for the predicted positions: a1..an, +, b1..bn, =, c1..c(n+1), e for an
    addition (digits counted from the left as written); the position number otherwise."""
    if not hasattr(task, "kind_of"):
        return tuple(str(t) for t in task.predicted_positions())
    seps = {task.b_start - 1: "+", task.c_start - 1: "=", task.block_size - 1: "e"}
    starts = {"a": task.a_start, "b": task.b_start, "c": task.c_start}
    labels = []
    for t in task.predicted_positions():
        kind = task.kind_of(t)
        labels.append(seps[t] if kind == "sep" else f"{kind}{t - starts[kind] + 1}")
    return tuple(labels)


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
    labels = position_labels(task)
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
        freqs = quantize_probs(probs[:, pos].reshape(-1, probs.shape[-1]), total_bits)
        freqs = freqs.reshape(b, len(pos), -1)
        cum = np.cumsum(freqs, axis=-1)
        sym = block[:, pos]
        hi = np.take_along_axis(cum, sym[..., None], -1)[..., 0]
        f = np.take_along_axis(freqs, sym[..., None], -1)[..., 0]
        lo = hi - f
        total = 1 << total_bits
        # Position-major order, as EncodeSession codes a chunk.
        for lo_, hi_ in zip(lo.T.ravel().tolist(), hi.T.ravel().tolist()):
            enc.encode_interval(lo_, hi_, total)
        cost = total_bits - np.log2(f)
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
            yield (
                LearnProgress(
                    n, now - t0, ideal, stream, config.size_bits, floor,
                    recent / max(recent_n, 1), labels, loss, learner.lr,
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
        probs = learner.predict(block)
        freqs = quantize_probs(probs[:, pos].reshape(-1, probs.shape[-1]), total_bits)
        f = np.take_along_axis(freqs.reshape(b, len(pos), -1), block[:, pos][..., None], -1)[..., 0]
        cost += (total_bits - np.log2(f)).sum(axis=0)
        n += b
    per_position = cost / n
    return {"sequences": n, "bits_per_sequence": float(per_position.sum()),
            "floor_bits_per_sequence": task.floor_bits(),
            "position_bits": dict(zip(position_labels(task), map(float, per_position)))}
