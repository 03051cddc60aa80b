"""Assemble the mixed corpus of benchmarks/compress.py from Debian 12 packages (issue 12).

    python benchmarks/compress_corpus.py DIR

Downloads the packages with `apt-get download` (no root install), unpacks them with `dpkg -x`
and writes one file per kind into DIR, plus DIR/SOURCES.json (package, version, path, bytes,
sha256). One file is made here, deterministically: a binary table of fixed-size records. None of
these files is in this repository, and none was used to tune the compressor.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

# name -> (package, path inside it, what kind of data it is)
FILES = {
    "english.txt": ("gnu-standards", "usr/share/doc/gnu-standards/standards.text.gz",
                    "English prose: the GNU Coding Standards as plain text"),
    "source.py": ("libpython3.11-stdlib", "usr/lib/python3.11/turtle.py",
                  "source code: Python's turtle module"),
    "page.html": ("python3.11-doc", "usr/share/doc/python3.11/html/library/re.html",
                  "HTML: the re module's documentation page"),
    "codes.json": ("iso-codes", "usr/share/iso-codes/json/iso_3166-2.json",
                   "JSON: ISO 3166-2 subdivision codes"),
    "library.so": ("libjq1", "usr/lib/x86_64-linux-gnu/libjq.so.1.0.4",
                   "an executable object: jq's shared library (x86-64 ELF)"),
    "picture.png": ("python3.11-doc", "usr/share/doc/python3.11/html/_images/win_installer.png",
                    "already compressed: a PNG screenshot"),
}


def fixed_records(n: int = 12_000, seed: int = 0) -> bytes:
    """A sensor log of 16-byte records: id (uint32, +1), time (uint32, +60 s with jitter),
    temperature (float32, a slow wave plus noise), station (uint16, one of 40), flags (uint16)."""
    rng = np.random.default_rng(seed)
    rec = np.zeros(n, dtype=[("id", "<u4"), ("time", "<u4"), ("temp", "<f4"),
                             ("station", "<u2"), ("flags", "<u2")])
    rec["id"] = np.arange(100_000, 100_000 + n)
    rec["time"] = 1_700_000_000 + np.cumsum(60 + rng.integers(-2, 3, n))
    t = np.arange(n)
    rec["temp"] = (12 + 8 * np.sin(t / 720 * 2 * np.pi) + rng.normal(0, 0.3, n)).round(1)
    rec["station"] = rng.integers(0, 40, n)
    rec["flags"] = np.where(rng.random(n) < 0.05, 1 << rng.integers(0, 4, n), 0)
    return rec.tobytes()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.splitlines()[2].strip())
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    sources = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for package in sorted({p for p, _, _ in FILES.values()}):
            subprocess.run(["apt-get", "download", "-q", package], cwd=tmp, check=True,
                           capture_output=True)
        debs = {p: next(tmp.glob(f"{p}_*.deb")) for p, _, _ in FILES.values()}
        for deb in debs.values():
            subprocess.run(["dpkg", "-x", str(deb), str(tmp / "root")], check=True)
        for name, (package, path, kind) in FILES.items():
            data = (tmp / "root" / path).read_bytes()
            if path.endswith(".gz"):
                data = gzip.decompress(data)
            (out / name).write_bytes(data)
            version = subprocess.run(["dpkg-deb", "-f", str(debs[package]), "Version"],
                                     capture_output=True, text=True, check=True).stdout.strip()
            sources.append({"file": name, "kind": kind, "package": package, "version": version,
                            "path": path, "bytes": len(data),
                            "sha256": hashlib.sha256(data).hexdigest()})
    data = fixed_records()
    (out / "records.bin").write_bytes(data)
    sources.append({"file": "records.bin", "kind": "binary table: 12,000 fixed-size records of "
                    "16 bytes (made by this script, seed 0)", "package": None, "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest()})
    (out / "SOURCES.json").write_text(json.dumps(sources, indent=1) + "\n")
    for s in sources:
        print(f"{s['file']:<12} {s['bytes']:>9,}  {s['kind']}")


if __name__ == "__main__":
    main()
