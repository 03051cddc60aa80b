"""Online 8-digit addition: cumulative bits per sequence against the floor and gzip/bzip2/xz.

    python benchmarks/addition.py [--sequences 200000] [--json PATH]

Target (issue 3): cumulative <= 62 bits per sequence over the first 200,000 sequences, in under
4 minutes on this machine.
"""

from __future__ import annotations

import argparse

from _table import emit
from lmviz.app.jobs.settings import ARTICLE_EXAMPLE
from lmviz.core.baselines import classical_bits
from lmviz.core.learning.checkpoints import DEFAULT_CHECKPOINT, load_learner
from lmviz.core.learning.online import LearnerConfig
from lmviz.core.learning.prequential import evaluate_frozen, learn_stream
from lmviz.core.learning.session import EncodeSession


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sequences", type=int, default=200_000)
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--eval-sequences", type=int, default=10_000,
                    help="fresh sequences to evaluate the shipped checkpoint on")
    args = ap.parse_args()
    learner = load_learner(DEFAULT_CHECKPOINT)
    ev = evaluate_frozen(learner, args.eval_sequences)
    emit(f"pretrained {DEFAULT_CHECKPOINT} on fresh sequences (target: <= floor + 0.5)", [{
        "sequences": ev["sequences"], "bits_per_sequence": ev["bits_per_sequence"],
        "floor": ev["floor_bits_per_sequence"],
        "excess": ev["bits_per_sequence"] - ev["floor_bits_per_sequence"]}], None)
    # The article's example (targets: determined tokens < 0.1 bit in all, each operand digit
    # within 0.05 bit of its entropy).
    session = EncodeSession(learner, train=False)
    steps = list(session.steps([learner.task.parse(ARTICLE_EXAMPLE)]))
    emit(f"{ARTICLE_EXAMPLE} with {DEFAULT_CHECKPOINT}", [{
        "determined_bits_total": sum(s.bits for s in steps if s.aleatoric_bits == 0),
        "operand_worst_excess": max(abs(s.bits - s.aleatoric_bits) for s in steps if s.aleatoric_bits),
        "ideal_bits": sum(s.bits for s in steps), "floor": steps[-1].totals.floor_bits}], None)
    marks = [m for m in (10_000, 50_000, 100_000, 200_000, 400_000) if m <= args.sequences]
    if args.sequences not in marks:
        marks.append(args.sequences)
    config = LearnerConfig()  # what `lmviz learn` uses by default (one thread)
    text = bytearray()
    snaps = []
    for prog, new in learn_stream(config, args.sequences, report_every=0):
        text += new
        if marks and prog.sequences >= marks[0]:
            marks.pop(0)
            snaps.append((prog, len(text)))
            print(f"{prog.sequences} sequences, {prog.seconds:.1f} s, "
                  f"{prog.cumulative_bits_per_sequence:.2f} bits/seq", flush=True)
    # The classical compressors run after the stream, so their time is not charged to it.
    rows = []
    for prog, size in snaps:
        base = classical_bits(bytes(text[:size]))
        n = prog.sequences
        rows.append({
            "sequences": n,
            "seconds": prog.seconds,
            "seq_per_s": n / prog.seconds,
            "model_bits_per_seq": prog.cumulative_bits_per_sequence,
            "floor": prog.floor_bits_per_sequence,
            "gzip": base["gzip"] / n,
            "bzip2": base["bzip2"] / n,
            "xz": base["xz"] / n,
            "model_vs_xz": prog.cumulative_bits_per_sequence / (base["xz"] / n),
            "answer_bits_per_digit_now": prog.monitored_bits,
        })
    emit("online 8-digit addition (transformer small, defaults)", rows, args.json)


if __name__ == "__main__":
    main()
