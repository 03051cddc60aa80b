"""The train screen: watch the loss curve become the code length, live."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass

from textual import work
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from ..charts import back_to_explorer, draw_lines
from ..messages import EngineFailed, EngineStatus, TrainProgress
from ..widgets.position_heatmap import PositionHeatmap

DIGITS = (2, 4, 6, 8)
SIZES = ("tiny", "small", "medium")
SPEEDS = (50, 200, 1000, 0)  # sequences a second; 0: as fast as it goes
POST_INTERVAL = 1 / 30
REDRAW_INTERVAL = 1 / 8  # charts are costly to draw: at most 8 frames a second, keys first
HEAT_COLUMNS = 256  # time columns kept for the heatmap (older ones merged pairwise)


@dataclass(frozen=True)
class TrainSettings:
    digits: int = 4  # operand digits
    leading_zeros: bool = False
    reverse: bool = False  # answer least significant digit first
    model: str = "transformer"  # or lstm
    size: str = "small"
    compare: bool = False  # also train the next larger size on the very same stream

    def configs(self):
        from lmviz.core.online import LearnerConfig
        from lmviz.core.tasks import AdditionTask

        task = AdditionTask(digits=self.digits, leading_zeros=self.leading_zeros,
                            reverse_answer=self.reverse).spec()
        # Batch 8 and two threads: on 2 cores this learns 4-digit addition fastest per second
        # (benchmarks/train.py).
        first = LearnerConfig(task=task, model=self.model, size=self.size, batch_size=8, threads=2)
        if not self.compare:
            return [first]
        bigger = SIZES[min(SIZES.index(self.size) + 1, len(SIZES) - 1)]
        if bigger == self.size:
            bigger = SIZES[SIZES.index(self.size) - 1]
        return [first, first.replace(size=bigger)]

    def labels(self) -> list[str]:
        if not self.compare:
            return [f"{self.model} {self.size}"]
        return [f"{c.model} {c.size}" for c in self.configs()]


class TrainScreen(Screen):
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
    TrainScreen Grid {
        grid-size: 2 2;
        grid-columns: 1fr 1fr;
        grid-rows: 1fr 1fr;
    }
    TrainScreen #identity {
        height: 1;
        padding: 0 1;
    }
    """

    def __init__(self, digits: int = 4, autostart: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.settings = TrainSettings(digits=digits)
        self.autostart = autostart  # False: wait for records (tests feed fixed ones)
        self.speed = len(SPEEDS) - 1
        self.resume = threading.Event()
        self.resume.set()
        self.requests: list[tuple[str, str]] = []
        self.generation = 0  # bumped by every (re)start of the training worker  # (what, path) for the worker: save / export
        self.reset_state()

    def reset_state(self) -> None:
        self.curves: list[dict] = [{"x": [], "loss": [], "cum": []} for _ in range(2)]
        self.heat: list[list[float]] = []
        self.labels: tuple[str, ...] = ()
        self.baselines: dict[str, list] = {"x": [], "gzip": [], "bzip2": [], "xz": []}
        self.last = [None, None]
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
        yield Footer()

    def on_mount(self) -> None:
        self.app.sub_title = "online training: the loss curve is the code length"
        self.dirty = False
        self.set_interval(REDRAW_INTERVAL, self._redraw_if_dirty)
        if self.autostart:
            self.restart()
        else:
            self.redraw()

    # -- worker ---------------------------------------------------------------------------------
    def restart(self) -> None:
        self.workers.cancel_group(self, "train")
        self.reset_state()
        self.resume.set()
        self.generation += 1
        self.set_status("loading torch…")
        self.run_training(self.settings, self.generation)
        self.redraw()

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def run_training(self, settings: TrainSettings, generation: int) -> None:
        worker = get_current_worker()
        try:
            from lmviz.core.learn import classical_bits, learn_stream
            from lmviz.core.online import OnlineLearner

            configs = settings.configs()
            learners = [OnlineLearner(c) for c in configs]
            # The same data seed: every run sees the very same stream.
            streams = [learn_stream(c, 10**9, data_seed=1, report_every=0, learner=lrn,
                                    keep_text=(i == 0))
                       for i, (c, lrn) in enumerate(zip(configs, learners))]
            self.post_message(EngineStatus("training… (space: pause)"))
            text = bytearray()
            next_baseline = 256
            pending: list = []
            last_post = time.perf_counter()
            t_start = time.perf_counter()
            while not worker.is_cancelled:
                if not self.resume.wait(0.05):
                    continue
                self._serve_requests(learners[0])
                for i, s in enumerate(streams):
                    prog, new_text = next(s)
                    if i == 0:
                        text += new_text
                    pending.append((i, prog))
                base = None
                n = pending[-1][1].sequences
                if n >= next_baseline:
                    base = {k: v / n for k, v in classical_bits(bytes(text)).items()}
                    base["sequences"] = n
                    next_baseline = int(n * 1.5)
                cap = SPEEDS[self.speed]
                if cap:
                    time.sleep(max(0.0, n / cap - (time.perf_counter() - t_start)))
                now = time.perf_counter()
                if now - last_post >= POST_INTERVAL or base:
                    self.post_message(TrainProgress(generation, tuple(pending), base or {}))
                    pending, last_post = [], now
        except Exception as exc:
            self.post_message(EngineFailed(f"training stopped: {exc}"))

    def _serve_requests(self, learner) -> None:
        while self.requests:
            what, path = self.requests.pop(0)
            learner.save(path)
            self.post_message(EngineStatus(f"saved {path}" if what == "save" else f"export:{path}"))

    def on_train_progress(self, msg: TrainProgress) -> None:
        if msg.generation != self.generation:
            return  # sent by a run that a reset or a settings change has cancelled
        for run, prog in msg.records:
            c = self.curves[run]
            c["x"].append(prog.sequences)
            c["loss"].append(float(prog.position_bits.mean()))
            c["cum"].append(prog.cumulative_bits_per_sequence)
            self.last[run] = prog
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
        self.dirty = True  # drawn by the next tick of _redraw_if_dirty

    def _redraw_if_dirty(self) -> None:
        if self.dirty:
            self.dirty = False
            self.redraw()

    def on_engine_status(self, msg: EngineStatus) -> None:
        if msg.text.startswith("export:"):
            self._open_in_explorer(msg.text.removeprefix("export:"))
            return
        self.set_status(msg.text)

    def on_engine_failed(self, msg: EngineFailed) -> None:
        self.set_status(f"[b red]{msg.text}[/]")

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # -- actions --------------------------------------------------------------------------------
    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self.resume.clear()
            self.set_status("paused (space: resume)")
        else:
            self.resume.set()
            self.set_status("training…")
        self.redraw()

    def _change(self, **changes) -> None:
        from dataclasses import replace

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
        self._change(size=SIZES[(SIZES.index(self.settings.size) + 1) % len(SIZES)])

    def action_faster(self) -> None:
        self.speed = min(self.speed + 1, len(SPEEDS) - 1)
        self.redraw()

    def action_slower(self) -> None:
        self.speed = max(self.speed - 1, 0)
        self.redraw()

    def action_reset(self) -> None:
        self.restart()

    def action_save(self) -> None:
        path = os.path.abspath(f"lmviz-addition{self.settings.digits}.pt")
        self.requests.append(("save", path))
        self.set_status(f"saving {path} after this batch…")

    def action_to_explorer(self) -> None:
        fd, path = tempfile.mkstemp(prefix="lmviz-trained-", suffix=".pt")
        os.close(fd)
        self.requests.append(("export", path))
        self.set_status("sending the current model to the explorer…")

    def _open_in_explorer(self, path: str) -> None:
        from ..engine import Engine, ExplorerRequest
        from .explorer import ExplorerScreen

        self.resume.clear()
        self.paused = True
        request = ExplorerRequest(text=None, checkpoint=path, digits=self.settings.digits)
        self.app.push_screen(ExplorerScreen(Engine(request), None, "pretrained"))

    def action_back(self) -> None:
        self.workers.cancel_group(self, "train")
        back_to_explorer(self)

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "train")
        self.resume.set()

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
            self.query_one("#identity", Static).update(
                f"identity: streaming coder produced [b]{last.stream_bits:,}[/] bits · area under the "
                f"loss curve Σ -log2 q = [b]{last.ideal_bits:,.1f}[/] bits · they differ by "
                f"[b]{last.stream_bits - last.ideal_bits:.1f}[/] bits"
            )
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
        if p is not None:
            answers = [v for lab, v in zip(p.position_labels, p.position_bits) if lab.startswith("c")]
            lines.append(f"answer digits now: {sum(answers) / max(len(answers), 1):.3f} bits each")
        self.query_one("#train-summary", Static).update("\n".join(lines) or "starting…")
