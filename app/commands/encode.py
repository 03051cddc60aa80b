"""`lmviz encode TEXT`: one sequence through a frozen model, every token's cost."""

from __future__ import annotations

import json

from lmviz.core.learning.checkpoints import DEFAULT_CHECKPOINT, load_learner
from lmviz.core.learning.config import LearnerConfig
from lmviz.core.learning.online import OnlineLearner
from lmviz.core.learning.session import EncodeSession
from lmviz.core.tasks import AdditionTask, TaskError, addition_digits_of
from rich.table import Table

from ..errors import UsageError
from .output import stdout_console


def encode_sequence(text: str, checkpoint: str | None, digits: int | None):
    """Code one sequence with a frozen model; returns (learner, steps, stream bits)."""
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


def encode_report(learner, steps, bits, given=()) -> dict:
    tot = steps[-1].totals
    return {
        "text": learner.task.decode_tokens(list(given) + [s.symbol for s in steps]),
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


def run(name: str, args) -> int:
    try:
        learner, steps, bits = encode_sequence(args.text, args.checkpoint, args.digits)
    except TaskError as exc:
        raise UsageError(str(exc)) from None
    report = encode_report(learner, steps, bits, learner.task.given_tokens())
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    con = stdout_console()
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
