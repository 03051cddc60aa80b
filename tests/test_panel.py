"""Panel's line drawing: a redraw repaints only the lines whose content changed."""

from lmviz.app.widgets.panel import Panel
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widget import Widget


class Lines(Panel):
    DEFAULT_CSS = "Lines { height: 8; }"

    def __init__(self) -> None:
        super().__init__()
        self.rows = ["one", "two", "three"]

    def render(self) -> Text:
        return Text("\n".join(self.rows))


class Host(App):
    def compose(self) -> ComposeResult:
        yield Lines()


async def test_redraw_repaints_only_changed_lines(monkeypatch):
    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:
        panel = app.query_one(Lines)
        await pilot.pause()
        assert [panel.render_line(y).text.rstrip() for y in range(4)] == ["one", "two", "three", ""]
        calls = []
        original = Widget.refresh
        monkeypatch.setattr(Widget, "refresh",
                            lambda self, *regions, **kw: calls.append(regions) or original(self, *regions, **kw))
        panel.redraw()  # nothing changed: nothing to repaint
        assert calls == []
        panel.rows[1] = "TWO"
        panel.redraw()
        assert len(calls) == 1 and [r.y for r in calls[0]] == [1]
        await pilot.pause()
        assert panel.render_line(1).text.rstrip() == "TWO"
        panel.rows.append("four")  # a new line where there was a blank one
        panel.redraw()
        assert [r.y for r in calls[-1]] == [3]
