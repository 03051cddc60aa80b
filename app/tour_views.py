"""The tour's views: what each step's right-hand side is made of, how it starts and how it draws.

A step (app/tour.py) names its view; `VIEWS` maps the name to one object that lists the view's
widgets, starts its engine (fixed records from the tour job, a live training run, or a
recorded replay), draws what arrives and says when it has drawn everything. The records a view
shows are computed by the tour job (jobs/tour.py `RECORDS`, under the same name). A new kind of
step is one entry in each, beside its paragraph in app/tour.py.
"""

from __future__ import annotations

import time

from textual.widgets import Static

from .jobs.settings import TrainSettings
from .widgets.bisection_panel import BisectionPanel
from .widgets.code_length_table import CodeLengthTable
from .widgets.interval_bar import IntervalBar
from .widgets.loss_panel import LossPanel
from .widgets.sequence_strip import SequenceStrip


def _line(name: str) -> Static:
    return Static("", id=name, classes="tour-line")


def _plot(name: str):
    from textual_plotext import PlotextPlot  # plotext: only once a chart step is shown

    return PlotextPlot(id=name)


class TourView:
    """A view drawn from the tour job's records (`StepRecords`)."""

    bisects = False  # b and backspace step its bisection

    def __init__(self, *widgets) -> None:
        self.makers = widgets  # each makes one widget of the view, in order

    def widgets(self) -> list:
        return [make() for make in self.makers]

    def start(self, screen, key: str) -> None:
        screen.set_status("computing with the real coder and model…")
        screen.load_records(key)

    def fill(self, screen, records) -> None:
        """The step's records arrived: tables, the coded sequence, the totals."""
        screen.fill_records(records)

    def redraw(self, screen) -> None:
        """New live data since the last frame (live and replayed views)."""

    def ready(self, screen, live_seconds: float) -> bool:
        return screen.records is not None


class IntervalView(TourView):
    """Step 2: the article's interval and its bisection, a halving a key."""

    bisects = True

    def fill(self, screen, records) -> None:
        screen.draw_interval()


class CostsView(TourView):
    """Step 3: one token at each probability, with a note on reading the table."""

    def fill(self, screen, records) -> None:
        super().fill(screen, records)
        screen.query_one("#tour-note", Static).update(
            "[dim]bits: the real bisection code of one token (see step 2); the bar is its "
            "share of 8 raw bits. The code is never above the bound.[/]")


class DecodeView(TourView):
    """Step 6: Alice's bits, and what Bob read from them alone."""

    def fill(self, screen, records) -> None:
        if records.decoded is not None:
            screen.draw_decode(records.coded, records.decoded, records.task)


class LiveTrainingView(TourView):
    """Training live, its loss curve and the area under it (step 4)."""

    def __init__(self, settings: TrainSettings) -> None:
        super().__init__(lambda: _line("tour-identity"), lambda: _plot("tour-loss"),
                         lambda: _plot("tour-cum"))
        self.settings = settings

    def start(self, screen, key: str) -> None:
        screen.set_status("loading torch and training live…")
        screen.run_live(self.settings)

    def redraw(self, screen) -> None:
        screen.draw_live(self.settings.labels())

    def ready(self, screen, live_seconds: float) -> bool:
        return (bool(screen.live.curves[0]["x"])
                and time.monotonic() - screen.started >= live_seconds)


class GrokView(TourView):
    """Step 9: the recorded grokking run, replayed."""

    def __init__(self) -> None:
        super().__init__(lambda: _plot("tour-acc"), lambda: _line("tour-summary"))

    def start(self, screen, key: str) -> None:
        screen.start_grok_replay()

    def redraw(self, screen) -> None:
        screen.draw_grok()

    def ready(self, screen, live_seconds: float) -> bool:
        return bool(screen.grok) and screen.timer is None


class ScaleView(TourView):
    """Step 10: the scaling recording, replayed."""

    def __init__(self) -> None:
        super().__init__(lambda: _line("tour-identity"), lambda: _plot("tour-loss"),
                         lambda: _plot("tour-cum"))

    def start(self, screen, key: str) -> None:
        screen.start_scale_replay()

    def redraw(self, screen) -> None:
        screen.draw_scale()

    def ready(self, screen, live_seconds: float) -> bool:
        return screen.scale_shown > 0 and screen.timer is None


VIEWS: dict[str, TourView] = {
    "raw": TourView(SequenceStrip, CodeLengthTable, LossPanel),
    "interval": IntervalView(IntervalBar, BisectionPanel, lambda: _line("tour-bob")),
    "costs": CostsView(CodeLengthTable, lambda: _line("tour-note")),
    "training": LiveTrainingView(TrainSettings(digits=4)),
    "addition": TourView(SequenceStrip, LossPanel, CodeLengthTable),
    "decode": DecodeView(lambda: _line("tour-bits"), SequenceStrip, lambda: _line("tour-bob")),
    "streaming": TourView(CodeLengthTable, LossPanel),
    "binary": TourView(SequenceStrip, LossPanel, CodeLengthTable),
    "grokking": GrokView(),
    "scale": ScaleView(),
    "english": TourView(SequenceStrip, LossPanel),
}
