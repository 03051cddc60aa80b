"""CodeLengthTable: a few codes of the same data side by side, in bits and as a share of raw."""

from __future__ import annotations

import textwrap

from rich.text import Text

from ..palette import bits_color
from .panel import Panel


class CodeLengthTable(Panel):
    """Rows of (code, bits, share of raw, note) under a caption: the tour's yardsticks. Fed a
    `CodeLengths` record (jobs/tour.py); the bar beside each row is its share of raw."""

    DEFAULT_CSS = """
    CodeLengthTable {
        height: auto;
        min-height: 5;
    }
    """
    BAR = 20  # cells of the share-of-raw bar

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.table = None
        self.border_title = "code lengths"

    def show(self, table) -> None:
        self.table = table
        self.border_title = table.caption
        self.refresh(layout=True)

    def _notes_below(self, width: int) -> bool:
        """Whether the notes go on a line of their own: the row and its note do not fit."""
        longest = max((len(r.note) for r in self.table.rows), default=0)
        return width < 26 + 10 + 8 + 2 + self.BAR + 2 + longest

    def get_content_height(self, container, viewport, width: int) -> int:
        if not self.table:
            return 2
        rows = len(self.table.rows)
        notes = (sum(len(textwrap.wrap(r.note, max(width - 4, 20))) for r in self.table.rows)
                 if self._notes_below(width) else 0)
        return 1 + rows + notes

    def render(self) -> Text:
        t = self.table
        if t is None:
            return Text("computing…", style="dim italic")
        width = self.content_region.width
        below = self._notes_below(width)
        bar = max(0, min(self.BAR, width - 49)) if below else self.BAR  # what fits
        head = f"{'code':<26}{'bits':>10}{'of raw':>8}"
        lines = [Text(head if below else f"{head}  {'':<{self.BAR}}  why", style="bold")]
        raw = max(t.raw_bits, 1e-9)
        for row in t.rows:
            lines.append(self._row(row, raw, bar, "" if below else row.note))
            if below:  # the note on its own line, under its row, so nothing is cut
                lines.extend(Text(f"    {part}", style="dim")
                             for part in textwrap.wrap(row.note, max(width - 4, 20)))
        return Text("\n").join(lines)

    @staticmethod
    def _row(row, raw: float, bar: int, note: str) -> Text:
        """One row: label, bits, share of raw with a ``bar`` cells wide (where it is a share
        and there is room), then ``note``."""
        bits = f"{row.bits:,.2f}" if isinstance(row.bits, float) else f"{row.bits:,}"  # as the totals
        line = Text.assemble((f"{row.label:<26}", ""), (f"{bits:>10}", "bold"))
        if not row.of_raw:
            if note:
                line.append(" " * (12 + bar) + f" {note}", "dim")
            return line
        share = row.bits / raw
        line.append(f"{share:>8.0%}")
        if bar >= 3:  # too narrow for a bar: the share says it
            filled = min(bar, round(share * bar))
            line.append_text(Text.assemble("  ", ("█" * filled, bits_color(8 * min(share, 1.0))), (
                " " * (bar - filled) + "▏" if share <= 1 else "▶", "dim")))
        if note:
            line.append(f" {note}", "dim")
        return line
