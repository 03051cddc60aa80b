"""Grokking core: seeded and deterministic, the right split, and training that learns."""

from dataclasses import replace

import pytest
from lmviz.core.grokking import GrokConfig, GrokTrainer, crossings, load_run, save_run
from lmviz.core.records import GrokStep

SMALL = GrokConfig(p=23, train_fraction=0.5, width=32, threads=1, lr=3e-3)


def test_split_sizes():
    t = GrokTrainer(replace(SMALL, train_fraction=0.3))
    total = 23 * 22
    assert t.train_size == round(0.3 * total)
    assert t.train_size + t.val_size == total


def test_same_seed_same_run_other_seed_other_run():
    a = [r.train_loss for r in GrokTrainer(SMALL).run(5)]
    b = [r.train_loss for r in GrokTrainer(SMALL).run(5)]
    c = [r.train_loss for r in GrokTrainer(replace(SMALL, seed=1)).run(5)]
    assert a == b
    assert a != c


def test_a_short_run_learns_the_training_half():
    recs = list(GrokTrainer(SMALL).run(150))
    assert recs[-1].train_acc > recs[0].train_acc + 0.3
    assert recs[-1].train_loss < recs[0].train_loss
    assert all(r.weight_norm > 0 and r.val_bits > 0 for r in recs)
    assert [r.step for r in recs] == list(range(1, 151))


def test_crossings_and_recorded_runs(tmp_path):
    recs = [GrokStep(i, i * 0.1, 1.0, 2.0, min(1.0, i / 10), min(1.0, i / 60), 10.0, 5.0)
            for i in range(1, 80)]
    c = crossings(recs)
    assert c["train99_step"] == 10 and c["val99_step"] == 60
    assert c["val99_seconds"] == pytest.approx(6.0)
    path = tmp_path / "run.json"
    save_run(path, SMALL, recs, "lmviz grok --steps 79")
    config, back, command = load_run(path)
    assert config == SMALL and back == recs and command == "lmviz grok --steps 79"


def test_grokfast_changes_the_trajectory():
    a = [r.train_loss for r in GrokTrainer(SMALL).run(20)]
    b = [r.train_loss for r in GrokTrainer(replace(SMALL, grokfast=2.0)).run(20)]
    assert a[:1] == b[:1] and a != b
