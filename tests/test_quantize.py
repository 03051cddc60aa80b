"""quantize_probs: the one float -> integer boundary that Alice and Bob share."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from lmviz.core.coding.quantize import quantize_probs


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 300), elements=st.floats(0, 1e6, allow_subnormal=False)),
    st.integers(9, 24),
)
def test_sums_exactly_and_every_symbol_codable(p, bits):
    if p.sum() == 0:
        p[0] = 1.0
    f = quantize_probs(p, bits)
    assert f.dtype == np.int64
    assert f.sum() == 1 << bits
    assert f.min() >= 1


def test_batch_matches_rows_and_is_deterministic():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(14) * 0.2, size=64)
    batch = quantize_probs(p)
    rows = np.stack([quantize_probs(r) for r in p])
    np.testing.assert_array_equal(batch, rows)
    np.testing.assert_array_equal(batch, quantize_probs(p.copy()))


def test_close_to_the_floats():
    # f = 1 + floor(p * (T - V)), shortfall to the largest fractional parts (ties: lower index).
    p = np.array([0.5, 0.25, 0.125, 0.125])
    np.testing.assert_array_equal(quantize_probs(p, 4), [7, 4, 3, 2])
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(256), size=20)
    assert np.abs(quantize_probs(p) / 65536 - p).max() <= (256 + 2) / 65536
    q = quantize_probs(np.array([0.9999, 1e-9, 1e-4]))
    assert q[1] == 1 and abs(q[0] / 65536 - 0.9999) < 1e-4


def test_unnormalised_rows_are_normalised():
    np.testing.assert_array_equal(quantize_probs([2.0, 2.0]), quantize_probs([0.5, 0.5]))


@pytest.mark.parametrize(
    "bad, words",
    [
        ([0.5, float("nan")], "NaN"),
        ([0.5, float("inf")], "NaN or infinity"),
        ([0.5, -0.1], "negative"),
        ([0.0, 0.0], "all zero"),
        ([], "non-empty"),
    ],
)
def test_bad_input_says_what_is_wrong(bad, words):
    with pytest.raises(ValueError, match=words):
        quantize_probs(np.array(bad, dtype=np.float64))


def test_vocabulary_larger_than_the_total_is_refused():
    with pytest.raises(ValueError, match="cannot each get"):
        quantize_probs(np.ones(300), total_bits=8)
    assert quantize_probs(np.ones(65536), 16).tolist() == [1] * 65536


def _reference(p: np.ndarray, total_bits: int) -> np.ndarray:
    """The documented rule, written the plain way (one stable sort per row; rows summed left
    to right)."""
    total, vocab = 1 << total_bits, p.shape[1]
    sums = np.array([[sum(row.tolist())] for row in p])  # Python's sum: left to right
    scaled = p / sums * (total - vocab)
    freqs = np.floor(scaled).astype(np.int64) + 1
    for i, row in enumerate(freqs):
        short = total - row.sum()
        if short > 0:
            order = np.argsort(-(scaled[i] - np.floor(scaled[i])), kind="stable")
            row[order[:short]] += 1
    return freqs


def test_matches_the_plain_rule_including_ties():
    rng = np.random.default_rng(7)
    for i in range(600):
        vocab, n = int(rng.integers(2, 300)), int(rng.integers(1, 8))
        if i % 3 == 0:
            p = rng.dirichlet(np.ones(vocab) * rng.uniform(0.05, 2), size=n)
        elif i % 3 == 1:  # few distinct values: many equal fractional parts
            p = rng.integers(0, 4, size=(n, vocab)).astype(float) + 1e-12
        else:
            p = np.round(rng.random((n, vocab)), 2) + 0.001
        bits = int(rng.integers(int(np.ceil(np.log2(vocab))), 21))
        want = _reference(p, bits)
        np.testing.assert_array_equal(quantize_probs(p, bits), want)


def test_the_floors_never_overshoot_in_the_worst_cases():
    """The floors of p / sum * spare can never add up past spare (see quantize.py): tried where
    float error is largest, with the largest total and many symbols whose shares sit a hair
    under whole units."""
    rng = np.random.default_rng(7)
    spare = (1 << 24) - 4096
    cases = [
        np.full(4096, 1 / 3),  # equal shares: every fraction alike
        np.concatenate(([1.0], np.full(4095, 2.0**-60))),  # tiny terms lost in the sum
        (np.arange(1, 4097) * (spare / 4096 - 1e-9)),  # shares just under whole units
        rng.random(4096) ** 12,
    ]
    for p in cases:
        f = quantize_probs(p, 24)
        assert f.sum() == 1 << 24 and f.min() >= 1
