"""The train screen: watch the loss curve become the code length, live."""

from __future__ import annotations

import os
from dataclasses import replace

from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from ..charts import ProgressCurves, draw_lines, identity_text
from ..jobs.base import ExportModel, Pause, Resume, SaveCheckpoint, SetSpeed
from ..jobs.events import Exported, Saved, TrainBatch
from ..jobs.factory import jobs_of
from ..jobs.settings import TRAIN_SIZES, ExplorerRequest, TrainSettings
from ..size_guard import SizeGuard, too_small_label
from ..widgets.position_heatmap import PositionHeatmap
from .live_chart import LiveChartScreen

DIGITS = (2, 4, 6, 8)
SPEEDS = (50, 200, 1000, 0)  # sequences a second; 0: as fast as it goes
HEAT_COLUMNS = 256  # time columns kept for the heatmap (older ones merged pairwise)


class TrainScreen(SizeGuard, LiveChartScreen):
    """Online (prequential) training of addition, with the classical compressors beside it."""

    BINDINGS = [
        Binding("space", "pause", "Pause/resume"),
        Binding("d", "digits", "Digits"),
        Binding("z", "toggle('leading_zeros')", "Leading zeros"),
        Binding("v", "toggle('reverse')", "Reverse answer"),
        Binding("k", "model_kind", "Model"),
        Binding("i", "size", "Size"),
        Binding("c", "toggle('compare')", "Compare"),
        Binding("plus,equals_sign", "faster", "Faster", key_display="+"),
        Binding("minus", "slower", "Slower", key_display="-"),
        Binding("x", "reset", "Reset"),
        Binding("s", "save", "Save ckpt"),
        Binding("o", "to_explorer", "To explorer"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    DEFAULT_CSS = """
    TrainScreen #identity {
        height: 1;
        padding: 0 1;
    }
    """

    def __init__(self, digits: int = 4, autostart: bool = True, compare: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.settings = TrainSettings(digits=digits, compare=compare)
        self.autostart = autostart  # False: wait for records (tests feed fixed ones)
        self.speed = len(SPEEDS) - 1
        self.reset_state()

    def reset_state(self) -> None:
        self.progress = ProgressCurves()
        self.heat: list[list[float]] = []
        self.labels: tuple[str, ...] = ()
        self.baselines: dict[str, list] = {"x": [], "gzip": [], "bzip2": [], "xz": []}
        self.paused = False

    def compose(self):
        yield Header()
        yield Static("", id="train-controls")
        yield Static("", id="identity")
        with Grid():
            yield PlotextPlot(id="loss-chart")
            yield PlotextPlot(id="cum-chart")
            yield PositionHeatmap(id="heatmap")
            yield Static("", id="train-summary")
        yield Static("", id="status")
        yield too_small_label()
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.app.sub_title = "online training: the loss curve is the code length"
        if self.autostart:
            self.restart()
        else:
            self.redraw()

    def restart(self) -> None:
        self.reset_state()
        self.set_status("loading torch…")
        self.start_job(jobs_of(self.app).make("training", self.settings, SPEEDS[self.speed]))
        self.redraw()

    # -- events ---------------------------------------------------------------------------------
    def handle_record(self, event) -> None:
        if isinstance(event, TrainBatch):
            self._add_records(event)
        elif isinstance(event, Saved):
            self.set_status(f"saved {event.path}")
        elif isinstance(event, Exported):
            self.paused = True
            self.send(Pause())
            self.redraw()
            self.app.open_explorer(ExplorerRequest(
                model=event.checkpoint, model_name=event.name,
                task_spec=self.settings.task().spec()))

    @property
    def curves(self) -> list[dict]:
        return self.progress.curves

    @property
    def last(self) -> list:
        return self.progress.last

    def _add_records(self, msg: TrainBatch) -> None:
        self.progress.add(msg.records)
        for run, prog in msg.records:
            if run == 0:
                self.heat.append(prog.position_bits.tolist())
                self.labels = prog.position_labels
        if len(self.heat) > HEAT_COLUMNS:  # keep it small: merge the history pairwise
            self.heat = [[(a + b) / 2 for a, b in zip(x, y)] for x, y in zip(self.heat[::2], self.heat[1::2])]
        if msg.baselines:
            b = self.baselines
            b["x"].append(msg.baselines["sequences"])
            for k in ("gzip", "bzip2", "xz"):
                b[k].append(msg.baselines[k])
        self.dirty = True  # drawn by the next redraw tick

    # -- actions --------------------------------------------------------------------------------
    def action_pause(self) -> None:
        self.paused = not self.paused
        self.send(Pause() if self.paused else Resume())
        self.set_status("paused (space: resume)" if self.paused else "training…")
        self.redraw()

    def _change(self, **changes) -> None:
        self.settings = replace(self.settings, **changes)
        self.restart()

    def action_digits(self) -> None:
        d = self.settings.digits
        self._change(digits=DIGITS[(DIGITS.index(d) + 1) % len(DIGITS)] if d in DIGITS else 4)

    def action_toggle(self, field: str) -> None:
        self._change(**{field: not getattr(self.settings, field)})

    def action_model_kind(self) -> None:
        self._change(model="lstm" if self.settings.model == "transformer" else "transformer")

    def action_size(self) -> None:
        sizes = TRAIN_SIZES
        self._change(size=sizes[(sizes.index(self.settings.size) + 1) % len(sizes)])

    def action_faster(self) -> None:
        self.speed = min(self.speed + 1, len(SPEEDS) - 1)
        self.send(SetSpeed(SPEEDS[self.speed]))
        self.redraw()

    def action_slower(self) -> None:
        self.speed = max(self.speed - 1, 0)
        self.send(SetSpeed(SPEEDS[self.speed]))
        self.redraw()

    def action_reset(self) -> None:
        self.restart()

    def action_save(self) -> None:
        path = os.path.abspath(f"lmviz-addition{self.settings.digits}.pt")
        self.send(SaveCheckpoint(path))
        self.set_status(f"saving {path} after this batch…")

    def action_to_explorer(self) -> None:
        self.send(ExportModel())
        self.set_status("sending the current model to the explorer…")

    # -- drawing --------------------------------------------------------------------------------
    def redraw(self) -> None:
        s = self.settings
        speed = SPEEDS[self.speed]
        self.query_one("#train-controls", Static).update(
            f"[b]addition[/], [b]{s.digits}[/] digits (d) · leading zeros [b]{'on' if s.leading_zeros else 'off'}[/] (z)"
            f" · reversed answer [b]{'on' if s.reverse else 'off'}[/] (v) · model [b]{s.model}[/] (k)"
            f" [b]{s.size}[/] (i) · compare [b]{'on' if s.compare else 'off'}[/] (c)"
            f" · speed {'max' if not speed else f'{speed}/s'} (+/-){' · PAUSED' if self.paused else ''}"
        )
        last = self.last[0]
        if last is not None:
            self.query_one("#identity", Static).update(identity_text(last))
        labels = self.settings.labels()
        runs = [(labels[i], self.curves[i]) for i in range(len(labels))]
        floor = last.floor_bits_per_sequence if last else None
        per_token = floor / len(last.position_labels) if last and floor is not None else None
        draw_lines(self.query_one("#loss-chart", PlotextPlot), "bits per token (recent) vs sequences seen",
                   [(name, c["x"], c["loss"]) for name, c in runs], hline=per_token)
        b = self.baselines
        series = [(f"{name} (cumulative)", c["x"], c["cum"]) for name, c in runs]
        series += [(k, b["x"], b[k]) for k in ("gzip", "bzip2", "xz") if b["x"]]
        draw_lines(self.query_one("#cum-chart", PlotextPlot),
                   "cumulative bits per sequence vs gzip/bzip2/xz", series, hline=floor)
        self.query_one(PositionHeatmap).show(self.labels, self.heat)
        self._summary(runs, floor)

    def _summary(self, runs, floor) -> None:
        lines = []
        for i, (name, _curve) in enumerate(runs):
            p = self.last[i]
            if p is None:
                continue
            lines.append(f"[b]{name}[/]: {p.sequences:,} sequences in {p.seconds:.0f} s "
                         f"({p.sequences / max(p.seconds, 1e-9):,.0f}/s)")
            lines.append(f"  cumulative {p.cumulative_bits_per_sequence:.1f} bits/seq · lr {p.lr:.2g}")
        b = self.baselines
        if b["x"]:
            lines.append(f"gzip -9 {b['gzip'][-1]:.1f} · bzip2 -9 {b['bzip2'][-1]:.1f} · "
                         f"xz -9e {b['xz'][-1]:.1f} bits/seq")
        if floor is not None:
            lines.append(f"floor (generator entropy) {floor:.2f} bits/seq")
        p = self.last[0]
        if p is not None and p.monitored_bits is not None:
            lines.append(f"answer digits now: {p.monitored_bits:.3f} bits each")
        self.query_one("#train-summary", Static).update("\n".join(lines) or "starting…")
