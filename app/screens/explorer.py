"""The explorer: step through an encode token by token and bisection step by step."""

from __future__ import annotations

import numpy as np
from lmviz.core.tasks import TaskError
from rich.markup import escape
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static
from textual.worker import get_current_worker

from ..jobs.base import JobControl
from ..jobs.events import CodedSequence, DecodedSequence, Failed, ModelInfo, Status
from ..jobs.factory import jobs_of
from ..jobs.settings import MODEL_KINDS, ExplorerRequest, ModelKind, task_of
from ..messages import JobEvent, run_job_posting
from ..size_guard import SizeGuard, too_small_label
from ..widgets.bisection_panel import BisectionPanel
from ..widgets.interval_bar import IntervalBar
from ..widgets.loss_panel import LossPanel, LossView
from ..widgets.sequence_strip import SequenceStrip
from ..widgets.topk_table import TopKTable

SPEEDS = (1, 2, 4, 8, 16, 32)  # tokens per second when playing


class ExplorerScreen(SizeGuard, Screen):
    """Alice codes a sequence; the user steps through it. Records come from the explorer job,
    which runs in a worker (jobs/explorer.py); this screen only shows them."""

    BINDINGS = [
        Binding("space", "next_token", "Next token"),
        Binding("b", "bisect_step", "Bisect step"),
        Binding("enter", "finish", "Finish seq"),
        # Shown in the help and the command palette, not the footer, which must keep room for
        # t, g and q at 160 columns.
        Binding("backspace", "step_back", "Back", show=False),
        Binding("r", "play", "Play/pause"),
        Binding("plus,equals_sign", "faster", "Faster", key_display="+", show=False),
        Binding("minus", "slower", "Slower", key_display="-", show=False),
        Binding("n", "new_sequence", "New seq"),
        Binding("e", "edit", "Edit"),
        Binding("m", "switch_model", "Model"),
        Binding("d", "bob", "Bob's view"),
        Binding("question_mark", "app.show_help", "Help", key_display="?"),
        Binding("t", "app.show_train", "Train"),
        Binding("g", "app.show_grok", "Grok"),
        Binding("q", "app.quit", "Quit"),
        Binding("escape", "back", "Back / close the editor", show=False),
    ]

    def __init__(self, request: ExplorerRequest, initial_text: str | None, kind: str,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.request = request
        self.seq_task = task_of(request)  # numpy only: the editor and labels need no torch
        self.job = None  # the app's explorer job, made in the first worker
        self.initial_text = initial_text
        self.kind = kind  # the model asked for; `coded.model` says which one coded what is shown
        self.coded: CodedSequence | None = None  # Alice's records, bits and Bob's starting point
        self.decoded: DecodedSequence | None = None  # Bob's, once asked for
        self.view = "alice"
        self.pos = 0  # tokens fully sent
        self.bstep = 0  # bisection steps shown of token `pos`
        self.playing = False
        self.speed_index = 2
        self.timer = None
        self.generation = 0  # bumped by every request: a cancelled one's result is ignored
        self.online_totals: list[float] = []
        self._strip_cache: tuple = (None, ([], [], None))  # (records, (texts, bits, groups))
        self._codes_cache: tuple = (None, ("", []))  # (records, (Bob's bits, code ends))
        self._drawn_token_state: tuple | None = None  # (records, pos) the lower panels show
        self._reject_note = ""
        self.then = request.then  # run once the first sequence is coded (a tour's "try it")

    @property
    def steps(self) -> tuple:
        """The records on show: Bob's in his view (once decoded), else Alice's."""
        if self.view == "bob" and self.decoded is not None:
            return self.decoded.steps
        return self.coded.steps if self.coded else ()

    @property
    def bits(self) -> tuple[int, ...]:
        return self.coded.bits if self.coded else ()

    @property
    def text(self) -> str:
        return self.coded.text if self.coded else ""

    @property
    def info(self) -> ModelInfo | None:
        return self.coded.model if self.coded else None

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
        yield too_small_label()
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.app.sub_title = "training an autoregressive model is lossless compression"
        self.fit(*self.app.size)
        # Start the engine (and so torch's import) only once the first frame is on screen.
        self.call_after_refresh(self.request_sequence, self.initial_text)

    def fit(self, width: int, height: int) -> None:
        super().fit(width, height)
        self.set_class(height < 40, "compact")  # the loss panel and strip give up rows

    # -- the job ------------------------------------------------------------------------------
    def request_sequence(self, text: str | None) -> None:
        if text is not None:
            self.stop_playing()
        self.set_status("coding the sequence…" if self.coded else "loading torch and the model…")
        self.generation += 1
        self.run_encode(text, self.kind, self.generation)

    def _explorer_job(self):
        """The job, made on first use in a worker thread: this is where torch is imported."""
        if self.job is None:
            self.job = jobs_of(self.app).make("explorer", self.request)(JobControl())
        return self.job

    @work(thread=True, exclusive=True, group="job", exit_on_error=False)
    def run_encode(self, text: str | None, kind: str, generation: int) -> None:
        worker = get_current_worker()

        def run(emit, cancelled) -> None:
            coded = self._explorer_job().encode(text, kind, cancelled)
            if coded is not None and not cancelled():
                emit(coded)

        run_job_posting(self, run, generation, lambda: worker.is_cancelled)

    @work(thread=True, exclusive=True, group="job", exit_on_error=False)
    def run_decode(self, coded: CodedSequence, generation: int) -> None:
        worker = get_current_worker()

        def run(emit, cancelled) -> None:
            emit(Status("Bob decodes from the bits alone…"))
            decoded = self._explorer_job().decode(coded, cancelled, emit)  # partial: as he goes
            if decoded is not None and not cancelled():
                emit(decoded)

        run_job_posting(self, run, generation, lambda: worker.is_cancelled)

    def on_job_event(self, msg: JobEvent) -> None:
        if msg.generation != self.generation:
            return  # the answer to a request that a newer one has replaced
        event = msg.event
        if isinstance(event, CodedSequence):
            self._show_coded(event)
        elif isinstance(event, DecodedSequence):
            first = self.decoded is None
            self.decoded = event
            if first or event.complete:
                self._show_decoded(reset=first)
            elif self.view == "bob":  # more of a long text: Bob goes on where the reader is
                self.refresh_view()
            if not event.complete and self.view == "bob":
                self.set_status(f"Bob has decoded {len(event.steps):,} of the text's tokens so "
                                "far (one model pass a token); he goes on while you read")
        elif isinstance(event, Status):
            self.set_status(event.text)
        elif isinstance(event, Failed):
            self.stop_playing()
            self.set_status(f"[b red]{escape(event.text)}[/]")

    def _show_coded(self, coded: CodedSequence) -> None:
        self.coded, self.decoded = coded, None
        self.view = "alice"
        self.pos = 0
        self.bstep = 0
        if coded.model.kind == ModelKind.ONLINE:
            self.online_totals.append(coded.steps[-1].totals.ideal_bits)
        shown = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        back = " · esc: back" if len(self.app.screen_stack) > 2 else ""
        self.set_status(f"Alice coded {escape(repr(shown))} in {len(self.bits)} bits. "
                        f"space: next token · b: one bisection step · ?: help{back}")
        self.refresh_view()
        self._show_info()
        then, self.then = self.then, ""  # the state a tour step asked for, once
        if then == "finish":
            self.action_finish()
        elif then == "bob":
            self.action_bob()

    def _show_decoded(self, reset: bool = True) -> None:
        if self.view == "bob":
            if reset:  # a long text's last window keeps the reader where he is
                self.pos, self.bstep = 0, 0
            back = " · esc: back" if len(self.app.screen_stack) > 2 else ""
            self.set_status(f"Bob's view: decoding {len(self.bits)} bits with the same model.{back}")
            self.refresh_view()
            self._show_info()

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # -- drawing ------------------------------------------------------------------------------
    def refresh_view(self) -> None:
        steps = self.steps
        if not steps:
            return
        n = len(steps)
        cur = steps[min(self.pos, n - 1)]
        given = self._given()
        strip = self.query_one(SequenceStrip)
        texts, bits, groups = self._strip_source(steps)
        tr = cur.bisection
        shown = len(tr.bits) if self.pos >= n else min(self.bstep, len(tr.bits))
        bob = self.view == "bob"
        # Bob knows only what he has decoded: the token he is bisecting is his once its
        # interval is inside one token's, and nothing after it is drawn.
        known = self.pos >= n or shown >= len(tr.bits) or not bob
        if bob:
            upto = min(n, self.pos + (1 if known else 0))
            texts = texts[:upto] + ([] if upto >= n else ["?"])
            bits = bits[:upto] + ([] if upto >= n else [0.0])
            groups = None if groups is None else [g for g in groups if g[1] <= upto] + (
                [] if upto >= n else [(upto, upto + 1, "?")])
        if strip.current != self.pos or strip.tokens != texts:
            strip.show(given, texts, bits, self.pos, groups)
        sent = self.text.replace("\n", "⏎")
        title = ("Bob's view: decoding from the bits alone" if self.view == "bob"
                 else f"Alice sends {escape(sent if len(sent) <= 90 else sent[:89] + '…')}")
        if strip.border_title != title:
            strip.border_title = title
        # Border labels are costly to redraw: they change only with the view, not per token.
        if self.pos >= n and self.view == "bob" and self.decoded is not None and self.decoded.complete:
            matches = self.decoded.text == self.text
            mark = "✓ matches Alice's text" if matches else "✗ differs from Alice's text"
            subtitle = f"Bob read {escape(self.decoded.text.replace(chr(10), '⏎'))}: {mark}"
        elif bob:  # the bits Bob holds (each token's bisection code), a cursor where he is
            codes, ends = self._bit_codes(steps)
            read_n = (ends[self.pos - 1] if self.pos else 0) + shown
            read, rest = codes[:read_n], codes[read_n:]
            subtitle = f"bits read {read[-40:]}▌{rest[:24]}{'…' if len(rest) > 24 else ''}"
        else:
            subtitle = ""
        if strip.border_subtitle != subtitle:
            strip.border_subtitle = subtitle
        lo, hi = tr.interval_after(shown)
        symbols = list(self._symbols())
        token = cur.symbol if known else -1  # -1: not yet known to the reader
        self._show_interval(cur, symbols, lo, hi, shown, token)
        reader = "Bob" if bob else "Alice"
        name = f"'{cur.text}'" if known else "?"
        self.query_one(BisectionPanel).show(tr, shown, reader,
                                            f"token {min(self.pos + 1, n)} of {n} ({name})",
                                            self.seq_task.raw_bits)
        # A bisection step changes only the two panels above; skip the rest (frames are costly).
        token_state = (id(steps), self.pos, known)
        if token_state != self._drawn_token_state:
            self._drawn_token_state = token_state
            self.query_one(TopKTable).show(cur.freqs, cur.true_probs, symbols, token)
            self.query_one(LossPanel).show(self._loss_view())

    def _bit_codes(self, steps) -> tuple[str, list[int]]:
        """Every token's bisection code in a row, and where each token's code ends: Bob's bits,
        made once per record set (not per key)."""
        if self._codes_cache[0] is not steps:
            codes = ["".join(map(str, st.bisection.bits)) for st in steps]
            self._codes_cache = (steps, ("".join(codes),
                                         np.cumsum([len(c) for c in codes]).tolist()))
        return self._codes_cache[1]

    def _strip_source(self, steps) -> tuple[list[str], list[float], list | None]:
        """Token texts, costs and characters of a record set, made once per set (not per key)."""
        if self._strip_cache[0] is not steps:
            groups = self.seq_task.display_groups([s.symbol for s in steps])
            self._strip_cache = (steps, ([s.text for s in steps], [s.bits for s in steps], groups))
            # A sequence longer than a line (a text) wraps: give the strip room for its lines.
            self.set_class(groups is not None, "long-sequence")
        return self._strip_cache[1]

    def _show_interval(self, cur, symbols, lo, hi, shown, token: int) -> None:
        tr = cur.bisection
        bar = self.query_one(IntervalBar)
        bar.show([0, *np.cumsum(cur.freqs).tolist()], symbols, token, tr.scale, (lo, hi), shown,
                 (lo + hi) // 2 if shown < len(tr.bits) else None)

    def _given(self) -> str:
        """The tokens before the first coded one, given to both sides ('s' for addition)."""
        return "".join(self.seq_task.symbols[t] for t in self.coded.given) if self.coded else ""

    def _symbols(self) -> tuple[str, ...]:
        return self.seq_task.symbols

    def _loss_view(self) -> LossView:
        online = ()
        if self.info and self.info.kind == ModelKind.ONLINE:
            online = tuple(self.online_totals)
        return LossView.of(self.steps, self.pos, len(self.bits), self.seq_task.raw_bits,
                           self.info.weights_bits if self.info else None,
                           self.coded.classical_bits if self.coded else None, online,
                           hide_unsent=self.view == "bob")

    def _show_info(self) -> None:
        i = self.info
        if i is None:
            return
        speed = f" · playing {SPEEDS[self.speed_index]} tok/s" if self.playing else ""
        task = self.seq_task.label()
        self.query_one("#model-info", Static).update(
            f"[b]{task}[/] · [b]{i.kind}[/] {i.description} ({i.parameters:,} params, "
            f"{i.sequences_seen:,} seqs seen, checkpoint {i.checkpoint})"
            f" · [b]{'Bob decodes' if self.view == 'bob' else 'Alice encodes'}[/]{speed}"
        )

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
        kinds = [k for k in MODEL_KINDS if k != ModelKind.LAW or self.seq_task.has_oracle]
        i = kinds.index(self.kind) if self.kind in kinds else 0
        self.kind = kinds[(i + 1) % len(kinds)]
        self.set_status(f"switching to the {self.kind} model…")
        if self.kind != ModelKind.ONLINE:
            self.online_totals.clear()
        self.request_sequence(self.text or None)

    def action_bob(self) -> None:
        if not self._ready():
            return
        self.stop_playing()
        if self.view == "bob":
            self.view = "alice"
            self.set_status("Alice's view.")
            self.refresh_view()
            self._show_info()
            return
        self.view = "bob"
        if self.decoded is None:
            self.run_decode(self.coded, self.generation)
        else:
            self._show_decoded()

    def action_edit(self) -> None:
        self.stop_playing()
        self.add_class("editing")
        box = self.query_one("#edit-input", Input)
        box.disabled = False
        box.placeholder = self.seq_task.edit_hint()
        try:
            box.value = self.seq_task.editable_text(self.seq_task.parse(self.text)) if self.text else ""
        except TaskError:  # a long text (windowed): edited as it is
            box.value = self.text
        box.focus()
        self.query_one("#edit-error", Label).update(f"enter: code it · escape: cancel · {self.seq_task.edit_hint()}")

    @on(Input.Changed, "#edit-input")
    def _edit_changed(self, event: Input.Changed) -> None:
        value = event.value
        allowed = self.seq_task.allowed_characters()
        bad = [(i, ch) for i, ch in enumerate(value) if allowed is not None and ch not in allowed]
        err = self.query_one("#edit-error", Label)
        if bad:
            i, ch = bad[0]
            # Setting the value fires Changed again; that event shows this note, not a parse hint.
            self._reject_note = (f"[b red]{escape(repr(ch))} (position {i + 1}) is not allowed "
                                 f"here: {escape(self.seq_task.edit_hint())}[/]")
            event.input.value = "".join(c for c in value if c in allowed)
            err.update(self._reject_note)
            return
        if self._reject_note:
            err.update(self._reject_note)
            self._reject_note = ""
            return
        try:
            self.seq_task.validate(value)
            err.update(f"enter: code it · escape: cancel · {self.seq_task.edit_hint()}")
        except TaskError as exc:
            err.update(f"[yellow]{escape(str(exc))}[/]")

    @on(Input.Submitted, "#edit-input")
    def _edit_submitted(self, event: Input.Submitted) -> None:
        try:
            self.seq_task.validate(event.value)
        except TaskError as exc:
            self.query_one("#edit-error", Label).update(f"[b red]{escape(str(exc))}[/]")
            return
        self._close_editor()
        self.request_sequence(event.value)

    def action_back(self) -> None:
        """Escape: close the editor; else leave an explorer that another screen opened (the
        tour's "try it"). A binding, not a key handler: the key must not reach the screen below."""
        if self.has_class("editing"):
            self._close_editor()
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def _close_editor(self) -> None:
        self.remove_class("editing")
        self.query_one("#edit-input", Input).disabled = True
        self.set_focus(None)

