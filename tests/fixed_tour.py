"""Torch-free stand-ins for the tour's engine: the real TourJob over FixedJob explorers, and a
live job that emits fixed training records (tests never draw live model output)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from lmviz.app.jobs.events import TrainBatch
from lmviz.app.jobs.tour import TourJob
from lmviz.app.main import LmvizApp

from .fixed_job import FixedJob
from .fixed_jobs import FixedJobs
from .test_screens import fake_learning


class FixedLiveJob:
    """A TrainingJob's run(): two models' fixed records (the second learns a little faster)."""

    def __init__(self, settings, control=None) -> None:
        self.settings = settings

    def run(self, emit, cancelled) -> None:
        runs = len(self.settings.configs())
        for p in fake_learning(30):
            records = [(0, p)]
            if runs == 2:
                faster = replace(p, ideal_bits=p.ideal_bits * 0.9,
                                 position_bits=np.asarray(p.position_bits) * 0.8)
                records.append((1, faster))
            emit(TrainBatch(tuple(records), {}))


def tour_app(step: int = 0, first: bool = True) -> LmvizApp:
    """The app on the tour (or, with first=False, on the explorer), every engine fixed."""
    return LmvizApp(screen="tour" if first else "explorer", tour_step=step, train_autostart=False,
                    jobs=FixedJobs(explorer=lambda request, control: FixedJob(request),
                                   tour=lambda control: TourJob(make_explorer=FixedJob),
                                   training=FixedLiveJob))


async def wait_ready(pilot, timeout: float = 20.0):
    """Until the tour's step has drawn everything it shows (fixed records: all of them)."""
    screen = pilot.app.screen
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        view = screen.step.view
        if view == "training":
            done = len(screen.live.curves[0]["x"]) == 30 and not screen.dirty
        elif view == "scale":
            done = screen.scale_shown > 0 and screen.timer is None and not screen.dirty
        elif view == "grokking":
            done = bool(screen.grok) and screen.timer is None and not screen.dirty
        else:
            done = screen.records is not None
        if done and not pilot.app.workers._workers:
            await pilot.pause(0.1)
            return screen
    raise AssertionError(f"step {screen.index + 1} drew nothing")
