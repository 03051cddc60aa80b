"""Pilot tests of the explorer: every key, on fixed records (no torch in the UI path)."""

import pytest
from lmviz.app.jobs.settings import ARTICLE_EXAMPLE
from lmviz.app.main import LmvizApp
from lmviz.app.screens.explorer import ExplorerScreen
from lmviz.app.widgets.loss_panel import LossPanel

from .fixed_engine import FixedJob


async def ready(pilot, app):
    for _ in range(200):
        await pilot.pause(0.02)
        screen = app.screen
        if isinstance(screen, ExplorerScreen) and screen.steps and not app.workers._workers:
            return screen
    raise AssertionError("the explorer never showed a sequence")


def make_app(**kw):
    job = FixedJob(**kw)
    return LmvizApp(job.request, explorer_job=job)


async def test_opens_on_the_article_example_and_steps_tokens_and_bisection():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        assert s.text == "s" + ARTICLE_EXAMPLE.replace("=", "=0") + "e"  # answer padded to 9
        assert s.text == "s17282456+79546852=096829308e"
        assert (s.pos, s.bstep) == (0, 0)
        await pilot.press("b")
        assert (s.pos, s.bstep) == (0, 1)
        need = len(s.steps[0].bisection.bits)
        for _ in range(need):
            await pilot.press("b")
        assert s.pos == 1 and s.bstep == 0  # past the last halving: next token
        await pilot.press("space", "space")
        assert s.pos == 3
        await pilot.press("backspace")
        assert s.pos == 2
        await pilot.press("b", "backspace")
        assert (s.pos, s.bstep) == (2, 0)


async def test_finishing_shows_the_engine_totals():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        await pilot.press("enter")
        assert s.pos == 28
        view = app.screen.query_one(LossPanel).view
        last = s.steps[-1].totals
        assert view.sent == 28
        assert view.ideal == pytest.approx(last.ideal_bits)
        assert view.bisection == last.bisection_bits
        assert view.header == last.header_bits
        assert view.stream_final == len(s.bits)
        assert view.raw == 224


async def test_bob_decodes_the_same_text():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        await pilot.press("d")
        for _ in range(100):
            await pilot.pause(0.02)
            if s.decoded is not None and s.view == "bob":
                break
        assert s.steps is s.decoded.steps  # Bob's records on show, not Alice's
        assert s.decoded.text == s.text
        await pilot.press("enter")
        assert "matches Alice" in str(app.screen.query_one("#strip").border_subtitle)
        await pilot.press("d")
        assert s.view == "alice"


async def test_new_sequence_edit_and_model_switch():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        first = s.text
        await pilot.press("n")
        s = await ready(pilot, app)
        for _ in range(50):
            await pilot.pause(0.02)
            if s.text != first:
                break
        assert s.text != first
        # Edit: an invalid character is rejected inline; a wrong sum is accepted.
        await pilot.press("e")
        box = app.screen.query_one("#edit-input")
        assert app.screen.has_class("editing") and not box.disabled
        box.value = ""
        await pilot.press(*"12345678+11111111=x")
        await pilot.pause(0.05)
        assert "x" not in box.value
        assert "not allowed" in str(app.screen.query_one("#edit-error").render())
        await pilot.press(*"99999999", "enter")
        for _ in range(100):
            await pilot.pause(0.02)
            if s.text.startswith("s12345678"):
                break
        assert s.text == "s12345678+11111111=099999999e"
        wrong = s.steps[-1].totals.ideal_bits
        box.value = ""
        await pilot.press("e", *"12345678+11111111=23456789", "enter")
        for _ in range(100):
            await pilot.pause(0.02)
            if s.text.endswith("023456789e"):
                break
        assert s.steps[-1].totals.ideal_bits < wrong  # the wrong sum was visibly expensive
        await pilot.press("m")
        for _ in range(100):
            await pilot.pause(0.02)
            if s.info and s.info.kind == "untrained":
                break
        assert s.kind == "untrained" and s.info.kind == "untrained"


async def test_play_speed_help_and_quit():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        await pilot.press("plus", "plus", "plus")
        assert s.speed_index == 5
        await pilot.press("r")
        assert s.playing
        for _ in range(60):  # playing advances on a timer; a loaded CPU may be slow
            await pilot.pause(0.05)
            if s.pos > 0:
                break
        assert s.pos > 0
        await pilot.press("r")
        assert not s.playing
        await pilot.press("minus")
        assert s.speed_index == 4
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen is s
        await pilot.press("r")
        await pilot.press("q")
    assert app.return_code == 0


async def test_small_terminal_says_so():
    app = make_app()
    async with app.run_test(size=(90, 26)) as pilot:
        s = await ready(pilot, app)
        assert s.has_class("too-small")
        assert app.screen.query_one("#too-small").display


async def test_command_palette_lists_the_actions():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        titles = [c.title for c in app.get_system_commands(s)]
        for want in ("Next token", "Bisect step", "Bob's view", "Help", "Train", "Grok"):
            assert want in titles


async def test_the_footer_shows_train_grok_and_quit_at_160_columns():
    from textual.widgets._footer import FooterKey

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        keys = {k.key: k for k in s.query(FooterKey)}
        for key in ("t", "g", "q", "space", "b", "question_mark"):
            assert key in keys, key
            region = keys[key].region
            assert region.width > 0 and region.right <= 160, key
