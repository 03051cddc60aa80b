"""SVG snapshots of every tour step, fed fixed records (FixedJob explorers, fixed training
records, the recorded grokking run): no live model output is drawn.

Update them with `python -m pytest tests/test_tour_snapshots.py --snapshot-update` after a
deliberate change, and look at the report before committing.
"""

from .fixed_tour import tour_app, wait_ready

SIZE = (160, 48)


def _snap(snap_compare, step: int, *keys: str) -> bool:
    async def run_before(pilot):
        await wait_ready(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause(0.2)

    return snap_compare(tour_app(step=step - 1), terminal_size=SIZE, run_before=run_before)


def test_step_01_raw(snap_compare):
    """Step 1 of 11: the paragraph on 8 raw bits and code f; the article's sum coded by the
    untrained model (about 3.8 bits a token in the strip); the table with raw 224 bits, code f
    once (no share of raw) and the untrained model's streamed bits."""
    assert _snap(snap_compare, 1)


def test_step_02_interval(snap_compare):
    """Step 2: after three presses of b, the interval bar shows six segments with 4 highlighted
    over [0.6, 0.8), the zoom at ×8 over [0.625, 0.75); the bisection panel lists the halvings
    at 0.5, 0.75, 0.625 with bits 1, 0, 1; the line under it says Bob reads 0.6875, token 4."""
    assert _snap(snap_compare, 2, "b", "b", "b")


def test_step_03_costs(snap_compare):
    """Step 3: the table of one token at p = 0.9 ... 0.001: bits 1, 1, 2, 3, 4, 7, 10 beside
    -log2 p and the bound ⌈-log2 p⌉ + 1, bars as shares of 8 raw bits."""
    assert _snap(snap_compare, 3)


def test_step_04_training(snap_compare):
    """Step 4: the identity line (streaming coder bits vs the area under the loss curve,
    1 bit apart) above two charts of 30 fixed reports: the loss falling from a y axis that
    starts at 0 with the area under it shaded, and the area so far per sum with code f left out
    (its size in the title)."""
    assert _snap(snap_compare, 4)


def test_step_05_addition(snap_compare):
    """Step 5: the article's sum with blue (aleatoric) operand bars and small orange
    (epistemic) answer bars; the table of untrained, trained and floor bits per sum over the
    same 20 sums."""
    assert _snap(snap_compare, 5)


def test_step_06_decode(snap_compare):
    """Step 6: Alice's bits in a line; the strip titled "what Bob read from the bits"; the line
    "Bob read s17282456+79546852=096829308e: ✓ the same as Alice's"."""
    assert _snap(snap_compare, 6)


def test_step_07_streaming(snap_compare):
    """Step 7: the table raw / bisection per token / notebook per-token (shortest codes + lengths,
    near 75% of raw) / streaming coder / Σ -log2 p; the loss panel with the whole sum sent."""
    assert _snap(snap_compare, 7)


def test_step_08_binary(snap_compare):
    """Step 8: 64 bits of the Markov source wrapped in the strip with their costs (.04 for the
    predictable ones); the loss panel with "runs of argmax hits"; the table where bisection is
    above raw and runs and the stream are far below."""
    assert _snap(snap_compare, 8)


def test_step_09_grokking(snap_compare):
    """Step 9: the recorded run's accuracy chart on a log step axis, train rising first, then
    validation; the line with the steps of memorising and generalising and how much later."""
    assert _snap(snap_compare, 9)


def test_step_10_scale(snap_compare):
    """Step 10: the shipped scaling recording replayed whole: five sizes' loss curves and whole
    messages on one chart each, the line with every size's message and how much less the biggest
    sends, and where each size overtakes the next."""
    assert _snap(snap_compare, 10)


def test_step_11_english(snap_compare):
    """Step 11: the English sentence wrapped with glyphs (␣, the ∎ start and end) and each
    byte's cost beneath; the loss panel's gzip and xz rows for the same text."""
    assert _snap(snap_compare, 11)
