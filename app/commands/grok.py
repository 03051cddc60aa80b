"""`lmviz grok`: the grokking screen on a terminal; headless with --steps or --json, or when
stdout is not a terminal."""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import replace

from lmviz.core.files import check_output
from lmviz.core.grokking.records import GrokConfig, crossings, save_run
from rich.progress import TextColumn

from ..errors import UsageError
from ..jobs.events import GrokBatch
from ..jobs.settings import DEFAULT_GROK
from .output import progress_bar, stdout_console

# Without --steps a headless run goes until it has grokked (the screen's rule), or this many
# steps: the defaults grok in about 540 (benchmarks/grok.py).
DEFAULT_MAX_STEPS = 5_000


def grok_config(args) -> GrokConfig:
    changes = {}
    for flag, name in (("seed", "seed"), ("fraction", "train_fraction"),
                       ("weight_decay", "weight_decay"), ("width", "width"), ("lr", "lr"),
                       ("grokfast", "grokfast"), ("eval_every", "eval_every")):
        v = getattr(args, flag, None)
        if v is not None:
            changes[name] = v
    config = replace(DEFAULT_GROK, **changes)
    pairs = config.p * (config.p - 1)
    train = round(config.train_fraction * pairs)
    if not 1 <= train <= pairs - 1:
        raise UsageError(f"--fraction {config.train_fraction} leaves {'no' if train < 1 else 'all'} "
                         f"of the {pairs:,} equations for training and "
                         f"{'all' if train < 1 else 'none'} for validation: give a fraction "
                         "that keeps some of each")
    if config.width % config.heads:
        raise UsageError(f"--width must be a multiple of the {config.heads} attention heads, "
                         f"not {config.width}")
    return config


def run(name: str, args) -> int:
    config = grok_config(args)
    from .screens import in_browser

    headless = (args.steps is not None or args.json or args.save
                or not (sys.stdout.isatty() or in_browser()))
    if not headless:
        from ..main import LmvizApp
        from .screens import require_terminal

        require_terminal("lmviz grok", "lmviz grok --json")
        app = LmvizApp(screen="grok", grok=config)
        app.run()
        return app.return_code or 0
    if args.save:
        check_output(args.save, args.force)
    from ..jobs.grokking import GrokJob  # torch

    max_steps = args.steps or DEFAULT_MAX_STEPS
    job = GrokJob(config, max_steps=max_steps,
                  stop_when_grokked=args.steps is None or args.stop_after_grok, post_interval=0.1)
    with progress_bar("grokking", TextColumn("step {task.completed:,}"),
                      TextColumn("{task.fields[acc]}"), transient=args.json) as bar:
        task = bar.add_task("grok", total=max_steps, acc="")

        def emit(event) -> None:
            if isinstance(event, GrokBatch) and event.records:
                r = event.records[-1]
                bar.update(task, completed=r.step,
                           acc=f"train {r.train_acc:.1%} · validation {r.val_acc:.1%}")

        job.run(emit, cancelled=lambda: False)
    records = job.records
    result = crossings(records)
    result.update(steps=records[-1].step, seconds=records[-1].seconds,
                  final_train_acc=records[-1].train_acc, final_val_acc=records[-1].val_acc,
                  config=json.loads(config.to_json()))
    if args.save:
        command = "lmviz grok " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        save_run(args.save, config, records, command, force=args.force)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    con = stdout_console()
    con.print(f"{result['steps']:,} steps in {result['seconds']:.1f} s; final train accuracy "
              f"{result['final_train_acc']:.1%}, validation {result['final_val_acc']:.1%}")
    for key, label in (("train", "train"), ("val", "validation")):
        s, t = result[f"{key}99_step"], result[f"{key}99_seconds"]
        con.print(f"{label} accuracy reached 99% at step {s:,} ({t:.1f} s)" if s else
                  f"{label} accuracy did not reach 99%")
    if args.save:
        con.print(f"saved {args.save}")
    return 0
