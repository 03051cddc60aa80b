"""CodeLengthTable: a few codes of the same data side by side, in bits and as a share of raw."""

from __future__ import annotations

import textwrap
from dataclasses import replace

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
        self.bar = max(0, min(self.BAR, width - 49)) if below else self.BAR  # what fits
        head = f"{'code':<26}{'bits':>10}{'of raw':>8}"
        lines = [Text(head if below else f"{head}  {'':<{self.BAR}}  why", style="bold")]
        raw = max(t.raw_bits, 1e-9)
        for row in t.rows:
            if below:  # the note on its own line, under its row, so nothing is cut
                row, note = replace(row, note=""), row.note
                lines.append(self._row(row, raw))
                lines.extend(Text(f"    {part}", style="dim")
                             for part in textwrap.wrap(note, max(width - 4, 20)))
            else:
                lines.append(self._row(row, raw))
        return Text("\n").join(lines)

    bar = BAR  # cells of the bar as drawn (fewer where the panel is narrow)

    def _row(self, row, raw: float) -> Text:
        """One row: label, bits, share of raw with its bar (where it is a share), note."""
        bits = f"{row.bits:,.2f}" if isinstance(row.bits, float) else f"{row.bits:,}"  # as the totals
        if not row.of_raw:
            return Text.assemble((f"{row.label:<26}", ""), (f"{bits:>10}", "bold"),
                                 " " * (12 + self.bar) if row.note else "",
                                 (f" {row.note}" if row.note else "", "dim"))
        share = row.bits / raw
        filled = min(self.bar, round(share * self.bar))
        line = Text.assemble((f"{row.label:<26}", ""), (f"{bits:>10}", "bold"),
                             (f"{share:>8.0%}", ""))
        if self.bar >= 3:  # too narrow for a bar: the share says it
            line.append_text(Text.assemble("  ", ("█" * filled, bits_color(8 * min(share, 1.0))), (
                " " * (self.bar - filled) + "▏" if share <= 1 else "▶", "dim")))
        if row.note:
            line.append(f" {row.note}", "dim")
        return line
