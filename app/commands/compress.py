"""`lmviz compress` and `lmviz decompress`: safe on bad input, never a partial output file.

An input of one block (8 MiB) or less is read whole and written in one of the single-file
forms, as before; a longer one streams through the blocked form (jobs/blocks.py), its blocks
coded in parallel, so memory stays bounded whatever its length."""

from __future__ import annotations

import json
import os
import stat
import sys
import time

from lmviz.core.baselines import classical_bytes
from lmviz.core.compression.blocks import BLOCK_LOG2, BLOCK_MAGIC
from lmviz.core.compression.container import MAX_LENGTH, STORED_OVERHEAD
from lmviz.core.files import check_output, write_output
from rich.progress import DownloadColumn, TransferSpeedColumn

from ..errors import UsageError
from ..jobs.compressing import compress, decompress
from .output import progress_bar

# The most a single-file form holds (what a version before the blocked form could write); an
# input over one block is streamed, up to MAX_STREAMED.
MAX_INPUT_BYTES = MAX_LENGTH
# The most `lmviz compress` takes, streamed: memory stays bounded (about 300 MB a worker), but
# time does not: at 250 KB/s on two cores this much takes 19 hours.
MAX_STREAMED = 16 << 30
BLOCK_LOG2_USED = BLOCK_LOG2  # (tests make it small)


class _Prefixed:
    """A stream with some bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest) -> None:
        self.head, self.rest = head, rest

    def read(self, n: int = -1) -> bytes:
        if not self.head:
            return self.rest.read(n)
        if n < 0:
            out, self.head = self.head + self.rest.read(), b""
            return out
        out, self.head = self.head[:n], self.head[n:]
        return out + (self.rest.read(n - len(out)) if len(out) < n else b"")


def _open_input(path: str):
    """The input stream and its size where it is a regular file (None for stdin or a pipe)."""
    if path == "-":
        return sys.stdin.buffer, None
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    f = open(path, "rb")  # FileNotFoundError / PermissionError: one sentence
    st = os.fstat(f.fileno())
    return f, (st.st_size if stat.S_ISREG(st.st_mode) else None)


def _too_big(label: str, limit: int, what: str) -> UsageError:
    return UsageError(f"{label} is over {limit:,} bytes: lmviz {what} takes at most that")


def run(name: str, args) -> int:
    unpacking = name == "decompress"
    if args.output != "-":
        check_output(args.output, args.force)  # before the work; again at the rename
    label = "stdin" if args.input == "-" else args.input
    from ..jobs.blocks import default_workers

    workers = args.workers or default_workers()
    src, size = _open_input(args.input)
    try:
        block = 1 << BLOCK_LOG2_USED
        first = src.read(4 if unpacking else block + 1)
        streamed = first == BLOCK_MAGIC if unpacking else len(first) > block
        if not streamed:
            limit = MAX_INPUT_BYTES + (STORED_OVERHEAD if unpacking else 0)
            data = first + src.read(limit + 1 - len(first))
            if len(data) > limit:
                raise _too_big(label, limit, name)
            return _whole(name, args, data, label)
        return _streamed(name, args, _Prefixed(first, src), label, size, workers)
    finally:
        if src is not sys.stdin.buffer:
            src.close()


def _whole(name: str, args, data: bytes, label: str) -> int:
    """An input of one block or less (or a single-file form): in memory, as it always was."""
    unpacking = name == "decompress"
    t0 = time.perf_counter()
    with progress_bar("decompressing" if unpacking else "compressing", DownloadColumn(),
                      TransferSpeedColumn(), transient=args.json, delay=1.0) as bar:
        task = bar.add_task(name, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if unpacking:
            result = decompress(data, label, progress, args.model)
        else:
            result = compress(data, progress, args.model)
    if not unpacking and args.model is not None and result.model is None:
        sys.stderr.write(f"lmviz: {label} was compressed without the model: it is not text, "
                         "or the model did not pay for itself\n")
    if args.output == "-":
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
    else:
        write_output(args.output, result.data, force=args.force)
    original = result.data if unpacking else data
    packed = data if unpacking else result.data
    _summary(args, len(data), len(result.data), len(original), len(packed),
             time.perf_counter() - t0, result.model, classical_bytes(original))
    return 0


def _streamed(name: str, args, src, label: str, size: int | None, workers: int) -> int:
    """An input over one block, or a blocked file: block by block, ``workers`` at a time."""
    from ..jobs.blocks import TooLong, compress_blocks, decompress_blocks

    unpacking = name == "decompress"
    t0 = time.perf_counter()
    counts = {}
    with progress_bar("decompressing" if unpacking else "compressing", DownloadColumn(),
                      TransferSpeedColumn(), transient=args.json, delay=1.0) as bar:
        task = bar.add_task(name, total=None if unpacking else size)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        def write(f) -> None:
            start = f.tell() if f.seekable() else 0
            if unpacking:
                counts["original"] = decompress_blocks(src, f, label, workers, progress,
                                                       None, args.model)
            else:
                try:
                    counts["original"] = compress_blocks(b"", src, f, workers, progress, size,
                                                         MAX_STREAMED, args.model,
                                                         BLOCK_LOG2_USED)
                except TooLong:
                    raise _too_big(label, MAX_STREAMED, name) from None
            f.flush()
            counts["written"] = (f.tell() - start) if f.seekable() else None

        if args.output == "-":
            out = _Counting(sys.stdout.buffer)
            write(out)
            counts["written"] = out.count
        else:
            def to_file(tmp: str) -> None:
                with open(tmp, "wb") as f:
                    write(f)
                    os.fsync(f.fileno())
            write_output(args.output, to_file, force=args.force)
    original, written = counts["original"], counts["written"]
    packed = size if unpacking else written
    _summary(args, size if unpacking else original, original if unpacking else written,
             original, packed, time.perf_counter() - t0, None, {}, workers=workers)
    return 0


class _Counting:
    def __init__(self, f) -> None:
        self.f, self.count = f, 0

    def write(self, b: bytes) -> None:
        self.f.write(b)
        self.count += len(b)

    def flush(self) -> None:
        self.f.flush()

    def seekable(self) -> bool:
        return False


def _summary(args, input_bytes: int | None, output_bytes: int, original: int,
             packed: int | None,
             seconds: float, model: str | None, classical: dict, workers: int | None = None) -> None:
    if not args.json:
        return
    summary = {
        "input_bytes": input_bytes,
        "output_bytes": output_bytes,
        "bits_per_byte": 8 * packed / max(original, 1) if packed is not None else None,
        "seconds": seconds,
        "bytes_per_second": original / seconds if seconds else None,
        "model": model,
        **({"workers": workers, "blocks": -(-original // (1 << BLOCK_LOG2_USED))}
           if workers else {}),
        **{f"{k}_bytes": v for k, v in classical.items()},
    }
    out = sys.stderr if args.output == "-" else sys.stdout
    out.write(json.dumps(summary, indent=1) + "\n")
