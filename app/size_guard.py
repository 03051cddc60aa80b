"""SizeGuard: a screen whose numbers cannot be read below a size hides its body there and says
so in one sentence (`lmviz.tcss`: `.too-small`). Every full screen uses it."""

from __future__ import annotations

from textual.widgets import Label

MIN_WIDTH, MIN_HEIGHT = 100, 30  # the smallest terminal every screen lays out readably


def too_small_label() -> Label:
    return Label(f"The terminal is too small for lmviz: make it at least {MIN_WIDTH}×{MIN_HEIGHT}.",
                 id="too-small")


class SizeGuard:
    """Mixin for a Screen that yields `too_small_label()`: toggles the class on every resize.
    A screen with more to adapt overrides `fit` and calls this one."""

    def on_resize(self, event) -> None:
        self.fit(*self.app.size)

    def fit(self, width: int, height: int) -> None:
        self.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "too-small")
