"""The scaling screen: five sizes of one byte-level transformer read the same English stream once,
prequentially. Bigger models draw lower loss curves and so send shorter messages; "weights
counted" shows what sending the trained weights instead would cost."""

from __future__ import annotations

import math

import numpy as np
from rich.markup import escape
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from ..charts import crossing_line, draw_lines, kib
from ..jobs.events import ScaleChunk
from ..jobs.factory import jobs_of
from ..jobs.views import ScaleError, scale_recording
from ..size_guard import SizeGuard, too_small_label
from .live_chart import LiveChartScreen

REPLAY_FRAMES = 90  # a replay draws the whole recording in this many frames (about 3 s)
REPLAY_INTERVAL = 1 / 30
TEXT_SIZES = (1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9)  # characters, for the weights-counted table


def chars(n: float) -> str:
    if math.isinf(n):
        return "never"
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:,.1f}{unit}"
    return f"{n:,.0f}"


def params(n: int) -> str:
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"


class ScaleScreen(SizeGuard, LiveChartScreen):
    """Replays the recording at once; `l` races the small sizes live on this CPU."""

    BINDINGS = [
        Binding("r", "replay", "Replay recording"),
        Binding("l", "live", "Live race"),
        Binding("w", "toggle_weights", "Weights counted"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    DEFAULT_CSS = """
    ScaleScreen #scale-summary {
        height: auto;
        border: round $primary-darken-2;
        padding: 0 1;
        overflow-y: auto;
    }
    ScaleScreen #scale-source { height: auto; padding: 0 1; }
    """

    def __init__(self, recording: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.recording_path = recording
        self.rec = None
        self.loss_range = (0.0, 8.0)
        self.mode = "replay"  # replay or live
        self.shown = 0  # chunks of the recording drawn so far
        self.timer = None
        self.weights_view = False
        self.live: dict[str, list[ScaleChunk]] = {}
        self._third_drawn: bool | None = None  # the view the third chart shows

    def compose(self):
        yield Header()
        yield Static("", id="scale-source")
        with Grid():
            yield PlotextPlot(id="scale-loss")
            yield PlotextPlot(id="scale-message")
            yield PlotextPlot(id="scale-third")
            yield Static("", id="scale-summary")
        yield Static("", id="status")
        yield too_small_label()
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.app.sub_title = "a model that knows more compresses more"
        try:
            self.rec = scale_recording(self.recording_path)
            self.loss_range = self.rec.loss_range()  # the loss axis, once: it never changes
        except ScaleError as exc:
            self.set_status(f"[b red]{escape(str(exc))}[/]")
            return
        self.action_replay()

    # -- replay and live ----------------------------------------------------------------------
    def action_replay(self) -> None:
        if self.rec is None:
            return
        self.stop_job()
        self.mode = "replay"
        self.shown = 0
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_interval(REPLAY_INTERVAL, self._tick)
        self.set_status("replaying the recording (l: race the three smallest sizes live, "
                        "w: weights counted, r: replay)")
        self.redraw()

    def _tick(self) -> None:
        n = len(self.rec.chunk_bytes)
        self.shown = min(n, self.shown + max(1, math.ceil(n / REPLAY_FRAMES)))
        if self.shown >= n and self.timer is not None:
            self.timer.stop()
            self.timer = None
            self.set_status("recording replayed (l: race the three smallest sizes live on this "
                            "CPU, w: weights counted, r: replay)")
        self.dirty = True

    def action_live(self) -> None:
        if self.rec is None:
            return
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.mode = "live"
        self.live = {}
        make = jobs_of(self.app).make("scale", self.recording_path)
        self.start_job(make)
        self.redraw()

    def handle_record(self, event) -> None:
        if isinstance(event, ScaleChunk) and self.mode == "live":
            self.live.setdefault(event.size, []).append(event)
            self.dirty = True

    def action_toggle_weights(self) -> None:
        self.weights_view = not self.weights_view
        if self.rec is not None:  # only what the view changes: a key must not wait for 3 charts
            self._draw_third()
            self.query_one("#scale-summary", Static).update(self.summary_text(self.curves()))

    def action_back(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        super().action_back()

    # -- drawing --------------------------------------------------------------------------------
    def curves(self) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
        """(label, bytes seen, loss per chunk, whole message so far) per size shown."""
        rec = self.rec
        out = []
        if self.mode == "replay":
            k = self.shown
            x = rec.bytes_seen[:k]
            for i, s in enumerate(rec.sizes):
                out.append((f"{s.name} {params(s.parameters)}", x, rec.smoothed_loss(i)[:k],
                            rec.message(i)[:k]))
        else:
            for s in rec.sizes:
                got = self.live.get(s.name)
                if not got:
                    continue
                x = np.array([c.bytes_seen for c in got])
                bits = np.cumsum([c.bits for c in got])
                back = np.maximum(0, np.arange(len(got)) - 7)  # the last 8 chunks, as replayed
                loss = (bits - np.concatenate([[0], bits])[back]) / (
                    x - np.concatenate([[0], x])[back])
                msg = s.code_bits + np.array([c.total_bits for c in got])
                out.append((f"{s.name} {params(s.parameters)}", x, loss, msg))
        return out

    def redraw(self) -> None:
        if self.rec is None:
            return
        rec = self.rec
        if self.mode == "replay":
            source = (f"[b]the recording[/] ({escape(rec.device)}: {escape(rec.command)}) · "
                      f"every size reads the same {kib(rec.bytes_seen[-1])} of English once")
        else:
            source = ("[b]a live race[/] on this CPU: the three smallest sizes, each at its "
                      "recorded learning rate, read the start of the recorded stream")
        self.query_one("#scale-source", Static).update(
            f"showing {source}; each byte is coded before the model trains on it")
        curves = self.curves()
        lo, hi = self.loss_range  # clipped there: the first KB would flatten the rest
        draw_lines(self.query_one("#scale-loss", PlotextPlot),
                   "loss: bits a byte (over the last 64 KB) against KB seen",
                   [(label, list(x / 1024), list(np.clip(loss, lo, hi)))
                    for label, x, loss, _ in curves])
        draw_lines(self.query_one("#scale-message", PlotextPlot),
                   "whole message so far (code f + area under the curve), bits a byte",
                   [(label, list(x / 1024), list(msg / x)) for label, x, _, msg in curves])
        if self._third_drawn != self.weights_view:  # it changes only with the view
            self._draw_third()
        self.query_one("#scale-summary", Static).update(self.summary_text(curves))

    def _draw_third(self) -> None:
        rec = self.rec
        self._third_drawn = self.weights_view
        third = self.query_one("#scale-third", PlotextPlot)
        if self.weights_view:
            xs = [3 + 0.25 * i for i in range(25)]  # 1k to 1G characters, log10
            series = []
            for i, s in enumerate(rec.sizes):
                ys = [min(rec.weights_counted(10 ** x, i), 8.0) for x in xs]
                series.append((f"{s.name} {params(s.parameters)}", xs, ys))
            draw_lines(third, "weights counted: bits a char to send N chars (log10 N; "
                       "capped at 8)", series)
        else:
            n = [math.log10(s.parameters) for s in rec.sizes]
            draw_lines(third, "held-out text, final weights: bits a char vs log10 parameters",
                       [("held-out", n, [rec.held_out_rate(i) for i in range(len(rec.sizes))])])

    def summary_text(self, curves) -> str:
        rec = self.rec
        lines = []
        if self.weights_view:
            lines.append("[b]weights counted[/]: send the weights (32 bits a parameter) + code "
                         "f, then the text at the held-out rate")
            lines.append("chars   " + "  ".join(f"{s.name:>8}" for s in rec.sizes) + "  best")
            for n in TEXT_SIZES:
                row = [rec.weights_counted(n, i) for i in range(len(rec.sizes))]
                best = rec.sizes[int(np.argmin(row))].name
                lines.append(f"{chars(n):>6}  " + "  ".join(f"{v:8.2f}" if v < 1e5 else
                                                           f"{v:8.1e}" for v in row) + f"  {best}")
            for i in range(len(rec.sizes) - 1):
                n = rec.break_even(i)
                big, small = rec.sizes[i + 1].name, rec.sizes[i].name
                lines.append(f"{big} never pays for its weights over {small}" if math.isinf(n)
                             else f"{big} pays for its weights over {small} from {chars(n)} "
                             "chars of text")
            return "\n".join(lines)
        # A narrow box leaves the learning rate out, so each size stays on one line.
        with_lr = self.query_one("#scale-summary", Static).content_region.width >= 52
        lr_head = "     lr" if with_lr else ""
        lines.append(f"size       params{lr_head}   message so far   held-out")
        for i, s in enumerate(rec.sizes):
            cur = next((c for c in curves if c[0].startswith(s.name + " ")), None)
            msg = (f"{cur[3][-1] / 8192:8,.1f} KB {cur[3][-1] / cur[1][-1]:.3f}"
                   if cur is not None and len(cur[1]) else f"{'—':>16}")
            lr = f" {s.lr:6.4f}" if with_lr else ""
            lines.append(f"{s.name:9} {params(s.parameters):>7}{lr} {msg}  "
                         f"{rec.held_out_rate(i):.3f}")
        lines.append("[dim]message: KB and bits a byte so far · held-out: bits a char, "
                     "final weights frozen[/]")
        if self.mode == "replay" and self.shown >= len(rec.chunk_bytes):
            lines += [crossing_line(c, int(rec.bytes_seen[0])) for c in rec.crossings()]
        return "\n".join(lines)

