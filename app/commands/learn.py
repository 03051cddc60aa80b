"""`lmviz learn addition`: the prequential stream at full speed, beside gzip, bzip2 and xz."""

from __future__ import annotations

import json

from lmviz.core.baselines import BASELINES
from lmviz.core.files import check_output
from lmviz.core.learning.config import LearnerConfig
from lmviz.core.tasks import AdditionTask
from rich.progress import TextColumn
from rich.table import Table

from ..jobs.events import LearnResult
from ..jobs.training import LearnJob
from .output import progress_bar, stdout_console


def run(name: str, args) -> int:
    if args.save:  # before the work: a bad path fails now, not after minutes of training
        check_output(args.save, args.force)
    task = AdditionTask(digits=args.digits, leading_zeros=args.leading_zeros,
                        reverse_answer=args.reverse)
    changes = {}
    if args.batch is not None:
        changes["batch_size"] = args.batch
    if args.lr is not None:
        changes["lr"] = args.lr
    config = LearnerConfig(task=task.spec(), model=args.model, size=args.size, seed=args.seed,
                           threads=args.threads, **changes)
    job = LearnJob(config, args.sequences, args.data_seed, args.save, args.force)
    results: list[LearnResult] = []
    with progress_bar("learning", TextColumn("{task.completed:,}/{task.total:,} seq"),
                      TextColumn("{task.fields[bits]}"), transient=args.json) as bar:
        task_id = bar.add_task("learn", total=args.sequences, bits="")

        def emit(event) -> None:
            if isinstance(event, LearnResult):
                results.append(event)
            else:
                bar.update(task_id, completed=event.sequences,
                           bits=f"{event.cumulative_bits_per_sequence:.1f} bits/seq")

        job.run(emit, cancelled=lambda: False)
    last, base, parameters = results[0].last, results[0].baselines, results[0].parameters
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
        "parameters": parameters,
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    con = stdout_console()
    t = Table(title=f"{last.sequences:,} sequences in {last.seconds:.1f} s "
                    f"({report['sequences_per_second']:,.0f}/s)")
    t.add_column("code")
    t.add_column("bits per sequence", justify="right")
    t.add_row("model, prequential (config included)", f"{last.cumulative_bits_per_sequence:.2f}")
    for k, label in BASELINES.items():
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
