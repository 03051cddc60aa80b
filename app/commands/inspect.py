"""`lmviz inspect FILE`: the file is read and checked here, before the screen opens."""

from __future__ import annotations

import os

from lmviz.core.compression.costs import MAX_INSPECT

from ..errors import UsageError


def read_inspected(path: str) -> bytes:
    """The file's bytes, or one sentence: missing, a directory, empty or over MAX_INSPECT (every
    byte keeps about 110 bytes of detail for the screen, so the size is what bounds memory)."""
    if os.path.isdir(path):  # a runtime failure like a missing file: exit 1 for both
        raise IsADirectoryError(21, "Is a directory", path)
    with open(path, "rb") as f:  # FileNotFoundError / PermissionError: one sentence (errors.py)
        data = f.read(MAX_INSPECT + 1)
    if not data:
        raise UsageError(f"{path} is empty: there is nothing to inspect")
    if len(data) > MAX_INSPECT:
        raise UsageError(f"{path} is over {MAX_INSPECT >> 20} MB: lmviz inspect keeps every "
                         "byte's detail in memory, so it takes at most that (lmviz compress "
                         "takes more)")
    return data
