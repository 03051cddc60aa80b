"""Pretraining a byte-level model on a corpus of text: what `lmviz pretrain text` runs.

The corpus is a directory of text files; blank lines separate documents, and documents are joined
with the end-of-text token (256, the same token that starts every text the explorer codes), so
the model learns how texts begin and end. A held-out slice (every `HOLDOUT_EVERY`-th document) is
never trained on; its bits per byte are the figure a checkpoint records.

The checkpoint is an ordinary learner checkpoint (config, weights, loadable with
``weights_only=True``) plus a ``pretraining`` JSON record: the corpus (files, bytes, sha256), the
settings and the measured figures. Resuming reads the optimiser state from ``PATH.resume``.
Starting from another checkpoint's weights (`init_from`, on another corpus) records that
checkpoint's own record, so the chain of runs that made a model stays in the model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..files import InputError, read_bounded, write_output
from ..tasks import TextTask
from .config import LearnerConfig, PretrainConfig, PretrainError
from .online import OnlineLearner, weights_digest

HOLDOUT_EVERY = 50  # every 50th document is held out for evaluation
MAX_CORPUS_BYTES = 1 << 30  # a corpus bigger than this is refused (it is read into memory)


@dataclass(frozen=True)
class Corpus:
    train: np.ndarray  # uint16 tokens: documents joined by the end-of-text token
    held_out: np.ndarray  # the same, for the held-out documents
    starts: np.ndarray  # offsets in `train` where a document begins (after an end token)
    description: dict  # files with bytes and sha256, document counts


def load_corpus(folder: str | Path) -> Corpus:
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise PretrainError(f"{folder} is a file: --corpus takes a folder of .txt files")
    if not root.is_dir():
        raise PretrainError(f"{folder}: no such corpus directory")
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix == ".txt")
    if not files:
        raise PretrainError(f"{folder} holds no .txt files to pretrain on")
    total = sum(p.stat().st_size for p in files)
    if total > MAX_CORPUS_BYTES:
        raise PretrainError(f"{folder} holds {total:,} bytes; lmviz pretrains on at most "
                            f"{MAX_CORPUS_BYTES:,}")
    end = TextTask.BOS
    train_parts, held_parts, described = [], [], []
    n_docs = 0
    for p in files:
        data = p.read_bytes()
        described.append({"file": p.name, "bytes": len(data),
                          "sha256": hashlib.sha256(data).hexdigest()})
        for doc in data.split(b"\n\n"):
            doc = doc.strip(b"\n")
            if not doc:
                continue
            arr = np.frombuffer(doc, dtype=np.uint8).astype(np.uint16)
            (held_parts if n_docs % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 else train_parts).append(arr)
            n_docs += 1
    if len(train_parts) < 2 or not held_parts:
        raise PretrainError(f"{folder} has too few documents (paragraphs) to hold some out")
    sep = np.array([end], dtype=np.uint16)

    def join(parts):
        out = np.concatenate([x for part in parts for x in (sep, part)] + [sep])
        return out

    train = join(train_parts)
    starts = np.flatnonzero(train == end)[:-1]
    description = {"files": described, "bytes": total, "documents": n_docs,
                   "held_out_documents": len(held_parts), "train_tokens": int(len(train)),
                   "held_out_tokens": int(sum(len(x) + 1 for x in held_parts) + 1)}
    return Corpus(train, join(held_parts), starts, description)


def distributed_rank(device: str = "cpu") -> tuple[int, int]:
    """(rank, world size): (0, 1) alone; under torchrun, joins the process group (gloo on the
    CPU, nccl on CUDA) once and reads it."""
    import os

    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    if "RANK" not in os.environ or int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1
    dist.init_process_group("nccl" if device == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size()


def learner_config(c: PretrainConfig) -> LearnerConfig:
    """The learner a pretrained text model becomes: the explorer fine-tunes it online with this."""
    return LearnerConfig(task=TextTask(context=c.context).spec(), size=c.size, lr=1e-4,
                         batch_size=1, seed=c.seed, threads=1, weight_decay=0.0,
                         operand_loss_weight=1.0, lr_drops=())


class Pretrainer:
    """Steps of next-byte training on random windows; `evaluate` gives held-out bits per byte."""

    def __init__(self, config: PretrainConfig, corpus: Corpus, minutes: float) -> None:
        if config.device == "cuda" and not torch.cuda.is_available():
            raise PretrainError("--device cuda was asked for, but torch sees no CUDA device here")
        if config.device not in ("cpu", "cuda"):
            raise PretrainError(f"unknown device {config.device!r}: choose cpu or cuda")
        self.config = config
        self.corpus = corpus
        self.minutes = minutes
        self.learner = OnlineLearner(learner_config(config))
        torch.set_num_threads(config.threads)  # after the learner, which sets its own (1)
        self.rank, self.world = distributed_rank(config.device)
        if config.batch % self.world:
            raise PretrainError(f"--batch {config.batch} does not split over {self.world} "
                                "processes: give a multiple of the process count")
        self.device = torch.device(config.device if config.device == "cpu" or self.world == 1
                                   else f"cuda:{self.rank % torch.cuda.device_count()}")
        self.model = self.learner.model.to(self.device)
        self.ddp = None
        if self.world > 1:  # every rank starts from the same seeded weights; DDP averages grads
            from torch.nn.parallel import DistributedDataParallel

            self.ddp = DistributedDataParallel(self.model)
        decay = [p for n, p in self.model.named_parameters() if p.dim() >= 2]
        other = [p for n, p in self.model.named_parameters() if p.dim() < 2]
        self.opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": config.weight_decay},
             {"params": other, "weight_decay": 0.0}], lr=config.lr, betas=(0.9, 0.95))
        self.rng = np.random.default_rng(config.seed)
        self.steps = 0
        self.bytes_seen = 0
        self.seconds = 0.0  # training time, summed over resumed runs
        self.history: list[dict] = []
        self.initialised_from: dict | None = None  # the checkpoint whose weights we started from

    @property
    def parameters(self) -> int:
        return self.learner.parameter_count

    def _batch(self) -> torch.Tensor:
        c, data = self.config, self.corpus.train
        n = len(data) - c.context - 1
        at_start = self.rng.random(c.batch) < c.doc_start_share
        offsets = np.where(at_start, self.rng.choice(self.corpus.starts, c.batch),
                           self.rng.integers(0, n, c.batch))
        offsets = np.minimum(offsets, n)[self.rank :: self.world]  # this rank's rows
        idx = offsets[:, None] + np.arange(c.context + 1)[None, :]
        return torch.as_tensor(data[idx].astype(np.int64), device=self.device)

    def lr_now(self) -> float:
        c = self.config
        if self.steps < c.warmup:
            return c.lr * (self.steps + 1) / c.warmup
        progress = min(1.0, self.seconds / max(self.minutes * 60, 1e-9))
        floor = min(c.min_lr, c.lr)  # a peak below the floor decays to nothing higher than itself
        return floor + 0.5 * (c.lr - floor) * (1 + math.cos(math.pi * progress))

    def step(self) -> float:
        """One optimiser step; returns the training loss in bits per byte."""
        t0 = time.perf_counter()
        c = self.config
        xy = self._batch()
        self.model.train()
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=c.bf16):
            logits = (self.ddp or self.model)(xy[:, :-1])
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), xy[:, 1:].reshape(-1))
        if not torch.isfinite(loss):
            raise PretrainError(f"training diverged at step {self.steps} (the loss is not "
                                "finite): try a smaller --lr; nothing was saved")
        for g in self.opt.param_groups:
            g["lr"] = self.lr_now()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), c.grad_clip)
        self.opt.step()
        self.steps += 1
        self.bytes_seen += c.batch * c.context
        # Every rank adds the same seconds (rank 0's), so all stop after the same step.
        self.seconds += self._agreed(time.perf_counter() - t0)
        return float(loss.detach()) / math.log(2)

    def _agreed(self, seconds: float) -> float:
        if self.world == 1:
            return seconds
        import torch.distributed as dist

        t = torch.tensor([seconds], dtype=torch.float64)
        dist.broadcast(t, src=0)
        return float(t[0])

    @torch.no_grad()
    def evaluate(self) -> float:
        """Bits per byte on the start of the held-out slice, in windows of the context."""
        c = self.config
        self.model.eval()
        data = self.corpus.held_out[: c.eval_bytes + 1]
        n = (len(data) - 1) // c.context
        if n == 0:
            return float("nan")
        x = torch.as_tensor(data[: n * c.context].astype(np.int64)).view(n, c.context)
        y = torch.as_tensor(data[1 : n * c.context + 1].astype(np.int64)).view(n, c.context)
        total = 0.0
        for i in range(0, n, 64):
            logits = self.model(x[i : i + 64].to(self.device))
            total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           y[i : i + 64].reshape(-1).to(self.device),
                                           reduction="sum"))
        return total / (n * c.context) / math.log(2)

    # -- checkpoints -------------------------------------------------------------------------
    def record(self, device_name: str) -> dict:
        return {
            "corpus": self.corpus.description,
            "settings": dataclasses.asdict(self.config),
            "device": device_name,
            "minutes": self.seconds / 60,
            "steps": self.steps,
            "bytes_seen": self.bytes_seen,
            "parameters": self.parameters,
            "held_out_bits_per_byte": self.history[-1]["held_out_bpb"] if self.history else None,
            "history": self.history[-200:],
            "torch": torch.__version__,
            "processes": self.world,
            "initialised_from": self.initialised_from,
        }

    def init_from(self, path) -> None:
        """Start from a pretrained checkpoint's weights (same size and context), with a fresh
        optimiser: continued pretraining on this corpus, its time counted anew."""
        from .online import MAX_CHECKPOINT_BYTES

        try:
            data = read_bounded(path, MAX_CHECKPOINT_BYTES, "checkpoint")
            state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
            record = json.loads(state["pretraining"])
        except FileNotFoundError:
            raise PretrainError(f"{path}: no such checkpoint to start from") from None
        except InputError as exc:
            raise PretrainError(str(exc)) from None
        except Exception as exc:
            raise PretrainError(f"{path} is not a pretrained checkpoint ({type(exc).__name__})"
                                ) from None
        settings = record.get("settings", {})
        for key in ("size", "context"):
            if settings.get(key) != getattr(self.config, key):
                raise PretrainError(f"{path} has {key} {settings.get(key)!r}, not "
                                    f"{getattr(self.config, key)!r}")
        self.learner.model.load_state_dict(state["model"])
        self.model = self.learner.model.to(self.device)
        prior = {k: v for k, v in record.items() if k != "history"}
        self.initialised_from = {"file": Path(path).name,
                                 "sha256": hashlib.sha256(data).hexdigest(), "record": prior}

    def save(self, path, device_name: str, half: bool = False) -> None:
        """The checkpoint (CPU weights, loadable weights_only) and PATH.resume (optimiser), by
        rank 0 alone, each written whole or not at all. ``half``: the weights in float16 (the
        model loads them into float32 exactly, so every side that loads it predicts alike)."""
        if self.rank != 0:
            return
        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            raise PretrainError("the weights are not finite (training diverged); nothing was saved")
        self.model.to("cpu")
        try:
            state = self.learner.state()
            if half:
                state["model"] = {k: v.half() if v.is_floating_point() else v
                                  for k, v in state["model"].items()}
                state["digest"] = weights_digest(state["model"])  # of the weights as stored
            state["sequences_seen"] = torch.tensor(0)
            state["pretraining"] = json.dumps(self.record(device_name), sort_keys=True)
            write_output(path, lambda tmp: torch.save(state, tmp), force=True)
            resume = {"optimizer": self.opt.state_dict(), "steps": self.steps,
                      "bytes_seen": self.bytes_seen, "seconds": self.seconds,
                      "rng": json.dumps(self.rng.bit_generator.state),
                      "history": json.dumps(self.history)}
            write_output(f"{path}.resume", lambda tmp: torch.save(resume, tmp), force=True)
        finally:
            self.model.to(self.device)

    def resume(self, path) -> None:
        """Continue from a checkpoint and its PATH.resume (same settings and corpus)."""
        try:
            from .online import MAX_CHECKPOINT_BYTES

            state = torch.load(io.BytesIO(read_bounded(path, MAX_CHECKPOINT_BYTES, "checkpoint")),
                               map_location="cpu", weights_only=True)
            extra = torch.load(io.BytesIO(read_bounded(f"{path}.resume", 4 * MAX_CHECKPOINT_BYTES,
                                                       "resume file")),
                               map_location="cpu", weights_only=True)
            record = json.loads(state["pretraining"])
        except FileNotFoundError as exc:
            raise PretrainError(f"{exc.filename}: no such file to resume from") from None
        except InputError as exc:
            raise PretrainError(str(exc)) from None
        except Exception as exc:
            raise PretrainError(f"{path} cannot be resumed ({type(exc).__name__})") from None
        if record["corpus"]["files"] != self.corpus.description["files"]:
            raise PretrainError(f"{path} was pretrained on another corpus")
        machine = ("device", "threads")  # may change between runs; nothing else may
        if ({k: v for k, v in record["settings"].items() if k not in machine}
                != {k: v for k, v in dataclasses.asdict(self.config).items() if k not in machine}):
            raise PretrainError(f"{path} was pretrained with other settings")
        self.learner.model.load_state_dict(state["model"])
        self.model = self.learner.model.to(self.device)
        self.opt.load_state_dict(extra["optimizer"])
        self.steps = int(extra["steps"])
        self.bytes_seen = int(extra["bytes_seen"])
        self.seconds = float(extra["seconds"])
        self.rng.bit_generator.state = json.loads(extra["rng"])
        self.history = json.loads(extra["history"])
        self.initialised_from = record.get("initialised_from")


def run_pretraining(trainer: Pretrainer, report: Callable[[dict], None],
                    cancelled: Callable[[], bool], report_every: float = 30.0) -> None:
    """Train until the time budget (training seconds, resumed runs included) is spent."""
    budget = trainer.minutes * 60
    last = time.perf_counter()
    losses: list[float] = []
    while trainer.seconds < budget and not cancelled():
        losses.append(trainer.step())
        now = time.perf_counter()
        if now - last >= report_every or trainer.seconds >= budget:
            last = now
            row = {"steps": trainer.steps, "minutes": trainer.seconds / 60,
                   "bytes_seen": trainer.bytes_seen, "lr": trainer.lr_now(),
                   "train_bpb": float(np.mean(losses[-50:])),
                   "held_out_bpb": trainer.evaluate()}
            trainer.history.append(row)
            report(row)
