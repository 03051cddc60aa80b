"""The grokking screen: a/b mod 97 memorised first, generalised much later, live or replayed."""

from __future__ import annotations

import math
from dataclasses import replace

from lmviz.core.grokking.records import GrokConfig
from rich.markup import escape
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from ..charts import draw_grok_accuracy, draw_lines
from ..jobs.base import Pause, Resume
from ..jobs.events import GrokBatch
from ..jobs.factory import jobs_of
from ..jobs.settings import DEFAULT_GROK
from ..jobs.views import grok_recording
from ..size_guard import SizeGuard, too_small_label
from .live_chart import LiveChartScreen

WEIGHT_DECAYS = (0.3, 1.0, 2.0, 3.0, 5.0)
FRACTIONS = (0.3, 0.4, 0.5)
WIDTHS = (32, 64, 128)
REPLAY_SPEEDS = (1, 4, 16, 64, 256)  # recorded steps per frame
REPLAY_INTERVAL = 1 / 30  # seconds between replayed frames


class GrokScreen(SizeGuard, LiveChartScreen):
    """Charts of accuracy (log step axis), loss and weight norm; the 99% crossings marked."""

    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("space", "pause", "Pause/resume"),
        Binding("x", "reset", "Reset"),
        Binding("w", "cycle('weight_decay')", "Weight decay"),
        Binding("f", "cycle('train_fraction')", "Train fraction"),
        Binding("d", "cycle('width')", "Width"),
        Binding("e", "cycle('seed')", "Seed"),
        Binding("l", "load", "Load recorded"),
        Binding("plus,equals_sign", "faster", "Faster", key_display="+"),
        Binding("minus", "slower", "Slower", key_display="-"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    DEFAULT_CSS = """
    GrokScreen #grok-summary {
        height: auto;
        border: round $primary-darken-2;
        padding: 0 1;
    }
    """

    def __init__(self, config: GrokConfig = DEFAULT_GROK, replay: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.replay_at_start = replay  # open replaying the recorded run (False: idle, for tests)
        self.records: list = []
        self.mode = "idle"  # idle, training, paused, replay
        self.replay: list = []
        self.replay_pos = 0
        self.replay_speed = 2
        self.replay_timer = None
        self.replay_paused = False
        self.source = ""

    def compose(self):
        yield Header()
        yield Static("", id="grok-controls")
        with Grid():
            yield PlotextPlot(id="acc")
            yield PlotextPlot(id="loss")
            yield PlotextPlot(id="norm")
            yield Static("", id="grok-summary")
        yield Static("", id="status")
        yield too_small_label()
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.app.sub_title = "grokking: a/b mod 97"
        self.set_status("s: train live · l: replay the recorded canonical run · w f d e: settings")
        self.redraw()
        if self.replay_at_start:
            self.action_load()

    # -- live training --------------------------------------------------------------------------
    def handle_record(self, event) -> None:
        if not isinstance(event, GrokBatch) or self.mode not in ("training", "paused"):
            return
        self.records.extend(event.records)
        if event.finished:
            self.mode = "idle"
            self.set_status("done: it has grokked, validation accuracy is at 100% (x: reset, s: again)")
        self.dirty = True  # drawn by the next redraw tick

    def action_start(self) -> None:
        self._stop_everything()
        self.records = []
        self.mode = "training"
        self.source = "live"
        self.set_status("showing a live run: training (full batch; every step is one point)…")
        self.start_job(jobs_of(self.app).make("grok", self.config))
        self.redraw()

    def action_pause(self) -> None:
        if self.mode == "training":
            self.mode = "paused"
            self.send(Pause())
            self.set_status("paused (space: resume)")
        elif self.mode == "paused":
            self.mode = "training"
            self.send(Resume())
            self.set_status("training…")
        elif self.mode == "replay" and self.replay_timer is not None:
            self.replay_paused = not self.replay_paused
            if self.replay_paused:
                self.replay_timer.pause()
            else:
                self.replay_timer.resume()
        self.redraw()

    def action_reset(self) -> None:
        self._stop_everything()
        self.records = []
        self.mode = "idle"
        self.set_status("reset (s: start)")
        self.redraw()

    def _stop_everything(self) -> None:
        self.stop_job()
        if self.replay_timer is not None:
            self.replay_timer.stop()
            self.replay_timer = None

    def action_cycle(self, field: str) -> None:
        if self.mode in ("training", "paused"):
            self.set_status("reset (x) before changing the settings")
            return
        c = self.config
        if field == "seed":
            self.config = replace(c, seed=c.seed + 1)
        else:
            options = {"weight_decay": WEIGHT_DECAYS, "train_fraction": FRACTIONS, "width": WIDTHS}[field]
            cur = getattr(c, field)
            i = options.index(cur) if cur in options else -1
            self.config = replace(c, **{field: options[(i + 1) % len(options)]})
        self.redraw()

    # -- replay -------------------------------------------------------------------------------
    def action_load(self) -> None:
        self._stop_everything()
        try:
            config, records, command = grok_recording()
        except ValueError as exc:  # one sentence (markup escaped: a path may hold brackets)
            self.set_status(f"[b red]{escape(str(exc))}[/]")
            return
        self.config = config
        self.replay = records
        self.replay_pos = 0
        self.records = []
        self.mode = "replay"
        self.source = f"recorded: {command}"
        self.replay_paused = False
        self.replay_timer = self.set_interval(REPLAY_INTERVAL, self._replay_tick)
        self.set_status(f"showing the recorded run: {len(records):,} steps replayed (+/- speed, "
                        "space pause) · s: train live instead")
        self.redraw()

    def _replay_tick(self) -> None:
        n = REPLAY_SPEEDS[self.replay_speed]
        if self.replay_pos >= len(self.replay):
            if self.replay_timer is not None:
                self.replay_timer.stop()
            self.mode = "idle"
            self.set_status("the recorded run, replayed (l: again · s: train live)")
            return
        self.records.extend(self.replay[self.replay_pos : self.replay_pos + n])
        self.replay_pos += n
        self.dirty = True

    def action_faster(self) -> None:
        self.replay_speed = min(self.replay_speed + 1, len(REPLAY_SPEEDS) - 1)
        self.set_status(f"replay speed: {REPLAY_SPEEDS[self.replay_speed]} steps a frame")

    def action_slower(self) -> None:
        self.replay_speed = max(self.replay_speed - 1, 0)
        self.set_status(f"replay speed: {REPLAY_SPEEDS[self.replay_speed]} steps a frame")

    def action_back(self) -> None:
        self._stop_everything()
        super().action_back()

    def on_unmount(self) -> None:
        self._stop_everything()

    # -- drawing ------------------------------------------------------------------------------
    def redraw(self) -> None:
        c = self.config
        self.query_one("#grok-controls", Static).update(
            f"[b]a/b mod {c.p}[/] · transformer {c.layers} layer, width [b]{c.width}[/] (d) · "
            f"train fraction [b]{c.train_fraction}[/] (f) · weight decay [b]{c.weight_decay}[/] (w) · "
            f"lr {c.lr} · seed [b]{c.seed}[/] (e) · {self.mode}"
        )
        recs = self.records
        steps = [r.step for r in recs]
        cross, marks = draw_grok_accuracy(self.query_one("#acc", PlotextPlot), "accuracy (log step)",
                                          recs)
        ln2 = math.log(2)
        draw_lines(self.query_one("#loss", PlotextPlot), "loss: bits an answer (log step)",
                   [("train", steps, [r.train_loss / ln2 for r in recs]),
                    ("validation", steps, [r.val_loss / ln2 for r in recs])], log_x=True,
                   vlines=marks)
        draw_lines(self.query_one("#norm", PlotextPlot), "total weight norm",
                   [("norm", steps, [r.weight_norm for r in recs])], vlines=marks)
        last = recs[-1] if recs else None
        lines = []
        if last:
            lines.append(f"step [b]{last.step:,}[/] · {last.seconds:.1f} s")
            lines.append(f"train acc {last.train_acc:.1%} · validation acc {last.val_acc:.1%}")
            lines.append(f"validation answers cost {last.val_bits:,.0f} bits "
                         f"({last.val_bits / max(1, self._val_size()):.2f} bits each)")
        for name in ("train", "val"):
            s = cross[f"{name}99_step"]
            label = "train" if name == "train" else "validation"
            lines.append(f"{label} ≥ 99% at step {s:,}" if s else f"{label} not yet at 99%")
        if cross["train99_step"] and cross["val99_step"]:
            lines.append(f"lag: validation took [b]{cross['val99_step'] / cross['train99_step']:.1f}×[/] "
                         "as many steps: memorised first, generalised later")
        if self.source:
            lines.append(f"[dim]{self.source}[/]")
        self.query_one("#grok-summary", Static).update("\n".join(lines) or "no steps yet")

    def _val_size(self) -> int:
        c = self.config
        return c.p * (c.p - 1) - round(c.train_fraction * c.p * (c.p - 1))
