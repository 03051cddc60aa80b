"""`lmviz encode`: one sequence (or, for text, a whole file) through a frozen model, with every
token's cost and the totals beside the classical compressors."""

from __future__ import annotations

import json
import time

from lmviz.core.baselines import classical_bytes
from lmviz.core.learning.config import CheckpointError
from lmviz.core.tasks import TaskError
from rich.markup import escape
from rich.progress import DownloadColumn, TransferSpeedColumn
from rich.table import Table

from ..errors import UsageError
from ..jobs.explorer import ExplorerJob, code_text_file, text_model
from ..jobs.settings import ExplorerRequest, ModelKind, default_kind
from .output import progress_bar, stdout_console

MAX_FILE_BYTES = 64 << 20  # a file is read into memory: refuse more than this


def encode_sequence(task: str, text: str, checkpoint: str | None, digits: int | None):
    """Code one sequence with a frozen model, through the explorer's own job; returns the job's
    `CodedSequence` and the learner that coded it."""
    request = ExplorerRequest(text=text, task=task, digits=digits,
                              checkpoint=None if checkpoint == "none" else checkpoint)
    job = ExplorerJob(request)
    if checkpoint and checkpoint != "none":
        # The checkpoint's own task is the task (an addition model of 4 digits, say): the job
        # codes with the learner's task; refuse only a model of another kind of sequence.
        own = job.learner(ModelKind.PRETRAINED).task
        if own.name != task:
            raise CheckpointError(f"{checkpoint} is a model of {own.label()}, not of {task}")
        kind = ModelKind.PRETRAINED
    else:
        kind = (ModelKind.UNTRAINED if checkpoint == "none"
                or default_kind(request) == ModelKind.UNTRAINED else ModelKind.PRETRAINED)
    coded = job.encode(text, kind)
    return job.learner(kind), coded


def encode_report(learner, coded) -> dict:
    steps, bits = coded.steps, coded.bits
    tot = steps[-1].totals
    report = {
        "text": coded.text,
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
            # Bob needs a pretrained model's weights too: 32 bits a parameter, sent once.
            "weights_bits": coded.model.weights_bits or 0,
        },
        "model": {"parameters": learner.parameter_count, "config": json.loads(learner.config.to_json())},
    }
    if coded.classical_bits is not None:
        report["bytes"] = len(coded.text.encode("utf-8"))
        report["totals"].update({f"{k}_bits": v for k, v in coded.classical_bits.items()})
    t = report["totals"]
    t["all_counted_bits"] = t["stream_bits"] + t["config_bits"] + t["weights_bits"]
    return report


def run_file(args) -> int:
    with open(args.file, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if not data:
        raise UsageError(f"{args.file} is empty: there is nothing to code")
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(f"{args.file} is over {MAX_FILE_BYTES >> 20} MB: code a part of it")
    learner, pretrained = text_model(args.checkpoint)
    t0 = time.perf_counter()
    with progress_bar("coding", DownloadColumn(), TransferSpeedColumn(), transient=args.json) as bar:
        job = bar.add_task("file", total=len(data))
        cost = code_text_file(learner, data, lambda done, total: bar.update(job, completed=done))
    seconds = time.perf_counter() - t0
    classical = classical_bytes(data)
    weights = 32 * learner.parameter_count if pretrained else 0
    report = {
        "file": args.file, "bytes": cost.bytes, "windows": cost.windows,
        "context": learner.task.context, "seconds": seconds,
        "totals": {"ideal_bits": cost.ideal_bits, "stream_bits": cost.stream_bits,
                   "raw_bits": 8 * cost.bytes, "config_bits": learner.config.size_bits,
                   "weights_bits": weights,
                   "all_counted_bits": cost.stream_bits + learner.config.size_bits + weights},
        "bits_per_byte": cost.stream_bits / cost.bytes,
        **{f"{k}_bytes": v for k, v in classical.items()},
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    con = stdout_console()
    table = Table(title=f"{escape(args.file)}: {cost.bytes:,} bytes in {cost.windows:,} windows of "
                        f"{learner.task.context} ({seconds:.1f} s)")
    table.add_column("code")
    table.add_column("bytes", justify="right")
    table.add_column("bits per byte", justify="right")
    rows = [("the model, streaming coder", cost.stream_bits / 8)]
    rows += [(name, v) for name, v in (("gzip -9", classical["gzip"]), ("bzip2 -9", classical["bzip2"]),
                                      ("xz -9e", classical["xz"]))]
    for name, size in rows:
        table.add_row(name, f"{size:,.0f}", f"{8 * size / cost.bytes:.3f}")
    con.print(table)
    con.print(f"[dim]Plus, once: the training code f ({learner.config.size_bits:,} bits)"
              + (f" and the weights ({weights:,} bits)" if weights else "") + ".[/dim]")
    return 0


def run(name: str, args) -> int:
    if args.file is not None:
        if args.task != "text":
            raise UsageError("--file codes text: add --task text")
        if args.text is not None:
            raise UsageError("give either TEXT or --file, not both")
        return run_file(args)
    if args.text is None:
        raise UsageError("give the TEXT to code (or, with --task text, --file PATH)")
    try:
        learner, coded = encode_sequence(args.task, args.text, args.checkpoint, args.digits)
    except TaskError as exc:
        raise UsageError(str(exc)) from None
    report = encode_report(learner, coded)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    con = stdout_console()
    table = Table(title=f"{escape(report['text'][:80])}  ({learner.parameter_count:,} parameters)")
    oracle = learner.task.has_oracle
    cols = ("pos", "tok", "p", "-log2 p", "bisect") + (("aleatoric", "epistemic") if oracle else ())
    for col in cols:
        table.add_column(col, justify="right")
    for t in report["tokens"]:
        row = [str(t["position"]), t["symbol"], f"{t['p']:.4f}", f"{t['bits']:.3f}",
               str(t["bisection_bits"])]
        if oracle:
            row += [f"{t['aleatoric_bits']:.3f}", f"{t['epistemic_bits']:.3f}"]
        table.add_row(*(escape(c) for c in row))
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
        ("gzip -9 of the same bytes", tot.get("gzip_bits")),
        ("xz -9e of the same bytes", tot.get("xz_bits")),
        ("raw: 8 bits per token", raw),
    ]
    for name, v in rows:
        if v is not None:
            summary.add_row(name, f"{v:.2f}", f"{v / raw:.1%}")
    con.print(summary)
    con.print(f"[dim]Plus, sent once: the training code f (the learner's JSON config), "
              f"{tot['config_bits']:,} bits"
              + (f", and the weights, {tot['weights_bits']:,} bits" if tot["weights_bits"] else "")
              + f"; all counted {tot['all_counted_bits']:,} bits.[/dim]")
    return 0
