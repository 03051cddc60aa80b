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

from .bitcontexts import context_names
from .compressor import _layout, compress_packed
from .config import CompressorConfig
from .contexts import MIX_BUCKETS, SEEN_BUCKETS, log_bucket
from .costs import BIT_MIXER, LSTM, MATCH, TOP_K, ExplainChunk

TINY = 2.0**-24  # the least probability a part is shown with (float16's smallest)
CHUNK_SECONDS = 0.1  # how often chunks are handed out while coding


class Cancelled(Exception):
    """The user left: stop coding at the next step."""


def part_names(config: CompressorConfig) -> tuple[str, ...]:
    """The model's parts, in the order of the per-part arrays: the bit mixer's contexts, the bit
    mixer as a whole, the match model, the LSTM alone."""
    names = context_names(config.orders, config.local, config.skips, config.words, config.record,
                          config.lines)
    names.append(BIT_MIXER)
    if config.match_min:
        names.append(MATCH)
    return (*names, LSTM)


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
        C = eng.bits.C
        # Each bit context alone: its own bit probabilities multiplied along the tree.
        own, path_w, first = eng.bits.explain(rows, sym)
        own = np.exp(own.astype(np.float64))
        # float16 keeps down to 2**-24: a rarer byte is shown as costing 24 bits
        part_p[:, :C] = np.fmax(own[at, :, sym], TINY)
        part_top[:, :C] = own.argmax(axis=2)
        part_w[:, :C] = path_w  # the bit mixer's weight along the byte's path
        n = first.sum(axis=2)  # how often the context's first bit was seen, and whether only
        part_bucket[:, :C] = (log_bucket(n, SEEN_BUCKETS)  # one value came
                              + SEEN_BUCKETS * ((first.min(axis=2) == 0) & (n > 1)))
        feats = ctx.features[rows].numpy()  # (n, F, 256)
        index = ctx.index[rows].numpy()  # (n, F)
        mixed = np.exp(feats[:, 0, :].astype(np.float64))
        part_p[:, C] = np.fmax(mixed[at, sym], TINY)
        part_top[:, C] = mixed.argmax(axis=1)
        part_w[:, C : C + index.shape[1]] = weights[rows].numpy()  # mix_w's, moved by the gate
        part_bucket[:, C] = index[:, 0]
        if index.shape[1] > 1:  # the match model: a byte (or none) and a length
            hot = feats[:, 1, :]
            has = hot.max(axis=1) > 0
            part_top[:, C + 1] = hot.argmax(axis=1)
            part_p[:, C + 1] = np.where(has, hot[at, sym], np.nan)
            part_bucket[:, C + 1] = index[:, 1] - MIX_BUCKETS
        lstm = torch.softmax(head[rows].double(), dim=-1).numpy()
        part_p[:, -1] = np.fmax(lstm[at, sym], TINY)
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
