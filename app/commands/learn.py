"""`lmviz learn addition`: the prequential stream at full speed, beside gzip, bzip2 and xz."""

from __future__ import annotations

import json

from lmviz.core.baselines import BASELINES, classical_bits
from lmviz.core.files import check_output
from lmviz.core.learning.config import LearnerConfig
from lmviz.core.learning.online import OnlineLearner
from lmviz.core.learning.stream import learn_stream
from lmviz.core.tasks import AdditionTask
from rich.progress import TextColumn
from rich.table import Table

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
    learner = OnlineLearner(config)
    text = bytearray()
    last = None
    with progress_bar("learning", TextColumn("{task.completed:,}/{task.total:,} seq"),
                      TextColumn("{task.fields[bits]}"), transient=args.json) as bar:
        job = bar.add_task("learn", total=args.sequences, bits="")
        for prog, new_text in learn_stream(config, args.sequences, args.data_seed, learner=learner):
            text += new_text
            last = prog
            bar.update(job, completed=prog.sequences,
                       bits=f"{prog.cumulative_bits_per_sequence:.1f} bits/seq")
    base = {k: v / last.sequences for k, v in classical_bits(bytes(text)).items()}
    if args.save:
        learner.save(args.save, force=args.force)
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
