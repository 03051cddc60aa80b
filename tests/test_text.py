"""Text as a task: bytes between start and end tokens, round trips, glyphs, and Alice and Bob in
lockstep on English with the shipped model, fine-tuning online."""

import numpy as np
import pytest
from lmviz.core.tasks import TaskError, TextTask
from lmviz.core.tasks.text import END_GLYPH, byte_glyph, utf8_groups

TASK = TextTask(context=256)

TEXTS = {
    "ascii": "The quick brown fox jumps over the lazy dog.",
    "chinese": "训练一个自回归模型就是无损压缩。",
    "emoji": "compression 🗜️ is intelligence 🧠!",
    "control": "tab\there\r\nbell\x07 nul\x00 end",
    "one-byte": "x",
}


@pytest.mark.parametrize("name", list(TEXTS), ids=list(TEXTS))
def test_text_round_trips_through_tokens(name):
    text = TEXTS[name]
    ids = TASK.parse(text)
    data = text.encode("utf-8")
    assert ids.shape == (256,) and ids[0] == TASK.BOS and ids[1 + len(data)] == TASK.END
    assert TASK.decode_tokens(ids) == text
    assert TASK.text_bytes(ids) == data
    assert TASK.coded_positions(ids) == list(range(1, len(data) + 2))  # every byte and the end
    assert TASK.editable_text(ids) == text


def test_bytes_that_are_not_utf8_are_coded_too():
    data = b"\xff\xfe caf\xe9 \x80"
    ids = TASK.encode_text(data)
    assert TASK.text_bytes(ids) == data
    groups = TASK.display_groups(ids[1 : 2 + len(data)])
    assert [g for _, _, g in groups][:2] == ["\\xff", "\\xfe"]
    assert groups[-1][2] == END_GLYPH


def test_empty_and_too_long_texts_are_one_sentence():
    with pytest.raises(TaskError, match="empty"):
        TASK.parse("")
    with pytest.raises(TaskError, match="at most 254") as exc:
        TASK.parse("a" * 10_000)
    assert len(str(exc.value)) < 200


def test_glyphs_and_utf8_groups():
    assert byte_glyph(ord(" ")) == "␣" and byte_glyph(ord("\n")) == "⏎"
    assert byte_glyph(0x07) == "\\x07" and byte_glyph(ord("a")) == "a"
    data = "a中🧠".encode()
    assert utf8_groups(data) == [(0, 1, "a"), (1, 4, "中"), (4, 8, "🧠")]
    assert len(TASK.symbols) == 257 and TASK.symbols[256] == END_GLYPH


def test_alice_and_bob_stay_in_lockstep_on_english_fine_tuning_online():
    """The shipped English model, fine-tuning after every text (the explorer's online mode):
    Bob's frequencies equal Alice's at every step and both end with identical weights."""
    import copy

    import torch
    from lmviz.core.learning.checkpoints import load_learner
    from lmviz.core.learning.session import DecodeSession, EncodeSession

    alice = load_learner("english")
    alice.config = alice.config.replace(batch_size=1)
    bob = copy.deepcopy(alice)
    texts = ["Bob decodes the bits alone.", "Then both train on the text.", "Naïve café ☕."]
    for text in texts:
        seq = alice.task.parse(text)
        enc = EncodeSession(alice, train=True)
        a_steps = list(enc.steps([seq]))
        bits = enc.finish()
        dec = DecodeSession(bob, bits, train=True)
        b_steps = list(dec.steps(1))
        assert dec.texts() == [text]
        assert len(a_steps) == len(b_steps) == len(text.encode()) + 1
        for a, b in zip(a_steps, b_steps):
            assert np.array_equal(a.freqs, b.freqs) and a.symbol == b.symbol
    for pa, pb in zip(alice.model.parameters(), bob.model.parameters()):
        assert torch.equal(pa, pb)
    assert alice.updates == bob.updates == len(texts)


def test_encode_text_json_and_a_file_in_windows(tmp_path, capsys):
    import json

    from lmviz.app.cli import main

    assert main(["encode", "--task", "text", "Hello, world.", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["text"] == "Hello, world." and len(r["tokens"]) == 14
    assert r["tokens"][0]["symbol"] == "H" and r["tokens"][-1]["symbol"] == END_GLYPH
    t = r["totals"]
    assert t["stream_bits"] >= t["ideal_bits"] - 1 and t["raw_bits"] == 8 * 14
    assert t["weights_bits"] == 32 * r["model"]["parameters"] and "xz_bits" in t
    assert t["all_counted_bits"] == t["stream_bits"] + t["config_bits"] + t["weights_bits"]

    f = tmp_path / "notes.txt"
    f.write_bytes(("A line of English text, again and again.\n" * 30).encode() + b"\xff\xfe")
    assert main(["encode", "--task", "text", "--file", str(f), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["bytes"] == f.stat().st_size and r["windows"] >= 5
    assert r["totals"]["stream_bits"] >= r["totals"]["ideal_bits"] - 1
    assert "gzip_bytes" in r and "xz_bytes" in r


@pytest.mark.parametrize("argv, code, words", [
    (["encode", "--task", "text", ""], 2, "empty"),
    (["encode", "--task", "text", "a" * 70_000], 2, "at most 65,536"),
    (["encode", "--task", "text", "--file", "/nonexistent/x.txt"], 1, "no such file"),
    (["encode", "--file", "x.txt"], 2, "--task text"),
    (["encode", "--task", "text"], 2, "give the TEXT"),
    (["encode", "--task", "text", "hi", "--checkpoint", "addition8"], 1, "not of text"),
], ids=["empty", "too-long", "missing-file", "file-without-text-task", "nothing", "wrong-model"])
def test_text_cli_mistakes_are_one_sentence(argv, code, words, capsys):
    from lmviz.app.cli import main

    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith("lmviz: ") and err.count("\n") == 1 and words in err


def test_a_corrupt_checkpoint_is_refused(tmp_path, capsys):
    from lmviz.app.cli import main

    bad = tmp_path / "english.pt"
    bad.write_bytes(b"PK\x03\x04 not really a checkpoint")
    assert main(["encode", "--task", "text", "hi", "--checkpoint", str(bad)]) == 1
    assert "not an lmviz checkpoint" in capsys.readouterr().err


def test_a_sentence_that_is_not_an_addition_opens_the_text_task(capsys):
    from lmviz.app.cli import main

    # Under pytest stdout is not a terminal: the explorer refuses after choosing its task, so a
    # text is not refused as a bad addition (exit 2 with "not a terminal", not "character").
    assert main(["hello world"]) == 2
    err = capsys.readouterr().err
    assert "not a terminal" in err and "character" not in err
    assert main(["1728x456+79546852=96829308", "--task", "addition"]) == 2
    assert "not one of 0-9" in capsys.readouterr().err


def test_the_explorer_job_cycles_pretrained_untrained_and_online_english():
    """The real job behind `m` for a text: the shipped model, the same architecture untrained,
    and the shipped model fine-tuning online; Bob replays each exactly."""
    from lmviz.app.jobs.explorer import ExplorerJob
    from lmviz.app.jobs.settings import ExplorerRequest

    job = ExplorerJob(ExplorerRequest(text="Word endings are cheap.", task="text"))
    costs = {}
    for kind in ("pretrained", "untrained", "online", "online"):
        coded = job.encode("Word endings are cheap.", kind)
        assert coded.classical_bits is not None and coded.given == (256,)
        decoded = job.decode(coded)
        assert decoded.text == "Word endings are cheap." and len(decoded.steps) == 24
        assert [s.symbol for s in decoded.steps] == [s.symbol for s in coded.steps]
        costs.setdefault(kind, []).append(coded.steps[-1].totals.ideal_bits)
        assert (coded.model.weights_bits is None) == (kind == "untrained")
    assert costs["pretrained"][0] < costs["untrained"][0]
    assert costs["online"][1] < costs["online"][0]  # it learned from the first pass
    assert job.learner("online").sequences_seen == 2


def test_encode_prints_text_that_looks_like_markup_as_typed(capsys):
    from lmviz.app.cli import main

    assert main(["encode", "--task", "text", "a [/] b [red"]) == 0
    assert "a [/] b [red" in capsys.readouterr().out


def test_a_text_longer_than_the_context_round_trips_window_by_window():
    """A long text (ten windows of a small model) goes through the streaming coder and back:
    Bob needs no length, his frequencies equal Alice's at every byte, each record knows its
    place in the whole text, and the code is within 2 bits of the area the ledger summed."""
    from lmviz.core.learning.online import OnlineLearner
    from lmviz.core.learning.pretrain import PretrainConfig, learner_config
    from lmviz.core.learning.windows import (
        LongTextDecodeSession,
        LongTextEncodeSession,
        window_plan,
    )
    from lmviz.core.tasks.text import LONG_TEXT_BYTES

    learner = OnlineLearner(learner_config(PretrainConfig(size="small", context=32, seed=3)))
    text = ("Both sides slide the same window over the text. Naïve café ☕. " * 6).encode()
    alice = LongTextEncodeSession(learner)
    a_steps = list(alice.steps(text))
    bits = alice.finish()
    assert alice.windows == len(window_plan(len(text) + 1, 32, 15)) > 8
    assert [s.position for s in a_steps] == list(range(1, len(text) + 2))
    assert a_steps[-1].symbol == TextTask.END
    assert a_steps[-1].totals.ideal_bits <= len(bits) <= a_steps[-1].totals.ideal_bits + 2
    bob = LongTextDecodeSession(learner, bits)
    b_steps = list(bob.steps())
    assert bob.text() == text.decode()
    assert len(b_steps) == len(a_steps)
    for a, b in zip(a_steps, b_steps):
        assert a.position == b.position and a.symbol == b.symbol
        assert np.array_equal(a.freqs, b.freqs)
    with pytest.raises(TaskError, match="at most"):
        list(LongTextEncodeSession(learner).steps(b"x" * (LONG_TEXT_BYTES + 1)))


def test_the_explorer_job_codes_a_long_text_and_bob_shows_it_as_he_goes():
    """A text past the context: Alice codes it window by window with the frozen model; Bob
    hands over what he has after each window, then the whole text; online refuses in words."""
    from lmviz.app.jobs.explorer import ExplorerJob
    from lmviz.app.jobs.settings import ExplorerRequest, ModelKind
    from lmviz.core.learning.online import OnlineLearner
    from lmviz.core.learning.pretrain import PretrainConfig, learner_config

    text = "A long text slides the window along. " * 17  # 629 bytes: three windows
    job = ExplorerJob(ExplorerRequest(text=text, task="text"))
    job.learners[ModelKind.PRETRAINED] = OnlineLearner(
        learner_config(PretrainConfig(size="small", context=job.task.context)))
    coded = job.encode(text, ModelKind.PRETRAINED)
    assert coded.windows == 4 and len(coded.steps) == len(text) + 1
    assert coded.given == (256,) and coded.classical_bits["xz"] > 0
    parts = []
    decoded = job.decode(coded, partial=parts.append)
    assert decoded.complete and decoded.text == text
    assert [len(p.steps) for p in parts] == [128, 256, 384, 512]
    assert all(not p.complete and text.startswith(p.text) for p in parts)
    assert [s.symbol for s in decoded.steps] == [s.symbol for s in coded.steps]
    with pytest.raises(TaskError, match="press m for a frozen model"):
        job.encode(text, ModelKind.ONLINE)


@pytest.mark.parametrize("setup, words", [
    (lambda d: ["hi", "--file", str(d / "a.txt")], "not both"),
    (lambda d: ["--file", str(d / "a.txt"), "--task", "addition"], "opens a text file"),
    (lambda d: ["--file", str(d / "missing.txt")], "no such file"),
    (lambda d: ["--file", str(d / "empty.txt")], "is empty"),
    (lambda d: ["--file", str(d / "bin.dat")], "not UTF-8 text (byte 2 is not)"),
    (lambda d: ["--file", str(d / "big.txt")], "over 65,536 bytes"),
], ids=["text-and-file", "wrong-task", "missing", "empty", "binary", "too-big"])
def test_the_explorers_file_mistakes_are_one_sentence(tmp_path, capsys, setup, words):
    from lmviz.app.cli import main

    (tmp_path / "a.txt").write_text("hello")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.dat").write_bytes(b"ab\xff\xfe")
    (tmp_path / "big.txt").write_text("x" * 70_000)
    code = main(setup(tmp_path))
    err = capsys.readouterr().err
    assert code in (1, 2) and err.startswith("lmviz: ") and err.count("\n") == 1 and words in err
