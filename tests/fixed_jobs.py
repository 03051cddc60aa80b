"""The app's job factory for tests: fixed jobs where a test names them, the real ones elsewhere."""

from __future__ import annotations

from lmviz.app.jobs.factory import JobFactory


class FixedJobs(JobFactory):
    """``FixedJobs(explorer=lambda request: job, scale=FixedRace)``: each keyword is a kind
    (jobs/factory.py REAL_JOBS) and makes that kind's job from the screen's arguments and the
    run's control; kinds not named get the real job."""

    def __init__(self, **makers) -> None:
        self.makers = makers

    def make(self, kind: str, *args, **kwargs):
        if kind not in self.makers:
            return super().make(kind, *args, **kwargs)
        maker = self.makers[kind]
        return lambda control: maker(*args, control=control, **kwargs)


def with_explorer(job) -> FixedJobs:
    """A factory whose every explorer codes with ``job`` (a FixedJob)."""
    return FixedJobs(explorer=lambda request, control: job)
