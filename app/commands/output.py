"""What every headless command shares: consoles and progress bars on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn


def stdout_console() -> Console:
    return Console(highlight=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def progress_bar(label: str, *columns: ProgressColumn, transient: bool = False) -> Progress:
    """A bar on stderr, drawn only where stderr is a terminal (never inside --json output)."""
    err = stderr_console()
    cols = columns or (TextColumn("{task.completed:,}/{task.total:,}"),)
    return Progress(TextColumn(f"[bold]{label}"), BarColumn(), *cols, TimeRemainingColumn(),
                    console=err, disable=not err.is_terminal, transient=transient)
