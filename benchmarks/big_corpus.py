"""Assemble the big mixed sets of `benchmarks/compress.py --big` from Debian 12 packages: one
tar of about 20 MB and one of about 100 MB, a quarter each of text, source code, shared
libraries and data.

    python benchmarks/big_corpus.py DIR

Downloads the packages with `apt-get download` (no root install), unpacks them with `dpkg -x`,
and writes DIR/mixed-20mb.tar and DIR/mixed-100mb.tar: each kind's files in path order, in the
packages' order, until the kind's quarter is full (a file that would overflow it is cut), in a
tar with fixed owners and times (the same bytes on every run of the same packages), and
DIR/SOURCES.json (every package with its version, the sets' sha256). None of these files was
used to tune the compressor.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# kind -> packages, and which of their files count (by suffix; "" takes every file)
KINDS = {
    "text": (("debian-handbook", ".html"), ("python3.11-doc", ".html")),
    "source": (("libpython3.11-stdlib", ".py"), ("perl-modules-5.36", ".pm"),
               ("libpython3.11-testsuite", ".py")),
    "libraries": (("libpython3.11", ".so.1.0"), ("libicu72", ".so.72.1"), ("libssl3", ".so.3"),
                  ("libstdc++6", ".so.6.0.30"), ("libllvm15", ".so.1")),
    "data": (("unicode-data", ".txt"), ("iso-codes", ".json"), ("wamerican-huge", ""),
             ("tzdata", "")),
}
SETS = {"mixed-20mb.tar": 20 << 20, "mixed-100mb.tar": 100 << 20}


def _unpack(package: str, tmp: Path) -> tuple[Path, str]:
    subprocess.run(["apt-get", "download", package], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deb = next(tmp.glob(f"{package.replace('+', '?')}_*.deb"))
    root = tmp / f"root-{package}"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root, deb.name.split("_")[1]


def _files(roots: list[tuple[Path, str]]) -> list[tuple[str, Path]]:
    out = []
    for root, suffix in roots:
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.is_symlink() and p.name.endswith(suffix):
                out.append((str(p.relative_to(root.parent)), p))
    return out


def _tar(chosen: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in chosen:
            info = tarfile.TarInfo(name[-99:])
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: python benchmarks/big_corpus.py DIR")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    versions: dict[str, str] = {}
    sources: dict = {"packages": versions, "sets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for kind, packages in KINDS.items():
            roots = []
            for package, suffix in packages:
                root, versions[package] = _unpack(package, Path(tmp))
                roots.append((root, suffix))
            files[kind] = _files(roots)
        for name, size in SETS.items():
            chosen = []
            for kind in KINDS:
                left = size // len(KINDS)
                for rel, path in files[kind]:
                    if left <= 0:
                        break
                    data = path.read_bytes()[:left]
                    chosen.append((f"{kind}/{rel}", data))
                    left -= len(data) + 512  # the tar header too
            blob = _tar(chosen)
            (out / name).write_bytes(blob)
            sources["sets"][name] = {"bytes": len(blob), "files": len(chosen),
                                     "sha256": hashlib.sha256(blob).hexdigest()}
            print(f"{out / name}: {len(blob):,} bytes, {len(chosen)} files")
    (out / "SOURCES.json").write_text(json.dumps(sources, indent=1) + "\n")


if __name__ == "__main__":
    main()
