"""lmviz compress against gzip -9, bzip2 -9 and xz -9e on the same files, in one run.

    python benchmarks/compress.py [--size 1000000] [--json PATH]

Files: English text (docstrings of Python's standard library, benchmarks/corpus.py) and this
repository's own source. Targets (issue 6): below xz -9 on the 1 MB text at >= 20 KB/s;
decompression within 1.3x of compression speed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _table import emit
from corpus import stdlib_docstrings
from lmviz.core.baselines import classical_bytes
from lmviz.core.compression.compressor import (
    CompressorConfig,
    compress_bytes,
    decompress_bits,
    streams_for,
)

ROOT = Path(__file__).resolve().parents[1]


def repo_source() -> bytes:
    parts = []
    for folder in ("core", "app", "tests", "benchmarks"):
        for p in sorted((ROOT / folder).rglob("*.py")):
            parts.append(p.read_bytes())
    return b"\n".join(parts)


def measure(name: str, data: bytes) -> dict:
    config = CompressorConfig(streams=streams_for(len(data)))
    t0 = time.perf_counter()
    bits = compress_bytes(data, config)
    t1 = time.perf_counter()
    back = decompress_bits(bits, len(data), config)
    t2 = time.perf_counter()
    assert back == data, "round trip failed"
    n = len(data)
    return {
        "file": name, "bytes": n,
        "lmviz_bpb": len(bits) / n,
        **{f"{k}_bpb": 8 * v / n for k, v in classical_bytes(data).items()},
        "compress_KB_s": n / (t1 - t0) / 1000, "decompress_KB_s": n / (t2 - t1) / 1000,
        "decompress_over_compress_time": (t2 - t1) / (t1 - t0),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args()
    rows = [measure("stdlib docstrings", stdlib_docstrings(args.size)),
            measure("this repository's source", repo_source())]
    emit("lmviz compress (byte LSTM, online) vs classical compressors", rows, args.json)


if __name__ == "__main__":
    main()
