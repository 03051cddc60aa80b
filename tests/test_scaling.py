"""`lmviz scale`: the prequential race, the learning-rate sweep, the recording and its checks."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from lmviz.app.cli import main
from lmviz.core.learning.config import SCALE_FAMILY, ScaleConfig
from lmviz.core.learning.pretrain import load_corpus
from lmviz.core.learning.scale_records import (
    MAX_RECORDING_BYTES,
    ScaleError,
    ScaleRecording,
    ScaleSize,
    load_recording,
    parse_recording,
    recording_json,
    shipped_recording_path,
)
from lmviz.core.learning.scaling import (
    PrequentialRun,
    ScaleRace,
    live_stream_path,
    pick_rate,
    read_live_stream,
    record_scaling,
    scale_streams,
    sweep,
    windows,
    write_live_stream,
)

from tests.test_pretrain import TEXT

from .fixed_jobs import FixedJobs

SMALL = ScaleConfig(context=16, batch=2, chunk_bytes=64, threads=1, warmup=2)


def tokens(n: int, seed: int = 0) -> np.ndarray:
    text = np.frombuffer(TEXT.encode() * 4, dtype=np.uint8)[:n].astype(np.uint16)
    return np.concatenate([[256], text]).astype(np.uint16)


def test_each_byte_is_coded_before_the_model_trains_on_it():
    run = PrequentialRun("scale-1", 1e-2, SMALL)
    x, y = next(windows(tokens(64), SMALL.context, SMALL.batch))
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    with torch.no_grad():
        expect = F.cross_entropy(run.model(x).reshape(-1, 257), y.reshape(-1),
                                 reduction="sum").item() / math.log(2)
    bits = run.step(x, y)
    assert bits == pytest.approx(expect, rel=1e-5)  # the weights before the step coded them
    changed = sum(not torch.equal(before[k], v) for k, v in run.model.state_dict().items())
    assert changed > 0  # ... and then it trained on them
    assert run.step(x, y) < bits  # the same bytes again are cheaper: it learned from them


def test_windows_predict_each_byte_from_the_one_before():
    t = tokens(40)
    (x, y), = list(windows(t, 8, 8))  # 40 bytes: five windows of 8 (none partial)
    assert x.shape == y.shape == (5, 8)
    assert torch.equal(x[:, 1:], y[:, :-1])
    assert int(x[0, 0]) == 256 and torch.equal(y.reshape(-1), torch.as_tensor(t[1:41]).long())


def test_the_race_gives_every_size_every_chunk_and_running_totals():
    race = ScaleRace({"scale-1": 1e-2, "scale-2": 4e-3}, tokens(512), SMALL)
    chunks = list(race.chunks())
    by = {s: [c for c in chunks if c.size == s] for s in ("scale-1", "scale-2")}
    assert len(by["scale-1"]) == len(by["scale-2"]) == 512 // 64
    for cs in by.values():
        assert [c.bytes_seen for c in cs] == [64 * (i + 1) for i in range(8)]
        assert np.allclose(np.cumsum([c.bits for c in cs]), [c.total_bits for c in cs])
    assert by["scale-2"][0].parameters > by["scale-1"][0].parameters


def test_a_race_needs_two_sizes_and_a_chunk_of_stream():
    with pytest.raises(ScaleError, match="at least two sizes"):
        ScaleRace({"scale-1": 1e-2}, tokens(512), SMALL)
    with pytest.raises(ScaleError, match="fewer than one chunk"):
        ScaleRace({"scale-1": 1e-2, "scale-2": 1e-2}, tokens(40), SMALL)


def test_the_rule_takes_the_smallest_rate_among_near_ties():
    assert pick_rate({1e-3: 3.70, 2e-3: 3.69, 4e-3: 4.1}) == 1e-3  # within 0.5% of the best
    assert pick_rate({1e-3: 3.90, 2e-3: 3.69, 4e-3: math.inf}) == 2e-3
    assert pick_rate({1e-3: math.inf}) is None


def test_the_sweep_grows_its_grid_past_an_end_that_wins():
    known = {1e-3: 4.0, 2e-3: 3.0, 4e-3: 2.9, 8e-3: 3.5}  # scores given: nothing is trained
    scores = sweep("scale-1", (1e-3, 2e-3), tokens(256), SMALL, known=known)
    assert sorted(scores) == [1e-3, 2e-3, 4e-3, 8e-3]  # grown upward until 4e-3 is inside
    assert pick_rate(scores) == 4e-3
    real = sweep("scale-1", (1e-2, 2e-2), tokens(256), SMALL, max_extra=0)
    assert sorted(real) == [1e-2, 2e-2] and all(math.isfinite(b) for b in real.values())


def recording(losses: list[list[float]], held: list[float], parameters=None) -> ScaleRecording:
    n = len(losses[0])
    sizes = tuple(ScaleSize(f"scale-{i + 1}", (1, 2, 24), (parameters or [1000 * 10**i
                                                                         for i in range(5)])[i],
                            1e-3, ((1e-3, 4.0),), 800, np.array(curve) * 1000, h * 1000, 1.0)
                  for i, (curve, h) in enumerate(zip(losses, held, strict=True)))
    return ScaleRecording(sizes, np.full(n, 1000), 1000, 1000, {"context": 8}, {}, "test", "test")


def test_crossings_say_where_the_bigger_model_overtakes_for_good():
    rec = recording([[4, 4, 4, 4, 4, 4], [5, 3, 5, 3, 3, 3]], [3.0, 2.0])
    (c,) = rec.crossings(window=1)  # chunk by chunk
    assert c.loss_first_below == 2000  # first dips below after the second chunk
    assert c.loss_below_from == 4000  # and stays below from the fourth
    assert c.total_below_from == 5000  # its whole message catches up in the fifth (ties are not)
    (smooth,) = rec.crossings()  # over 8 chunks: 5, 4, 4.33, 4, 3.8, 3.67 against 4
    assert smooth.loss_first_below == smooth.loss_below_from == 5000
    never = recording([[3, 3], [4, 4]], [3.0, 3.5]).crossings()[0]
    assert never.loss_below_from is None and never.total_below_from is None


def test_weights_counted_and_the_break_even():
    rec = recording([[4, 4], [3, 3]], [3.0, 2.0], parameters=[100, 1100])
    # Weights 32 bits a parameter: the bigger costs 32,000 bits more and saves 1 bit a char.
    assert rec.break_even(0) == pytest.approx(32_000)
    n = 32_000
    assert rec.weights_counted(n, 0) == pytest.approx(rec.weights_counted(n, 1))
    assert rec.weights_counted(10 * n, 1) < rec.weights_counted(10 * n, 0)
    assert math.isinf(recording([[4, 4], [3, 3]], [2.0, 2.5]).break_even(0))


def test_a_recording_round_trips_and_bad_ones_are_one_sentence(tmp_path):
    rec = recording([[4, 4, 4], [5, 3, 2]], [3.0, 2.0])
    back = parse_recording(recording_json(rec))
    assert back.sizes[1].chunk_bits.tolist() == [5000, 3000, 2000]
    assert back.held_out_rate(1) == pytest.approx(2.0)
    good = json.loads(recording_json(rec))
    bads = ["not json", "[" * 5000 + "]" * 5000, json.dumps({**good, "format": 2})]
    for key, value in (("held_out_chars", True), ("held_out_chars", 0), ("chunk_bytes", [0, 1, 2]),
                       ("sizes", good["sizes"][:1]), ("command", 3)):
        bads.append(json.dumps({**good, key: value}))
    size = dict(good["sizes"][0], parameters=True)
    bads.append(json.dumps({**good, "sizes": [size, good["sizes"][1]]}))
    size = dict(good["sizes"][0], chunk_bits=[1.0, -1.0, 1.0])
    bads.append(json.dumps({**good, "sizes": [size, good["sizes"][1]]}))
    for text in bads:
        with pytest.raises(ScaleError, match="is not an lmviz scale recording"):
            parse_recording(text)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_RECORDING_BYTES + 1))
    with pytest.raises(ScaleError, match="larger than"):
        load_recording(big)
    with pytest.raises(ScaleError, match="no such recording"):
        load_recording(tmp_path / "missing.json")


@pytest.fixture()
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    words = TEXT.split()
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        docs = [" ".join(rng.choice(words, 30)) for _ in range(300)]
        (d / f"{name}.txt").write_text("\n\n".join(docs))
    return d


def test_streams_are_refused_when_the_corpus_is_too_small(corpus):
    c = load_corpus(corpus)
    with pytest.raises(ScaleError, match="the run needs"):
        scale_streams(c, 10_000_000, 1000, 1000)


def test_recording_and_its_live_stream(tmp_path, corpus):
    c = load_corpus(corpus)
    rec = record_scaling(c, ("scale-1", "scale-2"), SMALL, 2048, 512, 256, "test",
                         lrs=(4e-3, 8e-3), report=lambda line: None)
    assert [s.name for s in rec.sizes] == ["scale-1", "scale-2"]
    assert int(rec.bytes_seen[-1]) == 2048 and len(rec.sizes[0].sweep) >= 2
    assert all(s.lr in dict(s.sweep) for s in rec.sizes)
    path = tmp_path / "rec.json"
    path.write_text(recording_json(rec))
    import lmviz.core.learning.scaling as scaling

    live = write_live_stream(c, path, rec)
    assert live == live_stream_path(path)
    stream, _, _ = scale_streams(c, 2048, 512, 256, SMALL.seed)
    back = read_live_stream(live)
    assert np.array_equal(back, stream[: len(back)])
    assert len(back) == min(len(stream), scaling.LIVE_STREAM_BYTES + 1)


def test_the_command_refuses_nonsense_in_one_sentence(tmp_path, corpus, capsys):
    assert main(["scale", "--record", str(tmp_path / "r.json")]) == 2
    assert "--corpus" in capsys.readouterr().err
    assert main(["scale", "--record", str(tmp_path / "r.json"), "--corpus", str(corpus),
                 "--sizes", "scale-1"]) == 2
    assert "at least two different sizes" in capsys.readouterr().err
    assert main(["scale", "--record", str(tmp_path / "r.json"), "--corpus", str(corpus),
                 "--sizes", "scale-1,huge"]) == 2
    assert "unknown size 'huge'" in capsys.readouterr().err
    assert main(["scale", "--record", str(tmp_path / "r.json"), "--corpus", str(corpus),
                 "--stream-bytes", "4000000"]) == 1
    err = capsys.readouterr().err
    assert "the run needs" in err and "Traceback" not in err
    assert not (tmp_path / "r.json").exists()
    assert main(["scale", "--stream-bytes", "99999999999"]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["scale", "--json", "--recording", str(bad)]) == 1
    assert "not an lmviz scale recording" in capsys.readouterr().err


def test_the_shipped_recording_shows_bigger_models_sending_less(capsys):
    rec = load_recording(shipped_recording_path())
    assert [s.name for s in rec.sizes] == list(SCALE_FAMILY)
    params = [s.parameters for s in rec.sizes]
    assert params == sorted(params) and params[-1] / params[0] >= 30
    totals = [rec.message(i)[-1] for i in range(len(rec.sizes))]
    assert all(b < a for a, b in zip(totals, totals[1:]))  # each below the next smaller size
    held = [rec.held_out_rate(i) for i in range(len(rec.sizes))]
    assert all(b < a for a, b in zip(held, held[1:]))
    assert read_live_stream(live_stream_path(shipped_recording_path()))[0] == 256
    assert main(["scale", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in out["sizes"]] == list(SCALE_FAMILY)
    assert len(out["crossings"]) == len(SCALE_FAMILY) - 1


# -- the screen, fed a fixed recording ----------------------------------------------------------
class FixedRace:
    """The live race's interface, answered with fixed chunks."""

    def __init__(self, control=None):
        self.control = control

    def run(self, emit, cancelled):
        from lmviz.core.learning.scale_records import ScaleChunk

        for k in range(4):
            for i, name in enumerate(("scale-1", "scale-2")):
                emit(ScaleChunk(name, 1000 * 10**i, k, 1000 * (k + 1), 1000, 4000.0 - 500 * i,
                                (4000.0 - 500 * i) * (k + 1), 0.1 * k))


async def test_the_screen_replays_at_once_and_says_which_view_it_shows(tmp_path):
    """Visible: 'the recording' on the source line at once, every size with its held-out rate
    in the table, where each overtakes the next once replayed; w: the weights-counted table;
    l: 'a live race' and the live chunks in the table."""
    from lmviz.app.main import LmvizApp
    from textual.widgets import Static

    rec = recording([[5, 4, 3, 3], [6, 3, 2, 2]], [3.0, 2.0])
    path = tmp_path / "rec.json"
    path.write_text(recording_json(rec))
    app = LmvizApp(screen="scale", scale_recording=str(path), jobs=FixedJobs(scale=lambda path, control: FixedRace(control)))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.2)
        screen = app.screen
        source = str(screen.query_one("#scale-source", Static).render())
        assert "the recording" in source and "each byte is coded before" in source
        for _ in range(30):
            await pilot.pause(0.1)
            if screen.shown == 4:
                break
        await pilot.pause(0.3)
        summary = str(screen.query_one("#scale-summary", Static).render())
        assert "scale-1" in summary and "3.000" in summary and "2.000" in summary
        assert "scale-2 draws lower than scale-1 from 3 KB on" in summary
        await pilot.press("w")
        summary = str(screen.query_one("#scale-summary", Static).render())
        assert "weights counted" in summary and "pays for its weights over scale-1" in summary
        await pilot.press("l")
        await pilot.pause(0.5)
        assert "a live race" in str(screen.query_one("#scale-source", Static).render())
        assert [len(v) for v in screen.live.values()] == [4, 4]
