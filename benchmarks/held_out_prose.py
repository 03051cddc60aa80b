"""Assemble English prose no lmviz model was trained or tuned on, for `benchmarks/compress.py
--prose DIR`: two books from two Debian packages that are not in the pretraining corpus
(benchmarks/english_corpus.py).

    python benchmarks/held_out_prose.py DIR

* handbook.txt: *The Debian Administrator's Handbook* (`debian-handbook`, CC-BY-SA 3.0 /
  GPL-2+), its English HTML as text (held_out_book.py; about 1.2 MB);
* faq.txt: *The Debian GNU/Linux FAQ* (`debian-faq`, GPL-2+), its English plain text (180 KB).

Downloads the packages with `apt-get download` (no root install) and unpacks them with
`dpkg -x`; writes DIR/SOURCES.json (package, version, bytes, sha256).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from held_out_book import book_text


def _unpack(package: str, tmp: Path) -> tuple[Path, str]:
    subprocess.run(["apt-get", "download", package], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    deb = next(tmp.glob(f"{package}_*.deb"))
    root = tmp / package
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root, deb.name.split("_")[1]


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: python benchmarks/held_out_prose.py DIR")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    sources = {}
    with tempfile.TemporaryDirectory() as tmp:
        root, version = _unpack("debian-handbook", Path(tmp))
        texts = {"handbook.txt": ("debian-handbook", version, book_text(
            root / "usr/share/doc/debian-handbook/html/en-US").encode())}
        root, version = _unpack("debian-faq", Path(tmp))
        faq = gzip.decompress((root / "usr/share/doc/debian/FAQ/debian-faq.en.txt.gz").read_bytes())
        texts["faq.txt"] = ("debian-faq", version, faq)
    for name, (package, version, data) in texts.items():
        (out / name).write_bytes(data)
        sources[name] = {"package": package, "version": version, "bytes": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()}
        print(f"{out / name}: {len(data):,} bytes from {package} {version}")
    (out / "SOURCES.json").write_text(json.dumps(sources, indent=1) + "\n")


if __name__ == "__main__":
    main()
