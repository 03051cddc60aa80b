"""The English model: bits per character on sentences written for this benchmark, unseen prose
against xz, and the explorer's speed on a 200-character text.

    python benchmarks/language.py [--checkpoint english] [--json PATH] [--no-tui]

Targets (issue 11): at most 2.0 bits per character on at least 30 English sentences written for
the benchmark (benchmarks/data/sentences.txt, not from the corpus or any book), gzip -9 and xz -9e
of the same sentences beside it; a frozen model below xz -9e on unseen prose
(benchmarks/data/prose.txt, written for this benchmark, and the GPL-3 text that every Debian
system ships in /usr/share/common-licenses, which is not in the corpus); the explorer on a
200-character text: first frame under 1 s, token step p95 under 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from _table import emit
from lmviz.core.baselines import classical_bytes
from lmviz.core.learning.checkpoints import load_learner, resolve_checkpoint
from lmviz.core.learning.session import EncodeSession
from lmviz.core.learning.windows import code_file

HERE = Path(__file__).resolve().parent
TUI_TEXT = ("The model reads each byte and pays for it in bits: word beginnings cost a lot, word "
            "endings almost nothing, and a surprise costs more. The rest of the sentence is cheap, "
            "since English is so predictable!")


def sentences(learner, texts: list[str]) -> dict:
    """Each sentence coded alone from the start token, with its end token (Bob must know where
    it stops): the whole message, as the explorer shows it."""
    total_bits = 0
    stream_bits = 0
    end_bits = 0.0
    chars = 0
    for text in texts:
        session = EncodeSession(learner, train=False)
        steps = list(session.steps([learner.task.parse(text)]))
        stream_bits += len(session.finish())
        total_bits += steps[-1].totals.ideal_bits
        end_bits += steps[-1].bits
        chars += len(text)
    gz = sum(8 * classical_bytes(t.encode())["gzip"] for t in texts)
    xz = sum(8 * classical_bytes(t.encode())["xz"] for t in texts)
    joined = classical_bytes("\n".join(texts).encode())
    return {
        "sentences": len(texts), "characters": chars,
        "model_bpc": total_bits / chars, "model_stream_bpc": stream_bits / chars,
        "model_bpc_without_end": (total_bits - end_bits) / chars,
        "gzip_bpc_each": gz / chars, "xz_bpc_each": xz / chars,
        "gzip_bpc_joined": 8 * joined["gzip"] / chars, "xz_bpc_joined": 8 * joined["xz"] / chars,
    }


def prose(learner, name: str, data: bytes) -> dict:
    t0 = time.perf_counter()
    cost = code_file(learner, data)
    seconds = time.perf_counter() - t0
    c = classical_bytes(data)
    return {"text": name, "bytes": len(data), "model_bpb": cost.stream_bits / len(data),
            "gzip_bpb": 8 * c["gzip"] / len(data), "xz_bpb": 8 * c["xz"] / len(data),
            "bzip2_bpb": 8 * c["bzip2"] / len(data), "seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default="english")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--no-tui", action="store_true", help="skip the explorer timings")
    args = ap.parse_args()
    learner = load_learner(args.checkpoint)
    texts = [t for t in (HERE / "data/sentences.txt").read_text().splitlines() if t.strip()]
    out = {}
    row = sentences(learner, texts)
    emit("English sentences written for the benchmark, each coded alone (bits per character)",
         [row], None)
    out["sentences"] = row
    rows = [prose(learner, "prose.txt (written for the benchmark)",
                  (HERE / "data/prose.txt").read_bytes())]
    gpl = Path("/usr/share/common-licenses/GPL-3")
    if gpl.is_file():
        rows.append(prose(learner, "GPL-3 (Debian common-licenses)", gpl.read_bytes()))
    emit("unseen prose through the frozen model, in windows of its context", rows, None)
    out["prose"] = rows
    state_path = resolve_checkpoint(args.checkpoint)
    import torch

    record = json.loads(torch.load(state_path, map_location="cpu", weights_only=True)
                        .get("pretraining", "{}") or "{}")
    runs = []  # the run that made it, then the ones it started from (--init), oldest first
    while record:
        runs.insert(0, {"run": len(runs), "device": record.get("device"),
                        "minutes": record.get("minutes"), "steps": record.get("steps"),
                        "bytes_seen": record.get("bytes_seen"),
                        "corpus_files": len(record.get("corpus", {}).get("files", [])),
                        "held_out_bits_per_byte": record.get("held_out_bits_per_byte")})
        record = (record.get("initialised_from") or {}).get("record") or {}
    for i, r in enumerate(runs, start=1):
        r["run"] = i
    total = {"run": "all", "device": ", ".join(sorted({r["device"] for r in runs})),
             "minutes": sum(r["minutes"] or 0 for r in runs),
             "steps": sum(r["steps"] or 0 for r in runs),
             "bytes_seen": sum(r["bytes_seen"] or 0 for r in runs)}
    emit("the pretraining runs recorded in the checkpoint (each started from the one before)",
         runs + [total], None)
    out["pretraining"] = {"runs": runs, "total": total}
    if not args.no_tui:
        from tui import first_frame, step_times

        tui = {**first_frame(TUI_TEXT), **asyncio.run(step_times(TUI_TEXT))}
        tui["characters"] = len(TUI_TEXT)
        emit(f"explorer on a {len(TUI_TEXT)}-character text (English model, 160x48)", [tui], None)
        out["tui"] = tui
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
