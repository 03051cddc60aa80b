"""PositionHeatmap: bits per predicted position over time, one row a position."""

from __future__ import annotations

from rich.text import Text

from .panel import Panel


def shade(bits: float) -> str:
    """Dark for a learned position (0 bits), bright amber for a random digit (log2 10) or worse."""
    x = max(0.0, min(bits / 4.0, 1.0))
    return f"#{int(20 + 235 * x):02x}{int(20 + 170 * x):02x}{int(30 + 30 * x):02x}"


class PositionHeatmap(Panel):
    """Rows: the predicted positions (a1.., +, b1.., =, c1.., e); columns: time, oldest left;
    shade: recent bits at that position. Operand rows stay at their entropy; answer rows go dark
    one by one as the model learns to add."""

    DEFAULT_CSS = """
    PositionHeatmap {
        height: 1fr;
        padding: 0;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.labels: tuple[str, ...] = ()
        self.columns: list[list[float]] = []  # one list of per-position bits per time step
        self.border_title = "bits per position over time"

    def show(self, labels: tuple[str, ...], columns: list[list[float]]) -> None:
        self.labels, self.columns = labels, columns
        self.redraw()

    def render(self) -> Text:
        if not self.columns:
            return Text("waiting for the first batch…", style="dim italic")
        width = max(1, self.size.width - 6)
        cols = self.columns
        if len(cols) > width:  # average neighbours into the width we have
            step = len(cols) / width
            cols = [
                [sum(c[i] for c in cols[int(k * step) : max(int((k + 1) * step), int(k * step) + 1)])
                 / max(1, len(cols[int(k * step) : max(int((k + 1) * step), int(k * step) + 1)]))
                 for i in range(len(self.labels))]
                for k in range(width)
            ]
        rows = self.labels
        height = max(1, self.size.height - 2)
        every = max(1, -(-len(rows) // height))  # show every k-th row if there is no room
        lines = []
        for i in range(0, len(rows), every):
            line = Text(f"{rows[i]:>4} ", style="dim")
            for c in cols:
                line.append(" ", style=f"on {shade(c[i])}")
            lines.append(line)
        return Text("\n").join(lines)
