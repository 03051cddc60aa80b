"""Faults found by trying bad input for real: each is one sentence and a non-zero exit, and the
checks behind them are pinned so that a weakened one fails here."""

import struct
import tracemalloc
import zlib

import numpy as np
import pytest
import torch
from lmviz.app.cli import main
from lmviz.core.compression.container import (
    MAX_BYTES_PER_BIT,
    MAX_LENGTH,
    VERSION,
    ContainerError,
    pack_header,
    unpack_header,
    unrepeat,
)
from lmviz.core.learning.checkpoints import (
    SHIPPED_SHA256,
    CheckpointError,
    load_learner,
    resolve_checkpoint,
)

from tests.test_compress import _decompress_bytes, packed  # noqa: F401  (a fixture)


def forge(blob: bytes, header=None, body: bytes | None = None) -> bytes:
    """``blob`` with its header replaced (a dict, or raw deflated bytes), CRC recomputed."""
    hlen = struct.unpack("<I", blob[5:9])[0]
    if body is None:
        body = pack_header(header)
    head = b"LMVZ" + bytes([VERSION]) + struct.pack("<I", len(body)) + body
    return head + struct.pack("<I", zlib.crc32(head)) + blob[13 + hlen :]


def header_of(blob: bytes) -> dict:
    hlen = struct.unpack("<I", blob[5:9])[0]
    return unpack_header(blob[9 : 9 + hlen])


def deflated(text: bytes) -> bytes:
    from lmviz.core.compression.container import HEADER_DICT

    z = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=HEADER_DICT)
    return z.compress(text) + z.flush()


def refused(tmp_path, capsys, blob: bytes, words: str) -> None:
    code, err, out = _decompress_bytes(tmp_path, blob, capsys)
    assert code == 1 and words in err and err.count("\n") == 1, err
    assert "Traceback" not in err and not out.exists()


def test_a_deeply_nested_header_is_one_sentence(tmp_path, packed, capsys):  # noqa: F811
    refused(tmp_path, capsys, forge(packed, body=deflated(b"[" * 2000 + b"]" * 2000)),
            "its header cannot be read")
    h = header_of(packed)
    h["config"].setdefault("set", {})["orders"] = [[[[[1]]]]]
    refused(tmp_path, capsys, forge(packed, h), "its header cannot be read")
    inner = b"[" * 995 + b"]" * 995
    text = (b'{"config":{"set":{"orders":' + inner + b'}},"crc32":1,"length":1,'
            b'"payload_bits":1,"payload_crc32":1}')
    refused(tmp_path, capsys, forge(packed, body=deflated(text)), "its header cannot be read")


def test_the_header_takes_numbers_only_where_numbers_belong(tmp_path, packed, capsys):  # noqa: F811
    for key in ("length", "crc32", "payload_bits", "payload_crc32"):
        h = header_of(packed)
        h[key] = True  # a bool is an int to isinstance, not to this check
        refused(tmp_path, capsys, forge(packed, h), f"its header's {key} is not a whole number")


def test_the_length_limit_is_the_input_limit(tmp_path, packed, capsys):  # noqa: F811
    h = header_of(packed)
    h["length"] = MAX_LENGTH + 1
    h["payload_bits"] = 2**40  # so that no later rule could be what refuses it
    refused(tmp_path, capsys, forge(packed, h), "its header's length is out of range")


def test_the_bytes_per_bit_bound_is_tight(tmp_path, packed, capsys):  # noqa: F811
    h = header_of(packed)
    over = MAX_BYTES_PER_BIT * (h["payload_bits"] + 64) + 1
    assert over <= MAX_LENGTH
    h["length"] = over
    refused(tmp_path, capsys, forge(packed, h), f"claims {over:,} bytes from")
    h["length"] = over - 1  # at the bound: past this rule, refused later for another reason
    code, err, _ = _decompress_bytes(tmp_path, forge(packed, h), capsys)
    assert code == 1 and "claims" not in err


def test_a_forged_record_length_is_refused_at_once(tmp_path, packed, capsys):  # noqa: F811
    for record in (513, 2**63):
        h = header_of(packed)
        h["config"].setdefault("set", {})["record"] = record
        refused(tmp_path, capsys, forge(packed, h), "record")


def test_trailing_bytes_are_not_called_truncated(tmp_path, packed, capsys):  # noqa: F811
    refused(tmp_path, capsys, packed + b"garbage", "bytes follow its payload")
    refused(tmp_path, capsys, packed[:-3], "is truncated")


def test_a_forged_repeat_form_is_refused_before_its_output_is_allocated():
    blob = b"LMVR" + struct.pack("<IQH", 12345, MAX_LENGTH, 1) + b"a"
    tracemalloc.start()
    try:
        with pytest.raises(ContainerError, match="checksum"):
            unrepeat(blob)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # not the 256 MiB it claims (610 MB before)
    data = b"xyz" * 100_001
    good = b"LMVR" + struct.pack("<IQH", zlib.crc32(data), len(data), 3) + b"xyz"
    assert unrepeat(good) == data


# -- checkpoints -------------------------------------------------------------------------------
def test_a_checkpoint_with_one_byte_flipped_is_refused(tmp_path):
    learner = load_learner("addition8")
    path = tmp_path / "a.pt"
    learner.save(path)
    state = torch.load(path, weights_only=True)
    w = state["model"]["head.weight"]
    w.view(-1)[7] = w.view(-1)[7] + 1e-3  # one weight changed, the digest kept
    torch.save(state, path)
    with pytest.raises(CheckpointError, match="do not match their digest"):
        load_learner(str(path))
    state["model"]["head.weight"].view(-1)[0] = float("nan")
    del state["digest"]
    torch.save(state, path)
    with pytest.raises(CheckpointError, match="not finite"):
        load_learner(str(path))


def test_shipped_checkpoints_are_the_files_this_version_shipped(tmp_path, monkeypatch):
    import hashlib

    for name, digest in SHIPPED_SHA256.items():
        assert hashlib.sha256(resolve_checkpoint(name).read_bytes()).hexdigest() == digest
    import lmviz.core.learning.checkpoints as checkpoints

    monkeypatch.setitem(checkpoints.SHIPPED_SHA256, "addition8", "0" * 64)
    with pytest.raises(CheckpointError, match="damaged or replaced"):
        load_learner("addition8")


def test_reading_a_device_or_a_huge_file_as_a_checkpoint_is_one_sentence(tmp_path, capsys):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("One document.\n\nAnother one here.\n\n" * 200)
    for init, words in (("/dev/zero", "not a regular file"), (str(corpus), "is a directory")):
        code = main(["pretrain", "text", "--corpus", str(corpus), "--minutes", "0.01", "--save",
                     str(tmp_path / "m.pt"), "--init", init])
        err = capsys.readouterr().err
        assert code == 1 and words in err and err.count("\n") == 1, err
    code = main(["encode", "--checkpoint", "/dev/zero", "12+34=46"])
    err = capsys.readouterr().err
    assert code == 1 and "is not a checkpoint file" in err


# -- flags and training ------------------------------------------------------------------------
@pytest.mark.parametrize("argv,words", [
    (["grok", "--width", "1000000"], "from 4 to 1,024"),
    (["grok", "--seed", str(2**64)], "4,294,967,295"),
    (["learn", "addition", "--seed", str(2**64)], "4,294,967,295"),
    (["pretrain", "text", "--corpus", ".", "--minutes", "1", "--save", "x.pt",
      "--seed", str(2**64)], "4,294,967,295"),
    (["pretrain", "text", "--corpus", ".", "--minutes", "1", "--save", "x.pt",
      "--context", "5000"], "from 3 to 1,024"),
    (["pretrain", "text", "--corpus", ".", "--minutes", "1", "--save", "x.pt",
      "--batch", "100000"], "from 1 to 4,096"),
    (["pretrain", "text", "--corpus", ".", "--minutes", "1", "--save", "x.pt",
      "--batch", "4096"], "for attention alone"),
    (["learn", "addition", "--lr", "1e12"], "at most 10"),
    (["grok", "--fraction", "0.99999", "--steps", "1"], "none for validation"),
    (["grok", "--fraction", "0.00001", "--steps", "1"], "no of the 9,312 equations"),
])
def test_numeric_flags_have_ranges_checked_before_any_work(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_a_diverging_learner_stops_in_one_sentence():
    from lmviz.core.learning.config import LearnerConfig, TrainingDiverged
    from lmviz.core.learning.online import OnlineLearner

    learner = OnlineLearner(LearnerConfig())
    with torch.no_grad():
        for p in learner.model.parameters():
            p.fill_(float("inf"))
    block = learner.task.sample_batch(np.random.default_rng(0), 2)
    with pytest.raises(TrainingDiverged, match="not finite"):
        learner.predict(block)
    with pytest.raises(TrainingDiverged, match="not finite"):
        learner.update(block)


def test_pretraining_that_diverges_stops_and_saves_nothing(tmp_path):
    """Weights gone to infinity: the next step stops in one sentence, and a save (what every
    report does) refuses to write them."""
    from lmviz.core.learning.config import PretrainConfig, PretrainError
    from lmviz.core.learning.pretrain import Pretrainer, load_corpus

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("One document here.\n\nAnother one, longer.\n\n" * 300)
    trainer = Pretrainer(PretrainConfig(size="small", context=16, batch=4, threads=1),
                         load_corpus(corpus), minutes=1)
    trainer.step()  # a finite step first
    with torch.no_grad():
        for p in trainer.model.parameters():
            p.fill_(float("inf"))
    with pytest.raises(PretrainError, match="diverged"):
        trainer.step()
    out = tmp_path / "m.pt"
    with pytest.raises(PretrainError, match="not finite"):
        trainer.save(out, "test")
    assert not out.exists() and not (tmp_path / "m.pt.resume").exists()


def test_grok_refuses_a_screen_without_a_terminal_on_stdin(monkeypatch):
    from lmviz.app.commands import screens
    from lmviz.app.errors import UsageError

    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    with pytest.raises(UsageError, match="lmviz grok --json"):
        screens.require_terminal("lmviz grok", "lmviz grok --json")


def test_wording(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text("x")
    assert main(["pretrain", "text", "--corpus", str(f), "--minutes", "1", "--save",
                 str(tmp_path / "m.pt")]) == 1
    assert "is a file: --corpus takes a folder" in capsys.readouterr().err
    assert main(["inspect", str(tmp_path)]) == 1
    assert "is a directory" in capsys.readouterr().err
    assert main(["inspect", str(tmp_path / "missing")]) == 1
    assert "no such file" in capsys.readouterr().err
