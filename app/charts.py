"""Line charts on a PlotextPlot, shared by the train and grok screens."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

MAX_POINTS = 500  # a chart a few hundred cells wide needs no more points than this


def _log10(xs) -> list[float]:
    return [math.log10(x) for x in xs]


def draw_lines(plot: PlotextPlot, title: str, series, *, log_x: bool = False,
               ylim: tuple[float, float] | None = None, hline: float | None = None,
               vlines: tuple[tuple[float, str], ...] = ()) -> None:
    """series: (label, xs, ys) triples. Long series are thinned to MAX_POINTS.

    A log x axis is drawn as log10(x) with decade labels, not with plotext's own log scale:
    plotext applies that in place when it builds the figure, so the second build (every resize
    repaints) took the log of a log and crashed on the step-1 point (math domain error).
    """
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)
    has_data = any(xs for _, xs, _ in series)
    if ylim:
        plt.ylim(*ylim)
    top = 0.0
    for label, xs, ys in series:
        if xs:
            stride = max(1, len(xs) // MAX_POINTS)
            xs, ys = list(xs[::stride]), list(ys[::stride])
            if log_x:
                keep = [i for i, x in enumerate(xs) if x > 0]
                xs, ys = _log10([xs[i] for i in keep]), [ys[i] for i in keep]
                top = max([top, *xs])
            plt.plot(xs, ys, label=label, marker="braille")
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
