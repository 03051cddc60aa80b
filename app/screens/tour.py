"""The guided tour: the article's argument step by step, each claim beside the live view that
proves it (`lmviz tour`, or T from any screen)."""

from __future__ import annotations

import time

import numpy as np
from rich.markup import escape
from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from ..charts import ProgressCurves, identity_text
from ..jobs.base import JobControl
from ..jobs.events import Failed, StepRecords, TrainBatch
from ..jobs.factory import jobs_of
from ..jobs.views import ScaleError, grok_recording, scale_recording
from ..messages import JobEvent, run_job_posting
from ..size_guard import SizeGuard, too_small_label
from ..tour import STEPS, TourStep
from ..tour_views import VIEWS
from ..widgets.bisection_panel import BisectionPanel
from ..widgets.code_length_table import CodeLengthTable
from ..widgets.interval_bar import IntervalBar
from ..widgets.loss_panel import LossPanel, LossView
from ..widgets.sequence_strip import SequenceStrip

REDRAW_INTERVAL = 1 / 8  # live charts: at most 8 frames a second
REPLAY_STEPS_PER_FRAME = 64  # the grokking replay: about 3 s for the recorded run
SCALE_REPLAY_FRAMES = 90  # the scaling recording replays in about 3 s


class TourScreen(SizeGuard, Screen):
    """Step k of N: a paragraph on the left, a live view on the right, enter to try it."""

    BINDINGS = [
        Binding("right,n", "next", "Next", key_display="→/n"),
        Binding("left,p", "previous", "Back", key_display="←/p"),
        Binding("enter", "try_it", "Try it"),
        Binding("b", "bisect", "Bisect step", show=False),
        Binding("backspace", "bisect_reset", "Bisect from the start", show=False),
        Binding("escape,q", "leave", "Leave the tour", key_display="esc/q"),
    ]

    DEFAULT_CSS = """
    TourScreen #tour-head {
        height: 1;
        padding: 0 1;
        background: $boost;
        text-style: bold;
    }
    TourScreen #tour-text {
        width: 46;
        padding: 1 2;
        border-right: vkey $primary-darken-2;
    }
    TourScreen #tour-stage {
        width: 1fr;
    }
    TourScreen #tour-stage PlotextPlot {
        height: 1fr;
    }
    TourScreen .tour-line {
        height: auto;
        padding: 0 1;
    }
    TourScreen #tour-stage LossPanel {
        height: 13;
    }
    TourScreen #tour-stage SequenceStrip {
        height: 8;  /* two or three lines of tokens, each with its costs beneath */
    }
    """

    def __init__(self, step: int = 0, first: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.index = max(0, min(step, len(STEPS) - 1))
        self.first = first  # the app's first screen: leaving the tour quits
        self.job = None
        self.generation = 0
        self.records = None  # StepRecords of the step on show
        self.live = ProgressCurves()  # a live step's training records
        self.grok: list = []  # the recorded grokking run, replayed so far
        self.grok_source: list = []
        self.timer = None
        self.dirty = False
        self.bisect_shown = 0
        self.away = False  # a "try it" screen is on top
        self.failure: str | None = None  # the step's engine failed (one sentence)
        self.started = 0.0  # monotonic time the step was shown

    @property
    def step(self) -> TourStep:
        return STEPS[self.index]

    # -- layout ---------------------------------------------------------------------------------
    def compose(self):
        yield Header()
        yield Static("", id="tour-head")
        with Horizontal(id="tour-body"):
            yield Static("", id="tour-text")
            yield VerticalScroll(id="tour-stage")  # PgDn/PgUp where a small terminal cuts it
        yield Static("", id="status")
        yield too_small_label()
        yield Footer()

    async def on_mount(self) -> None:
        self.app.sub_title = "a guided tour: training a model is compressing its data"
        self.set_interval(REDRAW_INTERVAL, self._redraw_if_dirty)
        await self.show_step()

    # -- steps ----------------------------------------------------------------------------------
    async def show_step(self) -> None:
        """Leave whatever the last step ran, lay out this one's view and start its engine."""
        self._stop()
        self.generation += 1
        self.records = None
        self.failure = None
        self.started = time.monotonic()
        self.bisect_shown = 0
        st = self.step
        self.query_one("#tour-head", Static).update(
            f"Step {self.index + 1} of {len(STEPS)} · {escape(st.title)}")
        keys = f"\n\n{st.keys}" if st.keys else ""
        self.query_one("#tour-text", Static).update(
            f"{st.text}{keys}\n\n[b]enter[/]: try it in {escape(st.try_it_label)}\n"
            f"[dim]→ or n: next · ← or p: back · esc or q: leave · PgDn/PgUp: scroll[/]")
        stage = self.query_one("#tour-stage", VerticalScroll)
        await stage.remove_children()  # gone before the next view's widgets (same ids) arrive
        view = VIEWS[st.view]
        await stage.mount(*view.widgets())
        view.start(self, st.view)

    def _stop(self) -> None:
        self.workers.cancel_group(self, "tour")
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.live = ProgressCurves()
        self.grok = []
        self.scale_shown = 0

    def _tour_job(self):
        if self.job is None:
            self.job = jobs_of(self.app).make("tour")(JobControl())
        return self.job

    def load_records(self, key: str) -> None:
        """The step's records from the tour job, in a worker (a view's `start`)."""
        self._load(key, self.generation)

    def run_live(self, settings) -> None:
        """Train live with these settings, in a worker (a live view's `start`)."""
        self._run_live(jobs_of(self.app).make("training", settings), JobControl(), self.generation)

    @work(thread=True, exclusive=True, group="tour", exit_on_error=False)
    def _load(self, view: str, generation: int) -> None:
        worker = get_current_worker()

        def run(emit, cancelled) -> None:
            records = self._tour_job().records(view, cancelled)
            if not cancelled():
                emit(records)

        # A failure is one sentence on the status line; the tour stays up.
        run_job_posting(self, run, generation, lambda: worker.is_cancelled)

    @work(thread=True, exclusive=True, group="tour", exit_on_error=False)
    def _run_live(self, make_job, control: JobControl, generation: int) -> None:
        worker = get_current_worker()
        run_job_posting(self, lambda emit, cancelled: make_job(control).run(emit, cancelled),
                        generation, lambda: worker.is_cancelled)

    def on_job_event(self, msg: JobEvent) -> None:
        if msg.generation != self.generation:
            return  # an earlier step's answer
        event = msg.event
        if isinstance(event, Failed):
            self.failure = event.text
            self.set_status(f"[b red]{escape(event.text)}[/]")
        elif isinstance(event, TrainBatch):
            self.live.add(event.records)
            self.set_status("training live (leave the step to stop it)")
            self.dirty = True
        elif isinstance(event, StepRecords):
            self.records = event
            self.set_status("")
            VIEWS[self.step.view].fill(self, event)

    # -- drawing --------------------------------------------------------------------------------
    def fill_records(self, rec) -> None:
        """What most views draw from their records: tables, the coded sequence, the totals."""
        for table, data in zip(self.query(CodeLengthTable), rec.tables):
            table.show(data)
        coded = rec.coded
        if coded is not None and self.query(SequenceStrip):
            self._draw_sequence(coded.steps, coded, rec.task)
        if coded is not None and self.query(LossPanel):
            self.query_one(LossPanel).show(LossView.of(
                coded.steps, len(coded.steps), len(coded.bits), rec.task.raw_bits,
                coded.model.weights_bits, coded.classical_bits))

    def _draw_sequence(self, steps, coded, task) -> None:
        strip = self.query_one(SequenceStrip)
        groups = task.display_groups([s.symbol for s in steps])
        given = "".join(task.symbols[t] for t in coded.given)
        # The token the step's paragraph talks about stays in view, however small the strip.
        focus = coded.text.find(self.step.focus) + len(self.step.focus) - 1 if self.step.focus else None
        strip.show(given, [s.text for s in steps], [s.bits for s in steps], len(steps), groups,
                   focus=focus if focus is not None and focus >= 0 else None)
        shown = coded.text.replace("\n", "⏎")
        strip.border_title = escape(shown if len(shown) <= 70 else shown[:69] + "…")
        strip.border_subtitle = (f"{coded.model.kind} model · {len(coded.bits)} bits streamed · "
                                 "colour and number: each token's bits")

    def draw_decode(self, coded, decoded, task) -> None:
        bits = "".join(map(str, coded.bits))
        self.query_one("#tour-bits", Static).update(
            f"[b]Alice's bits[/] ({len(bits)}): [b #ffd75f]{bits}[/]\n"
            "[dim]This is all Bob receives; with the model he already has, it is enough.[/]")
        self._draw_sequence(decoded.steps, coded, task)
        self.query_one(SequenceStrip).border_title = "what Bob read from the bits, token by token"
        same = decoded.text == coded.text
        mark = "[b green]✓ the same as Alice's[/]" if same else "[b red]✗ differs from Alice's[/]"
        self.query_one("#tour-bob", Static).update(
            f"Bob read [b]{escape(decoded.text)}[/]: {mark}")

    def draw_interval(self) -> None:
        a = self.records.interval if self.records else None
        if a is None:
            return
        tr = a.trace
        shown = self.bisect_shown
        lo, hi = tr.interval_after(shown)
        self.query_one(IntervalBar).show([0, *np.cumsum(a.freqs).tolist()], list(a.symbols), a.token, tr.scale, (lo, hi), shown,
                                         (lo + hi) // 2 if shown < len(tr.bits) else None)
        self.query_one(BisectionPanel).show(tr, shown, "Alice", "token 4 of the article's example")
        if shown >= len(tr.bits):
            self.query_one("#tour-bob", Static).update(
                f"Bob replays [b]{''.join(map(str, tr.bits))}[/] to \\[{lo / tr.scale:g}, "
                f"{hi / tr.scale:g}), looks at its middle [b]{a.bob_point:g}[/] and reads token "
                f"[b]{a.bob_token}[/].")
        else:
            self.query_one("#tour-bob", Static).update(
                f"[dim]b: halve once more ({shown} of {len(tr.bits)} halvings shown)[/]")

    def _redraw_if_dirty(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        VIEWS[self.step.view].redraw(self)

    def draw_live(self, labels) -> None:
        from ..charts import draw_lines

        last = self.live.last[0]
        if last is not None:
            self.query_one("#tour-identity", Static).update(
                f"[b]{last.sequences:,}[/] sums so far · {identity_text(last)}")
        runs = [(labels[i], self.live.curves[i]) for i in range(len(labels))]
        top = max([1.0] + [max(c["loss"]) for _, c in runs if c["loss"]])
        draw_lines(self.query_one("#tour-loss"), "loss: bits per token vs sums seen; the shaded "
                   "area is the message", [(name, c["x"], c["loss"]) for name, c in runs],
                   ylim=(0, top * 1.05), fill=True)
        code_f = f" (code f, {last.config_bits:,} bits once, left out)" if last else ""
        draw_lines(self.query_one("#tour-cum"), f"the area so far, bits per sum{code_f}",
                   [(name, c["x"], c["area"]) for name, c in runs])

    def start_grok_replay(self) -> None:
        try:
            _config, records, _command = grok_recording()
        except ValueError as exc:
            self.set_status(f"[b red]{escape(str(exc))}[/]")
            return
        self.grok_source = records
        self.set_status(f"replaying the recorded run: {len(records):,} steps")
        self.timer = self.set_interval(1 / 30, self._grok_tick)

    def _grok_tick(self) -> None:
        n = len(self.grok)
        if n >= len(self.grok_source):
            if self.timer is not None:
                self.timer.stop()
                self.timer = None
            self.set_status("replay finished (enter: the grok screen, where l replays it again)")
            return
        self.grok.extend(self.grok_source[n : n + REPLAY_STEPS_PER_FRAME])
        self.dirty = True

    def draw_grok(self) -> None:
        from ..charts import draw_grok_accuracy

        recs = self.grok
        cross, _marks = draw_grok_accuracy(self.query_one("#tour-acc"),
                                           "accuracy vs step (log): train, then validation", recs,
                                           "validation (unseen pairs)")
        lines = []
        if recs:
            last = recs[-1]
            lines.append(f"step [b]{last.step:,}[/] · train {last.train_acc:.0%} · "
                         f"validation {last.val_acc:.0%} · the unseen pairs' answers cost "
                         f"[b]{last.val_bits:,.0f}[/] bits")
        t, v = cross["train99_step"], cross["val99_step"]
        if t:
            lines.append(f"memorised (train ≥ 99%) at step [b]{t:,}[/]"
                         + (f" · generalised (validation ≥ 99%) at step [b]{v:,}[/], "
                            f"{v / t:.0f}× later" if v else ""))
        self.query_one("#tour-summary", Static).update("\n".join(lines))

    # -- step 10: the scaling recording, replayed ------------------------------------------------
    def start_scale_replay(self) -> None:
        try:
            self.scale_rec = scale_recording(self.app.scale_recording)
            self.scale_loss_range = self.scale_rec.loss_range()  # once: it never changes
        except ScaleError as exc:
            self.set_status(f"[b red]{escape(str(exc))}[/]")
            return
        self.scale_shown = 0
        self.set_status(f"replaying the recording: {self.scale_rec.command}")
        self.timer = self.set_interval(1 / 30, self._scale_tick)

    def _scale_tick(self) -> None:
        n = len(self.scale_rec.chunk_bytes)
        self.scale_shown = min(n, self.scale_shown + max(1, -(-n // SCALE_REPLAY_FRAMES)))
        if self.scale_shown >= n and self.timer is not None:
            self.timer.stop()
            self.timer = None
            self.set_status("recorded with lmviz scale (enter: the scale screen, l: race live)")
        self.dirty = True

    def draw_scale(self) -> None:
        from ..charts import draw_lines, scale_lines

        rec, k = self.scale_rec, self.scale_shown
        x = list(rec.bytes_seen[:k] / 1024)
        names = [s.name for s in rec.sizes]
        lo, hi = self.scale_loss_range  # clipped there: the first KB would flatten the rest
        draw_lines(self.query_one("#tour-loss"), "loss: bits a byte vs KB of English seen",
                   [(n, x, list(np.clip(rec.smoothed_loss(i)[:k], lo, hi)))
                    for i, n in enumerate(names)])
        draw_lines(self.query_one("#tour-cum"), "whole message so far: bits a byte "
                   "(code f + area under the curve) / bytes seen",
                   [(n, x, list(rec.message(i)[:k] / rec.bytes_seen[:k]))
                    for i, n in enumerate(names)])
        done = k >= len(rec.chunk_bytes)
        self.query_one("#tour-identity", Static).update(
            "\n".join(scale_lines(rec, k, crossings=done)))

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def ready(self, live_seconds: float) -> bool:
        """Has the step drawn what it shows (for `lmviz tour --export`)? A live step is ready
        after ``live_seconds`` of training; the grokking replay, once it has finished."""
        return VIEWS[self.step.view].ready(self, live_seconds)

    # -- actions --------------------------------------------------------------------------------
    async def action_next(self) -> None:
        if self.index + 1 < len(STEPS):
            self.index += 1
            await self.show_step()
        else:
            self.set_status("[b]That is the end of the tour.[/] Next: your own text (enter, then "
                            "e), lmviz scale, lmviz inspect FILE; esc leaves.")

    async def action_previous(self) -> None:
        if self.index > 0:
            self.index -= 1
            await self.show_step()

    def action_bisect(self) -> None:
        if VIEWS[self.step.view].bisects and self.records is not None:
            self.bisect_shown = min(self.bisect_shown + 1, len(self.records.interval.trace.bits))
            self.draw_interval()

    def action_bisect_reset(self) -> None:
        if VIEWS[self.step.view].bisects and self.records is not None:
            self.bisect_shown = 0
            self.draw_interval()

    def action_try_it(self) -> None:
        self._stop()
        self.generation += 1  # whatever was on its way is for a step no longer running
        self.away = True
        self.app.try_tour_step(self.step.try_it)

    async def on_screen_resume(self) -> None:
        self.app.sub_title = "a guided tour: training a model is compressing its data"
        if self.away:  # back from "try it": the step starts again
            self.away = False
            await self.show_step()

    def action_leave(self) -> None:
        self._stop()
        if self.first:
            self.app.exit()
        else:
            self.app.pop_screen()

    def on_unmount(self) -> None:
        self._stop()

