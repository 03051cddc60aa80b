"""`lmviz compress --model`: a pretrained byte model as one input of the bit mixer, run in
integer arithmetic so that another process, compiled for another CPU, decodes the same bytes.

The tests use the shipped `english-small` (1.36M parameters): the same code as `english`, a
third of the time."""

import json
import math
import os
import subprocess
import sys
import zlib
from decimal import Decimal

import numpy as np
import pytest
from lmviz.app.cli import main

MODEL = "english-small"
TEXT = (b"The committee met on Tuesday to discuss the budget for next year. After a long debate, "
        b"the members agreed that the library would keep its opening hours, and that the money "
        b"for new books would come from the reserve fund rather than from the schools.\n")


@pytest.fixture(scope="module")
def byte_model():
    from lmviz.core.compression.bytemodel import load_byte_model

    return load_byte_model(MODEL)


def _node_bits(probs: np.ndarray, byte: int) -> float:
    n, bits = 1, 0.0
    for depth in range(8):
        bit = (byte >> (7 - depth)) & 1
        p1 = probs[n] / 4096
        bits -= math.log2(p1 if bit else 1 - p1)
        n = 2 * n + bit
    return bits


def _stream_probs(model, data: bytes) -> np.ndarray:
    from lmviz.core.compression.bytemodel import ByteModelStream

    s = ByteModelStream(model)
    out = []
    for b in data:
        out.append(s.next_probs().copy())
        s.push(b)
    return np.array(out)


def test_the_integer_model_predicts_what_torch_predicts(byte_model):
    """Byte by byte over a text, the integer forward pass costs within 1% of torch's float
    model, and every byte's cost within 0.15 bit of it (int8 weights, Q12 activations)."""
    from lmviz.core.learning.checkpoints import load_learner

    learner = load_learner(MODEL)
    block = np.zeros((1, 256), dtype=np.int64)
    block[0, 0] = 256
    block[0, 1 : 1 + len(TEXT)] = np.frombuffer(TEXT, dtype=np.uint8)
    p = learner.predict(block)[0]
    at = np.arange(1, 1 + len(TEXT))
    real = block[0, at]
    float_bits = -np.log2(p[at, real] / p[at, :256].sum(axis=1))
    probs = _stream_probs(byte_model, TEXT)
    int_bits = np.array([_node_bits(probs[t], b) for t, b in enumerate(TEXT)])
    assert abs(int_bits.sum() / float_bits.sum() - 1) < 0.01, (int_bits.sum(), float_bits.sum())
    # 12-bit node probabilities floor a sure byte's cost at 8 * log2(4096/4095)
    assert np.abs(int_bits - float_bits).max() < 0.15
    assert int_bits.mean() < 3.0  # it knows English: far below 8 bits a byte


def test_the_tables_are_exact_and_the_square_root_is_the_integer_one():
    from lmviz.core.compression import bytemodel as bm
    from numba import njit

    exp_t, gelu_t = bm.tables()
    for k in (0, 1, 100, 256, 1000, len(exp_t) - 1):
        assert exp_t[k] == round(math.exp(-k / 256) * 2**30) or abs(
            exp_t[k] - math.exp(-k / 256) * 2**30) <= 1
    for k in (0, 300, 512, 600, 1024):
        x = (k - 512) / 64
        gelu = x * (1 + math.erf(x / math.sqrt(2))) / 2
        assert abs(gelu_t[k] - gelu * 4096) <= 0.5 + 1e-6
    assert str(bm._erf(Decimal(1)))[:12] == "0.8427007929"

    from lmviz.core.compression.bytekernels import _isqrt

    isqrt = njit(lambda n: _isqrt(n))
    for n in [0, 1, 2, 3, 4, 15, 16, 17, 10**12, 2**62 - 1,
              *np.random.default_rng(0).integers(0, 2**62, 200).tolist()]:
        assert isqrt(n) == math.isqrt(n), n


def test_windows_repeat_the_last_bytes_and_predict_as_from_the_start(byte_model):
    """Past the model's context a new window starts with the start token and the last
    ``history`` bytes: its predictions are those of a fresh stream fed just those bytes."""
    from lmviz.core.compression.bytemodel import ByteModelStream

    data = (TEXT * 3)[:400]
    s = ByteModelStream(byte_model, history=16)
    for b in data[:300]:
        s.push(b)
    fresh = ByteModelStream(byte_model, history=16)
    # the start token and 255 bytes fill the cache, so byte 255 starts a new window: the
    # start token, bytes 240..255, then 256..299
    for b in data[256 - 16 : 300]:
        fresh.push(b)
    assert np.array_equal(s.next_probs(), fresh.next_probs())


def test_the_model_makes_english_much_smaller(byte_model):
    import dataclasses

    from lmviz.core.compression.compressor import compress_packed, decompress_packed
    from lmviz.core.compression.config import config_for

    data = TEXT * 2 + b"Bob decodes every byte with the same model, then learns from it.\n"
    config = config_for(data)
    plain, _ = compress_packed(data, config)
    with_model = dataclasses.replace(config, model=byte_model.sha256)
    packed, nbits = compress_packed(data, with_model, byte_model=byte_model)
    assert len(packed) < 0.75 * len(plain), (len(packed), len(plain))
    assert decompress_packed(packed, nbits, len(data), with_model, byte_model=byte_model) == data
    with pytest.raises(ValueError, match="not the one the configuration names"):
        compress_packed(data, config, byte_model=byte_model)


GENERIC = """
import hashlib, sys
import numpy as np
from lmviz.app.cli import main
from lmviz.core.compression.bytemodel import ByteModelStream, load_byte_model
code = main(["decompress", sys.argv[1], sys.argv[2]])
s = ByteModelStream(load_byte_model(sys.argv[4]))
probs = []
for b in open(sys.argv[3], "rb").read():
    probs.append(s.next_probs().copy())
    s.push(b)
print(code, hashlib.sha256(np.array(probs).tobytes()).hexdigest())
"""


def test_a_process_compiled_for_another_cpu_decodes_the_same_bytes(tmp_path, byte_model):
    """Compressed here (numba compiles for this CPU: AVX2 or better), decompressed in a
    process whose kernels are compiled for a generic x86-64 (SSE2) from an empty cache: the
    bytes and every one of the model's probabilities are identical."""
    import hashlib

    data = english(700)  # past one window of the model's context
    src, packed, back = tmp_path / "in.txt", tmp_path / "in.lmvz", tmp_path / "back.txt"
    src.write_bytes(data)
    assert main(["compress", "--model", MODEL, str(src), str(packed)]) == 0
    blob = packed.read_bytes()
    assert blob[0] == 0xC3  # the compact form of the english-small preset
    here = hashlib.sha256(_stream_probs(byte_model, data).tobytes()).hexdigest()
    env = {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CPU_FEATURES": "",
           "NUMBA_CACHE_DIR": str(tmp_path / "numba-generic")}
    r = subprocess.run([sys.executable, "-c", GENERIC, str(packed), str(back), str(src), MODEL],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    code, there = r.stdout.split()
    assert code == "0" and back.read_bytes() == data
    assert there == here


def english(n: int) -> bytes:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
    from corpus import stdlib_docstrings

    return stdlib_docstrings(n)


def _cli(capsys, *argv) -> tuple[int, str]:
    """The exit code and stderr (stdout kept in _cli.out)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    _cli.out = captured.out
    return code, captured.err


def test_bad_models_are_one_sentence_and_write_nothing(tmp_path, capsys):
    from importlib import resources

    src, out = tmp_path / "in.txt", tmp_path / "out.lmvz"
    src.write_bytes(TEXT)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(os.urandom(5000))
    shipped = resources.files("lmviz.assets") / f"{MODEL}.pt"
    cut = tmp_path / "cut.pt"
    cut.write_bytes(shipped.read_bytes()[:100_000])
    for model, says in ((str(junk), "is not an lmviz checkpoint"),
                        (str(cut), "is not an lmviz checkpoint"),
                        ("addition8", "is not a byte model"),
                        ("nonesuch", "no checkpoint named 'nonesuch'"),
                        (str(tmp_path / "missing.pt"), "no checkpoint named")):
        code, err = _cli(capsys, "compress", "--model", model, str(src), str(out))
        assert code == 1 and says in err and err.count("\n") == 1, (model, err)
        assert "Traceback" not in err and not out.exists()


def test_a_model_of_another_vocabulary_is_one_sentence(tmp_path, byte_model):
    from importlib import resources

    import torch
    from lmviz.core.compression.bytemodel import ByteModelError, load_byte_model
    from lmviz.core.learning.online import weights_digest

    state = torch.load(resources.files("lmviz.assets") / f"{MODEL}.pt", weights_only=True)
    for key in ("tok.weight", "head.weight"):
        state["model"][key] = state["model"][key][:200]
    state["digest"] = weights_digest(state["model"])
    path = tmp_path / "v200.pt"
    torch.save(state, path)
    with pytest.raises(ByteModelError, match="vocabulary of 200 symbols"):
        load_byte_model(str(path))


def _forged(tmp_path, model_sha: str) -> bytes:
    """A container whose configuration names ``model_sha`` (its checksums all correct)."""
    import dataclasses

    from lmviz.core.compression.config import config_for
    from lmviz.core.compression.container import Container

    config = dataclasses.replace(config_for(TEXT), model=model_sha)
    header = json.loads(config.to_header_json())
    return Container(json.dumps(header, sort_keys=True, separators=(",", ":")), len(TEXT),
                     zlib.crc32(TEXT), 8 * 40, bytes(40)).to_bytes()


def test_a_header_naming_an_unknown_or_another_model_is_one_sentence(tmp_path, capsys):
    from lmviz.core.learning.checkpoints import SHIPPED_SHA256

    packed, out = tmp_path / "in.lmvz", tmp_path / "out.txt"
    packed.write_bytes(_forged(tmp_path, "ab" * 32))
    code, err = _cli(capsys, "decompress", str(packed), str(out))
    assert code == 1 and "a model this lmviz does not ship (sha256 abababababab…)" in err
    assert "--model PATH" in err and not out.exists()
    # the right name, the wrong model
    packed.write_bytes(_forged(tmp_path, SHIPPED_SHA256["english"]))
    code, err = _cli(capsys, "decompress", "--model", MODEL, str(packed), str(out))
    assert code == 1 and "compressed with another model" in err and not out.exists()
    # not a sha256 at all: refused with the configuration
    packed.write_bytes(_forged(tmp_path, "english"))
    code, err = _cli(capsys, "decompress", str(packed), str(out))
    assert code == 1 and "not a model's sha256" in err and not out.exists()


def test_a_model_given_as_a_path_must_be_given_to_decompress(tmp_path, capsys):
    from importlib import resources

    path = tmp_path / "mine.pt"
    path.write_bytes((resources.files("lmviz.assets") / f"{MODEL}.pt").read_bytes())
    src, packed, back = tmp_path / "in.txt", tmp_path / "in.lmvz", tmp_path / "back.txt"
    src.write_bytes(TEXT)
    # the same bytes as the shipped model: the header's sha256 finds it by name
    assert main(["compress", "--model", str(path), str(src), str(packed)]) == 0
    assert main(["decompress", str(packed), str(back)]) == 0 and back.read_bytes() == TEXT


def test_binary_input_is_coded_without_the_model_and_says_so(tmp_path, capsys):
    """The model knows text: on binary input it is loaded (a bad one still fails) but not
    used; the file names no model and decodes without one."""
    rng = np.random.default_rng(5)
    data = bytes(rng.integers(0, 8, 4000, dtype=np.uint8)) + bytes(200)
    src, packed, back = tmp_path / "in.bin", tmp_path / "in.lmvz", tmp_path / "back.bin"
    src.write_bytes(data)
    code, err = _cli(capsys, "compress", "--model", MODEL, "--json", str(src), str(packed))
    assert code == 0 and "compressed without the model: it is not text" in err
    assert json.loads(_cli.out)["model"] is None
    blob = packed.read_bytes()
    assert blob[0] not in (0xC2, 0xC3)  # not a model's preset
    assert main(["decompress", str(packed), str(back)]) == 0 and back.read_bytes() == data


def test_compressing_with_a_model_reports_it_in_json(tmp_path, capsys):
    src, packed = tmp_path / "in.txt", tmp_path / "in.lmvz"
    src.write_bytes(TEXT)
    assert main(["compress", "--model", MODEL, "--json", str(src), str(packed)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["model"] == MODEL and summary["output_bytes"] == packed.stat().st_size
    assert summary["bits_per_byte"] < 3.5


def test_memory_is_the_model_plus_the_tables_plus_a_few_bytes_a_byte(byte_model):
    """With the model, what compressing allocates is today's tables, the model's weights and
    cache (fixed) and a few bytes per input byte."""
    import dataclasses
    import tracemalloc

    from lmviz.core.compression.compressor import compress_packed
    from lmviz.core.compression.config import config_for

    def peak(data: bytes) -> int:
        config = dataclasses.replace(config_for(data), model=byte_model.sha256)
        tracemalloc.start()
        try:
            compress_packed(data, config, byte_model=byte_model)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(TEXT)  # compiled loops loaded outside the measurement
    small, large = english(600), english(6000)
    p1, p2 = peak(small), peak(large)
    assert p1 < 150e6
    assert (p2 - p1) / (len(large) - len(small)) < 10, (p1, p2)


def test_inspect_shows_the_model_as_a_part_with_its_weight(byte_model):
    """`lmviz inspect --model`: the payload is compress's, and the byte model's column holds
    its own probability of each real byte, its guess, its weight in the mix."""
    import dataclasses

    from lmviz.core.compression.compressor import compress_packed
    from lmviz.core.compression.config import config_for
    from lmviz.core.compression.costs import MODEL, CostMap
    from lmviz.core.compression.inspect import explained_compress, part_names

    data = english(1500)
    config = dataclasses.replace(config_for(data), model=byte_model.sha256)
    names = part_names(config)
    assert names[-1] == MODEL and names[-2] == "match model"
    costs = CostMap(data, names)
    payload, nbits = explained_compress(data, config, costs.add, byte_model=byte_model)
    assert (payload, nbits) == compress_packed(data, config, byte_model=byte_model)
    probs = _stream_probs(byte_model, data)
    for pos in (0, 100, 700, 1499):
        part = costs.detail(pos).parts[-1]
        own = 2.0 ** -_node_bits(probs[pos], data[pos])
        assert part.name == MODEL and abs(part.p - own) <= 2e-3 * max(own, 1e-3) + 1e-6
        assert 0 <= part.top < 256 and part.weight > 0 and part.confidence.endswith("% sure")
    # late in the file the mixer trusts the model more than its first weight
    assert float(costs.part_w[-200:, -1].astype(np.float64).mean()) > 0.3


def test_the_inspect_job_takes_a_model_and_skips_it_on_binary_input():
    from lmviz.app.jobs.inspecting import InspectJob

    text = InspectJob("t.txt", english(500), model=MODEL)
    assert text.config.model and "english-small" in str(text.byte_model.name)
    binary = InspectJob("b.bin", bytes(range(256)) * 4, model=MODEL)
    assert not binary.config.model
