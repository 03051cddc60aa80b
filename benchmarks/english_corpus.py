"""Assemble the English pretraining corpus from Debian packages (the exact sources of the shipped
model `assets/english.pt`; assets/README.md names each package, version and licence).

    python benchmarks/english_corpus.py DIR

Downloads the packages with `apt-get download` (no root install), unpacks them with `dpkg -x`,
and writes one UTF-8 text file per source into DIR, paragraphs separated by blank lines (each
paragraph is one document to `lmviz pretrain`), plus DIR/SOURCES.json. None of the standard
compression-benchmark texts (Canterbury, Calgary, enwik) is among them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGES = {  # package -> licence, as its debian/copyright says
    "fortunes": "BSD-3-Clause (4.4BSD fortune files)",
    "python3.11-doc": "PSF-2.0 (Python documentation sources)",
    "dict-jargon": "public domain (the Jargon File 4.4.7)",
    "dict-devil": "public domain (Ambrose Bierce, The Devil's Dictionary, 1911)",
    "gnu-standards": "GFDL-1.3+ (GNU Coding Standards, Information for Maintainers)",
    "dict-wn": "WordNet 3.0 licence (Princeton; permissive, BSD-like)",
    "dict-gcide": "GPL-3+ (GNU Collaborative International Dictionary of English)",
    "linux-doc-6.1": "GPL-2 (the Linux kernel's documentation sources)",
    "dict-foldoc": "GFDL-1.1+ (Free On-line Dictionary of Computing)",
    "debian-reference-en": "GPL-2+ (Debian Reference, Osamu Aoki)",
}
SKIP_FORTUNES = {"ascii-art", "art", "translate-me"}  # pictures and foreign-language text


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs with their inner lines kept."""
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


def fortunes(root: Path) -> str:
    out = []
    for f in sorted((root / "usr/share/games/fortunes").iterdir()):
        if f.suffix or f.name in SKIP_FORTUNES:
            continue
        for entry in f.read_text(encoding="utf-8", errors="replace").split("\n%\n"):
            entry = entry.strip("\n%")
            if entry.strip():
                # One fortune is one document: blank lines inside it become single line breaks.
                out.append(re.sub(r"\n\s*\n", "\n", entry))
    return "\n\n".join(out)


def python_docs(root: Path) -> str:
    files = sorted((root / "usr/share/doc/python3.11/html/_sources").rglob("*.rst.txt"))
    return "\n\n".join(p for f in files for p in paragraphs(f.read_text(encoding="utf-8")))


def dictionary(root: Path, name: str) -> str:
    raw = gzip.decompress((root / f"usr/share/dictd/{name}.dict.dz").read_bytes())
    return "\n\n".join(paragraphs(raw.decode("utf-8", errors="replace")))


def gnu_standards(root: Path) -> str:
    parts = []
    for name in ("standards", "maintain"):
        raw = gzip.decompress((root / f"usr/share/doc/gnu-standards/{name}.text.gz").read_bytes())
        parts.extend(paragraphs(raw.decode("utf-8", errors="replace")))
    return "\n\n".join(parts)


def wordnet_examples(root: Path) -> str:
    """WordNet's example phrases and sentences ("he enjoyed selling but he hated the travel"):
    everyday modern English, one document each, as written; quoted runs that are not examples
    (synonym lists caught between two glosses' quotes) are left out."""
    raw = gzip.decompress((root / "usr/share/dictd/wn.dict.dz").read_bytes())
    flat = re.sub(r"\s*\n\s*", " ", raw.decode("utf-8", errors="replace"))
    seen, out = set(), []
    for ex in re.findall(r'"([^"]{15,300})"', flat):
        ex = ex.strip()
        if ex in seen or re.search(r"[\[\]{}]|\d+:", ex) or not ex[:1].isalpha():
            continue
        seen.add(ex)
        out.append(ex)
    return "\n\n".join(out)


def gcide(root: Path) -> str:
    """The dictionary's entries as prose: each entry one document, its lines joined, the
    pronunciation markup (\\Ab"di*ca*tive\\) and the source tags ([1913 Webster]) left out."""
    raw = gzip.decompress((root / "usr/share/dictd/gcide.dict.dz").read_bytes())
    out = []
    for p in paragraphs(raw.decode("utf-8", errors="replace")):
        p = re.sub(r"\\[^\\\n]*\\", "", p)
        p = re.sub(r"\[(?:\d{4} )?(?:Webster|PJC|Century|WordNet|Chambers)[^\]]*\]", "", p)
        p = re.sub(r"\s+", " ", p).strip()
        if len(p) > 40:
            out.append(p)
    return "\n\n".join(out[1:])  # the first is the database's own header


def linux_docs(root: Path) -> str:
    files = sorted(root.glob("usr/share/doc/linux-doc-*/html/_sources/**/*.rst.txt"))
    return "\n\n".join(p for f in files
                        for p in paragraphs(f.read_text(encoding="utf-8", errors="replace")))


def html_paragraphs(root: Path, pattern: str) -> str:
    """The text of HTML pages, one document per paragraph, list item, heading or listing."""
    from html.parser import HTMLParser

    blocks = {"p", "li", "pre", "h1", "h2", "h3", "h4", "dt", "dd", "td", "title"}

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.buf: list[str] = []
            self.pre = 0

        def flush(self) -> None:
            text = "".join(self.buf)
            text = text.strip("\n") if self.pre else re.sub(r"\s+", " ", text).strip()
            if text:
                self.parts.append(text)
            self.buf = []

        def handle_starttag(self, tag, attrs) -> None:
            if tag in blocks:
                self.flush()
            self.pre += tag == "pre"

        def handle_endtag(self, tag) -> None:
            if tag in blocks:
                self.flush()
            self.pre -= tag == "pre" and self.pre > 0

        def handle_data(self, data) -> None:
            self.buf.append(data)

    out = []
    for f in sorted(root.glob(pattern)):
        parser = Text()
        parser.feed(f.read_text(encoding="utf-8", errors="replace"))
        parser.flush()
        out.extend(re.sub(r"\n\s*\n", "\n", p) for p in parser.parts)
    return "\n\n".join(out)


def version_of(deb: Path) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__.splitlines()[2].strip())
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run(["apt-get", "download", *PACKAGES], cwd=tmp, check=True)
        root = tmp / "root"
        versions = {}
        for deb in sorted(tmp.glob("*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
            versions[deb.name.split("_")[0]] = version_of(deb)
        texts = {
            "fortunes.txt": ("fortunes", fortunes(root)),
            "python-docs.txt": ("python3.11-doc", python_docs(root)),
            "jargon.txt": ("dict-jargon", dictionary(root, "jargon")),
            "devil.txt": ("dict-devil", dictionary(root, "devil")),
            "gnu-standards.txt": ("gnu-standards", gnu_standards(root)),
            "wordnet-examples.txt": ("dict-wn", wordnet_examples(root)),
            "gcide.txt": ("dict-gcide", gcide(root)),
            "linux-docs.txt": ("linux-doc-6.1", linux_docs(root)),
            "foldoc.txt": ("dict-foldoc", dictionary(root, "foldoc")),
            "debian-reference.txt": ("debian-reference-en",
                                     html_paragraphs(root, "usr/share/debian-reference/*.en.html")),
        }
    sources = []
    for name, (package, text) in texts.items():
        data = text.encode("utf-8") + b"\n"
        (out / name).write_bytes(data)
        sources.append({"file": name, "package": package, "version": versions[package],
                        "licence": PACKAGES[package], "bytes": len(data),
                        "sha256": hashlib.sha256(data).hexdigest()})
        print(f"{name:20} {len(data):>12,} bytes  {package} {versions[package]}")
    (out / "SOURCES.json").write_text(json.dumps(sources, indent=1) + "\n")


if __name__ == "__main__":
    main()
