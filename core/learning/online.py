"""The online learner: the "training code f" that Alice sends first and Bob runs too.

Everything that decides a single float of the model lives in `LearnerConfig`: the task, the
model, the optimiser and its schedule, the batch, the seed and the torch thread count. It
serialises to JSON, and the size of that JSON counts in every total we report.

Determinism contract (measured on this machine, and asserted by tests/test_session.py):
* Predictions always come from a forward pass over the full fixed-length block, shape
  (batch, block_size), future positions padded; a shorter prefix would give different floats.
* Rows of a batch and positions after t never change the floats at position t.
* The thread count is fixed while coding; 1 and 2 threads diverge.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import torch
import torch.nn.functional as F

from ..files import read_bounded, write_output
from ..models import LSTMConfig, LSTMModel, Transformer, TransformerConfig, count_parameters
from ..tasks import Task, task_from_spec
from .config import LSTM_SIZES, TRANSFORMER_SIZES, LearnerConfig, TrainingDiverged
from .optim import fused

MAX_CHECKPOINT_BYTES = 64 << 20  # a checkpoint is read only up to this (the largest is 14 MB)


def weights_digest(weights: dict) -> str:
    """sha256 over every tensor's name, dtype, shape and bytes, in name order: what a checkpoint
    records and `load` checks (one flipped bit in the weights changes it)."""
    h = hashlib.sha256()
    for name in sorted(weights):
        t = weights[name].detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def build_model(config: LearnerConfig, task: Task) -> torch.nn.Module:
    gen = torch.Generator().manual_seed(config.seed)
    if config.model == "transformer":
        if config.size not in TRANSFORMER_SIZES:
            raise ValueError(f"unknown size {config.size!r}: choose {', '.join(TRANSFORMER_SIZES)}")
        n_layer, n_head, d = TRANSFORMER_SIZES[config.size]
        layout = task.layout()
        cfg = TransformerConfig(
            vocab_size=task.vocab_size, block_size=task.block_size, n_layer=n_layer,
            n_head=n_head, d_model=d, n_place=max(32, int(layout.place.max()) + 1),
            n_segment=max(8, int(layout.segment.max()) + 1),
        )
        return Transformer(cfg, torch.as_tensor(layout.place), torch.as_tensor(layout.segment), gen)
    if config.model == "lstm":
        if config.size not in LSTM_SIZES:
            raise ValueError(f"unknown size {config.size!r}: choose {', '.join(LSTM_SIZES)}")
        n_layer, d = LSTM_SIZES[config.size]
        return LSTMModel(LSTMConfig(task.vocab_size, task.block_size, n_layer, d), gen)
    raise ValueError(f"unknown model {config.model!r}: choose transformer or lstm")


class OnlineLearner:
    """predict -> (code) -> update, identically on Alice's and Bob's side."""

    def __init__(self, config: LearnerConfig) -> None:
        self.config = config
        self.task = task_from_spec(config.task)
        torch.set_num_threads(config.threads)
        self.model = build_model(config, self.task)
        self.optimizer = fused(torch.optim.AdamW, self.model.parameters(), lr=config.lr,
                               betas=config.betas, weight_decay=config.weight_decay)
        self.lr = config.lr
        self.drops_done = 0
        self.sequences_seen = 0
        self.updates = 0
        # Exponential average of recent answer bits per digit, from the coded (integer) costs,
        # which both sides know exactly: the learning-rate rule uses the past only.
        self.answer_bits_ema: float | None = None
        L = self.task.block_size
        w = np.zeros(L, dtype=np.float32)
        w[list(self.task.predicted_positions())] = 1.0
        # The task names its unpredictable positions (an addition's operands) and the ones the
        # learning-rate rule watches (its answers); other tasks have neither.
        self._operands = np.asarray(self.task.aleatoric_positions(), dtype=np.int64)
        w[self._operands] = config.operand_loss_weight
        self._monitor = self.task.monitored_positions()
        self._loss_weights = torch.as_tensor(w[1:])  # weights of targets 1..L-1
        # Alice's forward pass kept for the update that follows it (see predict).
        self._kept: tuple[np.ndarray, torch.Tensor] | None = None

    @property
    def parameter_count(self) -> int:
        return count_parameters(self.model)

    def _check(self, tokens: np.ndarray) -> torch.Tensor:
        if tokens.ndim != 2 or tokens.shape[1] != self.task.block_size:
            raise ValueError(f"expected a (batch, {self.task.block_size}) block, got {tokens.shape}")
        return torch.as_tensor(tokens, dtype=torch.long)

    def predict(self, tokens: np.ndarray, keep_for_update: bool = False) -> np.ndarray:
        """Next-token distributions for a full block: out[b, t] is p(token t | tokens < t).

        Row 0 is unused (nothing predicts the first token). Positions after t may hold anything,
        real tokens (Alice) or padding (Bob): out[b, t] is bit-identical either way, and whether
        or not autograd records the pass (tests/test_session.py checks both).

        ``keep_for_update``: Alice, who knows the whole block, keeps this forward pass so that
        `update` on the same block backpropagates through it instead of running the model again.
        Bob, who predicts from padded blocks, does not; his update runs the same full-block
        forward pass on the decoded block and gets the same gradients.
        """
        idx = self._check(tokens)
        self._kept = None
        if keep_for_update:
            self.model.train()
            logits = self.model(idx)
            self._kept = (np.array(tokens, copy=True), logits)
            logits = logits.detach()
        else:
            self.model.eval()
            with torch.no_grad():
                logits = self.model(idx)
        probs = F.softmax(logits.float(), dim=-1).double().numpy()
        if not np.isfinite(probs).all():
            raise TrainingDiverged("the model's predictions are not finite (its training "
                                   "diverged): try a smaller learning rate")
        out = np.empty_like(probs)
        out[:, 1:] = probs[:, :-1]
        out[:, 0] = 1.0 / probs.shape[-1]
        return out

    def update(self, tokens: np.ndarray, coded_bits: np.ndarray | None = None,
               positions=None) -> float:
        """One training step on a block of sequences just coded; returns the weighted loss.

        ``coded_bits`` (batch, block) are the -log2 q each token cost, from integer frequencies,
        used only by the learning-rate rule. ``positions``: the positions that were coded, where
        a sequence is shorter than the block (a text); the rest (padding) is not trained on.
        """
        idx = self._check(tokens)
        kept, self._kept = self._kept, None
        if kept is not None and np.array_equal(kept[0], tokens):
            logits = kept[1]
        else:
            self.model.train()
            logits = self.model(idx)  # the full block, the shape predict uses
        logits = logits[:, :-1]  # the last position predicts nothing
        ce = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), idx[:, 1:].reshape(-1), reduction="none"
        ).view(idx.shape[0], -1)
        w = self._loss_weights
        if positions is not None:
            w = torch.zeros_like(w)
            w[np.asarray(positions) - 1] = 1.0
        loss = (ce * w).sum() / (w.sum() * idx.shape[0])
        if not torch.isfinite(loss):
            raise TrainingDiverged("training diverged (its loss is not finite): try a smaller "
                                   "learning rate")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip,
                                           foreach=True)
        self.optimizer.step()
        self.sequences_seen += tokens.shape[0]
        self.updates += 1
        if coded_bits is not None and self._monitor:
            self._schedule(float(np.mean(coded_bits[:, self._monitor])))
        return float(loss.detach())

    def _schedule(self, answer_bits: float) -> None:
        ema = self.answer_bits_ema
        self.answer_bits_ema = answer_bits if ema is None else 0.95 * ema + 0.05 * answer_bits
        drops = self.config.lr_drops
        while self.drops_done < len(drops) and self.answer_bits_ema < drops[self.drops_done]:
            self.drops_done += 1
            self.lr /= self.config.lr_drop_factor
            for g in self.optimizer.param_groups:
                g["lr"] = self.lr
            if self.drops_done == len(drops):
                # Answers are learned: nothing competes with the operands any more, and at full
                # weight their predictions lose the spurious dependences the answers taught them
                # (measured from a trained model: the worst operand digit of 64 sequences went
                # from 0.21 to 0.12 bit off its entropy in 100k sequences at full weight and lr
                # 3.7e-5; at weight 0.1 and lr 1.1e-4 it wandered between 0.18 and 0.34).
                w = self._loss_weights.clone()
                w[self._operands - 1] = self.config.operand_loss_weight_late
                self._loss_weights = w

    # Checkpoints: weights and config only, loadable with weights_only=True (no pickled code).
    def state(self) -> dict:
        """What a checkpoint holds: the config (JSON), the weights, their digest and the
        sequences seen."""
        weights = self.model.state_dict()
        return {
            "config": self.config.to_json(),
            "model": weights,
            "digest": weights_digest(weights),
            "sequences_seen": torch.tensor(self.sequences_seen),
        }

    def save(self, path, force: bool = False) -> None:
        """Write a checkpoint atomically (no half-written file on error or Ctrl-C; files.py)."""
        state = self.state()
        write_output(path, lambda tmp: torch.save(state, tmp), force=force)

    def to_bytes(self) -> bytes:
        """The checkpoint in memory, for handing a model from one screen to another."""
        buf = io.BytesIO()
        torch.save(self.state(), buf)
        return buf.getvalue()

    @classmethod
    def load(cls, path, name: str | None = None) -> OnlineLearner:
        """A checkpoint from a path (read up to MAX_CHECKPOINT_BYTES), or from its bytes (those
        `to_bytes` made, or a file already read: ``name`` says which, for the error message).
        Its weights must match their digest and be finite."""
        if isinstance(path, bytes):
            data, path = path, name or "the model handed over"
        else:
            data = read_bounded(path, MAX_CHECKPOINT_BYTES, "checkpoint")
        try:
            state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
            learner = cls(LearnerConfig.from_json(state["config"]))
            learner.model.load_state_dict(state["model"])
            learner.sequences_seen = int(state.get("sequences_seen", 0))
        except Exception as exc:  # a checkpoint that is not ours, or damaged
            raise ValueError(f"{path} is not an lmviz checkpoint ({type(exc).__name__})") from None
        if "digest" in state and state["digest"] != weights_digest(state["model"]):
            raise ValueError(f"{path} is damaged: its weights do not match their digest")
        if not all(torch.isfinite(p).all() for p in learner.model.parameters()):
            raise ValueError(f"{path} holds weights that are not finite (a diverged training)")
        return learner
