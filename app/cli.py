"""The `lmviz` command line. Imports nothing heavy at the top: the TUI must draw its first frame
before torch has finished importing, and `lmviz --help` must be instant."""

from __future__ import annotations

import argparse
import sys

from .errors import UsageError

SUBCOMMANDS = {
    "encode": "code one sequence with a frozen model and print every token's cost",
    "learn": "code a long stream while training (prequential) and compare with gzip, bzip2, xz",
    "train": "open the live training screen",
    "grok": "train a/b mod 97 to grokking (headless with --steps, else the live screen)",
    "compress": "compress a file with a model that learns as it goes",
    "decompress": "restore a file made by lmviz compress, byte for byte",
}

USAGE_ERROR = 2
RUNTIME_ERROR = 1


def _epilog() -> str:
    lines = ["subcommands (lmviz SUBCOMMAND --help for each):"]
    lines += [f"  {name:<11} {text}" for name, text in SUBCOMMANDS.items()]
    lines += ["", "keys in the explorer: space next token, b bisection step, ? help, q quit"]
    return "\n".join(lines)


def explorer_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lmviz",
        description="Training an autoregressive model is lossless compression: step through it.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", nargs="?", help="sequence to open on (default: the article's example)")
    p.add_argument("--task", choices=["addition", "moddiv", "text"], default="addition")
    p.add_argument("--checkpoint", default=None,
                   help="shipped name or path (default: the pretrained addition model)")
    p.add_argument("--digits", type=int, default=None, help="operand digits (default: from TEXT, or 8)")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    return p


def subcommand_parser(name: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"lmviz {name}", description=SUBCOMMANDS[name])
    if name == "encode":
        p.add_argument("text", help="for addition: 17282456+79546852=96829308")
        p.add_argument("--task", choices=["addition"], default="addition")
        p.add_argument("--checkpoint", default=None,
                       help="shipped name or path (default: addition8; 'none' for untrained)")
        p.add_argument("--digits", type=int, default=None, help="digits of an untrained model")
        p.add_argument("--json", action="store_true", help="print one JSON object")
    elif name == "learn":
        p.add_argument("task", choices=["addition"])
        p.add_argument("--digits", type=int, default=8)
        p.add_argument("--sequences", type=int, default=20_000)
        p.add_argument("--model", choices=["transformer", "lstm"], default="transformer")
        p.add_argument("--size", choices=["tiny", "small", "medium"], default="small")
        p.add_argument("--batch", type=int, default=None, help="sequences per update")
        p.add_argument("--lr", type=float, default=None)
        p.add_argument("--seed", type=int, default=0, help="seed of the model (part of the code)")
        p.add_argument("--data-seed", type=int, default=1, help="seed of the random sequences")
        p.add_argument("--threads", type=int, default=1,
                       help="torch threads (part of the code: Bob must use the same)")
        p.add_argument("--leading-zeros", action="store_true")
        p.add_argument("--reverse", action="store_true", help="answer least significant digit first")
        p.add_argument("--json", action="store_true")
        p.add_argument("--save", metavar="PATH", help="save the final model as a checkpoint")
    elif name == "train":
        p.add_argument("--digits", type=int, default=4)
    elif name == "grok":
        p.add_argument("--steps", type=int, default=None, help="run headless for this many steps")
        p.add_argument("--json", action="store_true")
        p.add_argument("--save", metavar="PATH", help="save the recorded run (JSON)")
        p.add_argument("--seed", type=int, default=None)
        p.add_argument("--fraction", type=float, default=None, help="training fraction")
        p.add_argument("--weight-decay", type=float, default=None)
        p.add_argument("--width", type=int, default=None, help="model width")
        p.add_argument("--lr", type=float, default=None)
        p.add_argument("--grokfast", type=float, default=None, help="Grokfast-EMA strength (0: off)")
        p.add_argument("--eval-every", type=int, default=None, help="validation every N steps")
        p.add_argument("--stop-after-grok", action="store_true",
                       help="stop once validation accuracy has held 99%% for 10%% more steps")
    elif name in ("compress", "decompress"):
        p.add_argument("input", help="input file, or - for stdin")
        p.add_argument("output", help="output file, or - for stdout")
        if name == "compress":
            p.add_argument("--model", choices=["transformer", "lstm"], default="lstm")
            p.add_argument("--size", choices=["small", "medium"], default="small")
            p.add_argument("--seed", type=int, default=0)
        p.add_argument("--force", action="store_true", help="overwrite an existing output")
        p.add_argument("--json", action="store_true", help="print a summary as JSON")
    return p


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"lmviz: {message}\n")
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            name = argv[0]
            args = subcommand_parser(name).parse_args(argv[1:])
            from . import commands

            return getattr(commands, f"run_{name}")(args)
        args = explorer_parser().parse_args(argv)
        if args.version:
            from importlib.metadata import version

            print(f"lmviz {version('lmviz')}")
            return 0
        from .main import run_explorer

        return run_explorer(args)
    except UsageError as exc:
        return _fail(str(exc), USAGE_ERROR)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # one sentence, never a traceback, for anything a user can cause
        from . import commands

        msg = commands.user_message(exc)
        if msg is None:
            raise
        return _fail(msg, RUNTIME_ERROR)


if __name__ == "__main__":
    sys.exit(main())
