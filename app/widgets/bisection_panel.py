"""BisectionPanel: each halving of [0, 1) as it happens, and what the code costs."""

from __future__ import annotations

from rich.text import Text

from ..palette import TOKEN
from .panel import Panel


class BisectionPanel(Panel):
    """Steps so far (interval, midpoint, which half, the bit), the code for this token, and its
    length against -log2 p, against the raw bits of a token (8; 1 for bits) and against the
    article's optimistic count."""

    DEFAULT_CSS = """
    BisectionPanel {
        height: 1fr;
    }
    """
    WRAP = True  # the last line explains the optimistic count at length

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.trace = None  # a BisectionTrace
        self.shown = 0  # steps revealed so far
        self.reader = "Alice"
        self.which = ""  # e.g. "token 11 of 28 ('9')"
        self.raw_bits = 8
        self.border_title = "bisection"

    def show(self, trace, shown: int, reader: str = "Alice", which: str = "",
             raw_bits: int = 8) -> None:
        self.trace, self.shown, self.reader, self.which = trace, shown, reader, which
        self.raw_bits = raw_bits  # a token sent as it is: 8 bits, 1 for a two-symbol task
        self.redraw()

    def render(self) -> Text:
        # Plain fixed-width Text, not a rich Table: this is redrawn on every key press.
        tr = self.trace
        if tr is None:
            return Text("")
        rows_room = max(1, self.size.height - 8)
        steps = tr.steps[: self.shown]
        bob = self.reader == "Bob"
        lines = [Text.assemble((f"{self.reader} {'reads the bits' if bob else 'bisects'} ",
                                "dim"), (self.which, "bold"))]
        if steps:
            last_col = "bit read → half kept" if bob else "token is"
            skipped = max(0, len(steps) - rows_room)
            rows = []
            for k, st in enumerate(steps[skipped:], start=skipped + 1):
                lo, hi, mid = st.lo / tr.scale, st.hi / tr.scale, st.mid / tr.scale
                if bob:  # Bob knows the bit, not the token: he keeps the half it names
                    where = f"{st.bit} → the {'right' if st.bit else 'left'} half"
                elif tr.token_hi <= st.mid:
                    where = "left of it"
                elif tr.token_lo >= st.mid:
                    where = "right of it"
                else:
                    where = "across it"
                if st.mid_inside and not bob:
                    where += " ← midpoint inside"
                rows.append((k, f"[{lo:.8g}, {hi:.8g})", f"{mid:.8g}", where, st.bit))
            # Columns as wide as what they hold (narrower than the full labels on a small screen).
            wi = max(len("interval [lo, hi)"), *(len(r[1]) for r in rows)) + 2
            wm = max(len("midpoint"), *(len(r[2]) for r in rows)) + 2
            ww = max(len(last_col), *(len(r[3]) for r in rows)) + 2
            if 5 + wi + wm + ww + 3 > self.content_region.width and not bob:
                rows = [(*r[:3], r[3].replace(" ← midpoint inside", " ← inside"), r[4]) for r in rows]
                ww = max(len(last_col), *(len(r[3]) for r in rows)) + 2
            lines.append(Text(f"{'#':>3}  {'interval [lo, hi)':<{wi}}{'midpoint':<{wm}}"
                              f"{last_col:<{ww}}bit", style="bold"))
            if skipped:
                lines.append(Text(f"{'…':>3}  {skipped} earlier steps", style="dim"))
            for k, interval, mid, where, bit in rows:
                lines.append(Text.assemble(
                    (f"{k:>3}  ", "dim"), f"{interval:<{wi}}{mid:<{wm}}{where:<{ww}}",
                    (str(bit), f"bold {TOKEN}")))
        elif bob:
            lines.append(Text("Bob reads Alice's bits one at a time: each says which half of his "
                              "interval to keep (b: one bit)", style="dim italic"))
        else:
            lines.append(Text(f"{self.reader} halves [0, 1) and keeps the half that holds the token's "
                              "interval (b: one step)", style="dim italic"))
        done = self.shown >= len(tr.bits)
        code = "".join(map(str, tr.bits[: self.shown])) or "·"
        lines.append(Text.assemble(
            ("code so far ", "dim"), (code, f"bold {TOKEN}"),
            (f"  ({self.shown} bits read)" if bob else f"  ({self.shown} of {len(tr.bits)} bits)",
             "dim") if not done
            else ("  ✓ his interval lies inside one token's: decoded" if bob
                  else "  ✓ interval inside the token's: done", "bold green"),
        ))
        if bob and not done:  # what the token will cost is known once it is decoded
            return Text("\n").join(lines)
        lines.append(Text.assemble(
            (f"{len(tr.bits)} bits", "bold"), (" vs -log2 p = ", "dim"), (f"{tr.ideal_bits:.2f}", "bold"),
            (f" vs {self.raw_bits} raw bit{'s' if self.raw_bits != 1 else ''}; bound "
             "⌈-log2 p⌉+1 = ", "dim"), (f"{tr.bound}", "bold"),
        ))
        lines.append(Text.assemble(
            ("article's optimistic count: ", "dim"), (f"{tr.optimistic_bits} bit{'' if tr.optimistic_bits == 1 else 's'}", "bold"),
            (" (stop once a midpoint lands inside). Not decodable alone: its bits are also the "
             "start of longer codes of other tokens, so Bob cannot tell where it ends without "
             "a length.", "dim"),
        ))
        return Text("\n").join(lines)
