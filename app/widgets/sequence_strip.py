"""SequenceStrip: every token of the sequence, coloured by what it cost."""

from __future__ import annotations

from bisect import bisect_right

from rich.cells import cell_len
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
        self.focus: int | None = None
        # The wrapped layout, worked out once per sequence and width (_line_starts):
        self._laid_out: tuple | None = None  # (given, width, groups) it was made for
        self._starts: list[int] = [0]  # each line's first cell
        self._firsts: list[int] = []  # each group's first token
        self.border_title = "the sequence"

    def show(self, given: str, tokens: list[str], bits: list[float], current: int,
             groups: list[tuple[int, int, str]] | None = None, focus: int | None = None) -> None:
        """``groups``: tokens drawn as one character (the bytes of a UTF-8 character); by
        default every token is its own. ``focus``: the token whose line is kept in view
        (default: the current one)."""
        self.given, self.tokens, self.bits, self.current = given, tokens, bits, current
        self.focus = focus
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

    def _cell(self, k: int) -> tuple[Text, Text]:
        """Cell k (the given tokens first, then one per character): (glyph, cost)."""
        if k < len(self.given):
            ch = self.given[k]
            w = max(3, len(ch))
            return Text(ch.center(w), style="dim italic"), Text("gvn".center(w), style="dim")
        first, end, glyph = self.groups[k - len(self.given)]
        w = max(3, len(glyph))
        if end <= self.current:  # sent: coloured by the bits of all its bytes
            b = sum(self.bits[first:end])
            return (Text(glyph.center(w), style=f"bold black on {bits_color(b)}"),
                    Text(_short(b).center(w), style=bits_color(b)))
        if first <= self.current < end:
            done = sum(self.bits[first : self.current])
            return (Text(glyph.center(w), style="bold reverse"),
                    Text((_short(done) + "+" if self.current > first else "▲").center(w),
                         style="bold"))
        return Text(glyph.center(w), style="dim"), Text(" " * w)

    def _line_starts(self, width: int) -> list[int]:
        """The first cell of each wrapped line, from the cells' widths alone (no styled text is
        built): worked out once per sequence and width, so a 64 KiB text steps as fast as a
        sentence."""
        made = self._laid_out
        # The groups are held by the key, so a new list cannot reuse the old one's identity.
        if made is None or made[:2] != (self.given, width) or made[2] is not self.groups:
            glyphs = list(self.given) + [g for _, _, g in self.groups]
            starts, used = [0], 0
            for k, glyph in enumerate(glyphs):
                w = cell_len(glyph.center(max(3, len(glyph))))
                if used and used + w + 1 > width:
                    starts.append(k)
                    used = 0
                used += w + 1
            self._starts, self._firsts = starts, [first for first, _, _ in self.groups]
            self._laid_out = (self.given, width, self.groups)
        return self._starts

    def _current_cell(self) -> int:
        """The cell of the token kept in view: the focus, else the current token (the last
        one once every token is sent)."""
        at = self.current if self.focus is None else self.focus
        g = max(0, bisect_right(self._firsts, at) - 1)
        return len(self.given) + min(g, len(self.groups) - 1)

    def _wrapped(self, width: int) -> Text:
        starts = self._line_starts(width)
        ends = starts[1:] + [len(self.given) + len(self.groups)]
        current_line = bisect_right(starts, self._current_cell()) - 1
        visible = max(1, self.size.height // 2)
        first = min(max(0, current_line - visible + 1), max(0, len(starts) - visible))
        rows = []
        for line in range(first, min(len(starts), first + visible)):
            top, bottom = Text(), Text()
            for k in range(starts[line], ends[line]):
                glyph, cost = self._cell(k)
                top.append_text(glyph)
                top.append(" ")
                bottom.append_text(cost)
                bottom.append(" ")
            rows += [top, bottom]
        return Text("\n").join(rows)


def _short(bits: float) -> str:
    """Bits in at most 3 characters: 12, 3.3, .05, 0."""
    if bits >= 9.95:
        return f"{bits:.0f}"
    if bits >= 0.995:
        return f"{bits:.1f}"
    if bits >= 0.005:
        return f"{bits:.2f}"[1:]
    return "0"
