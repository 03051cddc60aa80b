"""The tour's engine: what each step of `lmviz tour` shows, computed by the real coders and models.

Every record here comes from the real thing: the article's interval is the real quantizer and
bisection coder on the article's distribution, the averages are real encodes by the explorer's
job (the shipped model, or an untrained one), the binary step codes a sequence with the source's
own law through all the coders. Nothing is a picture. The explorer jobs are made by a factory
the screen passes in, so tests give fixed ones (no torch, no live model output).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from lmviz.core.coding import Cdf, Decoder, Encoder, bisect_decode, bisect_encode, quantize_probs
from lmviz.core.learning.ledger import Ledger
from lmviz.core.tasks import FACE_PROBS, BinaryTask

from .events import (
    ArticleInterval,
    CodedSequence,
    CodeLengthRow,
    CodeLengths,
    ModelInfo,
    StepRecords,
)
from .settings import (
    ARTICLE_EXAMPLE,
    BINARY_SAMPLES,
    BINARY_SEED,
    ENGLISH_EXAMPLE,
    ExplorerRequest,
    ModelKind,
)

# The article's example distribution (the loaded die's): the real token, face 4, owns [0.6, 0.8).
ARTICLE_PROBS = FACE_PROBS
ARTICLE_TOKEN = 4
COST_PROBABILITIES = (0.9, 0.5, 0.25, 0.2, 0.1, 0.01, 0.001)  # step 3's table
AVERAGE_OVER = 20  # sums per average in steps 5 and 7 (the same sums for every model)










def article_interval() -> ArticleInterval:
    """The article's example through the real quantizer, bisection coder and decoder."""
    freqs = quantize_probs(np.array(ARTICLE_PROBS))
    trace = bisect_encode(freqs, ARTICLE_TOKEN)
    lo, hi = trace.final_interval()
    replay = bisect_decode(freqs, iter(trace.bits))  # Bob: the bits alone
    return ArticleInterval(freqs, tuple(str(i) for i in range(len(freqs))), ARTICLE_TOKEN, trace,
                           (lo + hi) / 2 / trace.scale, replay.symbol)


def cost_table() -> CodeLengths:
    """Step 3: one token at each probability, coded by the real bisection coder."""
    rows = []
    for p in COST_PROBABILITIES:
        # The token (index 0) has probability p; the rest share 1 - p.
        freqs = quantize_probs(np.array([p, 1 - p]))
        trace = bisect_encode(freqs, 0)
        rows.append(CodeLengthRow(f"p = {p:g}", len(trace.bits),
                                  f"-log2 p = {-math.log2(p):5.2f} · bound ⌈-log2 p⌉+1 = "
                                  f"{math.ceil(-math.log2(p)) + 1}"))
    return CodeLengths("one token of probability p, coded by bisection", tuple(rows), 8.0)


def code_with_distributions(task, sequence: np.ndarray, probs: np.ndarray, total_bits: int = 16,
                            config_bits: int = 0):
    """Code one sequence with given next-token distributions (probs[t] for token t): the same
    records as EncodeSession, with no model (the source's own law, or a test's fixed one)."""
    ledger = Ledger(task, total_bits, config_bits)
    positions = task.coded_positions(sequence)
    freqs = quantize_probs(probs[positions], total_bits)
    enc = Encoder()
    steps = []
    for j, t in enumerate(positions):
        cdf = Cdf.of(freqs[j])
        s = int(sequence[t])
        step = enc.encode(cdf, s)
        steps.append(ledger.record(0, sequence, t, probs[t], freqs[j], cdf, s, step,
                                   len(enc.out) + enc.pending))
    return steps, enc.finish()


def binary_records(seed: int = BINARY_SEED, sequences: int = BINARY_SAMPLES) -> StepRecords:
    """Step 8: bits from the order-2 Markov source, coded with the source's own law (the best
    model there is) by bisection, the run-length code and the streaming coder; checked by
    decoding the stream."""
    task = BinaryTask()
    rng = np.random.default_rng(seed)
    rows = task.sample_batch(rng, sequences)
    totals = {"bisection": 0, "runs": 0, "stream": 0, "entropy": 0.0, "raw": 0}
    first = None
    for row in rows:
        probs = np.zeros((task.block_size, task.vocab_size))
        for t in task.coded_positions(row):
            probs[t] = task.true_distribution(row[:t])
        steps, bits = code_with_distributions(task, row, probs)
        dec = Decoder(list(bits))
        if [dec.decode(Cdf.of(s.freqs))[0] for s in steps] != [s.symbol for s in steps]:
            raise AssertionError("the binary stream did not decode to its bits")
        last = steps[-1].totals
        totals["bisection"] += last.bisection_bits
        totals["stream"] += len(bits)
        totals["raw"] += last.raw_bits
        totals["entropy"] += sum(a or 0.0 for a in (s.aleatoric_bits for s in steps))
        totals["runs"] += last.run_length_bits
        if first is None:
            info = ModelInfo("source law", "the source's own P(1 | two bits before)", 0, "-", 0)
            first = CodedSequence(tuple(steps), tuple(bits), task.decode_tokens(row),
                                  tuple(int(t) for t in row[: task.first_predicted]), info, None)
    n = len(rows)
    table = CodeLengths(
        f"{n} sequences of {task.length} bits, the source's law as the model", (
            CodeLengthRow("raw, 1 bit a bit", totals["raw"]),
            CodeLengthRow("bisection per token", totals["bisection"], "never below 1 bit a token"),
            CodeLengthRow("runs of argmax hits", totals["runs"], "the article's run lengths"),
            CodeLengthRow("streaming coder", totals["stream"], "-log2 p, carried across tokens"),
            CodeLengthRow("entropy of the source", totals["entropy"], "what the best code pays on average"),
        ), totals["raw"])
    return StepRecords(coded=first, tables=(table,), task=task)


class TourJob:
    """Computes each step's records. ``make_explorer(request)`` gives an ExplorerJob (or a test's
    fixed stand-in); explorer jobs are made on first use and kept (loading a model costs time).
    The models the tour uses are frozen, so a step's records are kept too: going back to a step
    shows it at once."""

    def __init__(self, make_explorer: Callable[[ExplorerRequest], object] | None = None,
                 control=None) -> None:  # control: unused (jobs/factory.py makes every job alike)
        self.make_explorer = make_explorer or _real_explorer
        self.explorers: dict[str, object] = {}
        self.done: dict[str, StepRecords] = {}
        self.totals: dict[str, float] | None = None  # steps 5 and 7's averages

    def explorer(self, task: str):
        if task not in self.explorers:
            self.explorers[task] = self.make_explorer(ExplorerRequest(task=task))
        return self.explorers[task]

    def records(self, key: str, cancelled: Callable[[], bool] = lambda: False) -> StepRecords:
        if key not in self.done:
            records = self._compute(key, cancelled)
            if not cancelled():  # a cancelled step may hold partial records
                self.done[key] = records
            return records
        return self.done[key]

    def _compute(self, key: str, cancelled: Callable[[], bool]) -> StepRecords:
        return RECORDS[key](self, cancelled)


def _english(job: TourJob, cancelled) -> StepRecords:
    explorer = job.explorer("text")
    return StepRecords(coded=explorer.encode(ENGLISH_EXAMPLE, ModelKind.PRETRAINED, cancelled),
                       task=explorer.task)


def _raw(job: TourJob, cancelled) -> StepRecords:
    explorer = job.explorer("addition")
    coded = explorer.encode(ARTICLE_EXAMPLE, ModelKind.UNTRAINED, cancelled)
    return StepRecords(coded=coded, tables=(_raw_table(coded),), task=explorer.task)


def _decode(job: TourJob, cancelled) -> StepRecords:
    explorer = job.explorer("addition")
    coded = explorer.encode(ARTICLE_EXAMPLE, ModelKind.PRETRAINED, cancelled)
    return StepRecords(coded=coded, decoded=explorer.decode(coded, cancelled), task=explorer.task)


def _averaged(key: str):
    """Steps 5 and 7: the article's sum, and a table of averages over the same random sums."""
    def records(job: TourJob, cancelled) -> StepRecords:
        explorer = job.explorer("addition")
        coded = explorer.encode(ARTICLE_EXAMPLE, ModelKind.PRETRAINED, cancelled)
        if job.totals is None:
            job.totals = _average_totals(explorer, cancelled)
        return StepRecords(coded=coded, tables=(_averages(key, job.totals),), task=explorer.task)
    return records


# Each records view's records (app/tour_views.py VIEWS names the same views).
RECORDS: dict[str, Callable[[TourJob, Callable[[], bool]], StepRecords]] = {
    "raw": _raw,
    "interval": lambda job, cancelled: StepRecords(interval=article_interval()),
    "costs": lambda job, cancelled: StepRecords(tables=(cost_table(),)),
    "addition": _averaged("addition"),
    "decode": _decode,
    "streaming": _averaged("streaming"),
    "binary": lambda job, cancelled: binary_records(),
    "english": _english,
}


def _raw_table(coded: CodedSequence) -> CodeLengths:
    last = coded.steps[-1].totals
    n = len(coded.steps)
    return CodeLengths(f"the article's sum, {n} tokens after the given 's'", (
        CodeLengthRow("raw, 8 bits a token", last.raw_bits, "Bob reads 8 bits, looks up a byte"),
        CodeLengthRow("+ code f, once", last.config_bits,
                      "the program Bob runs, paid once however long the message", of_raw=False),
        CodeLengthRow("untrained model, streamed", len(coded.bits),
                      f"log2 {coded.steps[0].freqs.size} a token: it knows only the symbols"),
    ), last.raw_bits)


def _average_totals(job, cancelled) -> dict[str, float]:
    """Steps 5 and 7: the same random sums through the untrained and the shipped model, the
    totals per sum (made once per TourJob: both steps read them)."""
    task = job.task
    rng = np.random.default_rng(7)
    texts = [task.decode_tokens(task.sample(rng)) for _ in range(AVERAGE_OVER)]
    sums = dict.fromkeys(("untrained", "pretrained", "floor", "raw", "bisection", "header",
                          "stream"), 0.0)
    for kind in (ModelKind.UNTRAINED, ModelKind.PRETRAINED):
        for text in texts:
            coded = job.encode(text, kind, cancelled)
            if coded is None:
                raise InterruptedError  # cancelled: the screen drops this step's answer
            last = coded.steps[-1].totals
            sums[kind] += last.ideal_bits
            if kind == ModelKind.PRETRAINED:
                sums["floor"] += last.floor_bits or 0.0
                sums["raw"] += last.raw_bits
                sums["bisection"] += last.bisection_bits
                sums["header"] += last.header_bits
                sums["stream"] += len(coded.bits)
    return {k: v / len(texts) for k, v in sums.items()}


def _averages(key: str, each: dict[str, float]) -> CodeLengths:
    caption = f"bits per sum, averaged over the same {AVERAGE_OVER} random sums"
    if key == "addition":
        return CodeLengths(caption, (
            CodeLengthRow("untrained model", each["untrained"], "knows the 14 symbols, no more"),
            CodeLengthRow("shipped trained model", each["pretrained"], "has learned to add"),
            CodeLengthRow("floor (aleatoric)", each["floor"], "the 16 random operand digits"),
        ), each["raw"])
    return CodeLengths(caption, (
        CodeLengthRow("raw, 8 bits a token", each["raw"]),
        CodeLengthRow("bisection per token", each["bisection"], "≥ 1 bit a token"),
        CodeLengthRow("notebook per-token", each["header"], "shortest codes + their lengths"),
        CodeLengthRow("streaming coder", each["stream"], "≈ Σ -log2 p + 2"),
        CodeLengthRow("Σ -log2 p (the loss)", each["pretrained"]),
    ), each["raw"])


def _real_explorer(request: ExplorerRequest):
    """The real explorer job (imports torch: only ever called in a worker)."""
    from .explorer import ExplorerJob

    return ExplorerJob(request)
