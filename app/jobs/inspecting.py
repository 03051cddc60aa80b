"""The job behind `lmviz inspect FILE`: code the file with `lmviz compress`'s own model, hand out
every byte's cost and parts as it goes, and the classical compressors' rates beside it."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from lmviz.core.baselines import BASELINES, COMPRESS
from lmviz.core.compression.config import config_for, looks_like_text
from lmviz.core.compression.container import form_of, repeat_form
from lmviz.core.compression.inspect import Cancelled as Stop
from lmviz.core.compression.inspect import explained_compress, part_names

from .base import Cancelled, Emit, JobControl
from .compressing import load_model, package
from .events import ClassicalRate, InspectFinished, InspectStarted, Status

ZPAQ = "zpaq -m5"


def spans(numbers: tuple[int, ...]) -> str:
    """(0, 1, 2, 3, 4, 6, 12, 24) as "0-4, 6, 12, 24": runs of consecutive numbers joined."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def describe(config, model_name: str | None = None) -> str:
    """The model in words, e.g. "bit mixer (orders 0-4, 6, 12, 24, words, line columns) + a
    match model + english"."""
    parts = [("orders " if len(config.orders) > 1 else "order ") + spans(config.orders)]
    if config.record:
        parts.append(f"rows of {config.record} bytes")
    if config.skips:
        parts.append("bytes " + ", ".join("+".join(map(str, s)) for s in config.skips) + " back")
    if config.words:
        parts.append("words")
    if config.lines:
        parts.append("line columns")
    if config.x86:
        parts.append("x86 calls")
    match = " + a match model" if config.match_min else ""
    model = f" + {model_name}" if config.model and model_name else ""
    return f"bit mixer ({', '.join(parts)}){match}{model}"


class ClassicalRates(threading.Thread):
    """gzip -9, xz -9e and zpaq -method 5 on the file, beside the coding (zpaq is a separate
    process, killed when the user leaves). Emits a ClassicalRate each as it is known."""

    def __init__(self, data: bytes, emit: Emit, stop: threading.Event) -> None:
        super().__init__(daemon=True, name="lmviz-classical")
        self.data, self.emit, self.stop = data, emit, stop

    def run(self) -> None:
        n = len(self.data)
        for name in ("gzip", "xz"):  # one at a time: each line appears as soon as it is known
            if self.stop.is_set():
                return
            self.emit(ClassicalRate(BASELINES[name], 8 * len(COMPRESS[name](self.data)) / n))
        if shutil.which("zpaq") is None:
            self.emit(ClassicalRate(ZPAQ, None))
            return
        with tempfile.TemporaryDirectory(prefix="lmviz-inspect-") as tmp:
            src = Path(tmp) / "input"
            src.write_bytes(self.data)
            proc = subprocess.Popen(["zpaq", "a", "out.zpaq", "input", "-method", "5"], cwd=tmp,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while proc.poll() is None:
                if self.stop.wait(0.1):
                    proc.kill()
                    proc.wait()
                    return
            if proc.returncode == 0:
                self.emit(ClassicalRate(ZPAQ, 8 * (Path(tmp) / "out.zpaq").stat().st_size / n))


class InspectJob:
    """Made in the worker thread (it imports numba's kernels; with ``model``, torch to read
    it). The model is mixed in on text only, as `lmviz compress --model` does."""

    def __init__(self, name: str, data: bytes, control: JobControl | None = None,
                 model: str | None = None) -> None:
        self.name, self.data = name, data  # no commands: it codes, then ends
        self.config = config_for(data)
        self.byte_model = None
        if model is not None:
            self.byte_model = load_model(model)  # a bad model: the screen's one sentence
            if looks_like_text(data):
                self.config = dataclasses.replace(self.config, model=self.byte_model.sha256)

    def run(self, emit: Emit, cancelled: Cancelled) -> None:
        c = self.config
        used = self.byte_model.name if c.model else None
        emit(InspectStarted(self.name, self.data, part_names(c), describe(c, used)))
        if self.byte_model is not None and not c.model:
            emit(Status("not text: coded without the model, as lmviz compress would"))
        emit(Status(f"coding {len(self.data):,} bytes from the start, bit by bit…"))
        stop = threading.Event()
        classical = ClassicalRates(self.data, emit, stop)
        classical.start()
        t0 = time.perf_counter()
        try:
            payload, nbits = explained_compress(self.data, c, emit, cancelled,
                                                byte_model=self.byte_model if c.model else None)
        except Stop:
            stop.set()  # the user left: zpaq goes too
            return
        # What `lmviz compress` writes (it takes the repeat form before running the model).
        out = repeat_form(self.data) or package(self.data, c, payload, nbits)
        emit(InspectFinished(nbits, len(out), form_of(out), time.perf_counter() - t0))
        # zpaq may still be at work: this worker stays until it is done, or the user leaves.
        while classical.is_alive():
            if cancelled():
                stop.set()
            classical.join(0.1)
