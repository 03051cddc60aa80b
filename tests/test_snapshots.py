"""SVG snapshots of the explorer, fed fixed records (FixedJob: no live model output).

Update them with `python -m pytest tests/test_snapshots.py --snapshot-update` after a deliberate
change, and look at the report before committing.
"""

from lmviz.app.main import LmvizApp
from lmviz.app.screens.explorer import ExplorerScreen

from .fixed_job import FixedJob
from .fixed_jobs import with_explorer

SIZE = (160, 48)


async def _wait(pilot):
    for _ in range(300):
        await pilot.pause(0.02)
        s = pilot.app.screen
        if isinstance(s, ExplorerScreen) and s.steps and not pilot.app.workers._workers:
            return s
    raise AssertionError("no sequence")


def test_main_screen(snap_compare):
    """The article's example after three tokens: the strip colours 1, 7, 2 by their bits and
    marks 8; the interval bar highlights 8; the loss panel shows three stacked bars and the
    totals for three tokens; the footer lists every key."""

    async def run_before(pilot):
        await _wait(pilot)
        await pilot.press("space", "space", "space")

    assert snap_compare(LmvizApp(jobs=with_explorer(FixedJob())), terminal_size=SIZE, run_before=run_before)


def test_zoomed_bisection(snap_compare):
    """Token 11 (the 2 of 79546852, p ~ 0.09) after four halvings: the bisection panel lists
    four steps with their midpoints and bits, and the zoom bar shows the interval magnified
    2^4 times with the midpoint marked."""

    async def run_before(pilot):
        s = await _wait(pilot)
        for _ in range(10):
            await pilot.press("space")
        await pilot.press("b", "b", "b", "b")
        assert s.bstep == 4

    assert snap_compare(LmvizApp(jobs=with_explorer(FixedJob())), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare):
    """The help overlay: one short paragraph per panel and the list of keys."""

    async def run_before(pilot):
        await _wait(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(LmvizApp(jobs=with_explorer(FixedJob())), terminal_size=SIZE, run_before=run_before)


def test_decode_view(snap_compare):
    """Bob's view after decoding the whole sequence: the strip's title says Bob decodes the bits
    alone and its subtitle says his text matches Alice's."""

    async def run_before(pilot):
        s = await _wait(pilot)
        await pilot.press("d")
        for _ in range(200):
            await pilot.pause(0.02)
            if s.view == "bob" and s.decoded is not None:
                break
        await pilot.press("enter")

    assert snap_compare(LmvizApp(jobs=with_explorer(FixedJob())), terminal_size=SIZE, run_before=run_before)


def test_text_view(snap_compare):
    """A 200-character English text after 60 bytes: the strip wraps the text in lines, each
    character coloured by its cost with the cost beneath (␣ for spaces), the ï of Naïve drawn
    once; the top-k table lists bytes by their glyphs; the loss panel says there is no generator
    for text, lists gzip -9 and xz -9e of the whole text, and counts the code f and the
    weights."""
    from lmviz.app.jobs.settings import ExplorerRequest

    from .test_app import LONG_TEXT

    request = ExplorerRequest(text=LONG_TEXT, task="text")

    async def run_before(pilot):
        await _wait(pilot)
        for _ in range(60):
            await pilot.press("space")

    assert snap_compare(LmvizApp(request, jobs=with_explorer(FixedJob(request))), terminal_size=SIZE,
                        run_before=run_before)
