"""Headless subcommands: rich tables on a terminal, one JSON object with --json."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from .errors import UsageError


def user_message(exc: BaseException) -> str | None:
    """The one sentence a user sees for an error they can cause; None for a real bug."""
    from lmviz.core.checkpoints import CheckpointError
    from lmviz.core.tasks import TaskError

    if isinstance(exc, TaskError | CheckpointError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename}: no such file"
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename}: is a directory"
    if isinstance(exc, PermissionError):
        return f"{exc.filename}: permission denied"
    if isinstance(exc, OSError):
        return f"{exc.filename or 'file'}: {exc.strerror or exc}"
    try:
        from lmviz.core.container import ContainerError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, ContainerError):
        return str(exc)
    return None


def _stdout_console() -> Console:
    return Console(highlight=False)


def _stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


# ----------------------------------------------------------------------------------------------
# encode


def encode_sequence(text: str, checkpoint: str | None, digits: int | None):
    """Code one sequence with a frozen model; returns (learner, steps, stream bits)."""
    from lmviz.core.checkpoints import DEFAULT_CHECKPOINT, load_learner
    from lmviz.core.online import LearnerConfig, OnlineLearner
    from lmviz.core.session import EncodeSession
    from lmviz.core.tasks import AdditionTask, addition_digits_of

    if checkpoint in (None, "") and digits is not None and digits != 8:
        checkpoint = "none"
    if checkpoint == "none":
        d = digits or addition_digits_of(text) or 8
        learner = OnlineLearner(LearnerConfig(task=AdditionTask(digits=d).spec()))
    else:
        learner = load_learner(checkpoint or DEFAULT_CHECKPOINT)
    seq = learner.task.parse(text)
    session = EncodeSession(learner, train=False)
    steps = list(session.steps([seq]))
    bits = session.finish()
    return learner, steps, bits


def encode_report(learner, steps, bits) -> dict:
    tot = steps[-1].totals
    return {
        "text": learner.task.decode_tokens([learner.task.START] + [s.symbol for s in steps]),
        "tokens": [
            {
                "position": s.position,
                "symbol": s.text,
                "p": s.q,
                "bits": s.bits,
                "bisection_bits": len(s.bisection.bits),
                "optimistic_bits": s.bisection.optimistic_bits,
                "header_bits": s.header_code_bits,
                "aleatoric_bits": s.aleatoric_bits,
                "epistemic_bits": s.epistemic_bits,
                "true_p": None if s.true_probs is None else float(s.true_probs[s.symbol]),
            }
            for s in steps
        ],
        "totals": {
            "ideal_bits": tot.ideal_bits,
            "bisection_bits": tot.bisection_bits,
            "header_bits": tot.header_bits,
            "stream_bits": len(bits),
            "raw_bits": tot.raw_bits,
            "floor_bits": tot.floor_bits,
            "expected_bits": tot.expected_bits,
            "config_bits": tot.config_bits,
        },
        "model": {"parameters": learner.parameter_count, "config": json.loads(learner.config.to_json())},
    }


def run_encode(args) -> int:
    from lmviz.core.tasks import TaskError

    try:
        learner, steps, bits = encode_sequence(args.text, args.checkpoint, args.digits)
    except TaskError as exc:
        raise UsageError(str(exc)) from None
    report = encode_report(learner, steps, bits)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    con = _stdout_console()
    table = Table(title=f"{report['text']}  ({learner.parameter_count:,} parameters)")
    for col in ("pos", "tok", "p", "-log2 p", "bisect", "aleatoric", "epistemic"):
        table.add_column(col, justify="right")
    for t in report["tokens"]:
        table.add_row(
            str(t["position"]), t["symbol"], f"{t['p']:.4f}", f"{t['bits']:.3f}",
            str(t["bisection_bits"]), f"{t['aleatoric_bits']:.3f}", f"{t['epistemic_bits']:.3f}",
        )
    con.print(table)
    tot = report["totals"]
    raw = tot["raw_bits"]
    summary = Table(title="totals for this sequence (bits)")
    summary.add_column("code")
    summary.add_column("bits", justify="right")
    summary.add_column("of raw", justify="right")
    rows = [
        ("floor (aleatoric, the generator's entropy)", tot["floor_bits"]),
        ("ideal: sum of -log2 p", tot["ideal_bits"]),
        ("bisection per token (the article)", tot["bisection_bits"]),
        ("per token with a length header (the notebook)", tot["header_bits"]),
        ("streaming arithmetic coder", tot["stream_bits"]),
        ("raw: 8 bits per token", raw),
    ]
    for name, v in rows:
        summary.add_row(name, f"{v:.2f}", f"{v / raw:.1%}")
    con.print(summary)
    con.print(f"[dim]Plus the training code f (the learner's JSON config), sent once: "
              f"{tot['config_bits']} bits.[/dim]")
    return 0


# ----------------------------------------------------------------------------------------------
# learn


def run_learn(args) -> int:
    from lmviz.core.learn import classical_bits, learn_stream
    from lmviz.core.online import LearnerConfig
    from lmviz.core.tasks import AdditionTask
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    if args.sequences < 1:
        raise UsageError("--sequences must be at least 1")
    task = AdditionTask(digits=args.digits, leading_zeros=args.leading_zeros,
                        reverse_answer=args.reverse)
    changes = {}
    if args.batch:
        changes["batch_size"] = args.batch
    if args.lr:
        changes["lr"] = args.lr
    config = LearnerConfig(task=task.spec(), model=args.model, size=args.size, seed=args.seed,
                           threads=args.threads, **changes)
    from lmviz.core.online import OnlineLearner

    learner = OnlineLearner(config)
    err = _stderr_console()
    text = bytearray()
    last = None
    with Progress(
        TextColumn("[bold]learning"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} seq"),
        TextColumn("{task.fields[bits]}"), TimeRemainingColumn(), console=err,
        disable=args.json and not err.is_terminal,
    ) as bar:
        job = bar.add_task("learn", total=args.sequences, bits="")
        for prog, new_text in learn_stream(config, args.sequences, args.data_seed, learner=learner):
            text += new_text
            last = prog
            bar.update(job, completed=prog.sequences,
                       bits=f"{prog.cumulative_bits_per_sequence:.1f} bits/seq")
    base = {k: v / last.sequences for k, v in classical_bits(bytes(text)).items()}
    if args.save:
        learner.save(args.save)
    report = {
        "sequences": last.sequences,
        "seconds": last.seconds,
        "sequences_per_second": last.sequences / last.seconds,
        "cumulative_bits_per_sequence": last.cumulative_bits_per_sequence,
        "ideal_bits": last.ideal_bits,
        "stream_bits": last.stream_bits,
        "config_bits": last.config_bits,
        "floor_bits_per_sequence": last.floor_bits_per_sequence,
        "baselines": base,
        "recent_position_bits": dict(zip(last.position_labels, map(float, last.position_bits))),
        "parameters": learner.parameter_count,
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    con = _stdout_console()
    t = Table(title=f"{last.sequences:,} sequences in {last.seconds:.1f} s "
                    f"({report['sequences_per_second']:,.0f}/s)")
    t.add_column("code")
    t.add_column("bits per sequence", justify="right")
    t.add_row("model, prequential (config included)", f"{last.cumulative_bits_per_sequence:.2f}")
    for k, label in (("gzip", "gzip -9"), ("bzip2", "bzip2 -9"), ("xz", "xz -9e")):
        t.add_row(label, f"{base[k]:.2f}")
    t.add_row("floor (generator entropy)", f"{last.floor_bits_per_sequence:.2f}")
    con.print(t)
    p = Table(title="recent bits per position")
    for lab in last.position_labels:
        p.add_column(lab, justify="right")
    p.add_row(*(f"{b:.2f}" for b in last.position_bits))
    con.print(p)
    if args.save:
        con.print(f"saved {args.save}")
    return 0


# ----------------------------------------------------------------------------------------------
# train / grok / compress: filled in by their own modules


def run_train(args) -> int:
    from .main import run_app

    return run_app(screen="train", digits=args.digits)


def run_grok(args) -> int:
    from .grok_cli import run_grok_cli

    return run_grok_cli(args)


def run_compress(args) -> int:
    from .compress_cli import run_compress_cli

    return run_compress_cli(args, decompress=False)


def run_decompress(args) -> int:
    from .compress_cli import run_compress_cli

    return run_compress_cli(args, decompress=True)
