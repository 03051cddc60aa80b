"""Scaling: bigger models send shorter messages, and the shipped English model.

    python benchmarks/scaling.py [--book PATH] [--checkpoint english] [--json PATH] [--no-tui]

Targets (issue 23), each a row with its figure:
* the recording (assets/scale_english.json): at the end of the stream each size's whole message
  (code f + Σ -log2 p) is below the next smaller size's; held-out bits a character fall with size;
* the shipped English model: at most 1.7 bits a character on benchmarks/data/sentences.txt, and
  below xz -9e, frozen, on an English book outside its corpus (`--book`, made by
  benchmarks/held_out_book.py; marked missing without it);
* `lmviz scale` draws its first frame in under 1 s; during the live race a key's frame comes in
  under 50 ms at the 95th percentile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import lzma
import time
from pathlib import Path

from _keys import key_times, summary
from _table import emit
from language import sentences

HERE = Path(__file__).resolve().parent

def recording_rows() -> list[dict]:
    from lmviz.core.learning.scale_records import load_recording, shipped_recording_path

    rec = load_recording(shipped_recording_path())
    seen = int(rec.bytes_seen[-1])
    rows = []
    for i, s in enumerate(rec.sizes):
        msg = float(rec.message(i)[-1])
        smaller = float(rec.message(i - 1)[-1]) if i else None
        held = rec.held_out_rate(i)
        rows.append({"size": s.name, "parameters": s.parameters, "lr": f"{s.lr:g}",
                     "message_bits": msg, "bits_per_byte": msg / seen,
                     "held_out_bpc": held, "seconds": s.seconds,
                     "below_smaller": None if smaller is None else msg < smaller,
                     "held_out_below_smaller": None if not i else held < rec.held_out_rate(i - 1)})
    return rows


def book_row(learner, path: Path) -> dict:
    from lmviz.core.learning.windows import code_file

    data = path.read_bytes()
    t = time.perf_counter()
    cost = code_file(learner, data)
    xz = len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    return {"book": path.name, "bytes": len(data), "model_bpb": cost.ideal_bits / len(data),
            "xz_bpb": 8 * xz / len(data), "below_xz": cost.ideal_bits < 8 * xz,
            "seconds": time.perf_counter() - t}


async def live_keys(presses: int = 40) -> dict:
    """Key press to the end of the frame that shows it, while the live race trains."""
    from lmviz.app.main import LmvizApp

    app = LmvizApp(screen="scale")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        await pilot.press("l")
        t0 = time.perf_counter()
        while not screen.live and time.perf_counter() - t0 < 60:
            await pilot.pause(0.05)
        before = sum(len(v) for v in screen.live.values())
        started = time.perf_counter()
        times = await key_times(pilot, screen, "w", presses, 0.06)
        during = sum(len(v) for v in screen.live.values()) - before
        seconds = time.perf_counter() - started
    return {**summary(times, "key"), "frames": len(times), "seconds": seconds,
            "race_chunks_meanwhile": during}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default="english")
    ap.add_argument("--book", metavar="PATH", help="the held-out book (held_out_book.py)")
    ap.add_argument("--no-tui", action="store_true")
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args()
    rows = recording_rows()
    emit("the recording: every size reads the same English once (assets/scale_english.json)",
         rows, None)
    from lmviz.core.learning.checkpoints import load_learner

    learner = load_learner(args.checkpoint)
    texts = [t for t in (HERE / "data/sentences.txt").read_text().splitlines() if t.strip()]
    s = sentences(learner, texts)
    model = {"checkpoint": args.checkpoint, "parameters": learner.parameter_count,
             "sentences_bpc": s["model_bpc"], "target_1.7": s["model_bpc"] <= 1.7,
             "xz_each_bpc": s["xz_bpc_each"]}
    if args.book:
        model.update(book_row(learner, Path(args.book)))
    else:
        model["book"] = "missing (python benchmarks/held_out_book.py PATH, then --book PATH)"
    emit("\nthe English model", [model], None)
    tui = {}
    if not args.no_tui:
        from tui import first_frame

        tui = {**first_frame(screen="scale"), **asyncio.run(live_keys())}
        emit("\nlmviz scale: first frame and keys during the live race (160x48)", [tui], None)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"recording": rows, "model": model, "tui": tui}, f, indent=1)


if __name__ == "__main__":
    main()
