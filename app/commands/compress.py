"""`lmviz compress` and `lmviz decompress`: safe on bad input, never a partial output file."""

from __future__ import annotations

import json
import sys
import time

from lmviz.core.baselines import classical_bytes
from lmviz.core.compression.container import MAX_LENGTH, STORED_OVERHEAD
from lmviz.core.files import check_output, write_output
from rich.progress import DownloadColumn, TransferSpeedColumn

from ..errors import UsageError
from ..jobs.compressing import compress, decompress
from .output import progress_bar

# The most `lmviz compress` takes: memory is about 225 MB plus 2 to 5 bytes per input byte (the
# input, its history, the payload; measured in the README), so at most about 1.5 GB; at 100 KB/s
# this much takes 45 minutes.
MAX_INPUT_BYTES = MAX_LENGTH  # a header that says more is refused before decoding


def _read_input(path: str, what: str) -> bytes:
    # A file this version made is never longer than its input plus the stored form's few bytes.
    limit = MAX_INPUT_BYTES + (STORED_OVERHEAD if what == "decompress" else 0)
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        with open(path, "rb") as f:  # FileNotFoundError / IsADirectoryError: one sentence
            data = f.read(limit + 1)
    if len(data) > limit:
        raise UsageError(f"{'stdin' if path == '-' else path} is over {limit >> 20} MB: lmviz "
                         f"{what} takes at most that (memory and hours grow with the size)")
    return data


def run(name: str, args) -> int:
    unpacking = name == "decompress"
    if args.output != "-":
        check_output(args.output, args.force)  # before the work; again at the rename
    data = _read_input(args.input, name)
    label = "stdin" if args.input == "-" else args.input
    t0 = time.perf_counter()
    with progress_bar("decompressing" if unpacking else "compressing", DownloadColumn(),
                      TransferSpeedColumn(), transient=args.json) as bar:
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
    seconds = time.perf_counter() - t0
    if args.json:
        original = result.data if unpacking else data
        packed = data if unpacking else result.data
        summary = {
            "input_bytes": len(data),
            "output_bytes": len(result.data),
            "bits_per_byte": 8 * len(packed) / max(len(original), 1),
            "seconds": seconds,
            "bytes_per_second": len(original) / seconds if seconds else None,
            "model": result.model,
            **{f"{k}_bytes": v for k, v in classical_bytes(original).items()},
        }
        out = sys.stderr if args.output == "-" else sys.stdout
        out.write(json.dumps(summary, indent=1) + "\n")
    return 0
