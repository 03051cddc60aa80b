"""LossPanel fed fixed views: every sent token gets a bar, tall ones clipped with their value,
and no ratio is taken over nothing or across unlike totals."""

import pytest
from lmviz.app.widgets.loss_panel import LossPanel, LossView
from textual.app import App, ComposeResult


def view(bits, aleatoric, epistemic, sent, classical=None, weights=None, raw_per_token=8):
    n = len(bits)
    return LossView(labels=tuple(str(i % 10) for i in range(n)), aleatoric=tuple(aleatoric),
                    epistemic=tuple(epistemic), bits=tuple(bits), sent=sent,
                    floor_total=None if aleatoric[0] is None else 10.0,
                    ideal=float(sum(bits[:sent])), bisection=0, header=0, stream=0,
                    stream_final=None, raw=raw_per_token * sent, stream_low=0.0, stream_high=1.0,
                    stream_last_bits="", pending=0, config_bits=100, weights_bits=weights,
                    raw_per_token=raw_per_token, classical_bits=classical)


class Host(App):
    def __init__(self, v):
        super().__init__()
        self.v = v

    def compose(self) -> ComposeResult:
        yield LossPanel()

    def on_mount(self):
        self.query_one(LossPanel).show(self.v)


async def rendered(v, width: int = 120) -> str:
    app = Host(v)
    async with app.run_test(size=(width, 16)) as pilot:
        await pilot.pause()
        return app.query_one(LossPanel).render().plain


async def test_a_wrong_answer_digit_gets_a_clipped_bar_with_its_value():
    # Three determined tokens the true law was sure of (expected cost 0), two of them wrong.
    v = view([0.01, 15.6, 14.2, 3.3], [0.0, 0.0, 0.0, 3.32], [0.01, 0.0, 0.0, 0.0], sent=4)
    text = await rendered(v)
    top = text.splitlines()[0]
    assert "16" in top and "14" in top  # clipped at the top, their values written there
    assert "surprise" in text
    assert "8.0" in top  # the axis stops at the cap, not at 16


async def test_no_ratio_over_nothing_and_whole_text_against_whole_text():
    v = view([3.0] * 10, [None] * 10, [None] * 10, sent=0, classical={"gzip": 688, "xz": 700},
             weights=43_000_000)
    text = await rendered(v)
    assert "×" not in text  # nothing sent: no "N× raw"
    assert "68800%" not in text and "860%" in text  # gzip's 688 bits against the whole 80
    v = view([3.0] * 10, [None] * 10, [None] * 10, sent=5, weights=43_000_000)
    assert "× raw" in await rendered(v)


@pytest.mark.parametrize("width", [52, 60, 120])
async def test_the_totals_are_whole_at_any_width_and_the_bars_give_way(width):
    v = view([3.0] * 10, [None] * 10, [None] * 10, sent=10, classical={"gzip": 688, "xz": 700})
    lines = (await rendered(v, width)).splitlines()
    assert all(len(line) <= width for line in lines)
    text = "\n".join(lines)
    for figure in ("30.00", "38%", "688", "860%", "700", "875%"):  # every number, whole
        assert figure in text
    assert ("█" in text) == (width >= 56)  # bars only where they fit beside the totals
