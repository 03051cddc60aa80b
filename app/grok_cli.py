"""`lmviz grok`: the grokking screen, or a headless run with --steps."""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import replace

from .errors import UsageError


def grok_config(args):
    from .screens.grok import DEFAULT_GROK

    c = DEFAULT_GROK
    changes = {}
    for flag, field in (("seed", "seed"), ("fraction", "train_fraction"),
                        ("weight_decay", "weight_decay"), ("width", "width"), ("lr", "lr"),
                        ("grokfast", "grokfast"), ("eval_every", "eval_every")):
        v = getattr(args, flag, None)
        if v is not None:
            changes[field] = v
    if "train_fraction" in changes and not 0 < changes["train_fraction"] < 1:
        raise UsageError("--fraction must lie strictly between 0 and 1")
    return replace(c, **changes)


def run_grok_cli(args) -> int:
    config = grok_config(args)
    if args.steps is None:
        from .main import LmvizApp

        app = LmvizApp(screen="grok")
        app.grok_config = config
        app.run()
        return 0
    if args.steps < 1:
        raise UsageError("--steps must be at least 1")
    from lmviz.core.grokking import GrokTrainer, crossings, save_run
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    err = Console(stderr=True)
    trainer = GrokTrainer(config)
    records = []
    with Progress(TextColumn("[bold]grokking"), BarColumn(), TextColumn("step {task.completed:,}"),
                  TextColumn("{task.fields[acc]}"), TimeRemainingColumn(), console=err,
                  disable=not err.is_terminal) as bar:
        job = bar.add_task("grok", total=args.steps, acc="")
        val99 = None
        for r in trainer.run(args.steps):
            records.append(r)
            if val99 is None and r.val_acc >= 0.99:
                val99 = r.step
            if args.stop_after_grok and val99 and r.step >= 1.1 * val99 + 10:
                break
            if r.step % 10 == 0 or r.step == args.steps:
                bar.update(job, completed=r.step,
                           acc=f"train {r.train_acc:.1%} · validation {r.val_acc:.1%}")
    result = crossings(records)
    result.update(steps=records[-1].step, seconds=records[-1].seconds,
                  final_train_acc=records[-1].train_acc, final_val_acc=records[-1].val_acc,
                  config=json.loads(config.to_json()))
    if args.save:
        command = "lmviz grok " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        save_run(args.save, config, records, command)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    con = Console(highlight=False)
    con.print(f"{result['steps']:,} steps in {result['seconds']:.1f} s; final train accuracy "
              f"{result['final_train_acc']:.1%}, validation {result['final_val_acc']:.1%}")
    for name in ("train", "val"):
        s, t = result[f"{name}99_step"], result[f"{name}99_seconds"]
        label = "train" if name == "train" else "validation"
        con.print(f"{label} accuracy reached 99% at step {s:,} ({t:.1f} s)" if s else
                  f"{label} accuracy did not reach 99%")
    if args.save:
        con.print(f"saved {args.save}")
    return 0
