"""Line charts on a PlotextPlot, shared by the train and grok screens."""

from __future__ import annotations

from textual_plotext import PlotextPlot

MAX_POINTS = 500  # a chart a few hundred cells wide needs no more points than this


def draw_lines(plot: PlotextPlot, title: str, series, *, log_x: bool = False,
               ylim: tuple[float, float] | None = None, hline: float | None = None,
               vlines: tuple[tuple[float, str], ...] = ()) -> None:
    """series: (label, xs, ys) triples. Long series are thinned to MAX_POINTS."""
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)
    has_data = any(xs for _, xs, _ in series)
    if log_x and has_data:  # plotext fails on a log axis with nothing on it
        plt.xscale("log")
    if ylim:
        plt.ylim(*ylim)
    for label, xs, ys in series:
        if xs:
            stride = max(1, len(xs) // MAX_POINTS)
            plt.plot(xs[::stride], ys[::stride], label=label, marker="braille")
    if has_data:
        if hline is not None:
            plt.hline(hline, "gray")
        for x, colour in vlines:
            plt.vline(x, colour)
    plot.refresh()


def back_to_explorer(screen) -> None:
    """Leave a screen: back to the explorer below it, or open one if it was the first screen."""
    app = screen.app
    if len(app.screen_stack) > 2:
        app.pop_screen()
    else:
        app.push_screen(app.make_explorer())
