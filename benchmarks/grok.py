"""Grokking: when do train and validation accuracy cross 99%, and how long does it take?

    python benchmarks/grok.py [--max-seconds 300] [--json PATH]

Target (issue 5): with the screen's default settings, validation accuracy >= 99% at least 5x the
steps after training accuracy, in under 90 s of wall time on this machine.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from _table import emit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lmviz.app.jobs.settings import DEFAULT_GROK  # noqa: E402
from lmviz.core.grokking.records import crossings  # noqa: E402
from lmviz.core.grokking.trainer import GrokTrainer  # noqa: E402


def run(config, max_seconds: float) -> dict:
    trainer = GrokTrainer(config)
    records = []
    for r in trainer.run(10**9):
        records.append(r)
        if r.val_acc >= 0.99 or r.seconds > max_seconds:
            break
    c = crossings(records)
    lag = c["val99_step"] / c["train99_step"] if c["val99_step"] and c["train99_step"] else None
    return {"width": config.width, "fraction": config.train_fraction, "wd": config.weight_decay,
            "lr": config.lr, "grokfast": config.grokfast, "seed": config.seed,
            "steps_per_s": records[-1].step / records[-1].seconds, **c, "lag": lag}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args()
    rows = [run(replace(DEFAULT_GROK, seed=s), args.max_seconds) for s in range(args.seeds)]
    emit("grokking a/b mod 97, default settings of the grok screen", rows, args.json)


if __name__ == "__main__":
    main()
