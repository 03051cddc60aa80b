"""A long-running job: commands in through a typed queue, plain records out through ``emit``."""

from __future__ import annotations

import importlib
import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

Emit = Callable[[object], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class Pause:
    """Stop between steps until Resume."""


@dataclass(frozen=True)
class Resume:
    """Go on after a Pause."""


@dataclass(frozen=True)
class SaveCheckpoint:
    """Write the current model to ``path`` (answered by `events.Saved` or `events.Failed`)."""

    path: str


@dataclass(frozen=True)
class ExportModel:
    """Hand the current model over in memory (answered by `events.Exported`)."""


@dataclass(frozen=True)
class SetSpeed:
    """Cap the pace at ``per_second`` sequences a second (0: as fast as it goes)."""

    per_second: int


Command = Pause | Resume | SaveCheckpoint | ExportModel | SetSpeed


class JobControl:
    """The typed command channel of one job run. Torch-free: a screen makes it before the job
    exists (the job is made in the worker, where torch loads), so no command is lost meanwhile."""

    def __init__(self) -> None:
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self.paused = False  # read by the job's thread only

    def send(self, command: Command) -> None:
        """Thread-safe: the UI thread sends, the job's thread serves between steps."""
        self._commands.put(command)

    def serve(self, handle: Callable[[Command, Emit], None], emit: Emit,
              cancelled: Cancelled) -> bool:
        """Handle waiting commands; while paused, wait. False once the job is cancelled."""
        while True:
            try:
                command = self._commands.get(timeout=0.05) if self.paused else self._commands.get_nowait()
            except queue.Empty:
                if cancelled():
                    return False
                if self.paused:
                    continue
                return True
            if isinstance(command, Pause):
                self.paused = True
            elif isinstance(command, Resume):
                self.paused = False
            else:
                handle(command, emit)


class Job(Protocol):
    """A job that runs to its end in a worker, emitting plain records: training, grokking,
    inspecting, pretraining, the live scaling race."""

    def run(self, emit: Emit, cancelled: Cancelled) -> None: ...


class SequenceJob(Protocol):
    """The explorer's job, called on request: Alice codes a sequence, Bob decodes its bits
    (``partial`` gets what he has so far, for a long text); None once cancelled."""

    def info(self, kind: Any) -> Any: ...

    def encode(self, text: str | None, kind: Any, cancelled: Cancelled = ...) -> Any: ...

    def decode(self, coded: Any, cancelled: Cancelled = ...,
               partial: Callable[[Any], None] = ...) -> Any: ...


class StepJob(Protocol):
    """The tour's job: the records that prove one step (``key``: the step's view)."""

    def records(self, key: str, cancelled: Cancelled = ...) -> Any: ...


class LoopJob:
    """A job that runs step after step: `run` calls `serve` between steps, which handles Pause
    and Resume and passes every other command to `handle`."""

    def __init__(self, control: JobControl | None = None) -> None:
        self.control = control or JobControl()

    def send(self, command: Command) -> None:
        self.control.send(command)

    def serve(self, emit: Emit, cancelled: Cancelled) -> bool:
        return self.control.serve(self.handle, emit, cancelled)

    def handle(self, command: Command, emit: Emit) -> None:
        raise ValueError(f"{type(self).__name__} does not take {type(command).__name__}")

    def run(self, emit: Emit, cancelled: Cancelled) -> None:
        raise NotImplementedError


def job_in_worker(module: str, name: str, *args, **kwargs) -> Callable[[JobControl], object]:
    """What a screen hands its worker: ``make(control)`` imports ``app/jobs/<module>.py`` (and so
    torch) only when the worker calls it, after the first frame, and makes the job ``name`` with
    these arguments and the run's control channel."""

    def make(control: JobControl):
        job = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        return job(*args, control=control, **kwargs)

    return make
