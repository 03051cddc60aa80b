"""The `lmviz` command line. Imports nothing heavy at the top: the TUI must draw its first frame
before torch has finished importing, and `lmviz --help` must be instant.

Every mistake on the command line is one sentence and exit code 2; a failure while working (a
missing or corrupt file, a bad checkpoint) is one sentence and exit code 1; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import math
import signal
import sys
import threading

from .errors import USAGE_ERROR, UsageError, fail, user_message
from .tour import STEPS

TOUR_STEPS = len(STEPS)  # the tour's steps (app/tour.py)

SUBCOMMANDS = {
    "encode": "code one sequence with a frozen model and print every token's cost",
    "learn": "code a long stream while training (prequential) and compare with gzip, bzip2, xz",
    "train": "open the live training screen",
    "grok": "train a/b mod 97 to grokking (the live screen, or headless with --steps or --json)",
    "compress": "compress a file with a model that learns as it goes",
    "decompress": "restore a file made by lmviz compress, byte for byte",
    "pretrain": "pretrain a byte-level model on a corpus of text (the explorer's English model)",
    "tour": "a guided tour of the article, step by step (--export DIR: every step as an SVG)",
    "serve": "the app in a web browser, through textual-serve on 127.0.0.1",
    "inspect": "where the bits go: a file coded by lmviz compress's model, byte by byte",
    "scale": "bigger models draw lower loss curves: five sizes read the same English once",
}

# The module under lmviz.app.commands that runs each subcommand (imported only when it runs).
RUNNERS = {"encode": "encode", "learn": "learn", "train": "screens", "grok": "grok",
           "compress": "compress", "decompress": "compress", "pretrain": "pretrain",
           "tour": "screens", "serve": "serve", "inspect": "screens", "scale": "scale"}


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one sentence (no usage block) and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


# -- numbers, checked where they are read -----------------------------------------------------
def _number(kind, low=None, high=None, low_open=False, high_open=False, what: str = ""):
    """An argparse type: a finite ``kind`` within [low, high] (``*_open``: the bound excluded)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}")
        if (low is not None and (value <= low if low_open else value < low)) or (
                high is not None and (value >= high if high_open else value > high)):
            raise argparse.ArgumentTypeError(f"must be {what}, not {text}")
        return value

    return parse


positive_int = _number(int, 1, what="a whole number of at least 1")
natural_int = _number(int, 0, what="a whole number of at least 0")
positive_float = _number(float, 0.0, low_open=True, what="a number above 0")
port = _number(int, 1, 65535, what="a port number from 1 to 65535")
natural_float = _number(float, 0.0, what="a number of at least 0")
fraction = _number(float, 0.0, 1.0, low_open=True, high_open=True,
                   what="a number strictly between 0 and 1")
digits = _number(int, 1, 12, what="a whole number from 1 to 12")
threads = _number(int, 1, 256, what="a whole number from 1 to 256")
workers = _number(int, 1, 64, what="a whole number from 1 to 64")
tour_step = _number(int, 1, TOUR_STEPS, what=f"a step from 1 to {TOUR_STEPS}")
stream_bytes = _number(int, 4096, 64 << 20, what="a whole number of bytes from 4,096 to 67,108,864")
# Ranges this version can run, checked before any work (a seed is what numpy and torch take).
seed = _number(int, 0, 2**32 - 1, what="a whole number from 0 to 4,294,967,295")
learning_rate = _number(float, 0.0, 10.0, low_open=True, what="a number above 0 and at most 10")
sequences = _number(int, 1, 100_000_000, what="a whole number from 1 to 100,000,000")
learn_batch = _number(int, 1, 4096, what="a whole number from 1 to 4,096")
grok_steps = _number(int, 1, 1_000_000, what="a whole number from 1 to 1,000,000")
grok_width = _number(int, 4, 1024, what="a whole number from 4 to 1,024")
decay = _number(float, 0.0, 100.0, what="a number from 0 to 100")
eval_every = _number(int, 1, 100_000, what="a whole number from 1 to 100,000")
minutes = _number(float, 0.0, 10_080.0, low_open=True, what="a number of minutes above 0 and "
                  "at most 10,080 (a week)")
context = _number(int, 3, 1024, what="a whole number of bytes from 3 to 1,024")
pretrain_batch = _number(int, 1, 4096, what="a whole number from 1 to 4,096")
report_every = _number(float, 0.0, 86_400.0, low_open=True, what="a number of seconds above 0 "
                       "and at most 86,400")


def _epilog() -> str:
    lines = ["subcommands (lmviz SUBCOMMAND --help for each):"]
    lines += [f"  {name:<11} {text}" for name, text in SUBCOMMANDS.items()]
    lines += ["", "keys in the explorer: space next token, b bisection step, ? help, T the tour, q quit"]
    return "\n".join(lines)


def explorer_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="lmviz",
        description="Training an autoregressive model is lossless compression: step through it.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", nargs="?", help="sequence to open on (default: the article's example)")
    p.add_argument("--task", choices=["addition", "moddiv", "text", "binary"], default=None,
                   help="default: addition if TEXT is one (digits, + and =), else text")
    p.add_argument("--file", metavar="PATH", default=None,
                   help="open a UTF-8 text file instead of TEXT, up to 64 KiB (coded in windows "
                   "of the model's context; default: none)")
    p.add_argument("--checkpoint", default=None,
                   help="shipped name or path (default: the task's shipped pretrained model)")
    p.add_argument("--digits", type=digits, default=None,
                   help="operand digits, 1 to 12 (default: from TEXT, or 8)")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    return p


def subcommand_parser(name: str) -> argparse.ArgumentParser:
    p = Parser(prog=f"lmviz {name}", description=SUBCOMMANDS[name])
    if name == "encode":
        p.add_argument("text", nargs="?", help="for addition: 17282456+79546852=96829308; for "
                       "text: any text")
        p.add_argument("--task", choices=["addition", "text"], default="addition",
                       help="the task, and so the model (default addition)")
        p.add_argument("--file", metavar="PATH", help="with --task text: a whole file, coded in "
                       "windows of the model's context (default: TEXT instead)")
        p.add_argument("--checkpoint", default=None,
                       help="shipped name or path (default: the task's shipped model; 'none' for "
                       "untrained)")
        p.add_argument("--digits", type=digits, default=None,
                       help="digits of an untrained model, 1 to 12 (default: from TEXT, or 8)")
        p.add_argument("--json", action="store_true", help="print one JSON object")
    elif name == "learn":
        p.add_argument("task", choices=["addition"], help="the task to learn (addition)")
        p.add_argument("--digits", type=digits, default=8,
                       help="operand digits, 1 to 12 (default 8)")
        p.add_argument("--sequences", type=sequences, default=20_000,
                       help="sums in the stream, up to 100,000,000 (default 20,000)")
        p.add_argument("--model", choices=["transformer", "lstm"], default="transformer",
                       help="the model (default transformer)")
        p.add_argument("--size", choices=["tiny", "small", "medium"], default="small",
                       help="its size preset (default small)")
        p.add_argument("--batch", type=learn_batch, default=None,
                       help="sequences per update, up to 4,096 (default 16)")
        p.add_argument("--lr", type=learning_rate, default=None,
                       help="learning rate at the start (default 3e-3)")
        p.add_argument("--seed", type=seed, default=0,
                       help="seed of the model, part of the code (default 0)")
        p.add_argument("--data-seed", type=seed, default=1,
                       help="seed of the random sequences (default 1)")
        p.add_argument("--threads", type=threads, default=1,
                       help="torch threads, part of the code: Bob must use the same (default 1)")
        p.add_argument("--leading-zeros", action="store_true",
                       help="operands may start with 0 (default: they do not)")
        p.add_argument("--reverse", action="store_true", help="answer least significant digit first")
        p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
        p.add_argument("--save", metavar="PATH",
                       help="save the final model as a checkpoint (default: not saved)")
        p.add_argument("--force", action="store_true", help="overwrite an existing --save file")
    elif name == "train":
        p.add_argument("--digits", type=digits, default=4, help="operand digits, 1 to 12 (default 4)")
    elif name == "grok":
        p.add_argument("--steps", type=grok_steps, default=None,
                       help="run headless for at most this many steps, up to 1,000,000 (default: "
                       "until it has grokked, at most 5,000)")
        p.add_argument("--json", action="store_true", help="run headless and print one JSON object")
        p.add_argument("--save", metavar="PATH",
                       help="save the recorded run as JSON (default: not saved)")
        p.add_argument("--force", action="store_true", help="overwrite an existing --save file")
        p.add_argument("--seed", type=seed, default=None, help="seed of the weights and the "
                       "split (default 0)")
        p.add_argument("--fraction", type=fraction, default=None,
                       help="share of the table trained on (default 0.4)")
        p.add_argument("--weight-decay", type=decay, default=None,
                       help="AdamW weight decay, 0 to 100 (default 1.0)")
        p.add_argument("--width", type=grok_width, default=None,
                       help="model width, a multiple of the 4 heads up to 1,024 (default 128)")
        p.add_argument("--lr", type=learning_rate, default=None,
                       help="learning rate (default 2e-3)")
        p.add_argument("--grokfast", type=decay, default=None,
                       help="Grokfast-EMA strength, 0 to 100 (default 0: off)")
        p.add_argument("--eval-every", type=eval_every, default=None,
                       help="validation every N steps (default 5)")
        p.add_argument("--stop-after-grok", action="store_true",
                       help="with --steps: stop early once it has grokked (the screen's rule)")
    elif name == "pretrain":
        p.add_argument("task", choices=["text"])
        p.add_argument("--corpus", required=True, metavar="DIR",
                       help="a folder of .txt files (blank lines separate documents)")
        p.add_argument("--minutes", type=minutes, required=True,
                       help="training time budget (resumed runs count their earlier time)")
        p.add_argument("--save", required=True, metavar="PATH",
                       help="the checkpoint (and PATH.resume for resuming)")
        p.add_argument("--resume", action="store_true", help="continue from --save")
        p.add_argument("--init", metavar="CHECKPOINT", default=None,
                       help="start from this pretrained checkpoint's weights, same size and context "
                       "(default: fresh weights)")
        p.add_argument("--force", action="store_true", help="overwrite an existing --save")
        p.add_argument("--device", choices=["cpu", "cuda"], default=None,
                       help="where to train (default cpu)")
        p.add_argument("--threads", type=threads, default=None,
                       help="torch threads on the CPU (default 2)")
        p.add_argument("--size", choices=["small", "medium", "english", "english-large"],
                       default=None, help="transformer preset (default english-large: 4 layers, "
                       "width 256)")
        p.add_argument("--half", action="store_true",
                       help="save the final weights in 16 bits (half the file; loads exactly)")
        p.add_argument("--context", type=context, default=None,
                       help="bytes the model sees, 3 to 1,024 (default 256)")
        p.add_argument("--batch", type=pretrain_batch, default=None,
                       help="windows per step over all processes, up to 4,096 (default 32)")
        p.add_argument("--lr", type=learning_rate, default=None,
                       help="AdamW peak learning rate (default 2e-3)")
        p.add_argument("--seed", type=seed, default=None,
                       help="seed of the weights and the windows (default 0)")
        p.add_argument("--report-every", type=report_every, default=30.0,
                       help="seconds between evaluations and saves (default 30)")
        p.add_argument("--json", action="store_true", help="print the final record as JSON")
    elif name == "tour":
        p.add_argument("--step", type=tour_step, default=1, help=f"the step to open on, 1 to {TOUR_STEPS} (default 1)")
        p.add_argument("--export", metavar="DIR",
                       help="write every step as an SVG into DIR (made if missing) and exit "
                       "(default: open the tour)")
        p.add_argument("--force", action="store_true", help="with --export: replace SVGs in DIR")
    elif name == "serve":
        p.add_argument("--port", type=port, default=8000, help="port on 127.0.0.1 (default 8000)")
        p.add_argument("--open", choices=["tour", "explorer", "train", "grok", "scale"], default="tour",
                       help="what each browser tab starts on (default: the tour)")
    elif name == "inspect":
        p.add_argument("file", help="the file to inspect (up to 2 MB)")
        p.add_argument("--model", metavar="NAME|PATH", default=None,
                       help="with a pretrained byte model mixed in, as `lmviz compress --model` "
                       "(english, english-small or a checkpoint; default: none)")
    elif name == "scale":
        p.add_argument("--json", action="store_true",
                       help="print the recording's figures as JSON instead of the screen")
        p.add_argument("--live", action="store_true",
                       help="with --json: race the three smallest sizes now, headless (about a "
                       "minute)")
        p.add_argument("--recording", metavar="PATH", default=None,
                       help="replay this recording (default: the shipped assets/scale_english.json)")
        p.add_argument("--record", metavar="PATH", default=None,
                       help="make a recording: sweep each size's learning rate, race them, save "
                       "(default: replay)")
        p.add_argument("--corpus", metavar="DIR", default=None,
                       help="with --record: a folder of .txt files, lmviz pretrain's corpus "
                       "(default: none; --record needs it)")
        p.add_argument("--sizes", default=None, help="with --record: comma-separated sizes "
                       "(default: scale-1 to scale-5)")
        p.add_argument("--stream-bytes", type=stream_bytes, default=2 << 20,
                       help="with --record: bytes every size reads (default 2 MiB)")
        p.add_argument("--sweep-bytes", type=stream_bytes, default=1 << 20,
                       help="with --record: bytes of each learning-rate trial (default 1 MiB)")
        p.add_argument("--held-out-bytes", type=stream_bytes, default=64 << 10,
                       help="with --record: held-out bytes the final weights code (default 64 KiB)")
        p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                       help="with --record: where to train (default cpu)")
        p.add_argument("--sweep-from", metavar="PATH", default=None,
                       help="with --record: reuse the sweep scores of an earlier recording of the "
                       "same corpus and settings, a sweep being deterministic (default: sweep anew)")
        p.add_argument("--force", action="store_true", help="overwrite an existing --record file")
    elif name in ("compress", "decompress"):
        p.add_argument("input", help="input file, or - for stdin")
        p.add_argument("output", help="output file, or - for stdout")
        p.add_argument("--force", action="store_true", help="overwrite an existing output")
        p.add_argument("--json", action="store_true", help="print a summary as JSON")
        p.add_argument("--workers", type=workers, default=None,
                       help="threads coding an input of more than one 8 MiB block in parallel, "
                       "one per lane: 1 codes the lanes in turn, 2 or more use two (the output "
                       "is the same for any number; default: the CPUs)")
        if name == "compress":
            p.add_argument("--model", metavar="NAME|PATH", default=None,
                           help="mix in a pretrained byte model on text: english (shipped) or a "
                           "checkpoint; about 40x slower, much smaller on English (default: none)")
        else:
            p.add_argument("--model", metavar="PATH", default=None,
                           help="the model a file was compressed with, if lmviz does not ship it "
                           "(default: the one its header names)")
    return p


def _terminated(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """The command line. SIGTERM (kill, a scheduler's stop, torchrun stopping a rank) ends a
    command as Ctrl-C does, through its cleanup: a temporary output removed, lanes stopped,
    exit 143 (by default the process died at once and left its temporary output)."""
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            name = argv[0]
            args = subcommand_parser(name).parse_args(argv[1:])
            module = importlib.import_module(f"lmviz.app.commands.{RUNNERS[name]}")
            return module.run(name, args)
        args = explorer_parser().parse_args(argv)
        if args.version:
            from importlib.metadata import version

            print(f"lmviz {version('lmviz')}")
            return 0
        from .commands.screens import run

        return run("explorer", args)
    except UsageError as exc:
        return fail(str(exc), USAGE_ERROR)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except Exception as exc:  # one sentence, never a traceback, for anything a user can cause
        msg = user_message(exc)
        if msg is None:
            raise
        return fail(msg, 1)


if __name__ == "__main__":
    sys.exit(main())
