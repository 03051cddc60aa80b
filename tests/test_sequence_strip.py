"""SequenceStrip on a long text: it wraps, keeps the current character in view, and styles only
the lines it shows (fed fixed tokens and costs, no model)."""

from lmviz.app.widgets.sequence_strip import SequenceStrip
from textual.app import App, ComposeResult

TEXT = ("Naïve café, the strip scrolls. " * 700)  # 21,700 characters


class Host(App):
    CSS = "SequenceStrip { height: 8; }"

    def compose(self) -> ComposeResult:
        yield SequenceStrip()


def groups_of(text: str) -> list[tuple[int, int, str]]:
    out, i = [], 0
    for ch in text:
        n = len(ch.encode())
        out.append((i, i + n, ch if ch != " " else "␣"))
        i += n
    return out


async def test_a_long_text_scrolls_to_its_cursor_and_draws_only_what_shows():
    app = Host()
    async with app.run_test(size=(100, 12)) as pilot:
        strip = app.query_one(SequenceStrip)
        groups = groups_of(TEXT)
        n = groups[-1][1]
        tokens = ["x"] * n
        costs = [0.5] * n
        built = []
        cell = SequenceStrip._cell
        strip._cell = lambda k: built.append(k) or cell(strip, k)  # count the cells styled
        for current_char in (0, 7_000, len(groups) - 1):
            first = groups[current_char][0]
            built.clear()
            strip.show("∎", tokens, costs, first, groups)
            lines = str(strip.render()).splitlines()
            assert len(lines) == 2 * ((strip.size.height) // 2)  # just the lines on screen
            cursor = [k for k, line in enumerate(lines) if "▲" in line]
            assert len(cursor) == 1 and cursor[0] % 2 == 1  # under a line of characters
            # Only the cells of the lines on screen are styled, not the text's 21,700.
            assert 0 < len(set(built)) <= (strip.size.height // 2) * strip.size.width // 4
        await pilot.pause()
        # The last character is on the last line shown, its cost cell marked.
        assert lines[-2].rstrip().endswith("␣")
