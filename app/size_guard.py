"""SizeGuard: a screen whose numbers cannot be read below a size hides its body there and says
so in one sentence, as the explorer does (`lmviz.tcss`: `.too-small`)."""

from __future__ import annotations

from textual.widgets import Label

MIN_WIDTH, MIN_HEIGHT = 100, 30  # the smallest terminal every screen lays out readably


def too_small_label() -> Label:
    return Label(f"The terminal is too small for lmviz: make it at least {MIN_WIDTH}×{MIN_HEIGHT}.",
                 id="too-small")


class SizeGuard:
    """Mixin for a Screen that yields `too_small_label()`: toggles the class on every resize."""

    def on_resize(self, event) -> None:
        w, h = self.app.size
        self.set_class(w < MIN_WIDTH or h < MIN_HEIGHT, "too-small")
