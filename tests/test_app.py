"""Pilot tests of the explorer: every key, on fixed records (no torch in the UI path)."""

import pytest
from lmviz.app.jobs.settings import ARTICLE_EXAMPLE
from lmviz.app.main import LmvizApp
from lmviz.app.screens.explorer import ExplorerScreen
from lmviz.app.widgets.loss_panel import LossPanel

from .fixed_job import FixedJob
from .fixed_jobs import with_explorer


async def ready(pilot, app):
    for _ in range(200):
        await pilot.pause(0.02)
        screen = app.screen
        if isinstance(screen, ExplorerScreen) and screen.steps and not app.workers._workers:
            return screen
    raise AssertionError("the explorer never showed a sequence")


async def bob_view(pilot, s):
    """d, and wait until Bob has decoded the bits."""
    await pilot.press("d")
    for _ in range(100):
        await pilot.pause(0.02)
        if s.decoded is not None and s.view == "bob":
            return


def make_app(**kw):
    job = FixedJob(**kw)
    return LmvizApp(job.request, jobs=with_explorer(job))


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
        await bob_view(pilot, s)
        assert s.steps is s.decoded.steps  # Bob's records on show, not Alice's
        assert s.decoded.text == s.text
        await pilot.press("enter")
        assert "matches Alice" in str(app.screen.query_one("#strip").border_subtitle)
        await pilot.press("d")
        assert s.view == "alice"


async def test_bob_s_view_never_draws_a_token_he_has_not_decoded():
    """Bob holds the bits and the model, nothing else: the rendered screen shows the tokens he
    has decoded, "?" for the one he is bisecting, and no token after it, in the strip, the
    bisection panel, the interval bar and the loss chart."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        await bob_view(pilot, s)
        await pilot.press("space", "space", "b")  # two decoded, one bit of the third read
        await pilot.pause(0.1)
        strip = app.screen.query_one("#strip")
        line = strip.render().plain.splitlines()[0]
        assert line.split() == ["s", "1", "7", "?"]  # the rest of the sum is not there
        bisect = app.screen.query_one("#bisection").render().plain
        assert "token 3 of 28 (?)" in bisect and "'2'" not in bisect
        assert "→ the" in bisect and "left of it" not in bisect and "right of it" not in bisect
        bar = app.screen.query_one("#interval").render().plain
        assert bar.splitlines()[0].startswith("token ?")
        labels = app.screen.query_one(LossPanel).view.labels
        assert labels[:2] == ("1", "7") and set(labels[2:]) == {"·"}
        assert "bits read" in str(strip.border_subtitle)
        bits = len(s.steps[2].bisection.bits)
        for _ in range(bits - 1):  # the rest of the third token's bits: now it is his
            await pilot.press("b")
        await pilot.pause(0.1)
        assert strip.render().plain.splitlines()[0].split() == ["s", "1", "7", "2", "?"]
        assert "token 3 of 28 ('2')" in app.screen.query_one("#bisection").render().plain


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


LONG_TEXT = ("The model reads each byte and pays for it in bits: word beginnings cost a lot, word "
             "endings almost nothing. A surprise costs more. Naïve café owners sell crème brûlée "
             "to every tourist who asks.")


async def test_text_view_wraps_with_readable_costs_and_honest_totals():
    from lmviz.app.jobs.settings import ExplorerRequest

    request = ExplorerRequest(text=LONG_TEXT, task="text")
    job = FixedJob(request)
    app = LmvizApp(request, jobs=with_explorer(job))
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        assert s.has_class("long-sequence")
        n = len(LONG_TEXT.encode())
        assert len(s.steps) == n + 1  # every byte, and the end token
        for _ in range(40):
            await pilot.press("space")
        strip = app.screen.query_one("#strip")
        lines = [str(line) for line in strip.render().split("\n")]
        assert "␣" in lines[0] and "gvn" in lines[1]
        # Costs are cells of their own: never two numbers run together.
        import re

        costs = lines[1].split()
        assert all(re.fullmatch(r"gvn|\d+|\d\.\d|\.\d\d|0|▲|\S*\+", c) for c in costs), costs
        await pilot.press("enter")
        text = str(app.screen.query_one("#loss").render())
        assert "no generator is known" in text
        assert "gzip -9, whole text" in text and "xz -9e, whole text" in text
        assert "weights 39,488" in text and "all counted" in text
        assert s.steps[-1].symbol == 256
        # The multi-byte characters are drawn as themselves, once (the end of the text, with
        # "crème brûlée", is on screen now), never as their bytes.
        strip_text = "".join(str(x) for x in strip.render().split("\n"))
        assert "û" in strip_text and "è" in strip_text and "\\xc3" not in strip_text
        await pilot.press("d")
        for _ in range(100):
            await pilot.pause(0.02)
            if s.decoded is not None:
                break
        assert s.decoded.text == LONG_TEXT


async def test_the_editor_takes_any_text_for_the_text_task():
    from lmviz.app.jobs.settings import ExplorerRequest

    request = ExplorerRequest(text="Hello world.", task="text")
    app = LmvizApp(request, jobs=with_explorer(FixedJob(request)))
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        await pilot.press("e")
        box = app.screen.query_one("#edit-input")
        assert box.value == "Hello world."
        box.value = ""
        await pilot.press(*"x+y=z? Ünïcode!", "enter")
        for _ in range(100):
            await pilot.pause(0.02)
            if s.text == "x+y=z? Ünïcode!":
                break
        assert s.text == "x+y=z? Ünïcode!"


async def test_the_binary_task_shows_the_run_length_code_and_one_raw_bit_a_token():
    from lmviz.app.jobs.settings import ExplorerRequest

    request = ExplorerRequest(task="binary")
    job = FixedJob(request)
    app = LmvizApp(request, jobs=with_explorer(job))
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        await pilot.press("enter")
        view = app.screen.query_one(LossPanel).view
        assert view.raw == 64 and view.raw_per_token == 1
        assert view.run_length == s.steps[-1].totals.run_length_bits > 0
        text = str(app.screen.query_one(LossPanel).render())
        assert "runs of argmax hits" in text and "raw 1 bit/token" in text


async def test_text_that_looks_like_markup_is_shown_as_typed():
    """A user's text goes into titles and status lines: '[/]' or '[b]' must stay text, not
    markup (an unbalanced tag would crash the screen)."""
    from lmviz.app.jobs.settings import ExplorerRequest

    text = "a [/] b [b]bold?[/b] [red"
    request = ExplorerRequest(text=text, task="text")
    app = LmvizApp(request, jobs=with_explorer(FixedJob(request)))
    async with app.run_test(size=(160, 48)) as pilot:
        s = await ready(pilot, app)
        assert s.text == text
        await pilot.press("enter", "d")
        for _ in range(100):
            await pilot.pause(0.02)
            if s.decoded is not None:
                break
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert app.is_running and app._exception is None
        assert "[/]" in str(app.screen.query_one("#strip").border_subtitle)


async def test_at_the_smallest_size_every_total_and_the_halvings_can_be_read():
    """100x30 (the size every screen must lay out): the loss panel keeps all its totals, the
    coder's window giving way; the bisection panel shows the halvings, the zoom giving way."""
    from lmviz.app.widgets.bisection_panel import BisectionPanel

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        s = await ready(pilot, app)
        await pilot.press("b", "b")
        await pilot.pause(0.1)
        totals = s.query_one(LossPanel)
        text = str(totals.render())
        assert len(text.splitlines()) <= totals.content_region.height
        for label in ("ideal", "streaming coder", "raw 8 bits/token", "code f"):
            assert label in text
        assert "stream window" not in text  # what gave way
        panel = s.query_one(BisectionPanel)
        rows = str(panel.render()).splitlines()
        assert any(r.lstrip().startswith("2  [") for r in rows)  # the second halving, whole
        assert all(len(r) <= panel.content_region.width for r in rows[:4])
