"""The explorer: step through an encode token by token and bisection step by step."""

from __future__ import annotations

import numpy as np
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static
from textual.worker import get_current_worker

from ..engine import MODEL_KINDS
from ..messages import EngineFailed, EngineStatus, ModelInfo, SequenceCoded, SequenceDecoded
from ..widgets.bisection_panel import BisectionPanel
from ..widgets.interval_bar import IntervalBar
from ..widgets.loss_panel import LossPanel, LossView
from ..widgets.sequence_strip import SequenceStrip
from ..widgets.topk_table import TopKTable

SPEEDS = (1, 2, 4, 8, 16, 32)  # tokens per second when playing


class ExplorerScreen(Screen):
    """Alice codes a sequence; the user steps through it. Records come from the engine worker."""

    BINDINGS = [
        Binding("space", "next_token", "Next token"),
        Binding("b", "bisect_step", "Bisect step"),
        Binding("enter", "finish", "Finish seq"),
        Binding("backspace", "step_back", "Back"),
        Binding("r", "play", "Play/pause"),
        Binding("plus,equals_sign", "faster", "Faster", key_display="+"),
        Binding("minus", "slower", "Slower", key_display="-"),
        Binding("n", "new_sequence", "New seq"),
        Binding("e", "edit", "Edit"),
        Binding("m", "switch_model", "Model"),
        Binding("d", "bob", "Bob's view"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("t", "app.show_train", "Train"),
        Binding("g", "app.show_grok", "Grok"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, engine, initial_text: str | None, kind: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.engine = engine
        self.initial_text = initial_text
        self.kind = kind
        self.steps: tuple = ()  # the records on show (Alice's or Bob's)
        self.alice: tuple = ()
        self.bob: tuple | None = None
        self.bits: tuple[int, ...] = ()
        self.text = ""
        self.bob_text = ""
        self.matches: bool | None = None
        self.view = "alice"
        self.pos = 0  # tokens fully sent
        self.bstep = 0  # bisection steps shown of token `pos`
        self.playing = False
        self.speed_index = 2
        self.timer = None
        self.info: ModelInfo | None = None
        self.online_totals: list[float] = []
        self.seq_task = None  # parsed lazily for the editor (numpy only)
        self._strip_cache: tuple = (None, ([], []))  # (records, (texts, bits))
        self._drawn_token_state: tuple | None = None  # (records, pos) the lower panels show
        self._reject_note = ""

    # -- layout -------------------------------------------------------------------------------
    def compose(self):
        yield Header()
        yield Static("starting…", id="model-info")
        with Vertical(id="main"):
            yield SequenceStrip(id="strip")
            with Horizontal(id="middle"):
                with Vertical(id="left"):
                    yield IntervalBar(id="interval")
                    yield BisectionPanel(id="bisection")
                yield TopKTable(id="topk")
            yield LossPanel(id="loss")
            with Vertical(id="editor"):
                yield Input(placeholder="17282456+79546852=96829308", id="edit-input", disabled=True)
                yield Label("", id="edit-error")
        yield Label("The terminal is too small for lmviz: make it at least 100×30.", id="too-small")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.app.sub_title = "training an autoregressive model is lossless compression"
        self._check_size()
        # Start the engine (and so torch's import) only once the first frame is on screen.
        self.call_after_refresh(self.request_sequence, self.initial_text)

    def on_resize(self, event) -> None:
        self._check_size()

    def _check_size(self) -> None:
        w, h = self.app.size
        self.set_class(w < 100 or h < 30, "too-small")
        self.set_class(h < 40, "compact")

    # -- engine -------------------------------------------------------------------------------
    def request_sequence(self, text: str | None) -> None:
        if text is not None:
            self.stop_playing()
        self.set_status("coding the sequence…" if self.info else "loading torch and the model…")
        self.run_encode(text, self.kind)

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def run_encode(self, text: str | None, kind: str) -> None:
        worker = get_current_worker()
        try:
            engine = self.engine
            info = engine.info(kind)
            seq = engine.parse(text, kind) if text else engine.sample(kind)
            result = engine.encode(seq, kind, cancelled=lambda: worker.is_cancelled)
            if result is None or worker.is_cancelled:
                return
            steps, bits, decoded = result
            after = engine.info(kind)
            self.post_message(SequenceCoded(steps, bits, decoded, after if kind == "online" else info))
        except Exception as exc:  # reported in one sentence; the UI stays up
            self.post_message(EngineFailed(_sentence(exc)))

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def run_decode(self, bits: tuple[int, ...], kind: str) -> None:
        worker = get_current_worker()
        try:
            self.post_message(EngineStatus("Bob decodes from the bits alone…"))
            result = self.engine.decode(bits, kind, cancelled=lambda: worker.is_cancelled)
            if result is None or worker.is_cancelled:
                return
            steps, text = result
            self.post_message(SequenceDecoded(steps, text, text == self.text))
        except Exception as exc:
            self.post_message(EngineFailed(_sentence(exc)))

    def on_sequence_coded(self, msg: SequenceCoded) -> None:
        self.alice, self.bits, self.text, self.info = msg.steps, msg.bits, msg.text, msg.model
        self.bob, self.bob_text, self.matches = None, "", None
        self.view = "alice"
        self.steps = self.alice
        self.pos = 0
        self.bstep = 0
        if msg.model.kind == "online":
            self.online_totals.append(msg.steps[-1].totals.ideal_bits)
        self.set_status(f"Alice coded {self.text} in {len(self.bits)} bits. "
                        "space: next token · b: one bisection step · ?: help")
        self.refresh_view()
        self._show_info()

    def on_sequence_decoded(self, msg: SequenceDecoded) -> None:
        self.bob, self.bob_text, self.matches = msg.steps, msg.text, msg.matches
        if self.view == "bob":
            self.steps = self.bob
            self.pos, self.bstep = 0, 0
            self.set_status(f"Bob's view: decoding {len(self.bits)} bits with the same model.")
            self.refresh_view()
            self._show_info()

    def on_engine_status(self, msg: EngineStatus) -> None:
        self.set_status(msg.text)

    def on_engine_failed(self, msg: EngineFailed) -> None:
        self.stop_playing()
        self.set_status(f"[b red]{msg.text}[/]")
        if self.kind == "pretrained" and not self.alice:
            # No checkpoint: fall back to an untrained model so the screen still teaches.
            self.kind = "untrained"
            self.request_sequence(self.initial_text)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # -- drawing ------------------------------------------------------------------------------
    def refresh_view(self) -> None:
        steps = self.steps
        if not steps:
            return
        n = len(steps)
        cur = steps[min(self.pos, n - 1)]
        given = "".join(self._given())
        strip = self.query_one(SequenceStrip)
        texts, bits = self._strip_source(steps)
        if strip.current != self.pos or strip.tokens is not texts:
            strip.show(given, texts, bits, self.pos)
        title = (f"Bob's view: decoding {len(self.bits)} bits alone" if self.view == "bob"
                 else f"Alice sends {given}{''.join(s.text for s in steps)}")
        if strip.border_title != title:
            strip.border_title = title
        # Border labels are costly to redraw: they change only with the view, not per token.
        if self.pos >= n and self.view == "bob" and self.matches is not None:
            mark = "✓ matches Alice's text" if self.matches else "✗ differs from Alice's text"
            subtitle = f"Bob read {self.bob_text}: {mark}"
        else:
            subtitle = ""
        if strip.border_subtitle != subtitle:
            strip.border_subtitle = subtitle
        tr = cur.bisection
        shown = len(tr.bits) if self.pos >= n else min(self.bstep, len(tr.bits))
        lo, hi = 0, tr.scale
        for b in tr.bits[:shown]:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if b == 0 else (mid, hi)
        symbols = list(self._symbols())
        self._show_interval(cur, symbols, lo, hi, shown)
        reader = "Bob" if self.view == "bob" else "Alice"
        self.query_one(BisectionPanel).show(tr, shown, reader,
                                            f"token {min(self.pos + 1, n)} of {n} ({cur.text!r})")
        # A bisection step changes only the two panels above; skip the rest (frames are costly).
        token_state = (id(steps), self.pos)
        if token_state != self._drawn_token_state:
            self._drawn_token_state = token_state
            self.query_one(TopKTable).show(cur.freqs, cur.true_probs, symbols, cur.symbol)
            self.query_one(LossPanel).show(self._loss_view())

    def _strip_source(self, steps) -> tuple[list[str], list[float]]:
        """Token texts and costs of a record set, made once per set (not per key press)."""
        if self._strip_cache[0] is not steps:
            self._strip_cache = (steps, ([s.text for s in steps], [s.bits for s in steps]))
        return self._strip_cache[1]

    def _show_interval(self, cur, symbols, lo, hi, shown) -> None:
        tr = cur.bisection
        bar = self.query_one(IntervalBar)
        bar.show([0, *np.cumsum(cur.freqs).tolist()], symbols, cur.symbol, tr.scale, (lo, hi), shown,
                 (lo + hi) // 2 if shown < len(tr.bits) else None)

    def _given(self) -> list[str]:
        """The tokens before the first coded one, given to both sides ('s' for addition)."""
        return list(self.text[: self.steps[0].position])

    def _current_task(self):
        """The task (numpy only, no torch), made on first use."""
        if self.seq_task is None:
            self.seq_task = self.engine.task()
        return self.seq_task

    def _symbols(self) -> tuple[str, ...]:
        return self._current_task().symbols

    def _loss_view(self) -> LossView:
        steps = self.steps
        n = len(steps)
        sent = min(self.pos, n)
        last = steps[sent - 1] if sent else None
        tot = last.totals if last else None
        final = len(self.bits) if sent >= n else None
        online = None
        if self.info and self.info.kind == "online" and self.online_totals:
            online = sum(self.online_totals) / len(self.online_totals)
        return LossView(
            labels=tuple(s.text for s in steps),
            aleatoric=tuple(s.aleatoric_bits for s in steps),
            epistemic=tuple(s.epistemic_bits for s in steps),
            bits=tuple(s.bits for s in steps),
            sent=sent,
            floor_total=steps[-1].totals.floor_bits,
            ideal=tot.ideal_bits if tot else 0.0,
            bisection=tot.bisection_bits if tot else 0,
            header=tot.header_bits if tot else 0,
            stream=tot.stream_bits if tot else 0,
            stream_final=final,
            raw=tot.raw_bits if tot else 0,
            stream_low=(last.stream.low_after / 2**32) if last else 0.0,
            stream_high=((last.stream.high_after + 1) / 2**32) if last else 1.0,
            stream_last_bits="".join(map(str, last.stream.bits)) if last else "",
            pending=last.stream.pending if last else 0,
            config_bits=steps[-1].totals.config_bits,
            online_bits_per_sequence=online,
            online_sequences=len(self.online_totals),
        )

    def _show_info(self) -> None:
        i = self.info
        if i is None:
            return
        speed = f" · playing {SPEEDS[self.speed_index]} tok/s" if self.playing else ""
        task = self._task_label()
        self.query_one("#model-info", Static).update(
            f"[b]{task}[/] · [b]{i.kind}[/] {i.description} ({i.parameters:,} params, "
            f"{i.sequences_seen:,} seqs seen, checkpoint {i.checkpoint})"
            f" · [b]{'Bob decodes' if self.view == 'bob' else 'Alice encodes'}[/]{speed}"
        )

    def _task_label(self) -> str:
        spec = self._current_task().spec()
        if spec["name"] == "addition":
            return f"addition, {spec['digits']} digits"
        return spec["name"]

    # -- actions ------------------------------------------------------------------------------
    def _ready(self) -> bool:
        return bool(self.steps)

    def action_next_token(self) -> None:
        if not self._ready():
            return
        if self.pos < len(self.steps):
            self.pos += 1
            self.bstep = 0
        self.refresh_view()

    def action_bisect_step(self) -> None:
        if not self._ready() or self.pos >= len(self.steps):
            return
        need = len(self.steps[self.pos].bisection.bits)
        if self.bstep < need:
            self.bstep += 1
        else:
            self.pos += 1
            self.bstep = 0
        self.refresh_view()

    def action_finish(self) -> None:
        if self._ready():
            self.pos = len(self.steps)
            self.bstep = 0
            self.refresh_view()

    def action_step_back(self) -> None:
        if not self._ready():
            return
        if self.bstep > 0:
            self.bstep = 0
        elif self.pos > 0:
            self.pos -= 1
        self.refresh_view()

    def action_play(self) -> None:
        if self.playing:
            self.stop_playing()
        else:
            self.playing = True
            self._restart_timer()
        self._show_info()

    def stop_playing(self) -> None:
        self.playing = False
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def _restart_timer(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_interval(1 / SPEEDS[self.speed_index], self._tick)

    def _tick(self) -> None:
        if not self._ready():
            return
        if self.pos < len(self.steps):
            self.action_next_token()
        elif self.view == "alice":
            self.request_sequence(None)  # keep playing through fresh sequences

    def action_faster(self) -> None:
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)
        if self.playing:
            self._restart_timer()
        self.set_status(f"speed: {SPEEDS[self.speed_index]} tokens a second")
        self._show_info()

    def action_slower(self) -> None:
        self.speed_index = max(self.speed_index - 1, 0)
        if self.playing:
            self._restart_timer()
        self.set_status(f"speed: {SPEEDS[self.speed_index]} tokens a second")
        self._show_info()

    def action_new_sequence(self) -> None:
        self.request_sequence(None)

    def action_switch_model(self) -> None:
        i = MODEL_KINDS.index(self.kind) if self.kind in MODEL_KINDS else 0
        self.kind = MODEL_KINDS[(i + 1) % len(MODEL_KINDS)]
        self.set_status(f"switching to the {self.kind} model…")
        if self.kind != "online":
            self.online_totals.clear()
        text = self.text[1:-1] if self.text and self.seq_task and self.seq_task.name == "addition" else None
        self.request_sequence(text or None)

    def action_bob(self) -> None:
        if not self._ready():
            return
        if self.view == "bob":
            self.view = "alice"
            self.steps = self.alice
            self.set_status("Alice's view.")
            self.refresh_view()
            self._show_info()
            return
        self.view = "bob"
        self.stop_playing()
        if self.bob is None:
            self.run_decode(self.bits, self.info.kind if self.info else self.kind)
        else:
            self.on_sequence_decoded(SequenceDecoded(self.bob, self.bob_text, bool(self.matches)))

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_edit(self) -> None:
        self.stop_playing()
        self.add_class("editing")
        box = self.query_one("#edit-input", Input)
        box.disabled = False
        self._current_task()
        box.value = self.text[1:-1] if self.seq_task.name == "addition" and self.text else self.text
        box.focus()
        self.query_one("#edit-error", Label).update("enter: code it · escape: cancel")

    @on(Input.Changed, "#edit-input")
    def _edit_changed(self, event: Input.Changed) -> None:
        from lmviz.core.tasks import TaskError

        value = event.value
        allowed = set(self.seq_task.symbols) if self.seq_task.name != "moddiv" else set("0123456789/=")
        bad = [(i, ch) for i, ch in enumerate(value) if ch not in allowed and self.seq_task.name != "text"]
        err = self.query_one("#edit-error", Label)
        if bad:
            i, ch = bad[0]
            # Setting the value fires Changed again; that event shows this note, not a parse hint.
            self._reject_note = f"[b red]{ch!r} (position {i + 1}) is not allowed here: use 0-9 + =[/]"
            event.input.value = "".join(c for c in value if c in allowed)
            err.update(self._reject_note)
            return
        if self._reject_note:
            err.update(self._reject_note)
            self._reject_note = ""
            return
        try:
            self.seq_task.parse(value)
            err.update("enter: code it · escape: cancel (a wrong sum is allowed: it just costs more)")
        except TaskError as exc:
            err.update(f"[yellow]{exc}[/]")

    @on(Input.Submitted, "#edit-input")
    def _edit_submitted(self, event: Input.Submitted) -> None:
        from lmviz.core.tasks import TaskError

        try:
            self.seq_task.parse(event.value)
        except TaskError as exc:
            self.query_one("#edit-error", Label).update(f"[b red]{exc}[/]")
            return
        self._close_editor()
        self.request_sequence(event.value)

    def key_escape(self) -> None:
        if self.has_class("editing"):
            self._close_editor()

    def _close_editor(self) -> None:
        self.remove_class("editing")
        self.query_one("#edit-input", Input).disabled = True
        self.set_focus(None)


def _sentence(exc: BaseException) -> str:
    from ..commands import user_message

    return user_message(exc) or f"{type(exc).__name__}: {exc}"
