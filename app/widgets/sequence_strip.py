"""SequenceStrip: every token of the sequence, coloured by what it cost."""

from __future__ import annotations

from rich.text import Text

from ..palette import bits_color
from .panel import Panel


class SequenceStrip(Panel):
    """Sent tokens are coloured by their cost in bits, with the cost beneath; the current one is
    marked, the rest dim. A sequence that fits on one line is drawn on one line (an addition);
    a longer one (a text) wraps into lines of characters, each with its costs beneath, and
    scrolls so that the current character stays in view."""

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
        self.groups: list[tuple[int, int, str]] = []  # (first, end, glyph) over tokens
        self.current = 0
        self.border_title = "the sequence"

    def show(self, given: str, tokens: list[str], bits: list[float], current: int,
             groups: list[tuple[int, int, str]] | None = None) -> None:
        """``groups``: tokens drawn as one character (the bytes of a UTF-8 character); by
        default every token is its own."""
        self.given, self.tokens, self.bits, self.current = given, tokens, bits, current
        self.groups = groups or [(i, i + 1, t) for i, t in enumerate(tokens)]
        self.redraw()

    def render(self) -> Text:
        if not self.tokens:
            return Text("loading the model…", style="dim italic")
        n = len(self.tokens) + len(self.given)
        width = self.size.width - 1
        # One line where every cell has room for a cost and a space (an addition); else wrap,
        # so that two costs never run together.
        if n * 5 <= width and len(self.groups) == len(self.tokens):
            return self._one_line(5)
        return self._wrapped(width)

    def _one_line(self, cell: int) -> Text:
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

    def _cells(self) -> list[tuple[Text, Text]]:
        """(glyph, cost) cells, the given tokens first, one per character."""
        cells = []
        for ch in self.given:
            w = max(3, len(ch))
            cells.append((Text(ch.center(w), style="dim italic"), Text("gvn".center(w), style="dim")))
        for first, end, glyph in self.groups:
            w = max(3, len(glyph))
            if end <= self.current:  # sent: coloured by the bits of all its bytes
                b = sum(self.bits[first:end])
                cells.append((Text(glyph.center(w), style=f"bold black on {bits_color(b)}"),
                              Text(_short(b).center(w), style=bits_color(b))))
            elif first <= self.current < end:
                done = sum(self.bits[first : self.current])
                cells.append((Text(glyph.center(w), style="bold reverse"),
                              Text((_short(done) + "+" if self.current > first else "▲").center(w),
                                   style="bold")))
            else:
                cells.append((Text(glyph.center(w), style="dim"), Text(" " * w)))
        return cells

    def _wrapped(self, width: int) -> Text:
        lines: list[tuple[Text, Text]] = []
        top, bottom = Text(), Text()
        current_line = 0
        for k, (glyph, cost) in enumerate(self._cells()):
            if top.cell_len and top.cell_len + glyph.cell_len + 1 > width:
                lines.append((top, bottom))
                top, bottom = Text(), Text()
            top.append_text(glyph)
            top.append(" ")
            bottom.append_text(cost)
            bottom.append(" ")
            if self._is_current_cell(k):
                current_line = len(lines)
        lines.append((top, bottom))
        visible = max(1, self.size.height // 2)
        start = min(max(0, current_line - visible + 1), max(0, len(lines) - visible))
        shown = lines[start : start + visible]
        rows = [row for pair in shown for row in pair]
        return Text("\n").join(rows)

    def _is_current_cell(self, k: int) -> bool:
        g = k - len(self.given)
        if g < 0:
            return False
        first, end, _ = self.groups[g]
        return first <= self.current < end or (g == len(self.groups) - 1 and self.current >= end)


def _short(bits: float) -> str:
    """Bits in at most 3 characters: 12, 3.3, .05, 0."""
    if bits >= 9.95:
        return f"{bits:.0f}"
    if bits >= 0.995:
        return f"{bits:.1f}"
    if bits >= 0.005:
        return f"{bits:.2f}"[1:]
    return "0"
