"""The records of `lmviz scale` and its recording (assets/scale_english.json), torch-free: the
screen replays a recording before torch has loaded.

A size's message for the first n bytes of the stream is its code f (its training configuration as
JSON, 8 bits a byte) plus the bits of those n bytes, each coded before the model trained on it:
the area under its loss curve. "Weights counted" is the other way to send text: Alice sends the
final weights (32 bits a parameter) and then codes new text with them frozen, at the held-out
rate; for n characters that costs weights + code f + rate * n (the adjusted rate of *Language
Modeling Is Compression*).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BITS_PER_WEIGHT = 32  # float32, as the models train (the explorer's honest totals count the same)
MAX_RECORDING_BYTES = 4 << 20  # a recording is a few hundred KB; a bigger file is refused unread
RECORDING_FORMAT = 1


class ScaleError(ValueError):
    """A scaling run or recording lmviz cannot use; the message is one sentence for the user."""


@dataclass(frozen=True)
class ScaleChunk:
    """One size after one more chunk of the stream."""

    size: str  # preset name (learning/config.py SCALE_FAMILY)
    parameters: int  # the size's parameter count
    index: int  # chunk number, from 0
    bytes_seen: int  # stream bytes coded so far, this chunk included
    chunk_bytes: int  # bytes in this chunk
    bits: float  # sum of -log2 p over this chunk, each byte coded before training on it
    total_bits: float  # the same over the stream so far (code f not included)
    seconds: float  # this size's compute time so far


@dataclass(frozen=True)
class ScaleSize:
    """One size of a recording."""

    name: str  # preset name
    shape: tuple[int, int, int]  # layers, heads, width
    parameters: int
    lr: float  # the learning rate its sweep picked
    sweep: tuple[tuple[float, float], ...]  # (learning rate, bits a byte) on the sweep stream
    code_bits: int  # its training code f (configuration JSON, 8 bits a byte)
    chunk_bits: np.ndarray  # (chunks,) bits of each chunk of the stream
    held_out_bits: float  # the held-out text, frozen final weights
    seconds: float  # compute time over the stream

    @property
    def weight_bits(self) -> int:
        return self.parameters * BITS_PER_WEIGHT


@dataclass(frozen=True)
class Crossing:
    """Where ``bigger``'s curves cross ``smaller``'s (stream bytes; None: never)."""

    smaller: str
    bigger: str
    loss_below_from: int | None  # from here on the bigger size's (smoothed) loss stays lower
    loss_first_below: int | None  # where that loss first dips below
    total_below_from: int | None  # from here on its whole message (code f too) stays shorter


@dataclass(frozen=True)
class ScaleRecording:
    sizes: tuple[ScaleSize, ...]  # smallest first
    chunk_bytes: np.ndarray  # (chunks,) bytes in each chunk (the same for every size)
    held_out_bytes: int
    held_out_chars: int
    config: dict  # ScaleConfig as JSON
    stream: dict  # where the stream's bytes came from
    device: str  # what recorded it
    command: str  # the command that made it

    @property
    def bytes_seen(self) -> np.ndarray:
        return np.cumsum(self.chunk_bytes)

    def loss(self, i: int) -> np.ndarray:
        """Size i's bits a byte in each chunk: its loss curve."""
        return self.sizes[i].chunk_bits / self.chunk_bytes

    def smoothed_loss(self, i: int, window: int = 8) -> np.ndarray:
        """Size i's loss over the last ``window`` chunks at each chunk (for drawing: one 8 KB
        chunk is noisy)."""
        bits = np.cumsum(self.sizes[i].chunk_bits)
        seen = self.bytes_seen
        back = np.concatenate([[0], bits])[np.maximum(0, np.arange(1, len(bits) + 1) - window)]
        seen_back = np.concatenate([[0], seen])[np.maximum(0, np.arange(1, len(seen) + 1) - window)]
        return (bits - back) / (seen - seen_back)

    def loss_range(self, skip: int = 8) -> tuple[float, float]:
        """A y range for the loss curves that shows where they part: from below the lowest to
        the highest after the first ``skip`` chunks (the first bytes cost 6 to 8 bits for every
        size, which would flatten the rest)."""
        curves = [self.smoothed_loss(i) for i in range(len(self.sizes))]
        after = [c[min(skip, len(c) - 1):] for c in curves]
        low = min(float(c.min()) for c in after)
        high = max(float(c.max()) for c in after)
        pad = max(0.05 * (high - low), 0.05)  # never an empty range (plotext cannot draw one)
        return (low - pad, high + pad)

    def message(self, i: int) -> np.ndarray:
        """Size i's whole message after each chunk: code f plus the area under its curve."""
        return self.sizes[i].code_bits + np.cumsum(self.sizes[i].chunk_bits)

    def held_out_rate(self, i: int) -> float:
        """Bits a character of the held-out text under size i's final weights."""
        return self.sizes[i].held_out_bits / self.held_out_chars

    def crossings(self, window: int = 8) -> list[Crossing]:
        return [crossing(self, i, window) for i in range(len(self.sizes) - 1)]

    def weights_counted(self, chars: int, i: int) -> float:
        """Bits a character to send ``chars`` characters as weights + code f + held-out rate."""
        s = self.sizes[i]
        return (s.weight_bits + s.code_bits) / chars + self.held_out_rate(i)

    def break_even(self, i: int) -> float:
        """Characters from which size i+1, weights counted, costs less than size i (inf: never)."""
        a, b = self.sizes[i], self.sizes[i + 1]
        gain = self.held_out_rate(i) - self.held_out_rate(i + 1)
        if gain <= 0:
            return math.inf
        return ((b.weight_bits + b.code_bits) - (a.weight_bits + a.code_bits)) / gain


def _from_on(below: np.ndarray, at: np.ndarray) -> int | None:
    """The first position from which ``below`` holds to the end."""
    if not below[-1]:
        return None
    bad = np.flatnonzero(~below)
    return int(at[0] if len(bad) == 0 else at[bad[-1] + 1])


def crossing(rec: ScaleRecording, i: int, window: int = 8) -> Crossing:
    """Where size i+1 overtakes size i; losses compared over ``window`` chunks (64 KB: one
    chunk is noisy)."""
    at = rec.bytes_seen
    lower = rec.smoothed_loss(i + 1, window) < rec.smoothed_loss(i, window)
    shorter = rec.message(i + 1) < rec.message(i)
    first = np.flatnonzero(lower)
    return Crossing(rec.sizes[i].name, rec.sizes[i + 1].name, _from_on(lower, at),
                    int(at[first[0]]) if len(first) else None, _from_on(shorter, at))


# -- the file ----------------------------------------------------------------------------------
def recording_json(rec: ScaleRecording) -> str:
    return json.dumps({
        "format": RECORDING_FORMAT, "command": rec.command, "device": rec.device,
        "config": rec.config, "stream": rec.stream, "held_out_bytes": rec.held_out_bytes,
        "held_out_chars": rec.held_out_chars,
        "chunk_bytes": [int(x) for x in rec.chunk_bytes],
        "sizes": [{"name": s.name, "shape": list(s.shape), "parameters": s.parameters,
                   "lr": s.lr, "sweep": [list(x) for x in s.sweep], "code_bits": s.code_bits,
                   "chunk_bits": [round(float(b), 2) for b in s.chunk_bits],
                   "held_out_bits": round(s.held_out_bits, 2), "seconds": round(s.seconds, 2)}
                  for s in rec.sizes],
    }, indent=1) + "\n"


def _need(ok: bool, path, what: str) -> None:
    if not ok:
        raise ScaleError(f"{path} is not an lmviz scale recording ({what})")


def _number(v, path, what: str, integer: bool = False) -> float:
    ok = (type(v) is int or (type(v) is float and not integer)) and math.isfinite(v) and v >= 0
    _need(ok, path, f"{what} must be a number of at least 0")
    return v


def parse_recording(text: str, path="the recording") -> ScaleRecording:
    """A recording from its JSON, every field checked: one sentence for anything amiss."""
    try:
        d = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ScaleError(f"{path} is not an lmviz scale recording (not JSON)") from None
    _need(isinstance(d, dict) and d.get("format") == RECORDING_FORMAT, path, "format")
    chunks = d.get("chunk_bytes")
    _need(isinstance(chunks, list) and 0 < len(chunks) <= 100_000, path, "chunk_bytes")
    chunk_bytes = np.array([_number(x, path, "chunk_bytes", True) for x in chunks], dtype=np.int64)
    _need(bool((chunk_bytes > 0).all()), path, "chunk_bytes")
    sizes = []
    raw = d.get("sizes")
    _need(isinstance(raw, list) and 2 <= len(raw) <= 16, path, "sizes")
    for s in raw:
        _need(isinstance(s, dict), path, "sizes")
        bits = s.get("chunk_bits")
        _need(isinstance(bits, list) and len(bits) == len(chunks), path, "chunk_bits")
        shape = s.get("shape")
        _need(isinstance(shape, list) and len(shape) == 3, path, "shape")
        sweep = s.get("sweep")
        _need(isinstance(sweep, list) and all(isinstance(x, list) and len(x) == 2 for x in sweep),
              path, "sweep")
        _need(isinstance(s.get("name"), str), path, "name")
        sizes.append(ScaleSize(
            name=s["name"], shape=tuple(int(_number(x, path, "shape", True)) for x in shape),
            parameters=int(_number(s.get("parameters"), path, "parameters", True)),
            lr=_number(s.get("lr"), path, "lr"),
            sweep=tuple((float(a), float(b) if b is not None else math.inf) for a, b in sweep),
            code_bits=int(_number(s.get("code_bits"), path, "code_bits", True)),
            chunk_bits=np.array([_number(b, path, "chunk_bits") for b in bits]),
            held_out_bits=_number(s.get("held_out_bits"), path, "held_out_bits"),
            seconds=_number(s.get("seconds"), path, "seconds")))
    for key in ("held_out_bytes", "held_out_chars"):
        _need(type(d.get(key)) is int and d[key] > 0, path, key)
    for key in ("config", "stream"):
        _need(isinstance(d.get(key), dict), path, key)
    for key in ("device", "command"):
        _need(isinstance(d.get(key), str), path, key)
    return ScaleRecording(tuple(sizes), chunk_bytes, d["held_out_bytes"], d["held_out_chars"],
                          d["config"], d["stream"], d["device"], d["command"])


def load_recording(path: str | Path) -> ScaleRecording:
    """A recording on disk, read only up to `MAX_RECORDING_BYTES`."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_RECORDING_BYTES + 1)
    except FileNotFoundError:
        raise ScaleError(f"{path}: no such recording") from None
    except IsADirectoryError:
        raise ScaleError(f"{path} is a directory, not a recording") from None
    if len(data) > MAX_RECORDING_BYTES:
        raise ScaleError(f"{path} is larger than a scale recording can be "
                         f"({MAX_RECORDING_BYTES:,} bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScaleError(f"{path} is not an lmviz scale recording (not UTF-8)") from None
    return parse_recording(text, path)


def shipped_recording_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("lmviz.assets") / "scale_english.json"))
