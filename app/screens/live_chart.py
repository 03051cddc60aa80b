"""LiveChartScreen: what the train and grok screens share. A grid of charts fed by one job that
runs in a worker; the screen only draws what the job emits."""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape
from textual import work
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from ..jobs.base import Command, JobControl
from ..jobs.events import Failed, Status
from ..messages import JobEvent, run_job_posting

REDRAW_INTERVAL = 1 / 8  # charts are costly to draw: at most 8 frames a second, keys first


class LiveChartScreen(Screen):
    """Subclasses compose a `Grid` of charts and a `#status` line, implement `redraw` and
    `on_event`, and start their job with `start_job(make_job)`."""

    DEFAULT_CSS = """
    LiveChartScreen Grid {
        grid-size: 2 2;
        grid-columns: 1fr 1fr;
        grid-rows: 1fr 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.generation = 0  # bumped by every start of the job: older runs' events are ignored
        self.control: JobControl | None = None
        self.dirty = False

    def on_mount(self) -> None:
        self.set_interval(REDRAW_INTERVAL, self._redraw_if_dirty)

    # -- the job ------------------------------------------------------------------------------
    def start_job(self, make_job: Callable[[JobControl], object]) -> None:
        """Cancel any running job and start ``make_job(control)`` in a worker."""
        self.stop_job()
        self.generation += 1
        self.control = JobControl()
        self._run_job(make_job, self.control, self.generation)

    def stop_job(self) -> None:
        self.workers.cancel_group(self, "job")
        self.control = None

    def send(self, command: Command) -> None:
        if self.control is not None:
            self.control.send(command)

    @work(thread=True, exclusive=True, group="job", exit_on_error=False)
    def _run_job(self, make_job, control: JobControl, generation: int) -> None:
        worker = get_current_worker()
        run_job_posting(self, lambda emit, cancelled: make_job(control).run(emit, cancelled),
                        generation, lambda: worker.is_cancelled)

    def on_job_event(self, msg: JobEvent) -> None:
        if msg.generation != self.generation:
            return  # sent by a run that a reset or a settings change has cancelled
        event = msg.event
        if isinstance(event, Status):
            self.set_status(event.text)
        elif isinstance(event, Failed):
            self.set_status(f"[b red]{escape(event.text)}[/]")
        else:
            self.handle_record(event)

    def handle_record(self, event) -> None:
        raise NotImplementedError

    # -- drawing ------------------------------------------------------------------------------
    def _redraw_if_dirty(self) -> None:
        if self.dirty:
            self.dirty = False
            self.redraw()

    def redraw(self) -> None:
        raise NotImplementedError

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # -- leaving --------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.stop_job()
        self.app.back_to_explorer()

    def on_unmount(self) -> None:
        self.stop_job()

