"""Writing an output file: whole or not at all, only ever over a regular file, with the umask's mode.

The rules every command that writes a file follows (compress, decompress, checkpoints, recorded
runs):

* `check_output` runs *before* the work: the directory must exist, and the path must not be a
  directory, a device, a pipe or a symbolic link (lmviz refuses symbolic links rather than write
  through them: the file it would change is not the one named). An existing regular file needs
  ``force``.
* `write_output` writes a temporary file beside the target, flushes it to disk, gives it the mode
  a new file gets under the umask (``0666 & ~umask``), then puts it in place. Without ``force`` it
  links it there, which fails if a file appeared meanwhile: the existing-output check is made at
  the rename itself, so two runs writing one path never silently overwrite each other. With
  ``force`` it renames over the target, after checking again that the target is a regular file.
  On any error, or Ctrl-C, the temporary file is removed and the target is untouched.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable


class OutputError(ValueError):
    """An output path lmviz will not write; the message is one sentence for the user."""


def _umask() -> int:
    try:  # Linux says it without changing it
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def _refuse_non_regular(path: str, st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{path} is a symbolic link: lmviz writes only regular files "
                          "(name the file it points to)")
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path} is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{path} is not a regular file (a device, pipe or socket): "
                          "lmviz will not replace it")


def check_output(path: str | os.PathLike, force: bool) -> None:
    """Everything about an output path that can be known before the work starts."""
    path = os.fspath(path)
    if not path or path.endswith(os.sep):
        raise OutputError(f"{path or 'the output'} is not a file name")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        _refuse_non_regular(path, st)
        if not force:
            raise OutputError(f"{path} already exists (use --force to overwrite it)")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise OutputError(f"{parent}: no such directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{parent}: permission denied")


def write_output(path: str | os.PathLike, data: bytes | Callable[[str], None],
                 force: bool) -> None:
    """Write ``data`` (bytes, or a function that writes a given temporary path) to ``path``."""
    path = os.fspath(path)
    check_output(path, force)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".lmviz-", suffix=".tmp")
    try:
        if callable(data):
            os.close(fd)
            data(tmp)
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if force:
            try:
                _refuse_non_regular(path, os.lstat(path))
            except FileNotFoundError:
                pass
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic, and fails if the target exists
            except FileExistsError:
                raise OutputError(f"{path} already exists (use --force to overwrite it)") from None
            except OSError:  # a file system without hard links: check, then rename
                if os.path.lexists(path):
                    raise OutputError(f"{path} already exists (use --force to overwrite it)") from None
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class InputError(ValueError):
    """An input file lmviz will not read; the message is one sentence for the user."""


def read_bounded(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """A regular file's bytes, read only up to ``limit`` + 1 (a device such as /dev/zero, a
    directory, or a file over the limit is refused without reading it all)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise InputError(f"{path} is a directory, not a {what}")
    with open(path, "rb") as f:  # FileNotFoundError / PermissionError: one sentence (errors.py)
        st = os.fstat(f.fileno())
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path} is a directory, not a {what}")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path} is not a regular file (a device, pipe or socket), not a "
                             f"{what}")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{path} is over {limit:,} bytes: too large for a {what}")
    return data
