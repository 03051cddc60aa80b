"""IntervalBar: [0, 1) split into one segment per symbol, and a zoom that follows bisection."""

from __future__ import annotations

from rich.text import Text

from ..palette import SEGMENTS, TOKEN
from .panel import Panel


class IntervalBar(Panel):
    """Top: the whole unit interval, one segment per symbol, widths proportional to the
    quantized frequencies, the real token highlighted. Bottom: the dyadic interval the bisection
    has reached, magnified to full width, so a token of p = 0.001 is as visible as one of 0.9."""

    DEFAULT_CSS = """
    IntervalBar {
        height: 8;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cum: list[int] = []
        self.symbols: list[str] = []
        self.token = -1
        self.scale = 1  # positions are integers out of scale (2 * total)
        self.zoom = (0, 1)  # the bisection's current dyadic interval [lo, hi) out of scale
        self.depth = 0
        self.mid: int | None = None
        self.border_title = "the token's interval"

    def show(self, cum: list[int], symbols: list[str], token: int, scale: int,
             zoom: tuple[int, int], depth: int, mid: int | None) -> None:
        self.cum, self.symbols, self.token = cum, symbols, token
        self.scale, self.zoom, self.depth, self.mid = scale, zoom, depth, mid
        self.redraw()

    def _bar(self, width: int, lo: float, hi: float) -> Text:
        """Segments of [lo, hi) (fractions of [0, 1)) drawn over width cells. A segment too
        narrow for its label (most of 256 bytes) is grouped with its narrow neighbours into one
        dim run, so the bar reads as the few likely symbols and "the rest"."""
        total = self.cum[-1]
        text = Text()
        span = hi - lo
        owner = []
        for c in range(width):
            x = lo + (c + 0.5) / width * span  # the cell's centre
            owner.append(_find(self.cum, x * total))

        def narrow(s: int) -> bool:
            cells = (self.cum[s + 1] - self.cum[s]) / total / span * width
            label = self.symbols[s] if s < len(self.symbols) else "?"
            return s != self.token and cells < len(label) + 1

        c = 0
        while c < width:
            s = owner[c]
            run = 1
            if narrow(s):
                while c + run < width and narrow(owner[c + run]):
                    run += 1
                if len({owner[k] for k in range(c, c + run)}) > 1:
                    text.append("░" * run, style=f"dim white on {SEGMENTS[0]}")
                    c += run
                    continue
            while c + run < width and owner[c + run] == s:
                run += 1
            label = self.symbols[s] if s < len(self.symbols) else "?"
            body = (label.center(run) if run >= len(label) else "▏" * run)[:run]
            if s == self.token:
                style = f"bold black on {TOKEN}"
            else:
                style = f"white on {SEGMENTS[s % 2]}"
            text.append(body, style=style)
            c += run
        return text

    def render(self) -> Text:
        if not self.cum:
            return Text("waiting for the first distribution…", style="dim italic")
        width = max(10, self.size.width - 2)
        total = self.cum[-1]
        if self.token < 0:  # Bob, before his interval falls inside one token's
            head = Text.assemble(("token ", "dim"), ("?", f"bold {TOKEN}"),
                                 ("  not known until the bisection's interval lies inside one "
                                  "token's", "dim"))
        else:
            t_lo, t_hi = self.cum[self.token], self.cum[self.token + 1]
            q = (t_hi - t_lo) / total
            head = Text.assemble(
                ("token ", "dim"), (f"'{self.symbols[self.token]}'", f"bold {TOKEN}"),
                (f"  q = {q:.4g}", "bold"),
                (f"  owns [{t_lo / total:.6f}, {t_hi / total:.6f})", "dim"),
            )
            if head.cell_len + 10 <= width:
                head.append(" of [0, 1)", "dim")
        full = self._bar(width, 0.0, 1.0)
        ticks = _ticks(width, 0.0, 1.0)
        if self.content_region.height < 6:  # a short terminal: the zoom gives way
            return Text("\n").join([head, full, ticks])
        zlo, zhi = self.zoom[0] / self.scale, self.zoom[1] / self.scale
        zoom_head = Text.assemble(
            (_magnification(self.depth), "bold"),
            (f"  the bisection's interval [{zlo:.8g}, {zhi:.8g})", "dim"),
        )
        zoom = self._bar(width, zlo, zhi)
        if self.mid is not None:
            # Where the next halving cuts: the midpoint of the zoomed interval.
            m = (self.mid / self.scale - zlo) / (zhi - zlo)
            col = min(width - 1, int(m * width))
            zoom = zoom[:col] + Text("┃", style="bold red on white") + zoom[col + 1 :]
        return Text("\n").join([head, full, ticks, zoom_head, zoom, _ticks(width, zlo, zhi)])


def _magnification(depth: int) -> str:
    """'zoom ×8' after three halvings; powers of two beyond a million as 2^k."""
    return f"zoom ×{2 ** depth:,}" if depth <= 20 else f"zoom ×2^{depth}"


def _find(cum: list[int], x: float) -> int:
    lo, hi = 0, len(cum) - 1
    while hi - lo > 1:
        m = (lo + hi) // 2
        if cum[m] <= x:
            lo = m
        else:
            hi = m
    return lo


def _ticks(width: int, lo: float, hi: float) -> Text:
    left, right = f"{lo:.8g}", f"{hi:.8g}"
    mid = f"{(lo + hi) / 2:.8g}"
    gap = width - len(left) - len(right) - len(mid)
    if gap < 2:
        return Text(left.ljust(width - len(right)) + right, style="dim")
    a = gap // 2
    return Text(left + " " * a + mid + " " * (gap - a) + right, style="dim")
