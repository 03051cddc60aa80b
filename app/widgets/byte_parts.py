"""ByteParts: for the byte under the cursor, what the mix coded it with and what each part of the
compressor's model predicted for it (a core.compression.inspect.ByteDetail)."""

from __future__ import annotations

import math

from lmviz.core.compression.costs import MATCH
from rich.text import Text

from ..palette import TOKEN, bits_color
from .panel import Panel

ESCAPES = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r"}  # NUL and the rest: \\xNN, as everywhere


def byte_label(b: int) -> str:
    """'e', ' ', '\\n' or '\\xe9': short and unambiguous, NUL '\\x00' as every screen writes it."""
    if b in ESCAPES:
        return f"'{ESCAPES[b]}'"
    if 0x20 <= b < 0x7F:
        return f"'{chr(b)}'"
    return f"'\\x{b:02x}'"


def _bits(p: float) -> str:
    return f"{-math.log2(p):.2f}" if p > 0 else "∞"


class ByteParts(Panel):
    """The mix's likeliest bytes, then every part: its guess, its probability of the real byte,
    the mixer's weight on it and how sure its context was."""

    DEFAULT_CSS = """
    ByteParts {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.detail = None  # a ByteDetail
        self.length = 0
        self.border_title = "why this byte cost what it did"

    @staticmethod
    def _row(lines: list[Text], part) -> float:
        """Append a part's row; its probability of the real byte (0 where it has none)."""
        guess = "–" if part.top < 0 else byte_label(part.top)
        p = 0.0
        if math.isnan(part.p):
            p_text, bits = "–", ""
        elif part.name == MATCH:  # one byte, no distribution: right or wrong
            p_text, bits = ("✓ right" if part.p > 0 else "✗ wrong"), ""
        else:
            p, p_text, bits = part.p, f"{part.p:.4f}", _bits(part.p)
        weight = "–" if math.isnan(part.weight) else f"{part.weight:.2f}"
        lines.append(Text(f"  {part.name:<22}{guess:<8}{p_text:>10}{bits:>7}{weight:>10}  "
                          f"{part.confidence}"))
        return p

    def show(self, detail, length: int) -> None:
        self.detail, self.length = detail, length
        self.redraw()

    def render(self) -> Text:
        d = self.detail
        if d is None:
            return Text("not coded yet: the cursor's byte is shown once the coder reaches it",
                        style="dim italic")
        real = byte_label(d.byte)
        p_mix = 2.0 ** -d.bits  # what the coder used: its eight bits' probabilities
        lines = [
            Text.assemble(("byte ", "dim"), (f"{d.position:,}", "bold"), (f" of {self.length:,} · ", "dim"),
                          (real, f"bold {TOKEN}"), (" · ", "dim"),
                          (f"{d.bits:.2f} bits", f"bold {bits_color(d.bits)}")),
        ]
        # The mix's likeliest bytes on one line: the parts below need the room.
        top = Text("the mix's likeliest: ", style="dim")
        for k, (b, _, f) in enumerate(d.top):
            top.append(" · " if k else "", style="dim")
            top.append(f"{byte_label(b)} {f / d.total:.3f}",
                       style=f"bold black on {TOKEN}" if b == d.byte else "bold")
        lines += [top, Text(f"{'each part alone':<24}{'guess':<8}{'p(' + real + ')':>10}{'bits':>7}"
                            f"{'weight':>10}  context", style="bold")]
        # The mix first, then the match model and the contexts: on a small screen (or with a
        # binary record table's 16 contexts) it is the last contexts that get cropped.
        guess = byte_label(d.top[0][0]) if len(d.top) else "–"  # its likeliest, as for each part
        lines.append(Text.assemble((f"  {'the mix':<22}{guess:<8}{p_mix:>10.4f}{_bits(p_mix):>7}", "bold")))
        best = 0.0
        for part in sorted(d.parts, key=lambda p: p.name != MATCH):
            best = max(best, self._row(lines, part))
        verdict = ("beats every part alone" if p_mix > best * 1.001 else
                   "does as well as its best part" if p_mix >= best * 0.999 else
                   "does worse than its best part here (it pays for the bytes where that part is wrong)")
        lines.append(Text(
            f"The mix {verdict}. It weighs its parts bit by bit, in the odds of each bit (the "
            "weight shown is the mean along this byte's eight bits), so a part that is often "
            "right where the others are unsure gains weight; then a small table keyed by the "
            "last byte corrects the mixed probability.", style="dim"))
        return Text("\n").join(lines)

    WRAP = True
