"""A neural compressor for real files: a byte LSTM that learns as it codes, on both sides.

The input is split into ``streams`` contiguous pieces coded side by side as one batch (as NNCP
does). At every step each stream's next byte is coded with the model's prediction, made one step
at a time with identical tensor shapes on both sides; every ``segment`` steps both sides train on
the segment just coded (truncated backpropagation) and carry the state on. No weights are stored:
the configuration (config.py) is the whole "training code f".
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..coding import Decoder, Encoder, pack_bits, unpack_bits
from ..coding.quantize import quantize_rows
from ..learning.optim import StreamAdam
from .bitmix import BitContextMixer
from .config import CompressorConfig
from .contexts import MIX_BUCKETS
from .filters import x86_decode, x86_encode
from .match import MatchModel
from .model import COMPRESSOR_SIZES, ByteLSTM, ContextInputs


@dataclass(frozen=True)
class CompressProgress:
    done: int  # bytes coded so far
    total: int  # bytes in all
    bits: int  # coded bits so far
    seconds: float


class _Engine:
    """The part both sides share: model, optimiser, context models, state, and the per-step
    distributions. Both sides run the same steps with autograd recording, and train at the end
    of each segment by backpropagating through the steps that coded it (no second forward)."""

    def __init__(self, config: CompressorConfig, steps: int) -> None:
        if config.model != "lstm":
            raise ValueError("file compression uses the lstm model")
        torch.set_num_threads(config.threads)
        self.config = config
        gen = torch.Generator().manual_seed(config.seed)
        # 257 inputs: 256 bytes and a start symbol; 256 outputs.
        m = self.model = ByteLSTM(COMPRESSOR_SIZES[config.size], gen, bool(config.match_min))
        m.train()  # every step records its graph for the segment's update
        lstm = [p for name, p in m.named_parameters() if name not in ("mix_w", "gate")]
        self.opt = StreamAdam([(lstm, config.lr), ([m.mix_w], config.mix_lr),
                               ([m.gate], config.gate_lr)], betas=config.betas)
        self.state = self.model.zero_state(config.streams)
        self.bits = BitContextMixer(config.orders, config.skips, config.words, config.streams,
                                    config.rows_log2, config.mixer_rate, local=config.local,
                                    record=config.record, lines=config.lines)
        self.match = MatchModel(config.streams, steps, config.match_min) if config.match_min else None
        self.kept: list[torch.Tensor] = []  # this segment's logits, graph attached
        # Set by `lmviz inspect` (inspect.py): keep each step's parts for it to read.
        self.explaining = False
        self.last_parts: tuple[ContextInputs, torch.Tensor, torch.Tensor] | None = None

    def _context(self, history: np.ndarray, t: int) -> ContextInputs:
        S = history.shape[0]
        if self.match is not None:
            byte, bucket = self.match.predict(history.reshape(-1))
            length = self.match.length
        else:
            byte, bucket, length = np.full(S, -1), np.zeros(S, np.int64), np.zeros(S, np.int64)
        logp = self.bits.predict(history, t, byte, length)
        # How sure the bit mixer is: its likeliest byte's -log2 p in quarter bits.
        sure = np.minimum(MIX_BUCKETS - 1, (-logp.max(axis=1) * (4 / math.log(2))).astype(np.int64))
        rows, index = [logp[:, None, :]], [sure[:, None]]
        if self.match is not None:
            hot = np.zeros((S, 1, 256), dtype=np.float32)
            has = np.flatnonzero(byte >= 0)
            hot[has, 0, byte[has]] = 1.0
            rows.append(hot)
            index.append(bucket[:, None] + MIX_BUCKETS)
        return ContextInputs(torch.from_numpy(np.concatenate(rows, axis=1)),
                             torch.from_numpy(np.concatenate(index, axis=1)))

    def cdfs(self, prev: np.ndarray, history: np.ndarray, t: int) -> np.ndarray:
        """Cumulative frequencies (S, 257) of every stream's next byte at step t."""
        ctx = self._context(history, t)
        h, self.state = self.model.cell(torch.as_tensor(prev, dtype=torch.long), self.state)
        logits, head, weights = self.model.mix(h, ctx)
        if self.explaining:
            self.last_parts = (ctx, head.detach(), weights.detach())
        self.kept.append(logits)
        probs = F.softmax(logits.detach().float(), dim=-1).double().numpy()
        freqs = quantize_rows(probs, self.config.total_bits)
        cum = np.zeros((freqs.shape[0], 257), dtype=np.int64)
        np.cumsum(freqs, axis=1, out=cum[:, 1:])
        return cum

    def observe(self, history: np.ndarray, t: int, row: np.ndarray, live: np.ndarray) -> None:
        """Step t's bytes are known on both sides: update the context models."""
        self.bits.update(row, live)
        if self.match is not None:
            self.match.update(history, t, row, live)

    def train(self, targets: np.ndarray, mask: np.ndarray) -> None:
        """One update on the segment just coded: targets (S, T); mask marks real bytes."""
        logits, self.kept = torch.stack(self.kept, 1), []
        if mask.any():
            y = torch.as_tensor(np.where(mask, targets.astype(np.int64), -1), dtype=torch.long)
            loss = F.cross_entropy(logits.reshape(-1, 256), y.reshape(-1), ignore_index=-1)
            self.opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip,
                                           foreach=True)
            self.opt.step()
        # Truncated backpropagation: the next segment starts from a state without history.
        self.state = tuple(s.detach() for s in self.state)


START = 256


def _layout(length: int, streams: int) -> tuple[int, np.ndarray]:
    """Steps and the length of each contiguous stream."""
    steps = math.ceil(length / streams) if length else 0
    lens = np.array([max(0, min(steps, length - i * steps)) for i in range(streams)])
    return steps, lens


Explain = Callable[["_Engine", int, np.ndarray, np.ndarray, np.ndarray], None]


def _run(config: CompressorConfig, length: int, code_step: Callable[[int, np.ndarray, np.ndarray], np.ndarray],
         progress: Callable[[CompressProgress], None] | None, bits_so_far: Callable[[], int],
         explain: Explain | None = None) -> np.ndarray:
    """Drive both sides: for each step get distributions, let `code_step` code (or decode) the
    byte of every live stream, train every `segment` steps. Returns the (S, steps) byte matrix.

    ``explain(engine, t, cums, row, live)``, called once a step's bytes are known and before any
    model has learned from them, is how `lmviz inspect` sees each part's prediction."""
    S = config.streams
    steps, lens = _layout(length, S)
    eng = _Engine(config, steps)
    eng.explaining = explain is not None
    data = np.zeros((S, steps), dtype=np.uint8)  # a byte each: memory is the file's size
    prev = np.full(S, START, dtype=np.int64)
    seg_start = 0
    t0 = time.perf_counter()
    last = t0
    for t in range(steps):
        cums = eng.cdfs(prev, data, t)
        live = lens > t
        row = np.where(live, code_step(t, cums, live), 0)
        data[:, t] = row
        if explain is not None:
            explain(eng, t, cums, row, live)
        eng.observe(data, t, row, live)
        prev = row
        if t + 1 - seg_start == config.segment or t + 1 == steps:
            targets = data[:, seg_start : t + 1]
            mask = lens[:, None] > np.arange(seg_start, t + 1)[None, :]
            eng.train(targets, mask)
            seg_start = t + 1
        now = time.perf_counter()
        if progress and (now - last > 0.1 or t + 1 == steps):
            last = now
            progress(CompressProgress(int(np.minimum(lens, t + 1).sum()), length, bits_so_far(), now - t0))
    return data


class PackedBits:
    """The encoder's output packed as it is made, 8 bits a byte: a Python list of bits costs 8
    bytes a bit, which for a large file was most of the compressor's memory."""

    DRAIN = 1 << 16  # bits moved from the encoder's list into bytes at a time

    def __init__(self, enc: Encoder) -> None:
        self.enc = enc
        self.parts: list[bytes] = []
        self.packed_bits = 0

    def drain(self, final: bool = False) -> None:
        out = self.enc.out
        n = len(out) if final else len(out) // 8 * 8
        if n and (final or n >= self.DRAIN):
            self.parts.append(np.packbits(np.array(out[:n], dtype=np.uint8)).tobytes())
            self.packed_bits += n
            del out[:n]

    @property
    def bits_so_far(self) -> int:
        return self.packed_bits + len(self.enc.out) + self.enc.pending

    def finish(self) -> tuple[bytes, int]:
        self.enc.finish()
        self.drain(final=True)
        return b"".join(self.parts), self.packed_bits


def compress_packed(data: bytes, config: CompressorConfig,
                    progress: Callable[[CompressProgress], None] | None = None,
                    explain: Explain | None = None) -> tuple[bytes, int]:
    """The arithmetic-coded bits of ``data`` under ``config`` (whose streams must fit), packed
    8 to a byte (most significant first), and how many bits there are. ``explain``: see _run
    (the bits are the same with it or without)."""
    steps, _ = _layout(len(data), config.streams)
    # Stream i is bytes [i * steps, (i + 1) * steps): the input, zero-padded, as rows.
    arr = np.zeros(config.streams * steps, dtype=np.uint8)
    arr[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    if config.x86:
        x86_encode(arr[: len(data)])
    arr = arr.reshape(config.streams, steps)
    enc = Encoder()
    sink = PackedBits(enc)
    total = 1 << config.total_bits

    def code_step(t, cum, live):
        rows = np.flatnonzero(live)
        sym = arr[rows, t].astype(np.int64)
        enc.encode_intervals(cum[rows, sym], cum[rows, sym + 1], total)
        sink.drain()
        return arr[:, t]

    _run(config, len(data), code_step, progress, lambda: sink.bits_so_far, explain)
    return sink.finish()


def compress_bytes(data: bytes, config: CompressorConfig,
                   progress: Callable[[CompressProgress], None] | None = None) -> list[int]:
    """The same bits as a list (tests and small inputs)."""
    packed, nbits = compress_packed(data, config, progress)
    return unpack_bits(packed, nbits)


def decompress_packed(payload: bytes, nbits: int, length: int, config: CompressorConfig,
                      progress: Callable[[CompressProgress], None] | None = None) -> bytes:
    """``length`` bytes back from a packed payload of ``nbits`` bits: the decoder reads the
    payload in blocks, never as one Python object a bit."""
    dec = Decoder(packed=payload, nbits=nbits)
    total = 1 << config.total_bits
    S = config.streams

    def code_step(t, cum, live):
        row = np.zeros(S, dtype=np.int64)
        rows = np.flatnonzero(live)
        for i in rows.tolist():
            row[i] = dec.decode_row(cum[i], total)
        return row

    data = _run(config, length, code_step, progress, lambda: dec.pos).reshape(-1)[:length]
    return (x86_decode(data) if config.x86 else data).tobytes()


def decompress_bits(bits: list[int], length: int, config: CompressorConfig,
                    progress: Callable[[CompressProgress], None] | None = None) -> bytes:
    return decompress_packed(pack_bits(bits), len(bits), length, config, progress)
