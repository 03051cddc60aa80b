"""Where every screen gets its job: one factory, which the app holds (`LmvizApp.jobs`).

``jobs.make(kind, *args)`` returns ``make(control)``, which builds the job inside the screen's
worker: the real jobs import torch or numba only then, after the first frame. Tests hand the
app a factory that returns fixed jobs instead (tests/fixed_jobs.py).
"""

from __future__ import annotations

from collections.abc import Callable

from .base import JobControl, job_in_worker

# kind -> (module under app/jobs, class): the real job of each kind
REAL_JOBS = {
    "explorer": ("explorer", "ExplorerJob"),  # SequenceJob: Alice codes, Bob decodes
    "tour": ("tour", "TourJob"),  # StepJob: the records of a tour step
    "training": ("training", "TrainingJob"),  # Job: the train screen, the tour's live steps
    "grok": ("grokking", "GrokJob"),
    "inspect": ("inspecting", "InspectJob"),
    "scale": ("scaling", "LiveRaceJob"),
}


class JobFactory:
    def make(self, kind: str, *args, **kwargs) -> Callable[[JobControl], object]:
        """The maker of a job of ``kind`` (REAL_JOBS) with these arguments."""
        module, name = REAL_JOBS[kind]
        return job_in_worker(module, name, *args, **kwargs)


def jobs_of(app) -> JobFactory:
    """The app's factory (a screen mounted in another app gets the real jobs)."""
    return getattr(app, "jobs", None) or JobFactory()
