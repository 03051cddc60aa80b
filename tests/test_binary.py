"""m = 2: a binary Markov source, the three coders on it, and the run-length alternative."""

import numpy as np
import pytest
from lmviz.core.coding import Cdf, Decoder, Encoder, bisect_encode
from lmviz.core.coding.quantize import quantize_probs
from lmviz.core.coding.runlength import (
    RunLengthMeter,
    gamma_decode,
    gamma_encode,
    gamma_length,
    run_length_decode,
    run_length_encode,
)
from lmviz.core.tasks import BinaryTask, TaskError
from lmviz.core.tasks.binary import P_ONE

TASK = BinaryTask()


def test_gamma_codes_round_trip_and_have_their_length():
    for n in (1, 2, 3, 7, 8, 100, 2**20 + 3):
        bits = gamma_encode(n)
        assert len(bits) == gamma_length(n) and gamma_decode(iter(bits)) == n


def test_run_lengths_round_trip_against_any_predictor():
    rng = np.random.default_rng(0)

    def argmax(prefix):  # a fixed "model": guess the last bit again
        return prefix[-1] if prefix else 0

    for _ in range(50):
        n = int(rng.integers(1, 80))
        symbols = (rng.random(n) < 0.3).astype(int).tolist()
        guesses = [argmax(symbols[:i]) for i in range(n)]
        bits = run_length_encode(symbols, guesses)
        assert run_length_decode(bits, n, argmax) == symbols
        meter = RunLengthMeter()
        assert [meter.add(s, g) for s, g in zip(symbols, guesses)][-1] == len(bits)


def test_the_source_and_its_oracle():
    seqs = TASK.sample_batch(np.random.default_rng(1), 2000)
    assert seqs.shape == (2000, 65) and set(np.unique(seqs[:, 1:])) <= {0, 1}
    after_00 = seqs[:, 3:][(seqs[:, 1:-2] == 0) & (seqs[:, 2:-1] == 0)]
    assert abs(after_00.mean() - P_ONE[(0, 0)]) < 0.01
    row = seqs[0]
    assert np.allclose(TASK.true_distribution(row[:2]), [0.5, 0.5, 0])
    assert 2 < TASK.floor_bits() < 64 * 0.6
    assert TASK.decode_tokens(TASK.parse(TASK.editable_text(row))) == TASK.decode_tokens(row)
    with pytest.raises(TaskError, match="not a bit"):
        TASK.parse("0120" + "0" * 60)
    with pytest.raises(TaskError, match="64 bits"):
        TASK.parse("0101")


def test_bisection_cannot_compress_bits_but_the_stream_and_the_runs_can():
    """The oracle itself as the model: bisection pays at least a bit a token, the streaming
    coder and the run-length code pay much less on this predictable source."""
    rng = np.random.default_rng(2)
    seqs = TASK.sample_batch(rng, 20)
    bisect_bits = 0
    enc = Encoder()
    runs = 0
    tokens = 0
    cdfs, symbols = [], []
    for row in seqs:
        symbols_row, guesses = [], []
        for t in TASK.predicted_positions():
            p = TASK.true_distribution(row[:t])
            cdf = Cdf.of(quantize_probs(p))
            s = int(row[t])
            bisect_bits += len(bisect_encode(cdf, s).bits)
            enc.encode(cdf, s)
            cdfs.append(cdf)
            symbols.append(s)
            symbols_row.append(s)
            guesses.append(int(p[1] > p[0]))
            tokens += 1
        runs += len(run_length_encode(symbols_row, guesses))
    stream = enc.finish()
    assert bisect_bits >= tokens  # never below one bit per token
    assert len(stream) < 0.5 * tokens and runs < 0.8 * tokens
    dec = Decoder(stream)
    assert [dec.decode(c)[0] for c in cdfs] == symbols


def test_the_ledger_counts_the_run_length_code():
    from lmviz.core.learning.ledger import Ledger

    ledger = Ledger(TASK)
    row = TASK.sample_batch(np.random.default_rng(3), 1)[0]
    enc = Encoder()
    last = None
    for t in TASK.predicted_positions():
        p = TASK.true_distribution(row[:t])
        f = quantize_probs(p)
        cdf = Cdf.of(f)
        step = enc.encode(cdf, int(row[t]))
        last = ledger.record(0, row, t, p, f, cdf, int(row[t]), step, len(enc.out))
    guesses = [int(TASK.true_distribution(row[:t])[1] > 0.5) for t in TASK.predicted_positions()]
    assert last.totals.run_length_bits == len(run_length_encode(list(row[1:]), guesses))


def test_the_source_s_law_is_a_model_the_explorer_can_code_and_decode_with():
    """m reaches the source's own law on a task with a known generator: it codes step 8's bits
    with the law's distributions, and Bob decodes them with the same law."""
    from lmviz.app.jobs.explorer import ExplorerJob
    from lmviz.app.jobs.settings import TRY_IT, binary_example

    request = TRY_IT["binary"]
    job = ExplorerJob(request)
    coded = job.encode(request.text, "law")
    assert coded.text == binary_example() and coded.model.kind == "law"
    assert coded.model.parameters == 0 and coded.model.weights_bits is None
    for step in coded.steps:  # coded with the law itself: nothing epistemic is left
        assert step.aleatoric_bits is not None and step.epistemic_bits < 1e-3
    assert job.decode(coded).text == coded.text


def test_m_offers_the_law_only_where_a_law_is_known():
    from lmviz.app.jobs.settings import MODEL_KINDS
    from lmviz.core.learning.law import SourceLaw
    from lmviz.core.tasks import TextTask

    assert "law" in MODEL_KINDS
    with pytest.raises(ValueError, match="no law is known"):
        SourceLaw(TextTask(context=16))
