"""Tasks: parsing, sampling, and the exact oracles that split cost into aleatoric and epistemic."""

import math

import numpy as np
import pytest
from lmviz.core.tasks import (
    AdditionTask,
    ModDivTask,
    TaskError,
    TextTask,
    entropy_bits,
    task_from_spec,
)


def test_article_example_parses_and_pads_the_answer():
    t = AdditionTask()
    ids = t.parse("17282456+79546852=96829308")
    assert t.decode_tokens(ids) == "s17282456+79546852=096829308e"
    assert len(ids) == t.block_size == 29
    assert len(t.predicted_positions()) == 28
    assert t.vocab_size == 14
    np.testing.assert_array_equal(ids, t.parse("s17282456+79546852=096829308e"))


@pytest.mark.parametrize(
    "text, words",
    [
        ("1728x456+79546852=96829308", "'x' at position 5"),
        ("17282456+7954685=96829308", "second operand must have 8 digits"),
        ("17282456-79546852=96829308", "'-' at position 9"),
        ("17282456+79546852", "looks like"),
        ("17282456+79546852=1234567890", "answer must have 1 to 9 digits"),
    ],
)
def test_bad_additions_name_the_problem(text, words):
    with pytest.raises(TaskError, match=words):
        AdditionTask().parse(text)


def test_wrong_sum_is_legal():
    t = AdditionTask(digits=2)
    assert t.decode_tokens(t.parse("12+34=99")) == "s12+34=099e"


def test_floor_matches_the_article():
    assert AdditionTask().floor_bits() == pytest.approx(2 * math.log2(9) + 14 * math.log2(10))
    assert AdditionTask().floor_bits() == pytest.approx(52.85, abs=0.005)
    assert AdditionTask().floor_bits() / 28 * math.log(2) == pytest.approx(1.3082, abs=1e-4)
    z = AdditionTask(leading_zeros=True)
    assert z.floor_bits() == pytest.approx(53.15, abs=0.005)
    assert z.floor_bits() / 28 * math.log(2) == pytest.approx(1.316, abs=1e-3)


@pytest.mark.parametrize("zeros", [False, True])
def test_oracle_entropy_sums_to_the_floor_and_gives_the_truth(zeros):
    t = AdditionTask(digits=8, leading_zeros=zeros)
    rng = np.random.default_rng(0)
    for row in t.sample_batch(rng, 20):
        total = 0.0
        for pos in t.predicted_positions():
            p = t.true_distribution(row[:pos])
            assert p.sum() == pytest.approx(1.0)
            assert p[row[pos]] > 0  # the real token is always possible under the generator
            total += entropy_bits(p)
        assert total == pytest.approx(t.floor_bits())


@pytest.mark.parametrize("reverse", [False, True])
def test_samples_add_up(reverse):
    t = AdditionTask(digits=5, reverse_answer=reverse)
    for row in t.sample_batch(np.random.default_rng(1), 50):
        text = t.decode_tokens(row)
        a, rest = text[1:-1].split("+")
        b, c = rest.split("=")
        c = c[::-1] if reverse else c
        assert int(a) + int(b) == int(c)
        assert a[0] != "0" and b[0] != "0" and len(c) == 6


def test_sampling_is_seeded():
    t = AdditionTask()
    a = t.sample_batch(np.random.default_rng(5), 4)
    b = t.sample_batch(np.random.default_rng(5), 4)
    np.testing.assert_array_equal(a, b)


def test_layout_shares_place_values_between_operands_and_answer():
    t = AdditionTask(digits=3)
    lay = t.layout()
    # s 1 2 3 + 4 5 6 = 0 5 7 9 e : the units of a and b share a place id with the position
    # that predicts the units of c (the one before it), and likewise for every column.
    assert lay.place[3] == lay.place[7] == lay.place[11] == 1
    assert lay.place[1] == lay.place[5] == lay.place[9] == 3  # hundreds; position 9 predicts c's
    assert lay.place[8] == 4 and lay.place[12] == 0  # '=' predicts c's first digit; last predicts e
    assert len(set(lay.segment.tolist())) == 7


def test_moddiv_split_and_oracle():
    t = ModDivTask(p=97, train_fraction=0.3, split_seed=1)
    train, val = t.split()
    assert len(train) + len(val) == 97 * 96
    assert len(train) == round(0.3 * 97 * 96)
    again, _ = ModDivTask(p=97, train_fraction=0.3, split_seed=1).split()
    np.testing.assert_array_equal(train, again)
    a, b, c = train[0, 0], train[0, 2], train[0, 4]
    assert (c * b) % 97 == a
    assert t.true_distribution(train[0, :4]).argmax() == c
    np.testing.assert_array_equal(t.parse("5/7=29")[[0, 2, 4]], [5, 7, 29])
    with pytest.raises(TaskError):
        t.parse("5/0=1")
    with pytest.raises(TaskError, match="prime"):
        ModDivTask(p=91)


def test_text_task_has_no_oracle():
    t = TextTask()
    assert not t.has_oracle and t.vocab_size == 257
    assert t.decode_tokens(t.parse("héllo")) == "héllo"
    with pytest.raises(TaskError, match="empty"):
        t.parse("")


def test_spec_round_trip():
    for t in (AdditionTask(digits=4, reverse_answer=True), ModDivTask(p=31), TextTask(context=32)):
        assert task_from_spec(t.spec()) == t


def test_the_loaded_die_is_the_articles_interval_example():
    from lmviz.core.tasks import DieTask, task_from_spec

    task = task_from_spec({"name": "die"})
    assert isinstance(task, DieTask) and task.vocab_size == 7
    seq = task.parse("4")
    law = task.true_distribution(seq[:1])
    assert list(seq) == [DieTask.START, 4] and abs(law.sum() - 1) < 1e-12
    assert abs(law[:4].sum() - 0.6) < 1e-12 and abs(law[:5].sum() - 0.8) < 1e-12  # [0.6, 0.8)
    assert task.floor_bits() == pytest.approx(-(4 * 0.15 * np.log2(0.15) + 2 * 0.2 * np.log2(0.2)))
    draws = task.sample_batch(np.random.default_rng(0), 20_000)[:, 1]
    assert abs(np.mean(draws == 4) - 0.2) < 0.01 and set(draws) == set(range(6))
    for bad in ("7", "44", "", "x"):
        with pytest.raises(TaskError, match="one face"):
            task.parse(bad)
