"""`lmviz tour`: the article's argument in order, each step's engine, navigation, "try it" keys,
the SVG export, and saving any screen as SVG."""

import math
import os
import re

import pytest
from lmviz.app.commands.tour_export import export_tour, file_names
from lmviz.app.jobs.settings import ARTICLE_EXAMPLE, binary_example
from lmviz.app.jobs.tour import (
    ARTICLE_PROBS,
    article_interval,
    binary_records,
    cost_table,
)
from lmviz.app.screens.explorer import ExplorerScreen
from lmviz.app.screens.grok import GrokScreen
from lmviz.app.screens.scale import ScaleScreen
from lmviz.app.screens.tour import TourScreen
from lmviz.app.screens.train import TrainScreen
from lmviz.app.tour import STEPS
from lmviz.app.widgets.code_length_table import CodeLengthTable
from lmviz.app.widgets.sequence_strip import SequenceStrip
from textual.markup import to_content

from .fixed_tour import tour_app, wait_ready

SIZE = (160, 48)


def test_the_steps_follow_the_article_and_read_as_markup():
    views = [s.view for s in STEPS]
    assert views == ["raw", "interval", "costs", "training", "addition", "decode", "streaming",
                     "binary", "grokking", "scale", "english"]
    for s in STEPS:
        plain = to_content(s.text).plain  # a stray "[" would raise here
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", plain.strip())
        assert 2 <= len(sentences) <= 4, (s.title, sentences)  # the issue: two to four
        assert s.try_it and s.try_it_label
    assert "[0.6, 0.8)" in to_content(STEPS[1].text).plain and "101" in STEPS[1].text


def test_the_article_interval_is_reproduced_by_the_real_coder():
    a = article_interval()
    tr = a.trace
    assert tr.bits == (1, 0, 1)
    assert [s.mid / tr.scale for s in tr.steps] == [0.5, 0.75, 0.625]
    assert abs(tr.token_lo / tr.scale - 0.6) < 1e-4 and abs(tr.token_hi / tr.scale - 0.8) < 1e-4
    assert a.bob_point == 0.6875 and a.bob_token == 4
    assert len(a.freqs) == len(ARTICLE_PROBS)


def test_a_token_costs_about_minus_log2_p_and_never_more_than_the_bound():
    for row in cost_table().rows:
        p = float(row.label.split("= ")[1])
        assert max(1, math.floor(-math.log2(p))) <= row.bits <= math.ceil(-math.log2(p)) + 1


def test_two_symbols_bisection_cannot_compress_but_runs_and_the_stream_can():
    rec = binary_records(sequences=10)
    rows = {r.label: r.bits for r in rec.tables[0].rows}
    raw = rec.tables[0].raw_bits
    assert raw == 10 * 64
    assert rows["bisection per token"] >= raw  # at least one bit a token
    assert rows["streaming coder"] < rows["runs of argmax hits"] < raw
    assert rows["streaming coder"] < 1.5 * rows["entropy of the source"]
    assert rec.coded.text.startswith("s") and len(rec.coded.steps) == 64


async def test_navigation_through_every_step_and_out():
    app = tour_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_ready(pilot)
        assert "Step 1 of 11" in str(screen.query_one("#tour-head").render())
        await pilot.press("left")  # nothing before the first step
        assert screen.index == 0
        for k in range(2, 12):
            await pilot.press("right" if k % 2 else "n")
            screen = await wait_ready(pilot)
            assert screen.index == k - 1
            assert f"Step {k} of 11" in str(screen.query_one("#tour-head").render())
            assert screen.failure is None
        await pilot.press("n")  # nothing after the last, but a word that the tour has ended
        assert screen.index == 10
        assert "end of the tour" in str(screen.query_one("#status").render())
        await pilot.press("p", "left")
        assert screen.index == 8
        await pilot.press("q")  # the tour was the first screen: leaving it quits
        await pilot.pause(0.1)
    assert app.return_code == 0


async def test_the_interval_step_bisects_on_b_and_bob_reads_the_token():
    app = tour_app(step=1)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_ready(pilot)
        assert "b: halve once more (0 of 3" in str(screen.query_one("#tour-bob").render())
        await pilot.press("b", "b", "b", "b")
        assert screen.bisect_shown == 3
        line = str(screen.query_one("#tour-bob").render())
        assert "101" in line and "0.6875" in line and "token 4" in line
        await pilot.press("backspace")
        assert screen.bisect_shown == 0


async def test_bob_decodes_the_same_sum_in_the_tour():
    app = tour_app(step=5)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_ready(pilot)
        assert "✓ the same as Alice's" in str(screen.query_one("#tour-bob").render())
        assert ARTICLE_EXAMPLE.replace("=", "=0") in str(screen.query_one("#tour-bob").render())


async def test_capital_t_opens_the_tour_from_any_screen_and_comes_back_to_it():
    app = tour_app(first=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if isinstance(app.screen, ExplorerScreen) and app.screen.steps:
                break
        await pilot.press("T")
        assert isinstance(app.screen, TourScreen)
        await wait_ready(pilot)
        await pilot.press("n", "n", "n")  # step 4, then try it: the train screen
        await wait_ready(pilot)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, TrainScreen)
        await pilot.press("T")  # back to the same tour, at the same step
        assert isinstance(app.screen, TourScreen) and app.screen.index == 3
        await pilot.press("escape")  # out of the tour: the explorer underneath
        await pilot.pause(0.1)
        assert isinstance(app.screen, ExplorerScreen)


TRY_IT_CHECKS = {
    "raw": ("explorer", lambda s: s.kind == "untrained"),
    "interval": ("explorer", lambda s: s.seq_task.name == "die" and s.kind == "law"
                 and abs(s.steps[0].cum_lo / s.steps[0].total - 0.6) < 1e-4
                 and abs(s.steps[0].cum_hi / s.steps[0].total - 0.8) < 1e-4
                 and s.steps[0].bisection.bits == (1, 0, 1)),  # the article's example
    "costs": ("explorer", lambda s: s.kind == "pretrained"),
    "training": ("train", lambda s: not s.settings.compare),
    "addition": ("explorer", lambda s: s.kind == "pretrained"),
    "decode": ("explorer", lambda s: s.view == "bob"),
    "streaming": ("explorer", lambda s: s.pos == len(s.steps)),
    "binary": ("explorer", lambda s: s.seq_task.name == "binary" and s.kind == "law"
               and s.text == binary_example()),  # the step's own bits, with the source's law
    "grokking": ("grok", lambda s: s.mode == "replay" or s.records),
    "scale": ("scale", lambda s: s.mode == "replay" and s.rec is not None),
    "english": ("explorer", lambda s: s.seq_task.name == "text" and "quick brown" in s.text),
}


@pytest.mark.parametrize("index", range(len(STEPS)), ids=[s.view for s in STEPS])
async def test_every_try_it_key_opens_its_screen_in_the_steps_state(index):
    app = tour_app(step=index)
    kinds = {"explorer": ExplorerScreen, "train": TrainScreen, "grok": GrokScreen,
             "scale": ScaleScreen}
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("enter")
        kind, check = TRY_IT_CHECKS[STEPS[index].view]
        for _ in range(200):
            await pilot.pause(0.02)
            s = app.screen
            ready = not isinstance(s, ExplorerScreen) or (s.steps and (
                s.view != "bob" or s.decoded is not None))
            if isinstance(s, kinds[kind]) and ready and not app.workers._workers:
                break
        assert isinstance(app.screen, kinds[kind])
        assert check(app.screen)
        await pilot.press("escape")  # back to the tour, which starts the step again
        await pilot.pause(0.1)
        assert isinstance(app.screen, TourScreen) and app.screen.index == index
        await wait_ready(pilot)


async def test_step_tables_show_the_measured_code_lengths():
    app = tour_app(step=6)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_ready(pilot)
        text = str(screen.query_one(CodeLengthTable).render())
        for label in ("raw, 8 bits a token", "bisection per token", "notebook per-token",
                      "streaming coder"):
            assert label in text
        rows = {r.label: r.bits for r in screen.records.tables[0].rows}
        assert rows["streaming coder"] <= rows["Σ -log2 p (the loss)"] + 2 + 1e-9
        assert rows["bisection per token"] >= 28  # one bit a token at least
        strip = screen.query(SequenceStrip)
        assert not strip  # the streaming step shows totals, not the strip


def test_the_export_writes_every_step_as_an_svg(tmp_path, capsys):
    out = tmp_path / "slides"
    assert export_tour(str(out), False, app=tour_app(), live_seconds=0) == 0
    names = sorted(os.listdir(out))
    assert names == sorted(file_names()) and len(names) == 11
    for k, name in enumerate(sorted(names), start=1):
        svg = (out / name).read_text()
        assert svg.startswith("<svg") and f"Step&#160;{k}&#160;of&#160;11" in svg, name
    assert len(capsys.readouterr().out.splitlines()) == 11
    # A second export refuses to replace them, before any work, unless forced.
    from lmviz.core.files import OutputError

    with pytest.raises(OutputError, match="already exists"):
        export_tour(str(out), False, app=tour_app(), live_seconds=0)
    assert export_tour(str(out), True, app=tour_app(), live_seconds=0) == 0  # --force replaces
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a directory"):
        export_tour(str(tmp_path / "file"), True, app=tour_app(), live_seconds=0)


async def test_any_screen_saves_as_svg_from_the_command_palette(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = tour_app(step=2)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Save SVG" in titles and "Tour" in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Save SVG")
        command.callback()
        for _ in range(100):  # until it is there and whole (a busy CI machine saw it half-written)
            await pilot.pause(0.05)
            done = list(tmp_path.glob("lmviz-tour-*.svg"))
            if done and done[0].read_text().rstrip().endswith("</svg>"):
                break
    (svg,) = tmp_path.glob("lmviz-tour-*.svg")
    text = svg.read_text()
    assert text.startswith("<svg") and "Step&#160;3&#160;of&#160;11" in text
    assert "p&#160;=&#160;0.001" in text  # the step's live table, not only its frame


def test_the_tour_command_refuses_in_one_sentence(tmp_path, capsys):
    from lmviz.app.cli import main

    assert main(["tour", "--step", "12"]) == 2
    assert "a step from 1 to 11" in capsys.readouterr().err
    assert main(["tour"]) == 2  # pytest's stdout is not a terminal
    assert "not a terminal" in capsys.readouterr().err
    (tmp_path / "f").write_text("x")
    assert main(["tour", "--export", str(tmp_path / "f")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lmviz: ") and "not a directory" in err and err.count("\n") == 1


def test_a_steps_records_are_computed_once_and_the_averages_shared():
    """The tour's models are frozen: going back to a step reuses its records, and steps 5 and 7
    read one set of averages (40 encodes, not 80)."""
    from lmviz.app.jobs.tour import AVERAGE_OVER, TourJob

    from .fixed_job import FixedJob

    job = TourJob(make_explorer=FixedJob)
    first = job.records("addition")
    assert job.records("addition") is first
    job.records("streaming")
    calls = job.explorer("addition").calls
    assert calls.count("encode:untrained") == AVERAGE_OVER
    assert calls.count("encode:pretrained") == AVERAGE_OVER + 2  # + the article's sum, twice


@pytest.mark.parametrize("size", [(100, 30), (140, 40), (160, 48)])
async def test_step_tables_fit_and_show_every_bound_at_any_width_allowed(size):
    """A narrow table puts each note under its row, wrapped, instead of cutting it off."""
    for step in (0, 2):  # step 1's long notes; step 3's bounds
        app = tour_app(step=step)
        async with app.run_test(size=size) as pilot:
            screen = await wait_ready(pilot)
            table = screen.query_one(CodeLengthTable)
            lines = str(table.render()).splitlines()
            assert all(len(line) <= table.content_region.width for line in lines)
            assert len(lines) == table.content_region.height  # as tall as its content
            text = " ".join(line.strip() for line in lines)
            if step == 2:
                for bound in (2, 2, 3, 4, 5, 8, 11):
                    assert f"⌈-log2 p⌉+1 = {bound}" in text
            else:
                assert "the program Bob runs, paid once however long the message" in text


async def test_step_11_keeps_the_x_of_fox_in_view_on_the_smallest_screen():
    """The paragraph talks about the "x" after "fo": the strip shows it, whatever the size."""
    app = tour_app(step=10)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_ready(pilot)
        rendered = str(screen.query_one(SequenceStrip).render())
        assert re.search(r"f\s+o\s+x", rendered)


def test_each_step_is_one_view_with_its_widgets_records_and_drawing():
    """Steps name views; a view lists its widgets and draws, and a view drawn from records has
    the tour job's records under the same name (and nothing else does)."""
    from lmviz.app.jobs.tour import RECORDS
    from lmviz.app.tour_views import VIEWS, GrokView, LiveTrainingView, ScaleView

    live = (GrokView, LiveTrainingView, ScaleView)
    assert {s.view for s in STEPS} == set(VIEWS)
    assert set(RECORDS) == {k for k, v in VIEWS.items() if not isinstance(v, live)}
    for view in VIEWS.values():
        assert view.widgets() and all(hasattr(w, "render") for w in view.widgets())
