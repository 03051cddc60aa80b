"""Where the bits go in a file: every byte's cost under `lmviz compress`'s own model, and what
each part of that model predicted for it (`lmviz inspect`).

`explained_compress` is `compress_packed` with an eye on every step: it returns the very bits
`lmviz compress` writes (so the total a user sees is the payload, not an estimate) and hands
out, in chunks (costs.ExplainChunk), per byte: its interval under the quantized mix, the mix's
most likely bytes, and each part's view (each count context, the match model, the LSTM alone,
with the weight the mixer gave it). costs.CostMap collects them for the screen.

Numbers only: no torch tensor leaves this module (the explain hook reads them in the worker).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from .compressor import CompressorConfig, _layout, compress_packed
from .contexts import COUNT_BUCKETS
from .costs import TOP_K, ExplainChunk

CHUNK_SECONDS = 0.1  # how often chunks are handed out while coding


class Cancelled(Exception):
    """The user left: stop coding at the next step."""


def part_names(config: CompressorConfig) -> tuple[str, ...]:
    """The model's parts, in the order of the per-part arrays: the count contexts (as
    ContextInputs rows), the match model, the LSTM alone."""
    names = [f"order-{k} counts" for k in config.orders]
    names += ["row above", "row above + last byte"] if config.record else []
    names += ["byte" + ("s " if len(d) > 1 else " ") + " and ".join(map(str, d)) + " back"
              for d in config.skips]
    names += ["word so far", "word + last word"] if config.words else []
    if config.match_min:
        names.append("match model")
    return (*names, "LSTM alone")


def explained_compress(data: bytes, config: CompressorConfig,
                       on_chunk: Callable[[ExplainChunk], None],
                       cancelled: Callable[[], bool] = lambda: False) -> tuple[bytes, int]:
    """compress_packed(data, config) (the same payload and bit count), handing out an
    ExplainChunk at least every CHUNK_SECONDS and at the end. Raises Cancelled as soon as
    ``cancelled()`` is true (it is asked every step)."""
    steps, _ = _layout(len(data), config.streams)
    P = len(part_names(config))
    pending: list[tuple] = []
    t0 = last = time.perf_counter()
    bits = [0]

    def flush() -> None:
        if not pending:
            return
        cols = list(zip(*pending))
        pending.clear()
        on_chunk(ExplainChunk(*(np.concatenate(c) for c in cols), payload_bits=bits[0],
                              seconds=time.perf_counter() - t0))

    def progress(p) -> None:
        bits[0] = p.bits

    def explain(eng, t: int, cums: np.ndarray, row: np.ndarray, live: np.ndarray) -> None:
        nonlocal last
        if cancelled():
            raise Cancelled
        rows = np.flatnonzero(live)
        n = len(rows)
        sym = row[rows].astype(np.int64)
        cum = cums[rows]
        at = np.arange(n)
        lo = cum[at, sym]
        freqs = np.diff(cum, axis=1)
        top = np.argsort(-freqs, axis=1, kind="stable")[:, :TOP_K]
        part_p = np.full((n, P), np.nan, dtype=np.float32)
        part_top = np.zeros((n, P), dtype=np.uint8)
        part_w = np.full((n, P), np.nan, dtype=np.float32)
        part_bucket = np.zeros((n, P), dtype=np.uint8)
        ctx, head, weights = eng.last_parts
        if ctx is not None:
            feats = ctx.features[rows].numpy()  # (n, F, 256)
            index = ctx.index[rows].numpy()  # (n, F)
            counts = eng.config.count_contexts
            # A count part's own distribution: softmax of log(count + 1/4) = (count + 1/4) / sum.
            c = np.exp(feats[:, :counts, :].astype(np.float64))
            c /= c.sum(axis=2, keepdims=True)
            part_p[:, :counts] = c[at, :, sym]
            part_top[:, :counts] = c.argmax(axis=2)
            part_w[:, : index.shape[1]] = weights[rows].numpy()  # mix_w's, moved by the gate
            part_bucket[:, :counts] = index[:, :counts] % COUNT_BUCKETS
            if index.shape[1] > counts:  # the match model: a byte (or none) and a length
                hot = feats[:, counts, :]
                has = hot.max(axis=1) > 0
                part_top[:, counts] = hot.argmax(axis=1)
                part_p[:, counts] = np.where(has, hot[at, sym], np.nan)
                part_bucket[:, counts] = index[:, counts] - eng._match_offset
        lstm = torch.softmax(head[rows].double(), dim=-1).numpy()
        part_p[:, -1] = lstm[at, sym]
        part_top[:, -1] = lstm.argmax(axis=1)
        pending.append((rows.astype(np.int64) * steps + t, lo.astype(np.uint16),
                        freqs[at, sym].astype(np.uint16), top.astype(np.uint8),
                        np.take_along_axis(cum[:, :256], top, 1).astype(np.uint16),
                        np.take_along_axis(freqs, top, 1).astype(np.uint16),
                        part_p.astype(np.float16), part_top, part_w.astype(np.float16),
                        part_bucket))
        now = time.perf_counter()
        if now - last > CHUNK_SECONDS:
            last = now
            flush()

    payload, nbits = compress_packed(data, config, progress, explain)
    bits[0] = nbits
    flush()
    return payload, nbits
