"""Grokking core: seeded and deterministic, the right split, and training that learns."""

from dataclasses import replace

import pytest
from lmviz.core.grokking.records import GrokConfig, GrokStep, crossings, grokked, load_run, save_run
from lmviz.core.grokking.trainer import GrokTrainer

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


def test_grokked_needs_validation_at_999_after_three_times_the_training_crossing():
    def run(val_from, n):
        return [GrokStep(i, 0.0, 1.0, 1.0, 1.0, 1.0 if i >= val_from else 0.5, 1.0, 1.0)
                for i in range(1, n + 1)]

    assert not grokked(run(5, 30), train99=10)  # step 30 is not past 3 x 10
    assert grokked(run(5, 31), train99=10)
    assert not grokked(run(40, 35), train99=10)  # validation not there yet
    assert not grokked(run(1, 100), train99=None)  # training has not crossed 99%
    assert not grokked([], train99=10)


def test_the_grok_job_stops_at_its_budget_or_when_grokked_and_pauses():
    from lmviz.app.jobs.base import Pause, Resume
    from lmviz.app.jobs.events import GrokBatch
    from lmviz.app.jobs.grokking import GrokJob

    events = []
    job = GrokJob(SMALL, max_steps=12, post_interval=0)
    job.run(events.append, cancelled=lambda: False)
    assert [r.step for e in events for r in e.records] == list(range(1, 13))
    assert all(isinstance(e, GrokBatch) for e in events) and events[-1].finished
    assert not any(e.finished for e in events[:-1])

    # Pause is served between steps: a paused job makes no step until it is resumed.
    job = GrokJob(SMALL, max_steps=3, post_interval=0)
    job.send(Pause())
    polls = []

    def cancelled():
        polls.append(1)
        if len(polls) == 5:
            assert job.records == []  # paused from the start: still nothing
            job.send(Resume())
        return False

    job.run(lambda e: None, cancelled)
    assert len(job.records) == 3 and len(polls) >= 5


def test_a_damaged_recorded_run_is_one_sentence(monkeypatch):
    import lmviz.core.grokking.records as records

    def broken(path):
        raise KeyError("steps")

    monkeypatch.setattr(records, "load_run", broken)
    with pytest.raises(ValueError, match="^cannot load the recorded run: 'steps'$"):
        records.load_recorded_run()
