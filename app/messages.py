"""Messages from job workers to the screens: one dataclass message wrapping a job's event.

Workers never touch widgets; they `post_message` a `JobEvent` (thread-safe) carrying one of the
plain records in `jobs/events.py`, and the generation of the run that sent it, so a screen that
has restarted its job ignores the cancelled run's stragglers. Status events define `can_replace`,
so a UI that falls behind skips stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from .errors import failure_sentence
from .jobs.events import Failed, Status


@dataclass
class JobEvent(Message):
    """An event from the job of a screen (jobs/events.py)."""

    generation: int  # which start of the job sent it
    event: object  # a record from jobs/events.py

    def can_replace(self, message: Message) -> bool:
        return (isinstance(self.event, Status) and isinstance(message, JobEvent)
                and isinstance(message.event, Status))


def run_job_posting(node, run, generation: int, cancelled) -> None:
    """Call ``run(emit, cancelled)`` (a job's run, or a function that makes the job first) in the
    calling worker thread, posting every event to ``node`` as a JobEvent; a failure, the job's
    making included, is one sentence on the screen's status line (the screen stays up)."""
    try:
        run(lambda event: node.post_message(JobEvent(generation, event)), cancelled)
    except Exception as exc:
        node.post_message(JobEvent(generation, Failed(failure_sentence(exc))))
