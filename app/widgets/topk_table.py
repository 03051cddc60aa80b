"""TopKTable: the most likely next tokens, with the generator's truth beside the model's."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text

from ..palette import TOKEN
from .panel import Panel


class TopKTable(Panel):
    """symbol, p, -log2 p and the true probability (where the task has an oracle)."""

    DEFAULT_CSS = """
    TopKTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.freqs: np.ndarray | None = None
        self.true: np.ndarray | None = None
        self.symbols: list[str] = []
        self.token = -1
        self.border_title = "next-token distribution"

    def show(self, freqs: np.ndarray, true: np.ndarray | None, symbols: list[str], token: int) -> None:
        self.freqs, self.true, self.symbols, self.token = freqs, true, symbols, token
        self.redraw()

    def render(self) -> Text:
        # Plain fixed-width Text, not a rich Table: this is redrawn on every key press.
        if self.freqs is None:
            return Text("")
        k = max(3, self.size.height - 3)
        total = float(self.freqs.sum())
        order = np.argsort(-self.freqs, kind="stable")[:k]
        if self.token >= 0 and self.token not in order:  # -1: the token is not known yet
            order = np.concatenate([order[:-1], [self.token]])
        width = max(30, self.size.width)
        lines = [Text(f"{'tok':<5}{'p':>9}{'-log2 p':>10}{'true p':>9}".ljust(width), style="bold")]
        for s in order:
            p = self.freqs[s] / total
            true = "–" if self.true is None else f"{self.true[s]:.3g}"
            row = f"{self.symbols[s]:<5}{p:>9.4f}{-math.log2(p):>10.2f}{true:>9}".ljust(width)
            lines.append(Text(row, style=f"bold black on {TOKEN}" if s == self.token else ""))
        # Why an impossible token still shows a price: the quantizer's floor.
        lines.append(Text(""))
        lines.append(Text(f"no token below 1/{int(total):,} ({math.log2(total):.0f} bits)",
                          style="dim italic"))
        return Text("\n").join(lines)
