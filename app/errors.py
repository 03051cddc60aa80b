"""Errors the command line turns into one sentence and an exit code."""

from __future__ import annotations

import sys

USAGE_ERROR = 2  # a mistake in how lmviz was called
RUNTIME_ERROR = 1  # lmviz was called right, and the work failed (a bad file, a bad checkpoint)


class UsageError(Exception):
    """Bad arguments or input text: exit code 2."""


def fail(message: str, code: int) -> int:
    sys.stderr.write(f"lmviz: {message}\n")
    return code


def user_message(exc: BaseException) -> str | None:
    """The one sentence a user sees for an error they can cause; None for a real bug."""
    # Imported here, not at the top: only an error pays for numpy, and `lmviz --help` stays instant.
    from lmviz.core.coding import CodingError
    from lmviz.core.compression.container import ContainerError
    from lmviz.core.files import InputError, OutputError
    from lmviz.core.learning.config import CheckpointError, PretrainError, TrainingDiverged
    from lmviz.core.learning.scale_records import ScaleError
    from lmviz.core.tasks import TaskError

    if isinstance(exc, TaskError | CheckpointError | ContainerError | OutputError | CodingError
                  | PretrainError | ScaleError | InputError | TrainingDiverged):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory (try --workers 1: one lane's tables at a time); nothing written"
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename}: no such file"
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename}: is a directory"
    if isinstance(exc, PermissionError):
        return f"{exc.filename}: permission denied"
    if isinstance(exc, OSError):
        return f"{exc.filename or 'file'}: {exc.strerror or exc}"
    return None


def failure_sentence(exc: BaseException) -> str:
    """What a screen's status line says when its job fails: the user's sentence, or the bug's."""
    return user_message(exc) or f"{type(exc).__name__}: {exc}"
