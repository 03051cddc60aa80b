"""Panel: the bordered, titled box every explorer widget is drawn in."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class Panel(Widget):
    """Base class: a rounded border with a muted title and one cell of side padding.
    Type selectors match subclasses, so each widget only adds its own size.

    Subclasses build their content as a rich `Text` in `render`, redrawn on every key press.
    Panel turns it into lines itself (the line API) instead of letting Textual lay it out as a
    general visual, which costs more per frame; lines are cropped to the width,
    or wrapped where ``WRAP`` is set.
    """

    DEFAULT_CSS = """
    Panel {
        border: round $primary-darken-2;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    WRAP = False  # wrap long lines (else crop them)

    _lines: list[Strip] | None = None

    def refresh(self, *regions, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Widget:
        self._lines = None  # anything may have changed (size, theme): rebuild on the next frame
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def redraw(self) -> None:
        """New content (the subclasses' `show`): repaint only the lines that changed.

        A token step leaves the border, blank lines and often whole rows as they were, and
        Textual's per-line work (border, padding, compositing) is most of a frame's cost."""
        old = self._lines
        if old is None or not self.is_mounted:
            self.refresh()
            return
        new = self._build_lines()
        if len(new) != len(old):
            self.refresh()
            return
        self._lines = new
        width = self.size.width
        changed = [Region(0, y, width, 1) for y, (a, b) in enumerate(zip(old, new)) if a != b]
        if changed:
            super().refresh(*changed)

    def render(self) -> Text:  # subclasses draw here
        return Text("")

    def on_resize(self) -> None:
        self._lines = None

    def _build_lines(self) -> list[Strip]:
        width, height = self.size
        console = self.app.console
        base = self.rich_style
        text = self.render()
        rows = text.wrap(console, width) if self.WRAP else text.split("\n", allow_blank=True)
        lines = [Strip(list(row.render(console, end=""))).apply_style(base).adjust_cell_length(width, base)
                 for row in rows[:height]]
        return lines + [Strip.blank(width, base)] * (height - len(lines))

    def render_line(self, y: int) -> Strip:
        # Called once per line per frame: everything is built once per change, then indexed.
        if self._lines is None:
            self._lines = self._build_lines()
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width, self.rich_style)
