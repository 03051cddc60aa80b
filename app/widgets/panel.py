"""Panel: the bordered, titled box every explorer widget is drawn in."""

from __future__ import annotations

from textual.widget import Widget


class Panel(Widget):
    """Base class: a rounded border with a muted title and one cell of side padding.
    Type selectors match subclasses, so each widget only adds its own size."""

    DEFAULT_CSS = """
    Panel {
        border: round $primary-darken-2;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """
