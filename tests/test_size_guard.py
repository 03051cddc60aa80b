"""Every screen either lays out readably or, below 100×30, says so in one sentence."""

import pytest
from lmviz.app.main import LmvizApp
from textual.widgets import Label

from .fixed_job import FixedJob
from .fixed_jobs import with_explorer
from .fixed_tour import tour_app
from .test_inspect import inspect_app


def apps():
    job = FixedJob()
    return {
        "explorer": lambda: LmvizApp(job.request, jobs=with_explorer(job)),
        "tour": lambda: tour_app(),
        "inspect": lambda: inspect_app(),
        "grok": lambda: LmvizApp(screen="grok"),
        "train": lambda: LmvizApp(screen="train", train_autostart=False),
        "scale": lambda: LmvizApp(screen="scale"),
    }


@pytest.mark.parametrize("name", list(apps()))
async def test_below_100_by_30_a_screen_says_it_is_too_small(name):
    app = apps()[name]()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert screen.has_class("too-small"), name
        label = screen.query_one("#too-small", Label)
        assert label.display and "at least 100×30" in str(label.render())
        await pilot.resize_terminal(160, 48)
        await pilot.pause(0.3)
        assert not screen.has_class("too-small") and not label.display
