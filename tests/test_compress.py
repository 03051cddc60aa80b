"""lmviz compress / decompress: byte-exact round trips, and every bad input refused cleanly."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from lmviz.app.cli import main

LMVIZ = [sys.executable, "-m", "lmviz.app.cli"]


def english(n: int) -> bytes:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
    from corpus import stdlib_docstrings

    return stdlib_docstrings(n)


def roundtrip_subprocess(tmp_path, data: bytes, name: str):
    src, packed, back = tmp_path / name, tmp_path / f"{name}.lmvz", tmp_path / f"{name}.out"
    src.write_bytes(data)
    r = subprocess.run(LMVIZ + ["compress", str(src), str(packed)], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    r = subprocess.run(LMVIZ + ["decompress", str(packed), str(back)], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    assert back.read_bytes() == data
    return packed.stat().st_size


@pytest.mark.parametrize(
    "name, data",
    [
        ("empty", b""),
        ("one", b"x"),
        ("zeros", bytes(3000)),
        ("random", np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes()),
        ("chinese", "训练一个自回归模型就是无损压缩。爱丽丝和鲍勃运行同样的代码。".encode() * 20),
    ],
    ids=["empty", "one-byte", "zeros", "random", "chinese"],
)
def test_round_trip_in_a_fresh_process(tmp_path, name, data):
    roundtrip_subprocess(tmp_path, data, name)


def test_round_trip_english_and_it_compresses(tmp_path):
    data = english(60_000)
    size = roundtrip_subprocess(tmp_path, data, "english.txt")
    assert size < 0.75 * len(data)


def test_round_trip_a_few_hundred_kb_of_english(tmp_path):
    """Two fresh processes on 300 KB (about 3 s each way; benchmarks/compress.py codes 1 MB)."""
    roundtrip_subprocess(tmp_path, english(300_000), "english300k.txt")


@pytest.fixture(scope="module")
def packed():
    data = english(8000)
    # The model's full container, which these tests forge: a file coded with a configuration
    # that is not a preset (a record length here) gets it; a preset's file is compact.
    import zlib
    from dataclasses import replace

    from lmviz.core.compression.compressor import compress_packed
    from lmviz.core.compression.config import config_for
    from lmviz.core.compression.container import Container

    config = replace(config_for(data), record=37)
    payload, nbits = compress_packed(data, config)
    blob = Container(config.to_header_json(), len(data), zlib.crc32(data), nbits, payload).to_bytes()
    assert blob[:4] == b"LMVZ"
    return blob


def _decompress_bytes(tmp_path, blob: bytes, capsys):
    bad = tmp_path / "bad.lmvz"
    bad.write_bytes(blob)
    out = tmp_path / "out.txt"
    code = main(["decompress", str(bad), str(out)])
    err = capsys.readouterr().err
    return code, err, out


def test_two_hundred_flipped_bytes_are_all_rejected(tmp_path, packed, capsys):
    rng = np.random.default_rng(1)
    for _ in range(200):
        blob = bytearray(packed)
        i = int(rng.integers(len(blob)))
        blob[i] ^= int(rng.integers(1, 256))
        code, err, out = _decompress_bytes(tmp_path, bytes(blob), capsys)
        assert code == 1, err
        assert err.startswith("lmviz: ") and err.count("\n") == 1 and "Traceback" not in err
        assert not out.exists()
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_fifty_truncations_are_all_rejected(tmp_path, packed, capsys):
    rng = np.random.default_rng(2)
    for n in sorted(set(rng.integers(0, len(packed), 50).tolist())):
        code, err, out = _decompress_bytes(tmp_path, packed[:n], capsys)
        assert code == 1 and "lmviz: " in err and not out.exists()


def test_bad_paths_and_existing_output(tmp_path, capsys):
    src = tmp_path / "a.txt"
    src.write_bytes(b"hello")
    assert main(["compress", str(tmp_path / "missing"), str(tmp_path / "x")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["compress", str(tmp_path), str(tmp_path / "x")]) == 1
    assert "directory" in capsys.readouterr().err
    (tmp_path / "exists").write_bytes(b"keep")
    assert main(["compress", str(src), str(tmp_path / "exists")]) == 1
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "exists").read_bytes() == b"keep"
    assert main(["compress", str(src), str(tmp_path / "exists"), "--force"]) == 0
    assert main(["decompress", str(src), str(tmp_path / "y")]) == 1
    assert "not an lmviz compressed file" in capsys.readouterr().err


def test_a_forged_payload_with_its_crc_recomputed_decodes_wrong_and_is_refused(
        tmp_path, packed, capsys):
    """The decoder cannot tell a forged payload (it reads any bytes): the original's CRC,
    checked after decoding and before the output appears, refuses what it decodes to."""
    from lmviz.core.compression.container import Container

    c = Container.from_bytes(packed)
    payload = bytearray(c.payload)
    payload[len(payload) // 2] ^= 0x40
    other = Container(c.config_json, c.length, c.crc32, c.payload_bits, bytes(payload))
    code, err, out = _decompress_bytes(tmp_path, other.to_bytes(), capsys)
    assert code == 1 and "did not decode to the original" in err and not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_json_summary(tmp_path, capsys):
    import json

    src = tmp_path / "a.txt"
    src.write_bytes(english(2000))
    assert main(["compress", str(src), str(tmp_path / "a.lmvz"), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    for k in ("input_bytes", "output_bytes", "bits_per_byte", "seconds", "gzip_bytes", "xz_bytes"):
        assert k in s
    assert s["input_bytes"] == 2000


def test_sigint_leaves_no_output(tmp_path):
    src = tmp_path / "big.txt"
    src.write_bytes(english(200_000) * 15)  # about 30 s of work: interrupted well before
    out = tmp_path / "big.lmvz"
    p = subprocess.Popen(LMVIZ + ["compress", str(src), str(out)], stderr=subprocess.PIPE)
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode != 0
    assert b"Traceback" not in err
    assert not out.exists()
    assert not [x for x in tmp_path.iterdir() if x.name.endswith(".tmp")]


@pytest.mark.parametrize("where, words", [("header", "header checksum"),
                                          ("payload", "payload checksum")],
                         ids=["header", "payload"])
def test_a_flipped_byte_fails_its_checksum_before_decoding_starts(tmp_path, packed, capsys,
                                                                   monkeypatch, where, words):
    """The README's promise: a damaged file is refused by a CRC, without running the model."""
    import lmviz.app.jobs.compressing as compressing
    from lmviz.core.compression.container import Container

    def no_decoding(*a, **k):
        raise AssertionError("decoding started on a damaged file")

    monkeypatch.setattr(compressing, "decompress_packed", no_decoding)
    blob = bytearray(packed)
    hlen = int.from_bytes(blob[5:9], "little")
    if where == "header":
        # A bit of the deflated header (it would inflate to something else, or to nothing).
        blob[9 + hlen // 2] ^= 0x10
    else:
        blob[13 + hlen + 5] ^= 0x10
    code, err, out = _decompress_bytes(tmp_path, bytes(blob), capsys)
    assert code == 1 and words in err and not out.exists()
    Container.from_bytes(packed)  # the undamaged file still reads


def test_the_header_names_only_what_differs_and_a_checksum_of_the_rest():
    from dataclasses import replace

    from lmviz.core.compression.config import CompressorConfig, config_for

    data = b"some text to choose the settings by " * 4000
    config = replace(config_for(data), record=36)
    text = config.to_header_json()
    assert len(text) < 100 and '"record":36' in text and "orders" not in text
    assert CompressorConfig.from_header_json(text) == config


def test_two_mixer_layers_are_named_and_one_is_what_files_before_them_had():
    """mixer_layers 1 (every file made before the setting existed) is left out of the JSON the
    checksums cover, so those files keep their checksums; 2 is named in the header and round
    trips; anything else is refused."""
    import json
    import zlib
    from dataclasses import replace

    from lmviz.core.compression.config import CompressorConfig

    one = CompressorConfig()
    assert "mixer_layers" not in one.to_json()
    before = json.dumps({k: v for k, v in json.loads(replace(one, mixer_layers=2).to_json()).items()
                         if k != "mixer_layers"}, sort_keys=True, separators=(",", ":"))
    assert one.to_json() == before  # the JSON, and so its CRC, of a file made before
    header = json.dumps({"set": {}, "crc32": zlib.crc32(before.encode())})
    assert CompressorConfig.from_header_json(header).mixer_layers == 1
    two = replace(one, mixer_layers=2)
    assert '"mixer_layers":2' in two.to_header_json()
    assert CompressorConfig.from_header_json(two.to_header_json()) == two
    with pytest.raises(ValueError, match="mixer_layers=3 is out of range"):
        CompressorConfig.from_json(replace(one, mixer_layers=3).to_json())


FORGED = {
    "streams": lambda h: h["config"]["set"].update(streams=1_000_000),
    "terabyte-length": lambda h: h.update(length=10**12),
    "over-the-input-limit": lambda h: h.update(length=(256 << 20) + 1),
    "negative-length": lambda h: h.update(length=-5),
    "rows-2-to-the-40": lambda h: h["config"]["set"].update(rows_log2=40),
    "three-mixer-layers": lambda h: h["config"]["set"].update(mixer_layers=3),
    "record-a-million": lambda h: h["config"]["set"].update(record=1_000_000),
    "mixer-rate-a-string": lambda h: h["config"]["set"].update(mixer_rate="fast"),
    "orders-1-to-40": lambda h: h["config"]["set"].update(orders=list(range(1, 41))),
    "words-a-number": lambda h: h["config"]["set"].update(words=1),
    "unknown-setting": lambda h: h["config"]["set"].update(colour=1),
    "other-defaults": lambda h: h["config"].update(crc32=h["config"]["crc32"] ^ 1),
    "config-a-list": lambda h: h.update(config=[1, 2]),
    "length-a-string": lambda h: h.update(length="x"),
    "payload-bits-a-float": lambda h: h.update(payload_bits=8.0),
    "torch-of-version-2": lambda h: h.update(torch="2.13.0+cpu", threads=1),
    "extra-field": lambda h: h.update(extra=1),
}


@pytest.mark.parametrize("forge", list(FORGED), ids=list(FORGED))
def test_a_forged_header_with_a_good_crc_is_refused_before_anything_is_allocated(
        tmp_path, packed, capsys, monkeypatch, forge):
    """Anyone can recompute a CRC: every field is checked against what this version makes."""
    import struct
    import zlib

    import lmviz.app.jobs.compressing as compressing
    from lmviz.core.compression.container import VERSION, pack_header, unpack_header

    def no_decoding(*a, **k):
        raise AssertionError("decoding started on a forged header")

    monkeypatch.setattr(compressing, "decompress_packed", no_decoding)
    hlen = struct.unpack("<I", packed[5:9])[0]
    header = unpack_header(packed[9 : 9 + hlen])
    FORGED[forge](header)
    body = pack_header(header)
    head = b"LMVZ" + bytes([VERSION]) + struct.pack("<I", len(body)) + body
    blob = head + struct.pack("<I", zlib.crc32(head)) + packed[13 + hlen :]
    code, err, out = _decompress_bytes(tmp_path, blob, capsys)
    assert code == 1 and err.startswith("lmviz: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and not out.exists()


def test_a_forged_longer_length_stops_where_the_payload_runs_out(tmp_path, packed, capsys):
    """A header that claims more bytes than its payload holds (its CRC recomputed) is refused
    when the decoder reads past what the encoder could have written, not after making up the
    rest: at 4 times the length, one sentence well before the whole would be decoded."""
    import struct
    import zlib

    from lmviz.core.compression.container import VERSION, pack_header, unpack_header

    hlen = struct.unpack("<I", packed[5:9])[0]
    header = unpack_header(packed[9 : 9 + hlen])
    header["length"] *= 4
    body = pack_header(header)
    head = b"LMVZ" + bytes([VERSION]) + struct.pack("<I", len(body)) + body
    blob = head + struct.pack("<I", zlib.crc32(head)) + packed[13 + hlen :]
    code, err, out = _decompress_bytes(tmp_path, blob, capsys)
    assert code == 1 and "payload ends before its header's length" in err, err
    assert err.count("\n") == 1 and not out.exists()


def test_a_header_that_cannot_be_inflated_or_inflates_too_far_is_one_sentence(
        tmp_path, packed, capsys):
    """The header is deflated with a preset dictionary: bytes that are not deflate, a header
    that inflates past MAX_HEADER (a small zip bomb: 1 MB of spaces), JSON with trailing bytes
    and a file of format version 1 (plain JSON) are refused, each with a good CRC."""
    import struct
    import zlib

    from lmviz.core.compression.container import HEADER_DICT, MAX_HEADER, VERSION

    def deflate(text: bytes) -> bytes:
        z = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=HEADER_DICT)
        return z.compress(text) + z.flush()

    hlen = struct.unpack("<I", packed[5:9])[0]
    payload = packed[13 + hlen :]
    bomb = deflate(b"{" + b" " * (1 << 20) + b"}")
    assert len(bomb) < 2000 and MAX_HEADER < (1 << 20)
    for version, body, words in [
        (VERSION, b"\xff\xfe not deflate", "header cannot be read"),
        (VERSION, bomb, "header cannot be read"),
        (VERSION, deflate(b'{"a":1}') + b"junk", "header cannot be read"),
        (1, b'{"config":{}}', "format version 1; this lmviz reads version 3"),
    ]:
        head = b"LMVZ" + bytes([version]) + struct.pack("<I", len(body)) + body
        blob = head + struct.pack("<I", zlib.crc32(head)) + payload
        code, err, out = _decompress_bytes(tmp_path, blob, capsys)
        assert code == 1 and words in err and err.count("\n") == 1 and not out.exists(), err


def test_the_header_is_a_third_of_its_json(packed):
    """180 bytes of JSON a file in format 1 (0.7% of a 100 KB file's output): deflated with
    the preset dictionary, under 80."""
    import struct

    from lmviz.core.compression.container import Container, unpack_header

    hlen = struct.unpack("<I", packed[5:9])[0]
    assert hlen < 80 and unpack_header(packed[9 : 9 + hlen])["length"] == Container.from_bytes(packed).length


def test_incompressible_input_is_stored_at_most_8_bytes_over_and_checked(tmp_path, capsys):
    data = np.random.default_rng(5).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    src, out, back = tmp_path / "r.bin", tmp_path / "r.lmvz", tmp_path / "r.out"
    src.write_bytes(data)
    assert main(["compress", str(src), str(out)]) == 0
    assert out.stat().st_size <= len(data) + 8
    assert main(["decompress", str(out), str(back)]) == 0
    assert back.read_bytes() == data
    blob = bytearray(out.read_bytes())
    blob[100] ^= 1
    code, err, res = _decompress_bytes(tmp_path, bytes(blob), capsys)
    assert code == 1 and "checksum" in err and not res.exists()
    code, err, res = _decompress_bytes(tmp_path, bytes(blob[:5]), capsys)
    assert code == 1 and "truncated" in err and not res.exists()


def test_the_coder_stops_writing_past_the_input_plus_64_bytes():
    """Incompressible input: the model's output would be longer than storing it, so its coder
    writes no more than the input plus 64 bytes (memory stays bounded) and says it did not
    fit."""
    from lmviz.core.compression.compressor import compress_packed
    from lmviz.core.compression.config import config_for

    data = np.random.default_rng(6).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    payload, nbits = compress_packed(data, config_for(data))
    assert payload is None and nbits > 8 * (len(data) + 64)


def test_memory_is_the_tables_plus_a_few_bytes_a_byte():
    """Both ways, what the compressor allocates is its tables (fixed: a few MB a context, the
    APM, the match model's) plus a few bytes per input byte (the input's copy, the history, the
    output): 5x the input adds under 5 bytes a byte (numpy's arrays are traced)."""
    import tracemalloc

    from lmviz.core.compression.compressor import compress_packed, decompress_packed
    from lmviz.core.compression.config import config_for

    def peaks(data: bytes) -> tuple[int, int]:
        config = config_for(data)
        tracemalloc.start()
        try:
            payload, nbits = compress_packed(data, config)
            packing = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            assert decompress_packed(payload, nbits, len(data), config) == data
            return packing, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peaks(english(2_000))  # the first call loads the compiled loops: traced, and not the model
    small, large = english(40_000), english(200_000)
    (p1, u1), (p2, u2) = peaks(small), peaks(large)
    assert p1 < 120e6 and u1 < 120e6  # the tables (11 contexts of 4 MB, the match model's 16 MB)
    grown = len(large) - len(small)
    assert (p2 - p1) / grown < 5 and (u2 - u1) / grown < 5, (p1, p2, u1, u2)


def test_an_input_over_the_limit_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    """Memory grows with the input (about 7 bytes a byte): past MAX_INPUT_BYTES, one sentence."""
    import lmviz.app.commands.compress as command
    from lmviz.app.cli import main

    monkeypatch.setattr(command, "MAX_INPUT_BYTES", 1000)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 1001)
    assert main(["compress", str(big), str(tmp_path / "big.lmvz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lmviz: ") and "at most" in err and err.count("\n") == 1
    assert not (tmp_path / "big.lmvz").exists()


@pytest.mark.parametrize("data", [bytes(3_000_000), b"abc" * 700_001, b"\xff" * 40],
                         ids=["3MB-zeros", "abc", "40-bytes"])
def test_periodic_input_takes_the_repeat_form_at_once(tmp_path, capsys, data):
    """3 MB of zeros took 153 s and 3,855 bytes through the model (xz: 568, bzip2: 49)."""
    src, out, back = tmp_path / "z", tmp_path / "z.lmvz", tmp_path / "z.out"
    src.write_bytes(data)
    t0 = time.perf_counter()
    assert main(["compress", str(src), str(out)]) == 0
    assert time.perf_counter() - t0 < 5
    blob = out.read_bytes()
    assert blob[:4] == b"LMVR" and len(blob) <= 18 + 3
    assert main(["decompress", str(out), str(back)]) == 0
    assert back.read_bytes() == data


def test_a_forged_repeat_form_is_one_sentence(tmp_path, capsys):
    import struct
    import zlib

    data = b"ab" * 1000
    good = b"LMVR" + struct.pack("<IQH", zlib.crc32(data), len(data), 2) + b"ab"
    for blob, words in [
        (good[:10], "truncated"),
        (good[:16] + struct.pack("<H", 0) + b"ab", "repeated part"),  # period 0
        (good[:16] + struct.pack("<H", 5) + b"ab", "repeated part"),  # period and bytes disagree
        (good[:8] + struct.pack("<Q", 10**15) + good[16:], "length"),  # a petabyte asked for
        (good[:-1] + b"c", "checksum"),
    ]:
        code, err, res = _decompress_bytes(tmp_path, blob, capsys)
        assert code == 1 and words in err and err.count("\n") == 1 and not res.exists(), err


def _lzma_friendly(pool: int = 50, size: int = 64, draws: int = 300) -> bytes:
    """``pool`` random chunks of ``size`` bytes, then ``draws`` of them again in random order:
    LZMA codes each repeat as one match from anywhere before it, while the model pays for
    learning that the chunks are random and for finding each repeat's start again."""
    rng = np.random.default_rng(9)
    chunks = [rng.integers(0, 256, size, dtype=np.uint8).tobytes() for _ in range(pool)]
    return b"".join(chunks) + b"".join(chunks[i] for i in rng.integers(0, pool, draws))


def test_where_lzma_beats_the_model_the_lzma_form_is_written_and_checked(tmp_path, capsys):
    import lzma

    data = _lzma_friendly()
    src, out, back = tmp_path / "l.bin", tmp_path / "l.lmvz", tmp_path / "l.out"
    src.write_bytes(data)
    assert main(["compress", str(src), str(out)]) == 0
    blob = out.read_bytes()
    assert blob[:4] == b"LMVX"
    # below xz -9e itself (the same coder without xz's container) and below storing it raw
    assert len(blob) < len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    assert len(blob) < len(data) + 8
    assert main(["decompress", str(out), str(back)]) == 0
    assert back.read_bytes() == data


def test_a_forged_lzma_form_is_one_sentence(tmp_path, capsys):
    import struct

    from lmviz.core.compression.container import lzma_form

    data = _lzma_friendly()
    good = lzma_form(data)
    for blob, words in [
        (good[:10], "truncated"),
        (good[:-3], "truncated"),
        (good[:40] + bytes(b ^ 0x55 for b in good[40:60]) + good[60:], "corrupt"),
        (good[:8] + struct.pack("<Q", 10**15) + good[16:], "length"),  # a petabyte asked for
        (good[:8] + struct.pack("<Q", len(data) - 1) + good[16:], "longer than its header"),
        (good[:16] + bytes([26]) + good[17:], "dictionary"),  # 64 MB for a 5 KB input
        (good[:4] + bytes(4) + good[8:], "checksum"),
        (good + b"x", "does not match"),
    ]:
        code, err, res = _decompress_bytes(tmp_path, blob, capsys)
        assert code == 1 and words in err and err.count("\n") == 1 and not res.exists(), err


def _binary_records(seed: int) -> bytes:
    """Binary data of no fixed row: the binary preset's."""
    rng = np.random.default_rng(seed)
    return bytes(rng.integers(0, 16, 3000, dtype=np.uint8) * rng.integers(1, 3, 3000, dtype=np.uint8))


SENTENCE = b"Could you send me the slides from this morning's meeting before lunch tomorrow?"


@pytest.mark.parametrize("data", [SENTENCE, english(3000), _binary_records(0)],
                         ids=["sentence", "english-3k", "binary"])
def test_a_preset_file_takes_the_compact_form_and_round_trips(tmp_path, capsys, data):
    """A file coded with a preset configuration is named by its number: 10 bytes over the
    model's payload for a short message, where the full container's header is about 68."""
    import zlib

    from lmviz.core.compression.compressor import compress_packed
    from lmviz.core.compression.config import PRESETS, config_for
    from lmviz.core.compression.container import Container

    src, out, back = tmp_path / "in", tmp_path / "in.lmvz", tmp_path / "back"
    src.write_bytes(data)
    assert main(["compress", str(src), str(out)]) == 0
    blob = out.read_bytes()
    config = config_for(data)
    assert config in PRESETS
    payload, nbits = compress_packed(data, config)
    full = Container(config.to_header_json(), len(data), zlib.crc32(data), nbits, payload)
    if blob[0] >> 4 == 0xC:
        assert blob[0] == 0xC0 | PRESETS.index(config)
        assert len(blob) == len(payload) + 10 + (len(data) >= 128) + (len(data) >= 1 << 14)
        assert len(blob) < len(full.to_bytes()) - 40
    else:  # the LZMA or stored form won
        assert blob[:4] in (b"LMVX", b"LMVS") and len(blob) <= len(payload) + 10
    assert main(["decompress", str(out), str(back)]) == 0
    assert back.read_bytes() == data
    assert blob[0] == 0xC0 or data != SENTENCE  # a short message: compact


def test_every_damaged_compact_file_is_refused_before_decoding(tmp_path, capsys, monkeypatch):
    """Every byte flipped, every truncation, trailing bytes, another preset's number: each is
    one sentence from the checksum or a field's check, without running the model."""
    import lmviz.app.jobs.compressing as compressing

    src, out = tmp_path / "in", tmp_path / "in.lmvz"
    src.write_bytes(SENTENCE)
    assert main(["compress", str(src), str(out)]) == 0
    good = out.read_bytes()
    assert good[0] == 0xC0

    def no_decoding(*a, **k):
        raise AssertionError("decoding started on a damaged file")

    monkeypatch.setattr(compressing, "decompress_packed", no_decoding)
    damaged = [good[:i] + bytes([good[i] ^ x]) + good[i + 1 :]
               for i in range(len(good)) for x in (1, 0x80)]
    damaged += [good[:n] for n in range(len(good))] + [good + b"\x00"]
    damaged.append(bytes([good[0] | 1]) + good[1:])  # the binary preset's number
    for blob in damaged:
        code, err, out_file = _decompress_bytes(tmp_path, blob, capsys)
        assert code == 1 and err.startswith("lmviz: ") and err.count("\n") == 1, (blob, err)
        assert not out_file.exists()


def test_a_forged_compact_header_with_its_checksum_recomputed_is_one_sentence(tmp_path, capsys):
    """Anyone can recompute a CRC: an unknown preset, a length that does not end or is out of
    range, or more bytes than the payload can hold are refused by the fields' own checks; a
    longer length stops where the payload runs out."""
    import struct
    import zlib

    from lmviz.core.compression.config import PRESET_JSON
    from lmviz.core.compression.container import compact_form

    payload = bytes(range(20))

    def forged(preset: int, length_field: bytes) -> bytes:
        body = bytes([0xC0 | preset]) + length_field + struct.pack("<I", 0) + payload
        key = PRESET_JSON[preset] if preset < len(PRESET_JSON) else ""
        return body + struct.pack("<I", zlib.crc32(body, zlib.crc32(key.encode())))

    cases = {
        "unknown preset": (forged(7, b"\x05"), "names preset 7"),
        "length never ends": (forged(0, b"\xff" * 6), "length field does not end"),
        "zero length": (forged(0, b"\x00"), "length is out of range"),
        "too many bytes for its bits": (forged(0, b"\xff\xff\x7f"), "claims 2,097,151 bytes"),
        "payload runs out": (compact_form(0, PRESET_JSON[0], SENTENCE * 100, payload),
                             "payload ends before"),
        "decodes wrong": (compact_form(0, PRESET_JSON[0], SENTENCE, payload), "CRC mismatch"),
    }
    for name, (blob, words) in cases.items():
        code, err, out = _decompress_bytes(tmp_path, blob, capsys)
        assert code == 1 and words in err and err.count("\n") == 1, (name, err)
        assert not out.exists()


def _x86_elf() -> bytes:
    """A shared library of this machine's (x86 code and ELF tables), or made-up bytes with an
    ELF header and call instructions where none is found."""
    for path in ("/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"):
        if os.path.exists(path):
            return open(path, "rb").read()[:60_000]
    rng = np.random.default_rng(5)
    body = b"".join(b"\xe8" + rng.integers(0, 256, 4, dtype=np.uint8).tobytes() + b"\x90" * 3
                    for _ in range(6000))
    return b"\x7fELF\x02\x01\x01" + bytes(57) + body


@pytest.mark.parametrize("kind", ["text", "binary", "records", "short"])
def test_the_compiled_span_codes_exactly_what_the_byte_by_byte_path_codes(kind):
    """_run codes spans of PROGRESS_EVERY bytes in one compiled call; with hooks (what `lmviz
    inspect` and a byte model need) it goes byte by byte. Both write the same payload, and each
    decodes the other's."""
    from lmviz.core.compression.compressor import compress_packed, decompress_packed
    from lmviz.core.compression.config import config_for

    data = {
        "text": english(30_000),
        "binary": _x86_elf(),
        "records": b"".join(b"%08d,%05d,%s\n" % (i, (i * 7919) % 99991, b"ab" if i % 3 else b"xy")
                            for i in range(2000)),
        "short": b"hello, hello",
    }[kind]
    config = config_for(data)
    hooks = (lambda model, t, byte: None, lambda model, t: None)
    spans, nbits = compress_packed(data, config)
    by_byte, nbits_by_byte = compress_packed(data, config, explain=hooks)
    assert spans == by_byte and nbits == nbits_by_byte
    assert decompress_packed(spans, nbits, len(data), config) == data
    if kind == "binary":
        assert config.x86 and config.record
    if kind == "records":
        assert config.record and config.record % 18 == 0  # rows of 18 bytes (or a few)
