"""Line charts on a PlotextPlot and the records behind them, shared by the train, grok and tour
screens."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

MAX_POINTS = 500  # a chart a few hundred cells wide needs no more points than this


def legend_markup(series, colors: tuple[int, ...]) -> str:
    """A legend as Rich markup, for a line beside a chart drawn with ``colors`` (256-colour
    codes, which plotext and rich read alike)."""
    from rich.color import Color

    hexes = [Color.from_ansi(c).get_truecolor().hex for c in colors]
    return " · ".join(f"[{h}]━━[/] {label}" for (label, _x, _y), h in zip(series, hexes))


def _log10(xs) -> list[float]:
    return [math.log10(x) for x in xs]


def draw_lines(plot: PlotextPlot, title: str, series, *, log_x: bool = False,
               ylim: tuple[float, float] | None = None, hline: float | None = None,
               vlines: tuple[tuple[float, str], ...] = (), colors: tuple[int, ...] = (),
               fill: bool = False) -> None:
    """series: (label, xs, ys) triples. Long series are thinned to MAX_POINTS. With ``colors``
    (one per series), plotext draws no legend on the data: the caller writes one beside the
    chart (`legend_markup`) in the same colours.

    A log x axis is drawn as log10(x) with decade labels, not with plotext's own log scale:
    plotext applies that in place when it builds the figure, so a second build (every resize
    repaints) would take the log of a log.
    """
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)
    has_data = any(xs for _, xs, _ in series)
    if ylim:
        plt.ylim(*ylim)
    top = 0.0
    for k, (label, xs, ys) in enumerate(series):
        if xs:
            stride = max(1, len(xs) // MAX_POINTS)
            xs, ys = list(xs[::stride]), list(ys[::stride])
            if log_x:
                keep = [i for i, x in enumerate(xs) if x > 0]
                xs, ys = _log10([xs[i] for i in keep]), [ys[i] for i in keep]
                top = max([top, *xs])
            style = {"fillx": True} if fill else {}  # fill: the area under the curve, shaded
            if colors:
                plt.plot(xs, ys, color=colors[k], marker="braille", **style)
            else:
                plt.plot(xs, ys, label=label, marker="braille", **style)
    if has_data:
        if log_x:
            decades = list(range(0, math.floor(top) + 1))
            plt.xticks(decades, [f"{10**d:,}" for d in decades])
        if hline is not None:
            plt.hline(hline, "gray")
        for x, colour in vlines:
            if not log_x or x > 0:
                plt.vline(math.log10(x) if log_x else x, colour)
    plot.refresh()


class ProgressCurves:
    """Per run (0, or 1 for the compared model): sequences seen, recent loss in bits per token and
    cumulative bits per sequence, from TrainBatch records, and the last record of each run."""

    def __init__(self, runs: int = 2) -> None:
        self.curves: list[dict] = [{"x": [], "loss": [], "cum": [], "area": []}
                                   for _ in range(runs)]
        self.last: list = [None] * runs

    def add(self, records) -> None:
        for run, prog in records:
            c = self.curves[run]
            c["x"].append(prog.sequences)
            c["loss"].append(float(prog.position_bits.mean()))
            c["cum"].append(prog.cumulative_bits_per_sequence)
            c["area"].append(prog.ideal_bits / max(prog.sequences, 1))  # without code f
            self.last[run] = prog


def identity_text(prog) -> str:
    """The article's identity, from the last training record: what the streaming coder produced
    against the area under the loss curve."""
    return (f"identity: streaming coder produced [b]{prog.stream_bits:,}[/] bits · area under the "
            f"loss curve Σ -log2 q = [b]{prog.ideal_bits:,.1f}[/] bits · they differ by "
            f"[b]{prog.stream_bits - prog.ideal_bits:.1f}[/] bits")


def draw_grok_accuracy(plot: PlotextPlot, title: str, records, val_label: str = "validation"):
    """Train and validation accuracy on a log step axis, the 99% crossings marked; returns
    `crossings(records)`."""
    from lmviz.core.grokking.records import crossings

    cross = crossings(records)
    steps = [r.step for r in records]
    marks = tuple((cross[k], colour) for k, colour in (("train99_step", "cyan"),
                                                       ("val99_step", "orange")) if cross[k])
    draw_lines(plot, title, [("train", steps, [r.train_acc for r in records]),
                             (val_label, steps, [r.val_acc for r in records])],
               log_x=True, ylim=(0, 1), vlines=marks)
    return cross, marks


def kib(n: float) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1 << 20 else f"{n / (1 << 20):,.2f} MB"


def crossing_line(c, start: int) -> str:
    """Where a bigger size overtakes a smaller one, from a `scale_records.Crossing`; ``start``:
    the bytes of the first chunk (before it nothing is measured)."""
    if c.loss_below_from is None:
        return f"{c.bigger}'s loss ends above {c.smaller}'s"
    if c.loss_below_from == c.loss_first_below:
        loss = f"{c.bigger} draws lower than {c.smaller} from {kib(c.loss_below_from)} on"
    else:
        loss = (f"{c.bigger} draws lower than {c.smaller} for good from "
                f"{kib(c.loss_below_from)} (the curves cross before that)")
    if c.total_below_from is None:
        total = "; its whole message is not yet shorter"
    elif c.total_below_from <= start:
        total = "; its whole message is shorter throughout"
    else:
        total = (f"; {c.smaller}'s whole message was shorter until {kib(c.total_below_from)}: "
                 "the bigger model starts behind")
    return loss + total


def scale_lines(rec, k: int, crossings: bool) -> list[str]:
    """The totals of a scaling recording after ``k`` chunks, and once drawn whole, where each
    size overtakes the next: the tour's and the scale screen's words."""
    if k == 0:
        return []
    seen = rec.bytes_seen[k - 1]
    totals = [float(rec.message(i)[k - 1]) for i in range(len(rec.sizes))]
    parts = " · ".join(f"{s.name} [b]{t / 8192:,.0f}[/] KB" for s, t in zip(rec.sizes, totals))
    lines = [f"after {kib(seen)} of English, each whole message: {parts}"]
    small, big = totals[0], totals[-1]
    lines.append(f"the biggest sends [b]{1 - big / small:.1%}[/] less than the smallest "
                 f"({big / seen:.3f} against {small / seen:.3f} bits a byte); held-out text, "
                 f"final weights: {rec.held_out_rate(len(totals) - 1):.3f} against "
                 f"{rec.held_out_rate(0):.3f} bits a character")
    if crossings:
        lines += [crossing_line(c, int(rec.bytes_seen[0])) for c in rec.crossings()]
    return lines
