"""Grokking: full-batch training on a/b mod p, where validation accuracy jumps long after
training accuracy. One `GrokStep` record per step (plain floats), for the charts and the CLI."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import torch
import torch.nn.functional as F

from ..models import Transformer, TransformerConfig
from ..tasks import ModDivTask
from .records import GrokConfig, GrokStep


class GrokTrainer:
    def __init__(self, config: GrokConfig) -> None:
        self.config = config
        torch.set_num_threads(config.threads)
        task = ModDivTask(p=config.p, train_fraction=config.train_fraction, split_seed=config.seed)
        train, val = task.split()
        # Inputs: a / b = ; target: c (only the answer is learned, as in the paper).
        self.x_train = torch.as_tensor(train[:, :4])
        self.y_train = torch.as_tensor(train[:, 4])
        self.x_val = torch.as_tensor(val[:, :4])
        self.y_val = torch.as_tensor(val[:, 4])
        cfg = TransformerConfig(vocab_size=task.vocab_size, block_size=4, n_layer=config.layers,
                                n_head=config.heads, d_model=config.width)
        gen = torch.Generator().manual_seed(config.seed)
        self.model = Transformer(cfg, torch.arange(4), torch.zeros(4, dtype=torch.long), gen)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=config.lr, betas=config.betas,
                                     weight_decay=config.weight_decay)
        self.steps = 0
        self._ema: dict = {}
        self._val: tuple[float, float, float] | None = None
        self.t0 = time.perf_counter()

    @property
    def train_size(self) -> int:
        return len(self.y_train)

    @property
    def val_size(self) -> int:
        return len(self.y_val)

    def _eval(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        logits = self.model(x, last_only=True)
        logits = logits[:, -1]
        loss = F.cross_entropy(logits, y, reduction="sum")
        acc = (logits.argmax(-1) == y).float().mean()
        return float(loss) / len(y), float(acc), float(loss) / math.log(2)

    def step(self) -> GrokStep:
        """One full-batch step; returns the record after it."""
        c = self.config
        self.model.train()
        scale = min(1.0, (self.steps + 1) / max(c.warmup, 1))
        for g in self.opt.param_groups:
            g["lr"] = c.lr * scale
        logits = self.model(self.x_train, last_only=True)
        logits = logits[:, -1]
        loss = F.cross_entropy(logits, self.y_train)
        # Training loss and accuracy are read from this step's own forward pass (before the
        # update), as is usual; validation is evaluated after it.
        tl = float(loss.detach())
        ta = float((logits.argmax(-1) == self.y_train).float().mean())
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if c.grokfast:
            self._amplify_slow_gradients()
        self.opt.step()
        self.steps += 1
        if self._val is None or self.steps % max(c.eval_every, 1) == 0:
            with torch.no_grad():
                self.model.eval()
                self._val = self._eval(self.x_val, self.y_val)
        vl, va, vbits = self._val
        with torch.no_grad():
            norm = math.sqrt(sum(float((p * p).sum()) for p in self.model.parameters()))
        return GrokStep(self.steps, time.perf_counter() - self.t0, tl, vl, ta, va, vbits, norm)

    @torch.no_grad()
    def _amplify_slow_gradients(self) -> None:
        """Grokfast-EMA (Lee et al., 2024): add lambda x the low-pass filtered gradient, which
        speeds up the slow, generalising component that weight decay otherwise takes ages over."""
        c = self.config
        for p in self.model.parameters():
            if p.grad is None:
                continue
            ema = self._ema.get(p)
            self._ema[p] = ema = p.grad.clone() if ema is None else ema.mul_(c.grokfast_alpha).add_(p.grad, alpha=1 - c.grokfast_alpha)
            p.grad.add_(ema, alpha=c.grokfast)

    def run(self, steps: int) -> Iterator[GrokStep]:
        for _ in range(steps):
            yield self.step()
