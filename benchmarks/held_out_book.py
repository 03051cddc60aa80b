"""Assemble the held-out English book: the text of *The Debian Administrator's Handbook* (Raphaël
Hertzog and Roland Mas; Debian package `debian-handbook`, CC-BY-SA 3.0 / GPL-2+), from its
English HTML, one paragraph a line group. It is not in the pretraining corpus
(benchmarks/english_corpus.py) and was never used to choose anything.

    python benchmarks/held_out_book.py PATH

Downloads the package with `apt-get download` (no root install), unpacks it with `dpkg -x`, and
writes the book's text (about 1.2 MB) to PATH.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "li", "pre", "br", "tr", "dt", "dd"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        if tag in BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data) -> None:
        if not self.skip:
            self.out.append(data)


def book_text(html_dir: Path) -> str:
    parts = []
    for f in sorted(html_dir.glob("*.html")):
        p = _Text()
        p.feed(f.read_text(encoding="utf-8"))
        t = re.sub(r"[ \t]+", " ", "".join(p.out))
        parts.append(re.sub(r"\n\s*\n+", "\n\n", t).strip())
    return "\n\n".join(parts) + "\n"


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: python benchmarks/held_out_book.py PATH")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", "debian-handbook"], cwd=tmp, check=True)
        deb = next(Path(tmp).glob("*.deb"))
        subprocess.run(["dpkg", "-x", str(deb), f"{tmp}/root"], check=True)
        text = book_text(Path(tmp) / "root/usr/share/doc/debian-handbook/html/en-US")
    Path(sys.argv[1]).write_text(text, encoding="utf-8")
    print(f"{sys.argv[1]}: {len(text.encode()):,} bytes from {deb.name}")


if __name__ == "__main__":
    main()
