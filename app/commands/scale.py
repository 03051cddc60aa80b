"""`lmviz scale`: bigger models draw lower loss curves. The screen replays the recording (live
race a key away); `--json` prints the recording's figures, `--live --json` races the small sizes
headless, and `--record PATH --corpus DIR` makes a recording (how assets/scale_english.json was
made)."""

from __future__ import annotations

import json
import shlex
import sys

from lmviz.core.files import check_output
from lmviz.core.learning.config import SCALE_FAMILY, TRANSFORMER_SIZES
from lmviz.core.learning.scale_records import load_recording, shipped_recording_path

from ..errors import UsageError

MAX_STREAM_BYTES = 64 << 20  # --stream-bytes is refused above this before any work


def sizes_of(text: str | None) -> tuple[str, ...]:
    if text is None:
        return SCALE_FAMILY
    names = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in names if s not in TRANSFORMER_SIZES or not s.startswith("scale-")]
    if unknown:
        raise UsageError(f"unknown size {unknown[0]!r}: choose from {', '.join(SCALE_FAMILY)}")
    if len(set(names)) < 2:
        raise UsageError("--sizes needs at least two different sizes to compare")
    order = {s: i for i, s in enumerate(SCALE_FAMILY)}
    return tuple(sorted(set(names), key=order.get))


def summary(rec) -> dict:
    """The figures of a recording: per size, and where each curve crosses the next."""
    seen = int(rec.bytes_seen[-1])
    out = {"stream_bytes": seen, "held_out_chars": rec.held_out_chars, "device": rec.device,
           "command": rec.command, "sizes": [], "crossings": [], "break_even_chars": []}
    for i, s in enumerate(rec.sizes):
        out["sizes"].append({
            "name": s.name, "shape": list(s.shape), "parameters": s.parameters, "lr": s.lr,
            "code_bits": s.code_bits, "message_bits": float(rec.message(i)[-1]),
            "bits_per_byte": float(rec.message(i)[-1]) / seen,
            "final_loss_bits_per_byte": float(rec.loss(i)[-8:].mean()),
            "held_out_bits_per_char": rec.held_out_rate(i), "weight_bits": s.weight_bits,
            "seconds": s.seconds})
    for c in rec.crossings():
        out["crossings"].append(c.__dict__)
    for i in range(len(rec.sizes) - 1):
        out["break_even_chars"].append(rec.break_even(i))
    return out


def run(name: str, args) -> int:
    if args.record:
        return record(args)
    if args.live:
        if not args.json:
            raise UsageError("--live without --json is the screen: run `lmviz scale` and press l")
        return live_headless(args)
    rec = load_recording(args.recording or shipped_recording_path())
    from .screens import in_browser, require_terminal

    if args.json or not (sys.stdout.isatty() or in_browser()):
        print(json.dumps(summary(rec), indent=1))
        return 0
    require_terminal("lmviz scale", "lmviz scale --json")
    from ..main import LmvizApp

    app = LmvizApp(screen="scale", scale_recording=args.recording)
    app.run()
    return app.return_code or 0


def record(args) -> int:
    if not args.corpus:
        raise UsageError("--record needs --corpus DIR, the English text the sizes read")
    sizes = sizes_of(args.sizes)
    if args.stream_bytes > MAX_STREAM_BYTES:
        raise UsageError(f"--stream-bytes is at most {MAX_STREAM_BYTES:,} in this version")
    check_output(args.record, args.force)
    from ..jobs.scaling import record_to

    err = sys.stderr
    command = "lmviz scale " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    rec, stream_path = record_to(args.record, args.corpus, sizes, args.stream_bytes,
                                 args.sweep_bytes, args.held_out_bytes, command, args.device,
                                 args.force, report=lambda line: print(line, file=err, flush=True),
                                 sweep_from=args.sweep_from)
    print(json.dumps(summary(rec), indent=1) if args.json else
          f"saved {args.record} and {stream_path}")
    return 0


def live_headless(args) -> int:
    from ..jobs.events import ScaleChunk
    from ..jobs.scaling import LiveRaceJob
    from .output import progress_bar

    job = LiveRaceJob(args.recording)
    with progress_bar("live race", transient=True) as bar:  # on stderr, where it is a terminal
        task = bar.add_task("race", total=len(job.tokens) - 1)

        def emit(event) -> None:
            if isinstance(event, ScaleChunk):
                bar.update(task, completed=event.bytes_seen)

        job.run(emit, cancelled=lambda: False)
    print(json.dumps(job.result(), indent=1))
    return 0
