"""A neural compressor for real files: a byte LSTM that learns as it codes, on both sides.

The input is split into ``streams`` contiguous pieces coded side by side as one batch (as NNCP
does). At every step each stream's next byte is coded with the model's prediction, made one step
at a time with identical tensor shapes on both sides; every ``segment`` steps both sides train on
the segment just coded (truncated backpropagation) and carry the state on. No weights are stored:
the configuration below is the whole "training code f".
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .coder import Cdf, Decoder, Encoder
from .quantize import quantize_probs

COMPRESSOR_SIZES = {"small": 128, "medium": 192}  # LSTM width


class ByteLSTM(torch.nn.Module):
    """A one-layer LSTM over bytes whose input weights are folded into the embedding.

    gates = E[x] + W h: the embedding maps each input byte straight to its 4H gate
    pre-activations, which halves the matrix work of a step (what limits the compressor).
    """

    def __init__(self, width: int, generator: torch.Generator) -> None:
        super().__init__()
        self.width = width
        self.embed = torch.nn.Parameter(torch.randn(257, 4 * width, generator=generator) * 0.1)
        bound = 1 / math.sqrt(width)
        self.recur = torch.nn.Parameter((torch.rand(4 * width, width, generator=generator) * 2 - 1) * bound)
        self.head = torch.nn.Parameter(torch.randn(256, width, generator=generator) * 0.02)
        self.head_bias = torch.nn.Parameter(torch.zeros(256))

    def zero_state(self, batch: int):
        z = torch.zeros(batch, self.width)
        return z, z.clone()

    def cell(self, x: torch.Tensor, state):
        h, c = state
        gates = self.embed[x] + h @ self.recur.t()
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f + 1.0) * c + torch.sigmoid(i) * torch.tanh(g)  # forget bias 1
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c)

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.head_bias, h, self.head.t())

    def step(self, x: torch.Tensor, state):
        h, state = self.cell(x, state)
        return self.logits(h), state

    def forward(self, x: torch.Tensor, state):
        """x (B, T) -> logits (B, T, 256), one cell at a time as in `step`."""
        outs = []
        for t in range(x.shape[1]):
            h, state = self.cell(x[:, t], state)
            outs.append(h)
        return self.logits(torch.stack(outs, 1).reshape(-1, self.width)).view(x.shape[0], x.shape[1], 256)


@dataclass(frozen=True)
class CompressorConfig:
    model: str = "lstm"  # only "lstm" codes files (its steps are cheap and exact on both sides)
    size: str = "small"  # preset in COMPRESSOR_SIZES
    streams: int = 32  # contiguous pieces coded side by side as one batch
    segment: int = 16  # steps between updates (truncated backpropagation length)
    lr: float = 1e-2  # Adam learning rate
    betas: tuple[float, float] = (0.9, 0.99)  # Adam betas
    grad_clip: float = 1.0  # max gradient norm
    seed: int = 0  # seeds the weights
    threads: int = 1  # torch intra-op threads (floats depend on it)
    total_bits: int = 16  # frequencies sum to 2**total_bits

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> CompressorConfig:
        d = json.loads(text)
        d["betas"] = tuple(d["betas"])
        return cls(**d)


def streams_for(length: int, wanted: int = 32) -> int:
    """Fewer streams for short inputs: each should hold at least a few KB to learn from."""
    return max(1, min(wanted, length // 4096))


@dataclass(frozen=True)
class CompressProgress:
    done: int  # bytes coded so far
    total: int  # bytes in all
    bits: int  # coded bits so far
    seconds: float


class _Engine:
    """The part both sides share: model, optimiser, state, and the per-step distributions."""

    def __init__(self, config: CompressorConfig) -> None:
        if config.model != "lstm":
            raise ValueError("file compression uses the lstm model")
        torch.set_num_threads(config.threads)
        self.config = config
        gen = torch.Generator().manual_seed(config.seed)
        # 257 inputs: 256 bytes and a start symbol; 256 outputs.
        self.model = ByteLSTM(COMPRESSOR_SIZES[config.size], gen)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=config.lr, betas=config.betas)
        self.state = self.model.zero_state(config.streams)
        self.total = 1 << config.total_bits

    @torch.no_grad()
    def cdfs(self, prev: np.ndarray) -> list[list[int]]:
        """Cumulative frequencies of every stream's next byte, given the previous bytes."""
        self.model.eval()
        logits, self.state = self.model.step(torch.as_tensor(prev, dtype=torch.long), self.state)
        probs = F.softmax(logits.float(), dim=-1).double().numpy()
        freqs = quantize_probs(probs, self.config.total_bits)
        cum = np.zeros((freqs.shape[0], 257), dtype=np.int64)
        np.cumsum(freqs, axis=1, out=cum[:, 1:])
        return cum.tolist()

    def train(self, inputs: np.ndarray, targets: np.ndarray, mask: np.ndarray, start_state) -> None:
        """One update on the segment just coded: inputs/targets (S, T); mask marks real bytes."""
        if not mask.any():
            return
        self.model.train()
        x = torch.as_tensor(inputs, dtype=torch.long)
        y = torch.as_tensor(np.where(mask, targets, -1), dtype=torch.long)
        logits = self.model(x, start_state)
        loss = F.cross_entropy(logits.reshape(-1, 256), y.reshape(-1), ignore_index=-1)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.opt.step()

    def detached_state(self):
        return tuple(s.detach().clone() for s in self.state)


START = 256


def _layout(length: int, streams: int) -> tuple[int, np.ndarray]:
    """Steps and the length of each contiguous stream."""
    steps = math.ceil(length / streams) if length else 0
    lens = np.array([max(0, min(steps, length - i * steps)) for i in range(streams)])
    return steps, lens


def _run(config: CompressorConfig, length: int, code_step: Callable[[int, list[list[int]], np.ndarray], np.ndarray],
         progress: Callable[[CompressProgress], None] | None, bits_so_far: Callable[[], int]) -> np.ndarray:
    """Drive both sides: for each step get distributions, let `code_step` code (or decode) the
    byte of every live stream, train every `segment` steps. Returns the (S, steps) byte matrix."""
    eng = _Engine(config)
    S = config.streams
    steps, lens = _layout(length, S)
    data = np.zeros((S, steps), dtype=np.int64)
    prev = np.full(S, START, dtype=np.int64)
    seg_inputs: list[np.ndarray] = []
    seg_start = 0
    start_state = eng.detached_state()
    t0 = time.perf_counter()
    last = t0
    for t in range(steps):
        cums = eng.cdfs(prev)
        live = lens > t
        row = code_step(t, cums, live)
        data[:, t] = row
        seg_inputs.append(prev.copy())
        prev = np.where(live, row, 0)
        if t + 1 - seg_start == config.segment or t + 1 == steps:
            inputs = np.stack(seg_inputs, axis=1)
            targets = data[:, seg_start : t + 1]
            mask = lens[:, None] > np.arange(seg_start, t + 1)[None, :]
            eng.train(inputs, targets, mask, start_state)
            start_state = eng.detached_state()
            eng.state = start_state
            seg_inputs = []
            seg_start = t + 1
        now = time.perf_counter()
        if progress and (now - last > 0.1 or t + 1 == steps):
            last = now
            progress(CompressProgress(int(np.minimum(lens, t + 1).sum()), length, bits_so_far(), now - t0))
    return data


def compress_bytes(data: bytes, config: CompressorConfig,
                   progress: Callable[[CompressProgress], None] | None = None) -> list[int]:
    """The arithmetic-coded bits of ``data`` under ``config`` (whose streams must fit)."""
    S = config.streams
    steps, lens = _layout(len(data), S)
    arr = np.zeros((S, steps), dtype=np.int64)
    buf = np.frombuffer(data, dtype=np.uint8)
    for i in range(S):
        arr[i, : lens[i]] = buf[i * steps : i * steps + lens[i]]
    enc = Encoder()
    total = 1 << config.total_bits

    def code_step(t, cums, live):
        for i in np.flatnonzero(live).tolist():
            s = int(arr[i, t])
            cum = cums[i]
            enc.encode_interval(cum[s], cum[s + 1], total)
        return arr[:, t]

    _run(config, len(data), code_step, progress, lambda: len(enc.out) + enc.pending)
    return enc.finish()


def decompress_bits(bits: list[int], length: int, config: CompressorConfig,
                    progress: Callable[[CompressProgress], None] | None = None) -> bytes:
    dec = Decoder(bits)
    total = 1 << config.total_bits
    S = config.streams

    def code_step(t, cums, live):
        row = np.zeros(S, dtype=np.int64)
        for i in np.flatnonzero(live).tolist():
            row[i] = dec.decode_interval(Cdf(cums[i], total))
        return row

    data = _run(config, length, code_step, progress, lambda: dec.pos)
    steps, lens = _layout(length, S)
    return b"".join(bytes(data[i, : lens[i]].astype(np.uint8)) for i in range(S))

