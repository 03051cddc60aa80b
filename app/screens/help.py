"""HelpScreen: each panel of the explorer in two sentences."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# lmviz: training is compression

Alice and Bob run the same training code with the same seed, so before every token they hold
the same model and the same predicted distribution. Alice sends each real token with
arithmetic coding; Bob decodes it with the same distribution; then both train on it.

**The sequence** shows every token, coloured by what it cost in bits (green cheap, red
expensive). The marked token is the one being sent now; dim ones are not sent yet.

**The token's interval** splits [0, 1) into one segment per symbol, as wide as its probability,
with the real token in yellow. The zoom below magnifies the interval the bisection has reached,
so a token of p = 0.001 is as visible as one of p = 0.9.

**Bisection** halves [0, 1) and keeps the half holding the token's interval, one bit per halving,
until the halved interval lies inside the token's. That takes about -log2 p bits (at most
⌈-log2 p⌉ + 1), and Bob, replaying the bits, stops at the same step.

**Next-token distribution** lists the likeliest symbols with p and -log2 p. "true p" is the
generator's own probability: operand digits are random (aleatoric), the rest is determined.

**Loss = bits** draws each token's expected cost: blue is aleatoric (a random digit costs log2 10
bits whatever the model), orange epistemic (what a better model would save). The totals compare
the ideal Σ -log2 p, the bisection codes, per-token codes with a length header, and the streaming
coder, which gets within 2 bits of the ideal over the whole message. A pretrained model's weights
count too: Bob must have them before the first bit.

**Text** (`lmviz "any sentence"`) is coded byte by byte by a model that has read English, ending
with an end-of-text token (∎) so that Bob knows where it stops. ␣ is a space, ⏎ a newline, \\xNN
any other byte; a character of several UTF-8 bytes is drawn once, with their costs added. No
generator is known for text, so the totals set gzip and xz of the same bytes beside the model.

**Files**: `lmviz compress` codes any file with a model that learns as it goes, and
`lmviz inspect FILE` shows where its bits go: every byte coloured by its cost, and what each part
of the model predicted for the byte under the cursor.

**Keys**: space next token · b one bisection step · enter finish · backspace back · r play ·
+/- speed · n new sequence · e edit · m switch model · d Bob's view · t train · g grok ·
T the guided tour (`lmviz tour`) · q quit. Every action is also in the command palette (ctrl+p),
with Save SVG: this screen as a picture in the current directory.
"""


INSPECT_HELP = """\
# lmviz inspect: where the bits go

The file is coded by `lmviz compress`'s own model, byte by byte, as it would be compressed: each
byte's cost is -log2 of the probability the model gave it just before it was coded, and then the
model learns from it. The total is the payload `lmviz compress` writes.

**The file** (left) shows every byte on a background coloured by its cost (plain under 1 bit;
grey: not coded yet). ⏎ is a newline, → a tab, ∅ NUL, · another control byte, ▫ a byte of 0x80
or more. Below it, bits a byte along the file, with gzip -9, xz -9e and zpaq -method 5 of the
whole file as lines.

**The byte under the cursor** (right): what it cost, the model's four likeliest bytes, and each
part of the model on its own: the match model (the latest earlier place whose last bytes equal
these, right or wrong), and every context of the bit mixer (the last 0 to 24 bytes, the word, the
column...), each with its guess, its probability of the real byte, the mixer's weight on it and
how often its context was seen. "One way" means the context has only ever seen one value of the
byte's first bit. Below: the byte's interval in [0, 1) and its bisection.

**Keys**: ← → by byte · ↑ ↓ by line · w / b (or ctrl+arrows) by word · PgDn (or space) / PgUp by
page · Home / End · n the next byte that cost 6 bits or more · esc back · q quit.
"""


PAGES = {"explorer": HELP, "inspect": INSPECT_HELP}  # which screen's ? shows which page


class HelpScreen(ModalScreen):
    """Two sentences a panel; escape, q or ? closes it. ``text``: the page (the explorer's by
    default)."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 96;
        max-width: 95%;
        height: auto;
        max-height: 95%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", key_display="?"),
        Binding("q", "dismiss", "Close"),
    ]

    def __init__(self, text: str = HELP, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = text

    def compose(self):
        with VerticalScroll():
            yield Markdown(self.text)
