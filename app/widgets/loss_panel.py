"""LossPanel: the loss curve of one sequence as stacked bars, and what each code totals."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from ..palette import ALEATORIC, EPISTEMIC, FLOOR, bits_color
from .panel import Panel

BAR_CAP = 8.0  # bits: a taller bar is clipped at the top of the chart, its value written there
SURPRISE = "#d04040"  # a real token's cost beyond what the true law expected
CLIPPED = "bold #ffffff on #d04040"


@dataclass(frozen=True)
class LossView:
    """What the panel draws; built by the screen from TokenStep records."""

    labels: tuple[str, ...]  # token text per position
    aleatoric: tuple[float | None, ...]  # per sent token, None without an oracle
    epistemic: tuple[float | None, ...]
    bits: tuple[float, ...]  # realised -log2 q per sent token
    sent: int  # tokens sent so far
    floor_total: float | None  # floor of the whole sequence
    ideal: float  # totals over sent tokens
    bisection: int
    header: int
    stream: int  # streaming coder bits emitted + pending so far
    stream_final: int | None  # after finish (all tokens sent)
    raw: int
    stream_low: float  # the streaming coder's live window, as fractions of [0, 1)
    stream_high: float
    stream_last_bits: str  # bits that left the coder on the last token
    pending: int
    config_bits: int
    online_bits_per_sequence: float | None = None  # running figure in online mode
    online_sequences: int = 0
    weights_bits: int | None = None  # a pretrained model's weights, which Bob must have too
    run_length: int | None = None  # m = 2: the run-length code of the argmax hits
    raw_per_token: int = 8  # a token sent as it is: a byte (a bit for m = 2)
    classical_bits: dict | None = None  # gzip / xz of the same bytes (text, no oracle)

    @classmethod
    def of(cls, steps, sent: int, final_bits: int | None, raw_per_token: int,
           weights_bits: int | None = None, classical_bits: dict | None = None,
           online_totals: tuple[float, ...] = (), hide_unsent: bool = False) -> LossView:
        """The view of a coded sequence's TokenStep records after ``sent`` tokens;
        ``final_bits``: the streaming coder's whole output, once every token is sent.
        ``hide_unsent``: Bob's view, where the tokens not yet decoded are not known."""
        n = len(steps)
        sent = min(sent, n)
        last = steps[sent - 1] if sent else None
        tot = last.totals if last else None
        return cls(
            labels=tuple(s.text if i < sent or not hide_unsent else "·"
                         for i, s in enumerate(steps)),
            aleatoric=tuple(s.aleatoric_bits for s in steps),
            epistemic=tuple(s.epistemic_bits for s in steps),
            bits=tuple(s.bits for s in steps),
            sent=sent,
            floor_total=steps[-1].totals.floor_bits,
            ideal=tot.ideal_bits if tot else 0.0,
            bisection=tot.bisection_bits if tot else 0,
            header=tot.header_bits if tot else 0,
            stream=tot.stream_bits if tot else 0,
            stream_final=final_bits if sent >= n else None,
            raw=tot.raw_bits if tot else 0,
            stream_low=(last.stream.low_after / 2**32) if last else 0.0,
            stream_high=((last.stream.high_after + 1) / 2**32) if last else 1.0,
            stream_last_bits="".join(map(str, last.stream.bits)) if last else "",
            pending=last.stream.pending if last else 0,
            config_bits=steps[-1].totals.config_bits,
            weights_bits=weights_bits,
            run_length=tot.run_length_bits if tot else None,
            raw_per_token=raw_per_token,
            classical_bits=classical_bits,
            online_bits_per_sequence=(sum(online_totals) / len(online_totals)
                                      if online_totals else None),
            online_sequences=len(online_totals),
        )


class LossPanel(Panel):
    """Left: per-token cost as bars, aleatoric and epistemic stacked. Right: totals."""

    DEFAULT_CSS = """
    LossPanel {
        height: 13;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view: LossView | None = None
        self.border_title = "loss = bits"

    def show(self, view: LossView) -> None:
        self.view = view
        self.redraw()

    def _bars(self, width: int, height: int) -> Text:
        v = self.view
        n = len(v.labels)
        cell = max(2, min(3, width // max(n, 1)))
        # A long sequence shows a window of the tokens that ends a little past the current one.
        shown = max(1, width // cell)
        first = 0 if n <= shown else min(max(0, v.sent - shown + shown // 4), n - shown)
        stack = []
        for i in range(first, min(n, first + shown)):
            if i >= v.sent:
                stack.append(None)
            elif v.aleatoric[i] is None:
                stack.append((0.0, v.bits[i], 0.0))
            else:
                # The split is the expected cost under the true law; what the real token cost
                # beyond it (a wrong sum's answer digits) is a surprise, drawn on top.
                a, e = v.aleatoric[i], v.epistemic[i]
                stack.append((a, e, max(0.0, v.bits[i] - a - e)))
        tallest = max([0.0] + [sum(s) for s in stack if s])
        top = max(4.0, min(tallest, BAR_CAP))
        rows = []
        for r in range(height, 0, -1):
            lo = (r - 1) / height * top
            mid = lo + top / height / 2
            # One span per run of equal cells, not one per cell: this is redrawn every step.
            runs: list[tuple[str, str]] = []
            for s in stack:
                style = ""
                body = ""
                if s is not None:
                    a, e, x = s
                    style = (ALEATORIC if mid < a else EPISTEMIC if mid < a + e
                             else SURPRISE if mid < a + e + x else "")
                    value = f"{a + e + x:.0f}"
                    k = height - r  # rows from the top
                    if a + e + x > top and (k == 0 or (len(value) >= cell and k < len(value))):
                        # Clipped: its value at the top, across the cell if it fits, else
                        # one digit a row downwards.
                        part = value if len(value) < cell else value[k]
                        body = (part + " " * cell)[: max(1, cell - 1)] + (" " if cell > 1 else "")
                        style = CLIPPED
                if not body:
                    body = ("█" * (cell - 1) + " " if cell > 1 else "█") if style else " " * cell
                if runs and runs[-1][1] == style:
                    runs[-1] = (runs[-1][0] + body, style)
                else:
                    runs.append((body, style))
            label = f"{top * r / height:4.1f}" if r in (height, (height + 1) // 2) else "    "
            rows.append(Text.assemble((label + " ", "dim"), *runs))
        # A label too wide for its bar (a byte drawn as \xNN) becomes a dot.
        cells = [((lab if len(lab) < cell else "·") + " " * cell)[:cell]
                 for lab in v.labels[first : first + shown]]
        sent = max(0, v.sent - first)
        rows.append(Text.assemble("     ", ("".join(cells[:sent]), "bold"),
                                  ("".join(cells[sent:]), "dim")))
        if v.floor_total is None:
            legend = Text.assemble(("     █", EPISTEMIC), (" bits per token: no generator is known "
                                                         "for text, so no aleatoric/epistemic split", "dim"))
        else:
            legend = Text.assemble(
                ("     █", ALEATORIC), (" aleatoric  ", "dim"), ("█", EPISTEMIC), (" epistemic  ", "dim"),
                ("█", SURPRISE), (" surprise: beyond the law's cost", "dim"),
            )
        rows.append(legend)
        return Text("\n").join(rows)

    def _totals(self) -> tuple[list[Text], list[Text]]:
        """The totals' lines, and those of them a short panel leaves out (the coder's state)."""
        v = self.view
        raw = v.raw  # raw bits of the tokens sent so far (0 before the first)
        lines = [Text(f"{f'{v.sent} token' + ('' if v.sent == 1 else 's') + ' sent':<22}{'bits':>9}{'of raw':>8}", style="bold")]
        optional: list[Text] = []

        def row(name, bits, style="", of=None):
            """``of``: the raw bits the ratio compares with (default: those sent so far)."""
            base = raw if of is None else of
            if bits is None:
                lines.append(Text(f"{name:<22}{'–':>9}{'–':>8}", style="dim"))
                return
            num = f"{bits:.2f}" if isinstance(bits, float) else str(bits)
            ratio = f"{bits / base:>8.0%}" if base else f"{'–':>8}"  # no ratio over nothing
            lines.append(Text.assemble((f"{name:<22}", "dim"), (f"{num:>9}", style), ratio))

        if v.floor_total is not None:
            floor_sent = sum(a for a in v.aleatoric[: v.sent] if a is not None)
            row("floor (aleatoric)", floor_sent, FLOOR)
        row("ideal  Σ -log2 p", v.ideal, bits_color(v.ideal / max(v.sent, 1)))
        row("bisection per token", v.bisection)
        row("notebook per-token", v.header)
        if v.run_length is not None:
            row("runs of argmax hits", v.run_length)
        stream = v.stream_final if v.stream_final is not None else v.stream
        row("streaming coder", stream, "bold")
        per = v.raw_per_token
        row(f"raw {per} bit{'s' if per != 1 else ''}/token", v.raw)
        if v.classical_bits:  # whole-text figures: against the whole text's raw size
            whole = per * len(v.labels)
            for name, label in (("gzip", "gzip -9, whole text"), ("xz", "xz -9e, whole text")):
                row(label, v.classical_bits[name], of=whole)
        else:
            lines.append(Text.assemble(("stream window ", "dim"),
                                       (f"[{v.stream_low:.6f}, {v.stream_high:.6f})", "bold")))
            optional.append(lines[-1])
        lines.append(Text.assemble(("last bits out ", "dim"), (v.stream_last_bits or "·", "bold"),
                                   (f"  +{v.pending} held for a carry" if v.pending else "", "dim")))
        optional.append(lines[-1])
        if v.online_bits_per_sequence is not None:
            lines.append(Text.assemble(
                ("online: ", "dim"), (f"{v.online_bits_per_sequence:.1f} bits/seq", "bold"),
                (f" over {v.online_sequences} sequences", "dim")))
        if v.weights_bits is None:
            lines.append(Text(f"+ training code f, once: {v.config_bits:,} bits", style="dim"))
        else:
            # Bob needs the weights as well as the code that made them: counted once, as in
            # "Language Modeling Is Compression" (its adjusted rate).
            lines.append(Text(f"+ code f {_compact(v.config_bits)} + weights "
                              f"{_compact(v.weights_bits)}, once", style="dim"))
            total = stream + v.config_bits + v.weights_bits
            ratio = f", {total / raw:,.0f}× raw" if raw else ""
            lines.append(Text.assemble(("all counted: ", "dim"),
                                       (f"{_compact(total)} bits{ratio}", "bold")))
        return lines, optional

    def render(self) -> Text:
        # Bars and totals side by side as plain Text (a rich Table costs a frame's budget).
        v = self.view
        if v is None:
            return Text("")
        height = max(3, self.size.height)
        right_w = 40
        totals, optional = self._totals()
        if len(totals) > height:  # a short panel: the coder's state goes, the totals stay
            left_out = {id(t) for t in optional}
            totals = [t for t in totals if id(t) not in left_out]
        left_w = self.size.width - right_w - 2
        right = totals
        if left_w < 14:  # no room for bars beside the totals: the numbers win
            return Text("\n").join(right)
        left = self._bars(left_w - 5, height - 2).split("\n")
        out = []
        for i in range(max(len(left), len(right))):
            line = left[i].copy() if i < len(left) else Text()
            line.truncate(left_w, pad=True)
            line.append("  ")
            if i < len(right):
                line.append_text(right[i])
            out.append(line)
        return Text("\n").join(out)


def _compact(bits: int) -> str:
    """2,296 as is; 43,581,440 as 43.6M: the weights' size must fit the totals column."""
    return f"{bits:,}" if bits < 1_000_000 else f"{bits / 1e6:,.1f}M"
