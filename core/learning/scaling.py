"""Scaling, prequentially: a family of byte-level transformers of growing size read one stream of
English bytes once through, each byte coded (its -log2 p counted) before the model trains on it.

The total over the stream is the message Alice would send (the area under the loss curve), so a
size whose curve lies lower sends a shorter message. `sweep` picks each size's learning rate on a
separate stream; `ScaleRace` runs the sizes side by side on the recorded stream, chunk by chunk, and
yields plain `ScaleChunk` records the screen draws; `held_out_bits` measures the final weights.

torch is imported here; `scale_records` (the recording's reader) is torch-free.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from ..models import count_parameters
from ..tasks import TextTask
from .config import TRANSFORMER_SIZES, LearnerConfig, ScaleConfig
from .online import build_model
from .pretrain import Corpus
from .scale_records import ScaleChunk, ScaleError, ScaleRecording, ScaleSize

LN2 = math.log(2)


def size_learner_config(size: str, lr: float, config: ScaleConfig) -> LearnerConfig:
    """The training code f of one size in the race: its JSON is what the message adds for it."""
    return LearnerConfig(task=TextTask(context=config.context).spec(), size=size, lr=lr,
                         betas=config.betas, batch_size=config.batch, seed=config.seed,
                         threads=config.threads, weight_decay=0.0, operand_loss_weight=1.0,
                         lr_drops=(), grad_clip=config.grad_clip)


class PrequentialRun:
    """One size reading the stream: `step` codes the next `batch` windows, then trains on them."""

    def __init__(self, size: str, lr: float, config: ScaleConfig, device: str = "cpu") -> None:
        self.size = size
        self.config = config
        self.learner_config = size_learner_config(size, lr, config)
        task = TextTask(context=config.context)
        self.device = torch.device(device)
        self.model = build_model(self.learner_config, task).to(self.device)
        self.parameters = count_parameters(self.model)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=lr, betas=config.betas,
                                     weight_decay=0.0)
        self.lr = lr
        self.steps = 0
        self.seconds = 0.0

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """Bits of the targets ``y`` under the weights before this step, then one Adam step."""
        t0 = time.perf_counter()
        self.model.train()
        logits = self.model(x)
        nats = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1),
                               reduction="sum")
        bits = float(nats.detach()) / LN2
        if not math.isfinite(bits):
            raise ScaleError(f"size {self.size} diverged at learning rate {self.lr:g} "
                             f"(step {self.steps}): its loss is not finite")
        warm = min(1.0, (self.steps + 1) / self.config.warmup)
        for g in self.opt.param_groups:
            g["lr"] = self.lr * warm
        self.opt.zero_grad(set_to_none=True)
        (nats / y.numel()).backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.opt.step()
        self.steps += 1
        self.seconds += time.perf_counter() - t0
        return bits

    @torch.no_grad()
    def held_out_bits(self, tokens: np.ndarray) -> float:
        """Total bits of ``tokens`` (a held-out stream) under the final weights, frozen, in
        windows of the context, each starting from the byte before it."""
        self.model.eval()
        c = self.config.context
        total = 0.0
        for x, y in windows(tokens, c, 64):
            logits = self.model(x.to(self.device))
            total += float(F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]),
                                           y.to(self.device).reshape(-1), reduction="sum"))
        return total / LN2


def windows(tokens: np.ndarray, context: int, batch: int) -> Iterator[tuple[torch.Tensor, ...]]:
    """(inputs, targets) of ``batch`` consecutive windows at a time: targets are the next
    ``context`` tokens, inputs the same shifted by one (so the first target sees the byte
    before it). ``tokens[0]`` is the start token and is never a target; a last partial window
    is dropped."""
    n = (len(tokens) - 1) // context
    for i in range(0, n, batch):
        rows = np.arange(i, min(i + batch, n))
        idx = 1 + rows[:, None] * context + np.arange(context)[None, :]
        yield (torch.as_tensor(tokens[idx - 1].astype(np.int64)),
               torch.as_tensor(tokens[idx].astype(np.int64)))


def stream_steps(tokens: np.ndarray, config: ScaleConfig) -> int:
    return (len(tokens) - 1) // (config.context * config.batch)


class ScaleRace:
    """Every size in ``sizes`` (name -> learning rate) reads ``tokens`` once, prequentially, in
    lock step; `chunks` yields one `ScaleChunk` per size per ``config.chunk_bytes`` of stream.
    Seeding is the config's (each size's weights from ``config.seed``); nothing else is random.
    After the stream, ``runs`` hold the trained models (for `PrequentialRun.held_out_bits`)."""

    def __init__(self, sizes: dict[str, float], tokens: np.ndarray, config: ScaleConfig,
                 device: str = "cpu", torch_threads: int | None = None) -> None:
        if len(sizes) < 2:
            raise ScaleError("a scaling race needs at least two sizes to compare")
        self.per_chunk = max(1, config.chunk_bytes // (config.context * config.batch))
        self.steps = stream_steps(tokens, config)
        if self.steps < self.per_chunk:
            raise ScaleError(f"the stream holds {len(tokens) - 1:,} bytes, fewer than one chunk "
                             f"of {config.chunk_bytes:,}")
        torch.set_num_threads(torch_threads or config.threads)
        self.config = config
        self.tokens = tokens
        self.runs = [PrequentialRun(s, lr, config, device) for s, lr in sizes.items()]

    def chunks(self, cancelled: Callable[[], bool] = lambda: False) -> Iterator[ScaleChunk]:
        runs = self.runs
        totals = [0.0] * len(runs)
        batches = windows(self.tokens, self.config.context, self.config.batch)
        done_bytes = 0
        for chunk in range(self.steps // self.per_chunk):
            bits = [0.0] * len(runs)
            chunk_bytes = 0
            for _ in range(self.per_chunk):
                x, y = next(batches)
                chunk_bytes += y.numel()
                for i, run in enumerate(runs):
                    if cancelled():
                        return
                    bits[i] += run.step(x.to(run.device), y.to(run.device))
            done_bytes += chunk_bytes
            for i, run in enumerate(runs):
                totals[i] += bits[i]
                yield ScaleChunk(size=run.size, parameters=run.parameters, index=chunk,
                                 bytes_seen=done_bytes, chunk_bytes=chunk_bytes, bits=bits[i],
                                 total_bits=totals[i], seconds=run.seconds)


SWEEP_TOLERANCE = 0.005  # rates within 0.5% of the best count as ties: the smallest wins


def pick_rate(scores: dict[float, float]) -> float | None:
    """The rule: the smallest learning rate whose bits a byte are within `SWEEP_TOLERANCE` of
    the best. Near the best, bits barely change with the rate, but the largest rates sit next to
    the edge of stability, where another stream can diverge (benchmarks/RESULTS.md has a case).
    None if every rate diverged."""
    finite = {lr: b for lr, b in scores.items() if math.isfinite(b)}
    if not finite:
        return None
    best = min(finite.values())
    return min(lr for lr, b in finite.items() if b <= best * (1 + SWEEP_TOLERANCE))


def sweep(size: str, lrs: tuple[float, ...], tokens: np.ndarray, config: ScaleConfig,
          device: str = "cpu", cancelled: Callable[[], bool] = lambda: False,
          max_extra: int = 3, known: dict[float, float] | None = None) -> dict[float, float]:
    """Bits a byte of ``size`` at each learning rate on ``tokens`` (a stream kept apart from the
    recorded one). While the rate `pick_rate` takes is at an end of the grid, the grid grows by a
    factor of 2 past that end (at most ``max_extra`` times), so the chosen rate always has a
    tried rate on each side. A rate that diverges scores infinity. ``known``: scores already
    measured on the same stream and settings (an earlier recording's), not run again."""
    out: dict[float, float] = {}
    known = known or {}
    torch.set_num_threads(config.threads)

    def score(lr: float) -> None:
        if lr in known:
            out[lr] = known[lr]
            return
        run = PrequentialRun(size, lr, config, device)
        total, seen = 0.0, 0
        try:
            for x, y in windows(tokens, config.context, config.batch):
                if cancelled():
                    return
                total += run.step(x.to(run.device), y.to(run.device))
                seen += y.numel()
            out[lr] = total / seen
        except ScaleError:
            out[lr] = math.inf

    for lr in lrs:
        score(lr)
    for _ in range(max_extra):
        if cancelled() or not out:
            break
        grid = sorted(out)
        chosen = pick_rate(out)
        if chosen == grid[-1]:
            score(grid[-1] * 2)
        elif chosen == grid[0]:
            score(grid[0] / 2)
        else:
            break
    return dict(sorted(out.items()))


# -- the streams and the recording -------------------------------------------------------------
SWEEP_LRS = (5e-4, 1e-3, 2e-3, 4e-3, 8e-3)  # the grid every size's sweep starts from


def scale_streams(corpus: Corpus, stream_bytes: int, sweep_bytes: int, held_out_bytes: int,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(recorded stream, sweep stream, held-out text) from a corpus: its training documents in an
    order shuffled by ``seed`` (so the stream mixes every kind of text from the start), joined by
    the end token; the sweep stream is the documents after the recorded one, and the held-out text
    the corpus's held-out documents. Each starts with the start token."""
    end = TextTask.BOS
    train = corpus.train
    cuts = np.flatnonzero(train == end)
    docs = [train[a + 1 : b] for a, b in zip(cuts[:-1], cuts[1:], strict=False) if b > a + 1]
    order = np.random.default_rng(seed).permutation(len(docs))
    sep = np.array([end], dtype=np.uint16)
    joined = np.concatenate([x for i in order for x in (sep, docs[i])])
    need = stream_bytes + sweep_bytes + 2
    if len(joined) < need:
        raise ScaleError(f"the corpus holds {len(joined):,} bytes of training text; the run needs "
                         f"{need:,} ({stream_bytes:,} recorded and {sweep_bytes:,} for the sweep)")
    if len(corpus.held_out) < held_out_bytes + 1:
        raise ScaleError(f"the corpus holds {len(corpus.held_out):,} held-out bytes; the run needs "
                         f"{held_out_bytes + 1:,}")
    stream = joined[: stream_bytes + 1]
    rest = joined[stream_bytes + 1 :]
    sweep_stream = np.concatenate([sep, rest[:sweep_bytes]])
    return stream, sweep_stream, corpus.held_out[: held_out_bytes + 1]


def text_chars(tokens: np.ndarray) -> int:
    """Characters in a token stream: its bytes decoded as UTF-8 (bad bytes one each), text
    tokens counting one."""
    rest = tokens[1:]
    body = rest[rest < 256].astype(np.uint8).tobytes()
    return len(body.decode("utf-8", errors="replace")) + int((rest >= 256).sum())


def record_scaling(corpus: Corpus, sizes: tuple[str, ...], config: ScaleConfig,
                   stream_bytes: int, sweep_bytes: int, held_out_bytes: int, command: str,
                   device: str = "cpu", lrs: tuple[float, ...] = SWEEP_LRS,
                   report: Callable[[str], None] = lambda line: None,
                   cancelled: Callable[[], bool] = lambda: False,
                   known_sweeps: dict[str, dict[float, float]] | None = None
                   ) -> ScaleRecording | None:
    """Sweep each size's learning rate on the sweep stream, then race every size on the recorded
    stream at its rate and measure the final weights on the held-out text. None if cancelled.
    ``known_sweeps``: size -> scores measured before on the same sweep stream (`sweep`)."""
    if len(sizes) < 2:
        raise ScaleError("a scaling run needs at least two sizes to compare")
    stream, sweep_stream, held = scale_streams(corpus, stream_bytes, sweep_bytes, held_out_bytes,
                                               config.seed)
    chosen, sweeps = {}, {}
    for size in sizes:
        scores = sweep(size, lrs, sweep_stream, config, device, cancelled,
                       known=(known_sweeps or {}).get(size))
        if cancelled():
            return None
        chosen[size] = pick_rate(scores)
        if chosen[size] is None:
            raise ScaleError(f"size {size} diverged at every learning rate of the sweep")
        sweeps[size] = tuple(scores.items())
        report(f"{size}: sweep " + ", ".join(f"{lr:g} {b:.4f}" for lr, b in scores.items())
               + f" -> lr {chosen[size]:g}")
    race = ScaleRace(chosen, stream, config, device)
    per_size: dict[str, list[ScaleChunk]] = {s: [] for s in sizes}
    for chunk in race.chunks(cancelled):
        per_size[chunk.size].append(chunk)
        if chunk.size == sizes[-1] and chunk.index % 16 == 15:
            report(f"{chunk.bytes_seen:,} bytes: " + ", ".join(
                f"{s} {per_size[s][-1].total_bits / chunk.bytes_seen:.3f}" for s in sizes))
    if cancelled():
        return None
    out = []
    for run in race.runs:
        chunks = per_size[run.size]
        out.append(ScaleSize(
            name=run.size, shape=TRANSFORMER_SIZES[run.size], parameters=run.parameters,
            lr=run.lr, sweep=sweeps[run.size], code_bits=run.learner_config.size_bits,
            chunk_bits=np.array([c.bits for c in chunks]), held_out_bits=run.held_out_bits(held),
            seconds=run.seconds))
    first = per_size[sizes[0]]
    return ScaleRecording(
        sizes=tuple(out), chunk_bytes=np.array([c.chunk_bytes for c in first]),
        held_out_bytes=len(held) - 1, held_out_chars=text_chars(held),
        config=json.loads(json.dumps(dataclasses.asdict(config))),
        stream={"corpus": corpus.description, "stream_bytes": stream_bytes,
                "sweep_bytes": sweep_bytes, "order_seed": config.seed,
                "sweep_lrs": list(lrs)},
        device=device, command=command)


LIVE_STREAM_BYTES = 768 << 10  # the live race's stream: the recorded stream's start


def live_stream_path(recording_path) -> str:
    p = str(recording_path)
    return (p[:-5] if p.endswith(".json") else p) + ".stream.xz"


def write_live_stream(corpus: Corpus, recording_path, rec: ScaleRecording,
                      force: bool = False) -> str:
    """The start of the recorded stream, beside the recording (xz): the text the live race reads.
    Documents are separated by a blank line, as in the corpus (none holds one)."""
    import lzma

    from ..files import write_output

    cfg = rec.config
    stream, _, _ = scale_streams(corpus, rec.stream["stream_bytes"], rec.stream["sweep_bytes"],
                                 rec.held_out_bytes, cfg["seed"])
    part = stream[1 : LIVE_STREAM_BYTES + 1]
    pieces = np.split(part, np.flatnonzero(part == TextTask.BOS))
    docs = [pieces[0]] + [p[1:] for p in pieces[1:]]  # each later piece starts at its separator
    data = b"\n\n".join(bytes(d.astype(np.uint8)) for d in docs)
    path = live_stream_path(recording_path)
    packed = lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)
    write_output(path, lambda tmp: open(tmp, "wb").write(packed), force=force)
    return path


MAX_LIVE_TEXT_BYTES = 8 << 20  # a live stream file is read only up to this (decompressed)


def read_live_stream(path) -> np.ndarray:
    """The live race's tokens from a `write_live_stream` file: documents joined by the end token,
    starting with the start token."""
    import lzma

    try:
        with lzma.open(path, "rb") as f:
            data = f.read(MAX_LIVE_TEXT_BYTES + 1)
    except FileNotFoundError:
        raise ScaleError(f"{path}: no such live stream (it is written beside the recording)"
                         ) from None
    except (lzma.LZMAError, EOFError, OSError):
        raise ScaleError(f"{path} is not an lmviz live stream (not xz)") from None
    if len(data) > MAX_LIVE_TEXT_BYTES:
        raise ScaleError(f"{path} holds more than {MAX_LIVE_TEXT_BYTES:,} bytes of text")
    sep = np.array([TextTask.BOS], dtype=np.uint16)
    docs = [np.frombuffer(d, dtype=np.uint8).astype(np.uint16) for d in data.split(b"\n\n")]
    return np.concatenate([x for d in docs for x in (sep, d)])
