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
