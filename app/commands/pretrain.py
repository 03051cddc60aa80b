"""`lmviz pretrain text`: pretrain a byte-level model on a corpus, resumably, with a progress bar."""

from __future__ import annotations

import json
from dataclasses import replace

from lmviz.core.files import check_output
from lmviz.core.learning.config import TRANSFORMER_SIZES, PretrainConfig
from rich.progress import TextColumn

from ..errors import UsageError
from ..jobs.events import PretrainDone, PretrainProgress
from ..jobs.pretraining import PretrainJob
from .output import progress_bar, stdout_console

MAX_ATTENTION_BYTES = 8 << 30  # what pretraining may take for attention scores


def run(name: str, args) -> int:
    if args.resume and args.init:
        raise UsageError("--init starts a new run and --resume continues one: give one of them")
    if not args.resume:
        check_output(args.save, args.force)
        check_output(f"{args.save}.resume", args.force)
    config = PretrainConfig()
    changes = {k: v for k, v in (("size", args.size), ("context", args.context),
                                 ("batch", args.batch), ("lr", args.lr), ("threads", args.threads),
                                 ("device", args.device), ("seed", args.seed)) if v is not None}
    config = replace(config, **changes)
    layers, heads, _width = TRANSFORMER_SIZES[config.size]
    # Attention keeps batch x heads x context^2 scores a layer, about three copies in training.
    need = 12 * config.batch * heads * layers * config.context**2
    if need > MAX_ATTENTION_BYTES:
        raise UsageError(f"--batch {config.batch} with --context {config.context} would need "
                         f"about {need / 2**30:,.0f} GB for attention alone (at most "
                         f"{MAX_ATTENTION_BYTES >> 30} GB): lower one of them")
    job = PretrainJob(config, args.corpus, args.minutes, args.save, resume=args.resume,
                      report_every=args.report_every, init=args.init, half=args.half)
    if job.trainer.rank != 0:  # under torchrun, rank 0 alone reports (and saves)
        job.run(lambda event: None, cancelled=lambda: False)
        return 0
    done: list[dict] = []
    with progress_bar("pretraining", TextColumn("{task.completed:.1f}/{task.total:.0f} min"),
                      TextColumn("{task.fields[bpb]}"), transient=args.json) as bar:
        task = bar.add_task("pretrain", total=args.minutes, completed=job.trainer.seconds / 60,
                            bpb="")

        def emit(event) -> None:
            if isinstance(event, PretrainProgress):
                r = event.row
                bar.update(task, completed=r["minutes"],
                           bpb=f"held-out {r['held_out_bpb']:.3f} bits/byte · "
                               f"{r['bytes_seen'] / 1e6:,.1f} MB seen")
            elif isinstance(event, PretrainDone):
                done.append(event.record)

        job.run(emit, cancelled=lambda: False)
    record = {k: v for k, v in done[-1].items() if k != "history"}
    if args.json:
        print(json.dumps(record, indent=1))
        return 0
    con = stdout_console()
    con.print(f"{record['parameters']:,} parameters, {record['minutes']:.1f} min on "
              f"{record['device']}, {record['bytes_seen']:,} bytes seen: held-out "
              f"{record['held_out_bits_per_byte']:.3f} bits per byte; saved {args.save}")
    return 0
