"""CodeLengthTable: a few codes of the same data side by side, in bits and as a share of raw."""

from __future__ import annotations

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

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1 + (len(self.table.rows) if self.table else 1)

    def render(self) -> Text:
        t = self.table
        if t is None:
            return Text("computing…", style="dim italic")
        lines = [Text(f"{'code':<26}{'bits':>10}{'of raw':>8}  {'':<{self.BAR}}  why", style="bold")]
        raw = max(t.raw_bits, 1e-9)
        for row in t.rows:
            share = row.bits / raw
            filled = min(self.BAR, round(share * self.BAR))
            bits = f"{row.bits:,.1f}" if isinstance(row.bits, float) else f"{row.bits:,}"
            colour = bits_color(8 * min(share, 1.0))
            if not row.of_raw:
                lines.append(Text.assemble((f"{row.label:<26}", ""), (f"{bits:>10}", "bold"),
                                           " " * (12 + self.BAR), (f" {row.note}", "dim")))
                continue
            lines.append(Text.assemble(
                (f"{row.label:<26}", ""), (f"{bits:>10}", "bold"), (f"{share:>8.0%}", ""), "  ",
                ("█" * filled, colour), (" " * (self.BAR - filled) + "▏" if share <= 1 else "▶",
                                          "dim"),
                (f" {row.note}", "dim")))
        return Text("\n").join(lines)
