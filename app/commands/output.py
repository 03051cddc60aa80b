"""What every headless command shares: consoles and progress bars on stderr."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn


def stdout_console() -> Console:
    return Console(highlight=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def progress_bar(label: str, *columns: ProgressColumn, transient: bool = False,
                 delay: float = 0.0) -> Progress:
    """A bar on stderr, drawn only where stderr is a terminal (never inside --json output);
    with ``delay``, only once the work has taken that many seconds (a quick file shows none)."""
    err = stderr_console()
    cols = columns or (TextColumn("{task.completed:,}/{task.total:,}"),)
    bar = Progress(TextColumn(f"[bold]{label}"), BarColumn(), *cols, TimeRemainingColumn(),
                   console=err, disable=not err.is_terminal, transient=transient)
    return DelayedProgress(bar, delay) if delay else bar


class DelayedProgress:
    """A rich Progress whose display starts at the first update ``delay`` seconds in."""

    def __init__(self, bar: Progress, delay: float) -> None:
        self.bar, self.delay, self.started = bar, delay, False

    def __enter__(self) -> DelayedProgress:
        self.t0 = time.monotonic()
        return self

    def add_task(self, *args, **kwargs):
        return self.bar.add_task(*args, **kwargs)

    def update(self, task, **kwargs) -> None:
        self.bar.update(task, **kwargs)
        if not self.started and time.monotonic() - self.t0 >= self.delay:
            self.started = True
            self.bar.start()

    def __exit__(self, *exc) -> None:
        if self.started:
            self.bar.stop()
