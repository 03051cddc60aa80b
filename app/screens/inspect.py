"""`lmviz inspect FILE`: where the bits go. The file is coded with `lmviz compress`'s own model in
a worker; bytes take their colour as they are coded, the chart follows the cost along the file,
and the byte under the cursor shows its interval, its bisection and what each part predicted."""

from __future__ import annotations

import time

import numpy as np
from rich.markup import escape
from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from ..charts import draw_lines, legend_markup
from ..jobs.base import JobControl
from ..jobs.events import ClassicalRate, Failed, InspectFinished, InspectStarted, Status
from ..jobs.factory import jobs_of
from ..jobs.views import byte_view, cost_map
from ..messages import JobEvent, run_job_posting
from ..size_guard import SizeGuard, too_small_label
from ..widgets.bisection_panel import BisectionPanel
from ..widgets.byte_map import ByteMap, legend
from ..widgets.byte_parts import ByteParts, byte_label
from ..widgets.interval_bar import IntervalBar

# 256-colour codes: plotext and rich read a number the same way (their colour names differ).
CHART_COLORS = (51, 220, 46, 201, 196, 33)

# While coding, the colours catch up 4 times a second and the chart twice: the UI shares the
# interpreter with the coder, and at 8 frames a second a 300 KB file took twice as long.
REDRAW_INTERVAL = 1 / 4
CHART_INTERVAL = 1 / 2
CHART_BINS = 240  # pieces of the file in the windowed curve
SURPRISE_BITS = 6.0  # `n` jumps to the next byte that cost at least this much


class InspectScreen(SizeGuard, Screen):
    """The file coloured by cost (left) over the cost along the file against gzip, xz and zpaq,
    and the cursor's byte explained (right)."""

    BINDINGS = [
        Binding("left", "move(-1)", "Byte ←", show=False),
        Binding("right", "move(1)", "Byte →", show=False),
        Binding("up", "rows(-1)", "Line ↑", show=False),
        Binding("down", "rows(1)", "Line ↓", show=False),
        Binding("w,ctrl+right", "word(1)", "Next word", key_display="w"),
        Binding("b,ctrl+left", "word(0)", "Previous word", key_display="b"),
        Binding("pagedown,space", "page(1)", "Page ↓", key_display="PgDn"),
        Binding("pageup", "page(-1)", "Page ↑", key_display="PgUp"),
        Binding("home", "jump(0)", "File start", show=False),
        Binding("end", "jump(-1)", "File end", show=False),
        Binding("n", "surprise", "Next surprise"),
        Binding("question_mark", "app.show_help('inspect')", "Help", key_display="?"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, name: str, data: bytes, model: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.file_name, self.data, self.model = name, data, model
        self.costs = None  # jobs.views.cost_map: every byte's cost, filled as chunks arrive
        self.started: InspectStarted | None = None
        self.finished: InspectFinished | None = None
        self.rates: dict[str, float | None] = {}
        self.status_text = ""
        self.dirty = False
        self.chart_drawn = 0.0  # time.monotonic() of the last chart
        self.chart_cursor_bin = -1  # the chart's piece of the file the cursor was in when drawn

    def compose(self):
        yield Header()
        yield Static("", id="model-info")
        with Horizontal(id="inspect-main"):
            with Vertical(id="inspect-left"):
                yield ByteMap(id="bytes")
                yield PlotextPlot(id="inspect-chart")
                yield Static("", id="chart-legend")
            with Vertical(id="inspect-side"):
                yield ByteParts(id="parts")
                yield IntervalBar(id="interval")
                yield BisectionPanel(id="bisection")
        yield Static("", id="status")
        yield too_small_label()
        yield Footer()

    def fit(self, width: int, height: int) -> None:
        super().fit(width, height)
        # A short terminal: the interval loses its zoom and the bisection rows, so that the
        # parts table (what each part said of the byte) keeps its rows.
        self.set_class(height < 40, "compact")

    def on_mount(self) -> None:
        self.app.sub_title = f"where the bits go: {self.file_name}"
        m = self.query_one(ByteMap)
        m.border_title = f"{escape(self.file_name)}: {len(self.data):,} bytes, each coloured by its cost"
        m.border_subtitle = legend()
        m.focus()
        self.set_status("loading the model…")
        self.set_interval(REDRAW_INTERVAL, self._redraw_if_dirty)
        self._run_job(jobs_of(self.app).make("inspect", self.file_name, self.data,
                                             model=self.model))

    # -- the job ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="inspect", exit_on_error=False)
    def _run_job(self, make_job) -> None:
        worker = get_current_worker()
        run_job_posting(self, lambda emit, cancelled: make_job(JobControl()).run(emit, cancelled), 0,
                        lambda: worker.is_cancelled)

    def on_job_event(self, msg: JobEvent) -> None:
        event = msg.event
        if isinstance(event, InspectStarted):
            self.started = event
            self.costs = cost_map(event.data, event.parts)
            self.query_one(ByteMap).show(self.costs.data, self.costs.cost, self.costs.coded)
            self.query_one("#model-info", Static).update(
                f"[b]{event.model}[/] · learns as it codes")
        elif isinstance(event, ClassicalRate):
            self.rates[event.name] = event.bits_per_byte
            self.dirty = True
        elif isinstance(event, InspectFinished):
            self.finished = event
            self.dirty = True
        elif isinstance(event, Status):
            self.set_status(event.text)
        elif isinstance(event, Failed):
            self.set_status(f"[b red]{escape(event.text)}[/]")
        elif self.costs is not None:  # an ExplainChunk
            self.costs.add(event)
            self.dirty = True

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "inspect")

    # -- drawing ------------------------------------------------------------------------------
    def _redraw_if_dirty(self) -> None:
        if self.dirty:
            self.dirty = False
            self.redraw()

    def redraw(self) -> None:
        c = self.costs
        if c is None:
            return
        self.query_one(ByteMap).refresh_costs()
        now = time.monotonic()
        if self.finished is not None or now - self.chart_drawn >= CHART_INTERVAL:
            self.chart_drawn = now
            self._draw_chart()
        self._show_cursor(self.query_one(ByteMap).cursor)
        self.set_status(self._summary())

    def _summary(self) -> str:
        c = self.costs
        n = len(c)
        if self.finished is None:
            speed = c.done / c.seconds / 1000 if c.seconds else 0
            return (f"coding: {c.done:,} of {n:,} bytes ({100 * c.done / n:.0f}%), "
                    f"{c.ideal_bits / max(c.done, 1):.3f} bits a byte so far, {speed:.1f} KB/s "
                    "(n: the next costly byte, w/b: words, arrows: bytes and lines)")
        f = self.finished
        if f.form == "stored":
            written = f"lmviz compress stores it raw ({f.output_bytes:,} bytes): it does not compress"
        elif f.form == "lzma":
            written = (f"lmviz compress writes LZMA, smaller here ({f.output_bytes:,} bytes, "
                       f"{8 * f.output_bytes / n:.3f} bits a byte)")
        elif f.form == "repeated":
            written = (f"lmviz compress writes it as a repetition of its first bytes "
                       f"({f.output_bytes:,} bytes), without the model")
        else:
            written = (f"lmviz compress writes {f.output_bytes:,} bytes "
                       f"({8 * f.output_bytes / n:.3f} bits a byte with its header)")
        return (f"done in {f.seconds:.1f} s: [b]{f.payload_bits:,}[/] bits of payload "
                f"(Σ -log2 q = {c.ideal_bits:,.1f}); {written}")

    def _draw_chart(self) -> None:
        c = self.costs
        xs, window, cumulative = c.along(CHART_BINS)
        kb = (xs / 1000).tolist()
        keep = ~np.isnan(window)
        series = [("windowed", [x for x, k in zip(kb, keep) if k], window[keep].tolist())]
        keep = ~np.isnan(cumulative)
        series.append(("cumulative", [x for x, k in zip(kb, keep) if k], cumulative[keep].tolist()))
        end = len(c) / 1000
        for name, rate in self.rates.items():
            if rate is not None:
                series.append((f"{name} {rate:.2f}", [0.0, end], [rate, rate]))
        missing = [name for name, rate in self.rates.items() if rate is None]
        title = "bits per byte along the file (KB)" + "".join(f" · {m}: not installed"
                                                              for m in missing)
        cursor = self.query_one(ByteMap).cursor / 1000
        self.chart_cursor_bin = self._chart_bin(self.query_one(ByteMap).cursor)
        colors = CHART_COLORS[: len(series)]
        plot = self.query_one(PlotextPlot)
        draw_lines(plot, title, series, vlines=((cursor, "white"),), colors=colors)
        # The legend under the chart, never on its lines (lmviz's cumulative line and zpaq's
        # rate can run close: both must stay visible).
        self.query_one("#chart-legend", Static).update(legend_markup(series, colors))

    def _chart_bin(self, pos: int) -> int:
        return pos * CHART_BINS // max(1, len(self.data))

    def _show_cursor(self, pos: int) -> None:
        c = self.costs
        if c is None:
            return
        view = byte_view(c, pos)
        self.query_one(ByteParts).show(view and view.detail, len(c), view and view.saw)
        if view is None:  # not coded yet: no interval, no bisection
            self.query_one(IntervalBar).show([], [], -1, 1, (0, 1), 0, None)
            self.query_one(BisectionPanel).show(None, 0)
            return
        trace = view.trace
        shown = len(trace.bits)
        zoom = trace.interval_after(shown)
        self.query_one(IntervalBar).show(view.cum, view.labels, view.token, trace.scale, zoom,
                                         shown, None)
        self.query_one(BisectionPanel).show(trace, shown, "Alice",
                                            f"byte {pos:,} ({byte_label(view.detail.byte)})")

    def on_byte_map_cursor_moved(self, msg: ByteMap.CursorMoved) -> None:
        self._show_cursor(msg.position)
        # The chart marks the cursor's piece of the file: redraw it (costly) only when that moves.
        if self.costs is not None and self._chart_bin(msg.position) != self.chart_cursor_bin:
            self._draw_chart()

    def set_status(self, text: str) -> None:
        self.status_text = text
        self.query_one("#status", Static).update(text)

    # -- keys ---------------------------------------------------------------------------------
    def action_move(self, delta: int) -> None:
        m = self.query_one(ByteMap)
        m.move_to(m.cursor + delta)

    def action_rows(self, delta: int) -> None:
        self.query_one(ByteMap).move_rows(delta)

    def action_word(self, forward: int) -> None:
        self.query_one(ByteMap).move_word(bool(forward))

    def action_page(self, direction: int) -> None:
        self.query_one(ByteMap).page(direction)

    def action_jump(self, where: int) -> None:
        self.query_one(ByteMap).move_to(where if where >= 0 else len(self.data) - 1)

    def action_surprise(self) -> None:
        """The next coded byte (after the cursor, wrapping) that cost at least SURPRISE_BITS."""
        c = self.costs
        if c is None:
            return
        m = self.query_one(ByteMap)
        hot = np.flatnonzero(c.coded & (c.cost >= SURPRISE_BITS))
        if not hot.size:
            self.notify(f"no byte has cost {SURPRISE_BITS:g} bits or more (yet)")
            return
        after = hot[hot > m.cursor]
        m.move_to(int(after[0] if after.size else hot[0]))

    def action_back(self) -> None:
        self.workers.cancel_group(self, "inspect")
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()
