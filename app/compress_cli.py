"""`lmviz compress` and `lmviz decompress`: safe on bad input, never a partial output file."""

from __future__ import annotations

import json
import os
import sys
import time
import zlib

from lmviz.core.atomic import atomic_write_bytes
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:  # FileNotFoundError / IsADirectoryError become one sentence
        return f.read()


def _check_output(path: str, force: bool) -> None:
    from lmviz.core.container import ContainerError

    if path == "-":
        return
    if os.path.isdir(path):
        raise ContainerError(f"{path} is a directory")
    if os.path.exists(path) and not force:
        raise ContainerError(f"{path} already exists (use --force to overwrite it)")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ContainerError(f"{parent}: no such directory")


def _write_output(path: str, data: bytes) -> None:
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        atomic_write_bytes(path, data)  # never a half-written output


def _progress_bar(label: str, json_mode: bool) -> Progress:
    err = Console(stderr=True)
    return Progress(
        TextColumn(f"[bold]{label}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), console=err, disable=not err.is_terminal, transient=json_mode,
    )


def run_compress_cli(args, decompress: bool) -> int:
    import torch
    from lmviz.core.coder import CodingError, pack_bits, unpack_bits
    from lmviz.core.compressor import CompressorConfig, compress_bytes, decompress_bits, streams_for
    from lmviz.core.container import Container, ContainerError

    _check_output(args.output, args.force)
    data = _read_input(args.input)
    name = "stdin" if args.input == "-" else args.input
    t0 = time.perf_counter()
    if not decompress:
        length = len(data)
        config = CompressorConfig(model=args.model, size=args.size, seed=args.seed,
                                  streams=streams_for(length))
        if config.model != "lstm":
            raise ContainerError("file compression uses the lstm model: its steps are exact and "
                                 "cheap on both sides (the transformer is for the explorer)")
        with _progress_bar("compressing", args.json) as bar:
            job = bar.add_task("c", total=length)
            bits = compress_bytes(data, config, lambda p: bar.update(job, completed=p.done))
        out = Container(config.to_json(), torch.__version__, config.threads, length,
                        zlib.crc32(data), len(bits), pack_bits(bits)).to_bytes()
        original, result = data, out
    else:
        c = Container.from_bytes(data, name)
        if c.torch_version != torch.__version__:
            raise ContainerError(
                f"{name} was made with torch {c.torch_version} and this is torch "
                f"{torch.__version__}: the model's floats would differ, so it cannot be decoded exactly")
        try:
            config = CompressorConfig.from_json(c.config_json)
        except (TypeError, ValueError, KeyError):
            raise ContainerError(f"{name} names a configuration this lmviz does not know") from None
        if config.threads != c.threads:
            raise ContainerError(f"{name} is inconsistent: its thread count does not match its configuration")
        with _progress_bar("decompressing", args.json) as bar:
            job = bar.add_task("d", total=c.length)
            try:
                result = decompress_bits(unpack_bits(c.payload, c.payload_bits), c.length, config,
                                         lambda p: bar.update(job, completed=p.done))
            except CodingError:
                raise ContainerError(f"{name} is corrupt: its payload does not decode") from None
        if zlib.crc32(result) != c.crc32 or len(result) != c.length:
            raise ContainerError(f"{name} did not decode to the original (CRC mismatch); nothing written")
        original = result
    _write_output(args.output, result)
    seconds = time.perf_counter() - t0
    if args.json:
        import bz2
        import gzip
        import lzma

        summary = {
            "input_bytes": len(data),
            "output_bytes": len(result),
            "bits_per_byte": 8 * (len(result) if not decompress else len(data)) / max(len(original), 1),
            "seconds": seconds,
            "bytes_per_second": len(original) / seconds if seconds else None,
            "gzip_bytes": len(gzip.compress(original, 9, mtime=0)),
            "bzip2_bytes": len(bz2.compress(original, 9)),
            "xz_bytes": len(lzma.compress(original, preset=9)),
        }
        out_stream = sys.stderr if args.output == "-" else sys.stdout
        out_stream.write(json.dumps(summary, indent=1) + "\n")
    return 0
