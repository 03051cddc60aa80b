"""SequenceStrip: every token of the sequence, coloured by what it cost."""

from __future__ import annotations

from rich.text import Text

from ..palette import bits_color
from .panel import Panel


class SequenceStrip(Panel):
    """Sent tokens are coloured by their cost in bits, the current one is marked, the rest dim."""

    DEFAULT_CSS = """
    SequenceStrip {
        height: 4;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.given = ""  # tokens before the first coded one (e.g. "s")
        self.tokens: list[str] = []
        self.bits: list[float] = []
        self.current = 0
        self.border_title = "the sequence"

    def show(self, given: str, tokens: list[str], bits: list[float], current: int) -> None:
        self.given, self.tokens, self.bits, self.current = given, tokens, bits, current
        self.redraw()

    def render(self) -> Text:
        if not self.tokens:
            return Text("loading the model…", style="dim italic")
        n = len(self.tokens) + len(self.given)
        cell = max(2, min(5, (self.size.width - 1) // max(n, 1)))
        top = Text()
        bottom = Text()
        for ch in self.given:
            top.append(ch.center(cell), style="dim italic")
            bottom.append("given".center(cell)[:cell] if cell >= 5 else " " * cell, style="dim")
        for i, tok in enumerate(self.tokens):
            label = tok.center(cell)
            if i < self.current:
                b = self.bits[i]
                top.append(label, style=f"bold black on {bits_color(b)}")
                bottom.append(_short(b).center(cell), style=bits_color(b))
            elif i == self.current:
                top.append(label, style="bold reverse")
                bottom.append("▲".center(cell), style="bold")
            else:
                top.append(label, style="dim")
                bottom.append(" " * cell)
        return Text.assemble(top, "\n", bottom)


def _short(bits: float) -> str:
    """Bits in at most 3 characters: 12, 3.3, .05, 0."""
    if bits >= 9.95:
        return f"{bits:.0f}"
    if bits >= 0.995:
        return f"{bits:.1f}"
    if bits >= 0.005:
        return f"{bits:.2f}"[1:]
    return "0"
