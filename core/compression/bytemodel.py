"""A pretrained lmviz byte model (a text transformer) run in integer arithmetic, so that it
predicts the very same numbers on every CPU: one input of the compressor's bit mixer.

torch's floating point is not reproducible across machines (a sum's order follows the CPU's
vector width, the library's kernels, the thread count), and the coder needs Bob to compute
Alice's probabilities to the last bit. Here every step of the forward pass is integer:

* weights are int8 with a fixed-point multiplier per output row (their scale), the residual
  stream and every activation int32 in Q12 (1.0 = 4096); a matrix product takes its input to
  int16 by a right shift chosen from the vector's largest magnitude and sums in int32;
* LayerNorm divides by an integer square root; softmax and GELU read tables, interpolated,
  that are computed with Python's ``decimal`` (correctly rounded, the same everywhere: not
  libm's exp or erf) when the model is loaded;
* the 256-way distribution over the next byte becomes the probability of each bit of it given
  the bits before, as integer ratios of sums (what the bit mixer takes).

Integer sums give one result in any order, so numba may vectorise them for whatever CPU it
compiles for (tests/test_bytemodel.py decodes in a subprocess compiled for a generic x86-64).

The model reads the file in windows of its context, as it was trained (windows.py does the
same with torch): a window starts with the start-of-text token, and after the first it repeats
the previous window's last ``history`` bytes, so every byte is predicted from at least that
many bytes before it (bar the first few). Each byte costs one step of the model with its keys
and values cached; a new window costs ``history`` steps more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, localcontext
from pathlib import Path

import numpy as np

from ..learning.config import CheckpointError
from .bytekernels import (
    EXP_RANGE,
    EXP_STEP,
    FRAC,
    GELU_RANGE,
    GELU_STEP,
    LN_EPS,
    MUL_BITS,
    _node_probs,
    _step,
)

DEFAULT_HISTORY = 64  # bytes a new window repeats (fewer: faster, each window's first bytes
#   predicted from less)


class ByteModelError(CheckpointError):
    """A model file the compressor cannot use; the message is one sentence for the user."""


def _exp_table() -> np.ndarray:
    """round(2**30 * exp(-k / 2**EXP_STEP)) for k = 0 .. EXP_RANGE * 2**EXP_STEP, with decimal."""
    n = EXP_RANGE << EXP_STEP
    out = np.zeros(n + 1, dtype=np.int64)
    with localcontext() as ctx:
        ctx.prec = 40
        step = (Decimal(-1) / (1 << EXP_STEP)).exp()
        v = Decimal(1)
        for k in range(n + 1):  # each from its own exp: no error carried from step to step
            v = (Decimal(-k) / (1 << EXP_STEP)).exp() if k % 256 == 0 else v * step
            out[k] = int((v * (1 << 30)).to_integral_value())
    return out


def _erf(x: Decimal) -> Decimal:
    """erf by its Taylor series (enough terms for |x| <= 6 at the context's precision)."""
    term = x  # x^(2n+1) / n! * (-1)^n
    total = x
    n = 0
    x2 = x * x
    while True:
        n += 1
        term = -term * x2 / n
        add = term / (2 * n + 1)
        total += add
        if abs(add) < Decimal(10) ** -30:
            break
    return total * 2 / Decimal("3.14159265358979323846264338327950288419716939937510").sqrt()


def _gelu_table() -> np.ndarray:
    """round(2**FRAC * GELU(x)) at x = -GELU_RANGE + k / 2**GELU_STEP, exact GELU (erf)."""
    n = 2 * GELU_RANGE << GELU_STEP
    out = np.zeros(n + 1, dtype=np.int64)
    with localcontext() as ctx:
        ctx.prec = 80
        root2 = Decimal(2).sqrt()
        for k in range(n + 1):
            x = Decimal(k - (GELU_RANGE << GELU_STEP)) / (1 << GELU_STEP)
            g = x * (1 + _erf(x / root2)) / 2
            out[k] = int((g * (1 << FRAC)).to_integral_value())
    return out


_TABLES: tuple[np.ndarray, np.ndarray] | None = None


def tables() -> tuple[np.ndarray, np.ndarray]:
    """(exp, gelu) tables, made once a process."""
    global _TABLES
    if _TABLES is None:
        _TABLES = (_exp_table(), _gelu_table())
    return _TABLES


def _quantize_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights (rows scaled to +-127 by their largest magnitude) and each row's scale as a
    2**MUL_BITS fixed-point multiplier. Only exact operations (abs, max, a division, rint)."""
    w = np.asarray(w, dtype=np.float64)
    top = np.abs(w).max(axis=1)
    scale = np.where(top > 0, top / 127.0, 1.0)
    q = np.rint(w / scale[:, None]).astype(np.int8)
    return np.ascontiguousarray(q), np.rint(scale * (1 << MUL_BITS)).astype(np.int64)


def _fixed(v: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(v, dtype=np.float64) * (1 << FRAC)).astype(np.int64)


@dataclass(frozen=True)
class IntegerByteModel:
    """A text transformer's weights, quantized for the integer forward pass (see the module)."""

    name: str  # what the user called it: "english" or a path
    sha256: str  # of the checkpoint file: what a compressed file's header names
    n_layer: int
    n_head: int
    d_model: int
    context: int  # the block the model was trained on (start token included)
    params: tuple  # the arrays, in the kernels' order (_step)

    @classmethod
    def from_state(cls, name: str, sha256: str, config_json: str, state: dict) -> IntegerByteModel:
        """From a checkpoint's learner configuration (JSON) and its weights (name -> float
        array); ByteModelError if it is not a byte model this compressor can run."""
        import json

        from ..learning.config import TRANSFORMER_SIZES

        cfg = json.loads(config_json)
        task = cfg.get("task", {})
        if cfg.get("model") != "transformer" or task.get("name") != "text":
            raise ByteModelError(f"{name} is not a byte model: the compressor takes a text "
                                 "transformer (like `english`), not a model of "
                                 f"{task.get('name', 'another task')}")
        n_layer, n_head, d = TRANSFORMER_SIZES[cfg["size"]]
        context = int(task["context"])
        w = {k: np.asarray(v, dtype=np.float64) for k, v in state.items()}
        if w["tok.weight"].shape != (257, d) or w["head.weight"].shape != (257, d):
            raise ByteModelError(f"{name} has a vocabulary of {w['tok.weight'].shape[0]} "
                                 "symbols; a byte model has 257 (256 bytes and the text token)")
        pos = w["place.weight"][:context] + w["segment.weight"][0]
        emb = (_fixed(w["tok.weight"]), _fixed(pos))

        def stack(key):
            return [w[f"blocks.{i}.{key}"] for i in range(n_layer)]

        def linear(key, bias=True):
            qs, ms = zip(*(_quantize_rows(m) for m in stack(key + ".weight")))
            b = (_fixed(np.stack(stack(key + ".bias"))) if bias
                 else np.zeros((n_layer, len(ms[0])), np.int64))
            return np.stack(qs), np.stack(ms), b

        lns = tuple(_fixed(np.stack(stack(k))) for k in ("ln1.weight", "ln1.bias", "ln2.weight",
                                                           "ln2.bias"))
        head_q, head_m = _quantize_rows(w["head.weight"][:256])
        exp_t, gelu_t = tables()
        params = (emb[0], emb[1], *lns, *linear("attn.qkv"), *linear("attn.proj"),
                  *linear("mlp.0"), *linear("mlp.2"), _fixed(w["ln_f.weight"]),
                  _fixed(w["ln_f.bias"]), head_q, head_m, exp_t, gelu_t,
                  np.int64(round(LN_EPS * (1 << 2 * FRAC))),
                  np.int64(round((1 << 16) / np.sqrt(d // n_head))), np.int64(n_head))
        return cls(name, sha256, n_layer, n_head, d, context, params)

    @property
    def parameters(self) -> int:
        return sum(int(p.size) for p in self.params[:-3] if p.dtype == np.int8)


def load_byte_model(name_or_path: str) -> IntegerByteModel:
    """A shipped byte model's name (``english``) or a checkpoint path, quantized; one sentence
    (ByteModelError) if it cannot be used. Imports torch, which reads the checkpoint."""
    from ..learning.checkpoints import SHIPPED_SHA256, resolve_checkpoint

    try:
        path = resolve_checkpoint(name_or_path)
    except CheckpointError as exc:
        raise ByteModelError(str(exc)) from None
    from ..files import read_bounded
    from ..learning.online import MAX_CHECKPOINT_BYTES

    data = read_bounded(path, MAX_CHECKPOINT_BYTES, "model")
    sha = hashlib.sha256(data).hexdigest()
    shipped = path != Path(name_or_path).expanduser()
    if shipped and sha != SHIPPED_SHA256.get(name_or_path):
        raise ByteModelError(f"the shipped model {name_or_path!r} ({path}) is damaged or "
                             "replaced: reinstall lmviz")
    import io

    import torch

    from ..learning.online import weights_digest

    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        config_json, weights = state["config"], state["model"]
        if not isinstance(config_json, str) or not isinstance(weights, dict):
            raise TypeError
    except Exception:
        raise ByteModelError(f"{name_or_path} is not an lmviz checkpoint (it does not load as "
                             "one: damaged, truncated or another kind of file)") from None
    if "digest" in state and state["digest"] != weights_digest(weights):
        raise ByteModelError(f"{name_or_path} is damaged: its weights do not match their digest")
    arrays = {k: v.float().numpy() for k, v in weights.items()}
    if not all(np.isfinite(a).all() for a in arrays.values()):
        raise ByteModelError(f"{name_or_path} holds weights that are not finite")
    try:
        return IntegerByteModel.from_state(name_or_path if shipped else str(path), sha,
                                           config_json, arrays)
    except (KeyError, ValueError, TypeError) as exc:
        if isinstance(exc, ByteModelError):
            raise
        raise ByteModelError(f"{name_or_path} is not a byte model this compressor can run "
                             f"({type(exc).__name__})") from None


class ByteModelStream:
    """The model over one file, byte by byte: ``next_probs()`` is the model's 12-bit
    probability of a 1 at each node of the byte tree (1..255) for the next byte, ``push(b)``
    appends the byte that came. The same calls on both sides give the same integers."""

    def __init__(self, model: IntegerByteModel, history: int = DEFAULT_HISTORY) -> None:
        if not 0 <= history < model.context - 1:
            raise ValueError(f"history must lie in [0, {model.context - 1})")
        self.model = model
        self.history = history
        L, d, T = model.n_layer, model.d_model, model.context
        # the cache: int16 keys and values, each with a right shift per head (_attend)
        H = model.n_head
        self.keys = np.zeros((L, H, T, d // H), dtype=np.int16)
        self.values = np.zeros((L, H, T, d // H), dtype=np.int16)
        self.kshift = np.zeros((L, H, T), dtype=np.int64)
        self.vshift = np.zeros((L, H, T), dtype=np.int64)
        self.recent = np.zeros(history + 1, dtype=np.int64)  # the last bytes (a ring)
        self.seen = 0  # bytes pushed
        self.pos = 0  # positions filled in the cache
        self.logits = np.zeros(256, dtype=np.int64)
        self.nodes = np.zeros(256, dtype=np.int64)  # 12-bit p(1) at node n (1..255)
        self.scratch = _scratch(model)
        self._feed(256)  # the start token

    def _feed(self, token: int) -> None:
        _step(self.model.params, self.keys, self.kshift, self.values, self.vshift, token,
              self.pos, self.logits, self.scratch)
        self.pos += 1

    def push(self, byte: int) -> None:
        """The next byte of the file: the model reads it (a new window when the cache is full)."""
        self.recent[self.seen % len(self.recent)] = byte
        self.seen += 1
        if self.pos < self.model.context:
            self._feed(byte)
            return
        self.pos = 0
        self._feed(256)
        n = min(self.history, self.seen)
        for i in range(self.seen - n, self.seen):
            self._feed(int(self.recent[i % len(self.recent)]))

    def next_probs(self) -> np.ndarray:
        """(256,) int64: the 12-bit probability of a 1 at each node of the next byte's tree."""
        _node_probs(self.logits, self.model.params[-5], self.nodes)
        return self.nodes


def _scratch(model: IntegerByteModel) -> tuple:
    d = model.d_model
    hidden = model.params[12].shape[1]  # mlp.0's rows
    return (np.zeros(d, np.int64), np.zeros(d, np.int64), np.zeros(3 * d, np.int64),
            np.zeros(hidden, np.int64), np.zeros(max(hidden, 3 * d), np.int16),
            np.zeros(model.context, np.int64), np.zeros(d, np.int64),
            np.zeros(max(hidden, 3 * d, 256), np.int32), np.zeros(256, np.int64),
            np.zeros(d, np.int16))
