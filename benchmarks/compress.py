"""lmviz compress against the compressors people would pick instead, on the same files, in one
run: gzip -9, bzip2 -9, xz -9e, zstd -19, bzip3, 7-Zip PPMd and zpaq -method 5.

    python benchmarks/compress.py [--corpus DIR | --messages | --prose DIR | --big DIR]
                                  [--size 1000000] [--json PATH]

--corpus DIR: the mixed corpus of issue 12, made by `python benchmarks/compress_corpus.py DIR`
(English prose, source code, HTML, JSON, an ELF object, a fixed-record binary table, a PNG; none
of them in this repository). Every file goes through what `lmviz compress` writes (the container
included) and back, and through each tool and back; every round trip is checked. The tools are
Debian packages: `apt-get install zpaq 7zip bzip3 zstd` (gzip, bzip2 and xz are always there); a
missing one is marked "missing", not skipped silently.

--messages: the 32 short English messages of benchmarks/data/messages.txt (sentences, email
paragraphs, chat lines, commit messages, headlines, reviews, notes; written for this benchmark),
each compressed alone as a whole file, header included, by lmviz without a model, with
`--model english-small` and with `--model english`, and by every tool: bits a character by kind
and in all (issue 24's target: 3.2 with the model).

--prose DIR: English prose no model was trained or tuned on (`python
benchmarks/held_out_prose.py DIR`: two Debian books), the 100 KB in the middle of each (--size),
through lmviz with and without the models and every tool, speeds both ways. Issue 24's targets:
with the model at least 5% below zpaq -method 5 and below lmviz without it; at least 5 KB/s
compressing, 100 KB in under 30 s, decompression within 1.3x of compression.

--big DIR: the big mixed sets (`python benchmarks/big_corpus.py DIR`: about 20 MB and 100 MB,
a quarter each of text, source, shared libraries and data, from Debian packages) through `lmviz
compress` and `decompress` from the command line (2 workers: the blocked form) beside xz -9e,
zstd -19 --long, zpaq -method 5 (its default threads) and 7-Zip PPMd: size, both speeds and the
peak resident memory (GNU time's %M: each tool is one process, lmviz's lanes are threads).
Issue 27's targets: each set below xz -9e and zpaq -method 5; at least 200 KB/s compressing on
the 100 MB set, decompression within 1.3x; peak memory 2 GB or less.

paq8px -8 (the moonshot column) runs where it is built: `PAQ8PX=/path/to/paq8px` or `paq8px` on
the PATH (README: how to build it from its public source); otherwise it is marked missing.

Without --corpus: English text (docstrings of Python's standard library, benchmarks/corpus.py)
and this repository's own source, against gzip, bzip2 and xz (issue 6); and 100 KB of that
English through `lmviz compress` and `lmviz decompress` from the command line, three times, wall
time with start-up (issue 12's 6 s).

Targets (issue 12): total below zpaq -method 5 and no file above xz -9e; at least 20 KB/s
compression on files of 400 KB and more; a 100 KB file in under 6 s; decompression within 1.3x
of compression time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _table import emit
from corpus import stdlib_docstrings
from lmviz.core.baselines import classical_bytes

ROOT = Path(__file__).resolve().parents[1]

# name -> (compress argv, decompress argv); IN the input file, OUT the compressed file, DIR the
# folder it is extracted into. Tools that write to stdout are timed with their output in a file.
TOOLS = {
    "gzip -9": (["gzip", "-9", "-c", "IN"], ["gzip", "-d", "-c", "OUT"]),
    "bzip2 -9": (["bzip2", "-9", "-c", "IN"], ["bzip2", "-d", "-c", "OUT"]),
    "xz -9e": (["xz", "-9e", "-c", "IN"], ["xz", "-d", "-c", "OUT"]),
    "zstd -19": (["zstd", "-19", "-q", "-c", "IN"], ["zstd", "-d", "-q", "-c", "OUT"]),
    "bzip3": (["bzip3", "-e", "-c", "IN"], ["bzip3", "-d", "-c", "OUT"]),
    "7z PPMd": (["7zz", "a", "-bso0", "-bsp0", "-m0=PPMd", "-mx=9", "OUT", "IN"],
                ["7zz", "e", "-so", "OUT"]),
    "zpaq -m5": (["zpaq", "a", "OUT", "IN", "-method", "5"], ["zpaq", "x", "OUT", "-to", "DIR"]),
}
SUFFIX = {"7z PPMd": ".7z", "zpaq -m5": ".zpaq", "paq8px -8": ".paq8px"}
PAQ8PX = os.environ.get("PAQ8PX") or shutil.which("paq8px") or "paq8px"
# paq8px -8 (about 2.2 GB of memory) extracts into the file it is given
TOOLS["paq8px -8"] = ([PAQ8PX, "-8", "IN", "OUT"], [PAQ8PX, "-d", "OUT", "DIRFILE"])
MODELS = ("english-small", "english")  # the byte models `lmviz compress --model` ships


def run_tool(name: str, src: Path, work: Path) -> dict:
    """Compressed bytes and seconds both ways, round trip checked; None if not installed."""
    comp, decomp = TOOLS[name]
    if shutil.which(comp[0]) is None and not Path(comp[0]).is_file():
        return {"bytes": None}
    out = work / f"packed{SUFFIX.get(name, '.bin')}"
    back = work / "back"
    out.unlink(missing_ok=True)
    shutil.rmtree(back, ignore_errors=True)
    back.mkdir()

    def argv(template):
        return [{"IN": src.name, "OUT": str(out), "DIR": str(back),
                 "DIRFILE": str(back / "restored")}.get(a, a) for a in template]

    t0 = time.perf_counter()
    if "OUT" in comp:  # the tool writes the archive itself
        subprocess.run(argv(comp), cwd=src.parent, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
    else:
        with open(out, "wb") as f:
            subprocess.run(argv(comp), cwd=src.parent, stdout=f, stderr=subprocess.DEVNULL,
                           check=True)
    t1 = time.perf_counter()
    if "DIR" in decomp or "DIRFILE" in decomp:
        subprocess.run(argv(decomp), cwd=src.parent, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        restored = next(p for p in back.rglob("*") if p.is_file()).read_bytes()
    else:
        restored = subprocess.run(argv(decomp), cwd=src.parent, capture_output=True,
                                  check=True).stdout
    t2 = time.perf_counter()
    assert restored == src.read_bytes(), f"{name} did not round-trip {src.name}"
    return {"bytes": out.stat().st_size, "compress_s": t1 - t0, "decompress_s": t2 - t1}


def run_lmviz(data: bytes, model: str | None = None) -> dict:
    """What `lmviz compress [--model MODEL]` writes (container, header, CRC) and what `lmviz
    decompress` reads. The model's loading is timed too (about 1 s: torch, the checkpoint)."""
    from lmviz.app.jobs.compressing import compress, decompress
    from lmviz.core.compression.container import form_of

    t0 = time.perf_counter()
    packed = compress(data, model=model).data
    t1 = time.perf_counter()
    back = decompress(packed, "benchmark").data
    t2 = time.perf_counter()
    assert back == data, "lmviz did not round-trip"
    return {"bytes": len(packed), "compress_s": t1 - t0, "decompress_s": t2 - t1,
            "form": form_of(packed)}


def corpus_rows(folder: Path) -> list[dict]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "SOURCES.json")
    rows = []
    totals: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for src in files:
            data = src.read_bytes()
            results = {"lmviz": run_lmviz(data)}
            results.update({name: run_tool(name, src, work) for name in TOOLS})
            row = {"file": src.name, "bytes": len(data)}
            for name, r in results.items():
                row[f"{name} bpb"] = None if r["bytes"] is None else 8 * r["bytes"] / len(data)
                t = totals.setdefault(name, [0, 0.0, 0.0, True])
                if r["bytes"] is None:
                    t[3] = False
                else:
                    t[0] += r["bytes"]
                    t[1] += r["compress_s"]
                    t[2] += r["decompress_s"]
            lm = results["lmviz"]
            row["lmviz KB/s"] = len(data) / lm["compress_s"] / 1000
            row["lmviz unpack KB/s"] = len(data) / lm["decompress_s"] / 1000
            row["beats xz"] = lm["bytes"] <= results["xz -9e"]["bytes"]
            row["lmviz wrote"] = lm["form"]  # the model's container, or LZMA / raw where smaller
            rows.append(row)
            print(json.dumps(row), flush=True)
    n = sum(r["bytes"] for r in rows)
    total = {"file": "TOTAL", "bytes": n}
    for name, (b, _c, _d, complete) in totals.items():
        total[f"{name} bpb"] = 8 * b / n if complete else None
    total["lmviz KB/s"] = n / totals["lmviz"][1] / 1000
    total["lmviz unpack KB/s"] = n / totals["lmviz"][2] / 1000
    total["beats xz"] = all(r["beats xz"] for r in rows)
    rows.append(total)
    speed = [{"tool": name, "compress KB/s": n / t[1] / 1000 if t[3] else None,
              "decompress KB/s": n / t[2] / 1000 if t[3] else None,
              "installed": t[3]} for name, t in totals.items()]
    return rows, speed


def repo_source() -> bytes:
    parts = []
    for folder in ("core", "app", "tests", "benchmarks"):
        for p in sorted((ROOT / folder).rglob("*.py")):
            parts.append(p.read_bytes())
    return b"\n".join(parts)


def measure(name: str, data: bytes) -> dict:
    r = run_lmviz(data)
    n = len(data)
    return {
        "file": name, "bytes": n, "lmviz_bpb": 8 * r["bytes"] / n,
        **{f"{k}_bpb": 8 * v / n for k, v in classical_bytes(data).items()},
        "compress_KB_s": n / r["compress_s"] / 1000, "decompress_KB_s": n / r["decompress_s"] / 1000,
        "decompress_over_compress_time": r["decompress_s"] / r["compress_s"],
    }


def command_line_runs(data: bytes, runs: int = 3) -> list[dict]:
    """Wall seconds of `lmviz compress` and `lmviz decompress` as a user runs them (a fresh
    process each: the interpreter, the imports and numba's cache load included)."""
    lmviz = [sys.executable, "-m", "lmviz.app.cli"]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        src, packed, back = Path(tmp, "in.txt"), Path(tmp, "in.lmvz"), Path(tmp, "out.txt")
        src.write_bytes(data)
        for i in range(runs):
            t0 = time.perf_counter()
            subprocess.run(lmviz + ["compress", str(src), str(packed), "--force"], check=True)
            t1 = time.perf_counter()
            subprocess.run(lmviz + ["decompress", str(packed), str(back), "--force"], check=True)
            t2 = time.perf_counter()
            assert back.read_bytes() == data, "lmviz did not round-trip"
            out.append({"run": i + 1, "bytes": len(data), "compress_s": t1 - t0,
                        "decompress_s": t2 - t1, "output_bytes": packed.stat().st_size})
    return out


def message_rows() -> list[dict]:
    """Every message alone through lmviz and each tool; bits a character by kind, then all."""
    lines = (ROOT / "benchmarks/data/messages.txt").read_text(encoding="utf-8").splitlines()
    messages = [line.split("\t", 1) for line in lines if line.strip()]
    names = ["lmviz", *(f"lmviz {m}" for m in MODELS), *TOOLS]
    sums: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, text in messages:
            data = text.encode("utf-8")
            src = Path(tmp) / "message.txt"
            src.write_bytes(data)
            sizes = {"lmviz": run_lmviz(data)["bytes"]}
            sizes.update({f"lmviz {m}": run_lmviz(data, m)["bytes"] for m in MODELS})
            for name in TOOLS:
                work = Path(tmp) / "work"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                sizes[name] = run_tool(name, src, work)["bytes"]
            for key in (kind, "all"):
                row = sums.setdefault(key, {"messages": 0, "characters": 0, **dict.fromkeys(names, 0)})
                row["messages"] += 1
                row["characters"] += len(text)
                for name in names:
                    row[name] = None if sizes[name] is None or row[name] is None else row[name] + sizes[name]
    rows = []
    for kind, row in sums.items():
        out = {"kind": kind, "messages": row["messages"], "characters": row["characters"]}
        for name in names:
            out[name] = ("missing" if row[name] is None
                         else round(8 * row[name] / row["characters"], 2))
        rows.append(out)
    return rows


BIG_TOOLS = {
    "lmviz": ([sys.executable, "-m", "lmviz.app.cli", "compress", "IN", "OUT", "--workers", "2"],
              [sys.executable, "-m", "lmviz.app.cli", "decompress", "OUT", "DIRFILE",
               "--workers", "2"]),
    "xz -9e": TOOLS["xz -9e"],
    "zstd -19 --long": (["zstd", "-19", "--long", "-q", "-c", "IN"],
                        ["zstd", "-d", "--long", "-q", "-c", "OUT"]),
    "zpaq -m5": TOOLS["zpaq -m5"],
    "7z PPMd": TOOLS["7z PPMd"],
}


def run_timed(name: str, comp: list, decomp: list, src: Path, work: Path) -> dict:
    """Like run_tool, each direction under GNU time for its peak resident memory."""
    out = work / f"packed{SUFFIX.get(name, '.bin')}"
    back = work / "back"
    shutil.rmtree(back, ignore_errors=True)
    back.mkdir()
    out.unlink(missing_ok=True)
    mem = work / "mem"

    def argv(template):
        return ["/usr/bin/time", "-f", "%M", "-o", str(mem)] + [
            {"IN": str(src), "OUT": str(out), "DIR": str(back),
             "DIRFILE": str(back / "restored")}.get(a, a) for a in template]

    def timed(template, stdout) -> tuple[float, int]:
        t0 = time.perf_counter()
        subprocess.run(argv(template), cwd=src.parent, stdout=stdout,
                       stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - t0, int(mem.read_text().split()[-1]) * 1024

    if shutil.which(comp[0]) is None:
        return {"bytes": None}
    if "OUT" in comp:
        c_s, c_mem = timed(comp, subprocess.DEVNULL)
    else:
        with open(out, "wb") as f:
            c_s, c_mem = timed(comp, f)
    restored_path = back / "restored"
    if "DIR" in decomp or "DIRFILE" in decomp:
        d_s, d_mem = timed(decomp, subprocess.DEVNULL)
        restored_path = next(p for p in back.rglob("*") if p.is_file())
    else:
        with open(restored_path, "wb") as f:
            d_s, d_mem = timed(decomp, f)
    same = subprocess.run(["cmp", "-s", str(src), str(restored_path)]).returncode == 0
    assert same, f"{name} did not round-trip {src.name}"
    return {"bytes": out.stat().st_size, "compress_s": c_s, "decompress_s": d_s,
            "peak_mb": max(c_mem, d_mem) / 2**20}


def big_rows(folder: Path) -> list[dict]:
    files = sorted(folder.glob("*.tar"), key=lambda p: p.stat().st_size)
    if not files:
        sys.exit(f"{folder} holds no .tar: make the sets with benchmarks/big_corpus.py")
    rows = []
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for src in files:
            n = src.stat().st_size
            for name, (comp, decomp) in BIG_TOOLS.items():
                r = run_timed(name, comp, decomp, src, Path(tmp))
                row = {"set": src.name, "bytes": n, "tool": name}
                if r["bytes"] is None:
                    row["output"] = "missing"
                else:
                    row.update({"output": r["bytes"], "bpb": round(8 * r["bytes"] / n, 4),
                                "compress KB/s": round(n / r["compress_s"] / 1000, 1),
                                "decompress KB/s": round(n / r["decompress_s"] / 1000, 1),
                                "peak MB": round(r["peak_mb"])})
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def prose_rows(folder: Path, size: int) -> tuple[list[dict], list[dict]]:
    """The middle ``size`` bytes of each file of ``folder``: bits a byte by lmviz without and
    with each model and by every tool; lmviz's speeds."""
    files = sorted(p for p in folder.glob("*.txt"))
    if not files:
        sys.exit(f"{folder} holds no .txt file: make it with benchmarks/held_out_prose.py")
    rows, speeds = [], []
    names = ["lmviz", *(f"lmviz {m}" for m in MODELS), *TOOLS]
    total = dict.fromkeys(names, 0)
    n_all = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            whole = path.read_bytes()
            start = max(0, (len(whole) - size) // 2)
            data = whole[start : start + size]
            src = Path(tmp) / path.name
            src.write_bytes(data)
            results = {"lmviz": run_lmviz(data)}
            results.update({f"lmviz {m}": run_lmviz(data, m) for m in MODELS})
            for name in TOOLS:
                work = Path(tmp) / "work"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                results[name] = run_tool(name, src, work)
            row = {"file": f"{path.name} [{start:,}, +{len(data):,})"}
            for name in names:
                b = results[name]["bytes"]
                row[name] = "missing" if b is None else round(8 * b / len(data), 3)
                total[name] = None if b is None or total[name] is None else total[name] + b
            zpaq = results["zpaq -m5"]["bytes"]
            row["english vs zpaq"] = (f"{100 * (results['lmviz english']['bytes'] / zpaq - 1):+.1f}%"
                                      if zpaq else "missing")
            rows.append(row)
            for name in ("lmviz", *(f"lmviz {m}" for m in MODELS)):
                r = results[name]
                speeds.append({"file": path.name, "compressor": name,
                               "compress KB/s": round(len(data) / r["compress_s"] / 1000, 2),
                               "decompress KB/s": round(len(data) / r["decompress_s"] / 1000, 2),
                               "decompress / compress time": round(r["decompress_s"]
                                                                   / r["compress_s"], 2),
                               "seconds for 100 KB": round(r["compress_s"] * 1e5 / len(data), 1)})
            print(json.dumps(row), flush=True)
            n_all += len(data)
    all_row = {"file": "all"}
    for name in names:
        all_row[name] = "missing" if total[name] is None else round(8 * total[name] / n_all, 3)
    if total["zpaq -m5"]:
        all_row["english vs zpaq"] = f"{100 * (total['lmviz english'] / total['zpaq -m5'] - 1):+.1f}%"
    rows.append(all_row)
    return rows, speeds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", metavar="DIR", type=Path)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--messages", action="store_true")
    ap.add_argument("--prose", metavar="DIR", type=Path)
    ap.add_argument("--big", metavar="DIR", type=Path)
    args = ap.parse_args()
    if args.big:
        rows = big_rows(args.big)
        emit("big mixed sets (every round trip checked)", rows, None)
        if args.json:
            Path(args.json).write_text(json.dumps({"big": rows}, indent=1))
        return
    if args.prose:
        size = args.size if args.size != ap.get_default("size") else 100_000
        rows, speeds = prose_rows(args.prose, size)
        emit("held-out English prose, bits a byte (every round trip checked)", rows, None)
        emit("lmviz's speed on it, the model's loading included", speeds, None)
        if args.json:
            Path(args.json).write_text(json.dumps({"prose": rows, "speed": speeds}, indent=1))
        return
    if args.messages:
        rows = message_rows()
        emit("short English messages, each compressed alone as a whole file (bits a character)",
             rows, None)
        if args.json:
            Path(args.json).write_text(json.dumps({"messages": rows}, indent=1))
        return
    if args.corpus:
        rows, speed = corpus_rows(args.corpus)
        emit("bits per byte on the mixed corpus (every round trip checked)", rows, None)
        emit("speed over the whole corpus", speed, None)
        if args.json:
            Path(args.json).write_text(json.dumps({"files": rows, "speed": speed}, indent=1))
        return
    english = stdlib_docstrings(args.size)
    rows = [measure("stdlib docstrings", english), measure("this repository's source", repo_source())]
    emit("lmviz compress (context mixing by bits, online) vs classical compressors", rows, None)
    runs = command_line_runs(english[:100_000])
    emit("lmviz compress / decompress, 100 KB of English from the command line (wall s)", runs, None)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "command_line_100KB": runs}, indent=1))


if __name__ == "__main__":
    main()
