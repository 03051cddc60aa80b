"""ByteParts: for the byte under the cursor, what the mix coded it with and what each part of the
compressor's model predicted for it (a core.compression.inspect.ByteDetail)."""

from __future__ import annotations

import math

from lmviz.core.compression.costs import MATCH, MODEL
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


_ORDER = {MATCH: 0, MODEL: 1}  # the parts listed before the contexts, in this order


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
        self.saw_bytes: dict[str, bytes] = {}  # what each context hashed
        self.border_title = "why this byte cost what it did"

    def _row(self, lines: list[Text], part) -> float:
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
        label = f"{part.name} {self.saw(part.name, 20 - len(part.name))}".rstrip()
        lines.append(Text(f"  {label:<22}{guess:<8}{p_text:>10}{bits:>7}{weight:>10}  "
                          f"{part.confidence}"))
        return p

    def saw(self, name: str, room: int) -> str:
        """The bytes a context hashed (what order-2 saw), quoted, the latest ones kept to fit
        ``room`` cells; "" where a context is not a run of earlier bytes."""
        raw = self.saw_bytes.get(name)
        if raw is None or room < 4:
            return ""
        glyphs = [byte_label(b)[1:-1] for b in raw]
        shown = ""
        for g in reversed(glyphs):
            if len(shown) + len(g) + 3 > room:
                return f"'…{shown}'"
            shown = g + shown
        return f"'{shown}'"

    def show(self, detail, length: int, saw: dict[str, bytes] | None = None) -> None:
        """``detail``: a ByteDetail (None: not coded yet); ``saw``: the bytes each context
        hashed, by name (jobs.views.ByteView.saw)."""
        self.detail, self.length, self.saw_bytes = detail, length, saw or {}
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
        # The mix first, then the match model, the byte model and the contexts: on a small
        # screen (or with a binary record table's 16 contexts) it is the last contexts that get
        # cropped, never the byte model (with `--model` the heaviest part).
        guess = byte_label(d.top[0][0]) if len(d.top) else "–"  # its likeliest, as for each part
        lines.append(Text.assemble((f"  {'the mix':<22}{guess:<8}{p_mix:>10.4f}{_bits(p_mix):>7}", "bold")))
        mix_at = len(lines)
        best = 0.0
        for part in sorted(d.parts, key=lambda p: _ORDER.get(p.name, len(_ORDER))):
            best = max(best, self._row(lines, part))
        if p_mix < best * 0.999:  # right under the mix: cropping takes the last contexts first
            lines.insert(mix_at, self._why_lost(d, p_mix, best))
        verdict = ("beats every part alone" if p_mix > best * 1.001 else
                   "does as well as its best part" if p_mix >= best * 0.999 else
                   "does worse than its best part here (above: why)")
        lines.append(Text(
            f"The mix {verdict}. It weighs its parts bit by bit, in the odds of each bit (the "
            "weight shown is the mean along this byte's eight bits), so a part that is often "
            "right where the others are unsure gains weight; then a small table keyed by the "
            "last byte corrects the mixed probability. \"One way\": under that context the "
            "byte's first bit has always been the same, so it is sure of it.", style="dim"))
        return Text("\n").join(lines)

    @staticmethod
    def _why_lost(d, p_mix: float, best: float) -> Text:
        """Why the mix gave the real byte less than its best part did."""
        guess = d.top[0][0] if len(d.top) else -1
        agree = [p for p in d.parts if p.top == guess and not math.isnan(p.weight)]
        if guess != d.byte and len(agree) > 1:
            weight = sum(p.weight for p in agree)
            why = (f"{len(agree)} parts guessed {byte_label(guess)} and their weights add up to "
                   f"{weight:.1f}: the mix adds their confidence, so it was surer of "
                   f"{byte_label(guess)} than any of them, and the surprise cost "
                   f"{-math.log2(max(p_mix, 1e-300)):.1f} bits where the best part alone "
                   f"paid {_bits(best)}.")
        else:
            said = [p for p in d.parts if not math.isnan(p.weight) and not math.isnan(p.p)]
            if not said:
                return Text("")
            heavy = max(said, key=lambda p: abs(p.weight))
            others = [p for p in said if p is not heavy]
            if heavy.p >= best * 0.999 and others:  # the heaviest was right: the rest outweighed it
                why = (f"its heaviest part, {heavy.name} (weight {heavy.weight:.2f}), gave it "
                       f"the most, {heavy.p:.4f}, but the {len(others)} others, weighing "
                       f"{sum(abs(p.weight) for p in others):.2f} together, gave it less.")
            else:
                why = (f"its heaviest part, {heavy.name} (weight {heavy.weight:.2f}), gave it "
                       f"{heavy.p:.4f} where the best part gave {best:.4f}.")
        return Text(f"  why the mix lost: {why} The weights learn from the file's past, which "
                    "misleads at its start.", style="bold")

    WRAP = True
