"""Alice and Bob in lockstep: the same frequencies at every step, the same text at the end."""

import math

import numpy as np
import pytest
from lmviz.core.learning.online import LearnerConfig, OnlineLearner
from lmviz.core.learning.session import DecodeSession, EncodeSession
from lmviz.core.tasks import AdditionTask


def test_two_hundred_sequences_with_training_decode_exactly():
    cfg = LearnerConfig(batch_size=16, seed=3)
    alice = OnlineLearner(cfg)
    seqs = alice.task.sample_batch(np.random.default_rng(0), 200)
    enc = EncodeSession(alice)
    sent = list(enc.steps(seqs))
    bits = enc.finish()
    bob = OnlineLearner(LearnerConfig.from_json(cfg.to_json()))
    dec = DecodeSession(bob, bits)
    got = list(dec.steps(200))
    assert len(sent) == len(got) == 200 * 28
    for a, b in zip(sent, got):
        assert a.symbol == b.symbol and a.position == b.position
        np.testing.assert_array_equal(a.freqs, b.freqs)
    assert dec.texts() == [alice.task.decode_tokens(s) for s in seqs]
    # Both trained identically: the weights match bit for bit.
    for pa, pb in zip(alice.model.parameters(), bob.model.parameters()):
        assert pa.detach().equal(pb.detach())
    assert alice.sequences_seen == 200


def test_future_tokens_do_not_change_predictions():
    learner = OnlineLearner(LearnerConfig())
    rng = np.random.default_rng(1)
    block = learner.task.sample_batch(rng, 8)
    full = learner.predict(block)
    for t in (1, 9, 18, 27):
        padded = block.copy()
        padded[:, t:] = 0
        np.testing.assert_array_equal(learner.predict(padded)[:, t], full[:, t])


def test_totals_and_the_identity():
    """Stream bits are the area under the loss curve within 2 bits; floor and split add up."""
    learner = OnlineLearner(LearnerConfig(batch_size=8))
    seqs = learner.task.sample_batch(np.random.default_rng(2), 24)
    enc = EncodeSession(learner)
    steps = list(enc.steps(seqs))
    bits = enc.finish()
    tot = steps[-1].totals
    assert tot.tokens == 24 * 28 and tot.raw_bits == 8 * tot.tokens
    assert tot.ideal_bits == pytest.approx(sum(s.bits for s in steps))
    assert tot.ideal_bits <= len(bits) <= tot.ideal_bits + 2 + 1e-4 * tot.ideal_bits
    assert tot.floor_bits == pytest.approx(24 * AdditionTask().floor_bits())
    assert tot.expected_bits == pytest.approx(sum(s.aleatoric_bits + s.epistemic_bits for s in steps))
    assert tot.bisection_bits == sum(len(s.bisection.bits) for s in steps)
    assert tot.config_bits == 8 * len(learner.config.to_json())


def test_untrained_model_pays_the_step_from_one_in_14_to_one_in_10():
    learner = OnlineLearner(LearnerConfig())
    seq = learner.task.parse("17282456+79546852=96829308")
    steps = list(EncodeSession(learner, train=False).steps([seq]))
    digit = steps[2]  # second digit of a: uniform over 10 under the generator
    assert digit.aleatoric_bits == pytest.approx(math.log2(10))
    # An untrained model is near uniform over 14 symbols: KL(U10 || ~U14) ~ log2(14/10).
    assert digit.epistemic_bits == pytest.approx(math.log2(14 / 10), abs=0.05)
    answer = steps[20]
    assert answer.aleatoric_bits == 0.0
    assert answer.epistemic_bits == pytest.approx(answer.bits)


def test_config_round_trips_and_rejects_unknown_keys():
    cfg = LearnerConfig(lr=1e-3, lr_drops=(0.2,), task=AdditionTask(digits=4).spec())
    assert LearnerConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(ValueError, match="unknown learner settings"):
        LearnerConfig.from_json('{"colour": 1}')


def test_same_seed_same_weights_and_lstm_works_too():
    a = OnlineLearner(LearnerConfig(model="lstm", size="tiny", batch_size=4))
    b = OnlineLearner(LearnerConfig(model="lstm", size="tiny", batch_size=4))
    seqs = a.task.sample_batch(np.random.default_rng(0), 8)
    enc = EncodeSession(a)
    sent = [s.symbol for s in enc.steps(seqs)]
    dec = DecodeSession(b, enc.finish())
    assert [s.symbol for s in dec.steps(8)] == sent


def test_learning_rate_drops_then_operands_train_at_full_weight():
    learner = OnlineLearner(LearnerConfig())
    ops = np.asarray(learner.task.operand_positions()) - 1  # weights index targets 1..L-1
    answers = np.asarray(learner.task.answer_positions()) - 1
    assert np.allclose(learner._loss_weights[ops].numpy(), 0.1)
    coded = np.zeros((16, learner.task.block_size))
    coded[:, learner.task.answer_positions()] = 0.02  # below 0.1 and 0.03, not 0.01
    learner._schedule(float(coded[:, learner.task.answer_positions()].mean()))
    assert learner.drops_done == 2 and learner.lr == pytest.approx(3e-3 / 9)
    assert np.allclose(learner._loss_weights[ops].numpy(), 0.1)  # answers not learned yet
    for _ in range(200):  # the recent average falls below the last threshold
        learner._schedule(0.0)
    assert learner.drops_done == 4 and learner.lr == pytest.approx(3e-3 / 81)
    assert learner.optimizer.param_groups[0]["lr"] == pytest.approx(3e-3 / 81)
    assert np.allclose(learner._loss_weights[ops].numpy(), 1.0)
    assert np.allclose(learner._loss_weights[answers].numpy(), 1.0)
