"""ByteMap: a file as text, every byte coloured by what it cost, with a cursor that moves by byte,
word, line and page."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..palette import bits_color


def _glyphs() -> list[str]:
    """One cell per byte: printable ASCII as itself, the rest as a glyph (so the cursor moves by
    byte, and a binary file lines up in columns)."""
    out = []
    for b in range(256):
        if b == 0x0A:
            out.append("⏎")
        elif b == 0x09:
            out.append("→")
        elif b == 0x00:
            out.append("∅")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        elif b < 0x20 or b == 0x7F:
            out.append("·")  # other control bytes
        else:
            out.append("▫")  # 0x80-0xFF: part of a UTF-8 character, or binary
    return out


GLYPHS = _glyphs()
CHEAP = 1.0  # bytes under this many bits are drawn plain: the colour marks where the bits go
STEPS = 16  # colour steps, 0.5 bits apart (8 bits and over: the last)
_UNCODED = Style(color="grey35")
_CHEAP = Style(color="grey70")
_STYLES = [Style(color="black", bgcolor=bits_color(k / 2)) for k in range(STEPS + 1)]


def byte_style(bits: float, coded: bool, cursor: bool = False) -> Style:
    if not coded:
        style = _UNCODED
    elif bits < CHEAP:
        style = _CHEAP
    else:
        style = _STYLES[min(STEPS, int(bits * 2))]
    return style + Style(reverse=True, bold=True) if cursor else style


def legend() -> str:
    """The colour scale, as markup for a border subtitle."""
    cells = [f"[grey70]<{CHEAP:g}[/]"]
    cells += [f"[black on {bits_color(b)}] {b} [/]" for b in (1, 2, 3, 4, 6, 8)]
    return "bits a byte: " + "".join(cells) + " [grey35]grey: not coded yet[/]"


def row_starts(data: np.ndarray, width: int) -> np.ndarray:
    """Where each screen row starts: a row ends after a newline or after ``width`` bytes. The
    last entry is len(data), so row r is [starts[r], starts[r + 1])."""
    n = len(data)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    line_starts = np.concatenate([[0], np.flatnonzero(data == 0x0A) + 1])
    line_starts = line_starts[line_starts < n]
    lengths = np.diff(np.append(line_starts, n))
    rows_per_line = np.maximum(1, -(-lengths // width))
    first_row = np.repeat(line_starts, rows_per_line)
    offset = np.arange(rows_per_line.sum()) - np.repeat(np.cumsum(rows_per_line) - rows_per_line,
                                                        rows_per_line)
    return np.append(first_row + offset * width, n)


def next_word(data: np.ndarray, pos: int, forward: bool = True) -> int:
    """The start of the next (or this or the previous) word: a letter or digit after a byte that
    is not one."""
    word = np.isin(data, np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       b"0123456789_", dtype=np.uint8))
    if forward:
        window = word[pos + 1 :]
        prev = word[pos : len(data) - 1]
        hits = np.flatnonzero(window & ~prev)
        return pos + 1 + int(hits[0]) if hits.size else len(data) - 1
    if pos == 0:
        return 0
    starts = np.flatnonzero(word[1:pos] & ~word[: pos - 1]) + 1
    if word[0]:
        starts = np.concatenate([[0], starts])
    return int(starts[-1]) if starts.size else 0


class ByteMap(ScrollView, inherit_bindings=False):
    """The file, a row per line (long lines wrap), coloured by cost as the bytes are coded. The
    screen owns the keys (and the command palette lists them); the mouse scrolls, a click puts
    the cursor on a byte."""

    DEFAULT_CSS = """
    ByteMap {
        border: round $primary-darken-2;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
    }
    """

    @dataclass
    class CursorMoved(Message):
        position: int

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data = np.zeros(0, dtype=np.uint8)
        self.cost = np.zeros(0, dtype=np.float32)
        self.coded = np.zeros(0, dtype=bool)
        self.cursor = 0
        self.starts = np.zeros(1, dtype=np.int64)
        self._width = 0
        self.can_focus = False

    def show(self, data: np.ndarray, cost: np.ndarray, coded: np.ndarray) -> None:
        """The file and the arrays that fill in as it is coded (read, never written, here)."""
        self.data, self.cost, self.coded = data, cost, coded
        self._layout(force=True)
        self.refresh()

    def _layout(self, force: bool = False) -> None:
        width = max(8, self.scrollable_content_region.width)
        if width != self._width or force:
            self._width = width
            self.starts = row_starts(self.data, width)
            self.virtual_size = Size(width, max(1, len(self.starts) - 1))

    def on_resize(self) -> None:
        self._layout()
        self.scroll_to_cursor(animate=False)

    @property
    def rows(self) -> int:
        return max(1, len(self.starts) - 1)

    def row_of(self, pos: int) -> int:
        return int(np.searchsorted(self.starts, pos, side="right") - 1)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if row >= len(self.starts) - 1 or not len(self.data):
            return Strip.blank(width)
        a, b = int(self.starts[row]), int(self.starts[row + 1])
        segments, run, run_style = [], [], None
        for i in range(a, b):
            style = byte_style(float(self.cost[i]), bool(self.coded[i]), i == self.cursor)
            if style is not run_style and run:
                segments.append(Segment("".join(run), run_style))
                run = []
            run_style = style
            run.append(GLYPHS[self.data[i]])
        if run:
            segments.append(Segment("".join(run), run_style))
        return Strip(segments, b - a).adjust_cell_length(width)

    # -- the cursor ---------------------------------------------------------------------------
    def move_to(self, pos: int) -> None:
        if not len(self.data):
            return
        pos = max(0, min(len(self.data) - 1, pos))
        old, self.cursor = self.cursor, pos
        self._refresh_row(old)
        self._refresh_row(pos)
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(pos))

    def _refresh_row(self, pos: int) -> None:
        y = self.row_of(pos) - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def scroll_to_cursor(self, animate: bool = False) -> None:
        row = self.row_of(self.cursor)
        self.scroll_to_region(Region(0, row, 1, 1), animate=animate, immediate=True)

    def move_rows(self, delta: int) -> None:
        """Up or down ``delta`` rows, keeping the column where the row is long enough."""
        row = self.row_of(self.cursor)
        col = self.cursor - int(self.starts[row])
        target = max(0, min(self.rows - 1, row + delta))
        a, b = int(self.starts[target]), int(self.starts[target + 1])
        self.move_to(min(a + col, b - 1))

    def move_word(self, forward: bool) -> None:
        self.move_to(next_word(self.data, self.cursor, forward))

    def page(self, direction: int) -> None:
        self.move_rows(direction * max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event) -> None:
        row = self.scroll_offset.y + event.y - self.scrollable_content_region.y + self.region.y
        if 0 <= row < self.rows:
            a, b = int(self.starts[row]), int(self.starts[row + 1])
            col = event.x - (self.scrollable_content_region.x - self.region.x)
            self.move_to(min(a + max(0, col), b - 1))

    def refresh_costs(self) -> None:
        """New bytes were coded: repaint (the rows on screen only)."""
        self.refresh()
