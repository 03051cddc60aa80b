"""Long-range matches across blocks (core/compression/longrange.py): a repeat of an earlier
block becomes a reference, the decoder's window fills it in exactly, and a forged reference is
refused before anything is copied."""

import lzma
import struct
import zlib

import numpy as np
import pytest
from lmviz.app.cli import main
from lmviz.core.compression.container import ContainerError
from lmviz.core.compression.longrange import (
    _LZMA,
    MIN_MATCH,
    TEXT_MIN_MATCH,
    Dictionary,
    Window,
    _leb,
    pack_refs,
    unpack_refs,
)

SMALL_LOG2 = 16


def _noise(n: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def _blocks() -> list[bytes]:
    """Three blocks of noise; the third holds two long pieces of the first, one short one and
    a piece of itself repeated."""
    a, b = _noise(50_000, 1), _noise(50_000, 2)
    c = (_noise(1_000, 3) + a[10_000:14_000] + _noise(500, 4) + a[100:100 + MIN_MATCH - 8]
         + _noise(700, 5) + b[30_000:31_500] + _noise(2_000, 6))
    return [a, b, c + c[:900]]


def test_repeats_of_earlier_blocks_become_references_and_come_back_exactly():
    blocks = _blocks()
    dictionary, window = Dictionary(window_log2=20), Window(window_log2=20)
    starts = [0, 50_000, 100_000]
    cuts = []
    for start, block in zip(starts, blocks):
        assert dictionary.start == start
        cuts.append(dictionary.cut(block))
    assert cuts[0].referenced == cuts[1].referenced == 0  # noise: nothing to refer to
    refs = cuts[2].refs
    # the 4,000 and 1,500 bytes are found, whole; the piece shorter than MIN_MATCH is not,
    # nor the block's repeat of itself (the match model's job)
    assert sorted(refs[:, 2].tolist()) == [1_500, 4_000]
    assert sorted(refs[:, 1].tolist()) == [10_000, 50_000 + 30_000]
    assert (refs[:, 1] + refs[:, 2] <= 100_000).all()  # these end where the repeat does
    assert len(cuts[2].literals) == len(blocks[2]) - 5_500
    for start, block, cut in zip(starts, blocks, cuts):
        packed = pack_refs(cut.refs, start) + b"tail"
        back, at = unpack_refs(packed, start, len(block), "b", window_log2=20)
        assert packed[at:] == b"tail" and (back == cut.refs).all()
        assert window.restore(cut.literals, back, len(block), "b") == block


def test_a_repeat_that_runs_on_into_its_own_block_is_one_overlapping_reference():
    period = _noise(300, 4)
    dictionary, window = Dictionary(window_log2=20), Window(window_log2=20)
    blocks = [_noise(5_000, 1) + period * 10, period * 400]
    for block in blocks:
        cut = dictionary.cut(block)
        packed = pack_refs(cut.refs, dictionary.start - len(block))
        refs, _ = unpack_refs(packed, dictionary.start - len(block), len(block), "b", 20)
        assert window.restore(cut.literals, refs, len(block), "b") == block
    assert cut.refs.tolist() == [[0, 5_000 + 9 * 300, 120_000]] and cut.literals == b""


def test_a_reference_never_reaches_past_the_window():
    a = _noise(40_000, 1)
    dictionary = Dictionary(window_log2=16)  # 65,536 bytes back
    dictionary.cut(a)
    dictionary.cut(_noise(40_000, 2))
    cut = dictionary.cut(a[:5_000] + a[30_000:35_000])  # the first piece is 80,000 back
    assert cut.refs[:, 1].tolist() == [30_000]


def test_references_are_stored_as_steps_from_where_the_last_one_stopped():
    """A translation repeats its original's pieces in order: each reference's source is a
    short step on from where the one before stopped copying, so the steps pack smaller than
    the distances back that version 2 stored."""
    start = 10_000_000
    off = np.arange(200) * 700 + 50
    src = 3_000_000 + np.arange(200) * 650 + np.random.default_rng(1).integers(0, 40, 200)
    refs = np.stack([off, src, np.full(200, 500)], axis=1).astype(np.int64)
    packed = pack_refs(refs, start)
    assert (unpack_refs(packed, start, 200 * 700, "b")[0] == refs).all()
    assert len(packed) < 0.8 * len(_v2(refs, start))


def _v2(refs: np.ndarray, start: int) -> bytes:
    """References as version 2 of the blocked form stored them (deflated distances)."""
    if not len(refs):
        return b"\0"
    off, src, length = refs[:, 0], refs[:, 1], refs[:, 2]
    ends = np.concatenate([[0], off[:-1] + length[:-1]])
    columns = _leb(off - ends) + _leb(length - 64) + _leb(start + off - src)
    return _leb(np.array([len(refs)])) + zlib.compress(columns, 9)


def test_version_2_references_still_unpack():
    refs = np.array([[100, 500, 70], [400, 20, 300]], dtype=np.int64)
    back, at = unpack_refs(_v2(refs, 1_000) + b"x", 1_000, 2_000, "b", version=2)
    assert (back == refs).all() and at == len(_v2(refs, 1_000))
    with pytest.raises(ContainerError, match="more references"):
        unpack_refs(_v2(refs, 1_000), 1_000, 100, "b", version=2)


def test_forged_references_are_refused_before_anything_is_copied():
    refs = np.array([[100, 500, 300]], dtype=np.int64)
    good = pack_refs(refs, 1_000)
    assert (unpack_refs(good, 1_000, 2_000, "b")[0] == refs).all()

    def forged(gap, length, step, count=1, min_match=MIN_MATCH):
        cols = bytes([gap]) + bytes([length]) + step
        return (bytes([count, min_match])
                + lzma.compress(cols, lzma.FORMAT_RAW, filters=_LZMA))

    # the first step is from the reference's own place (1,100): -1,101 is source -1
    bad = [
        forged(100, 10, _leb(np.array([2 * 1_101 - 1]))),  # from before the original's start
        forged(100, 0, bytes([0])),  # copies from itself
        forged(100, 127, bytes([1])),  # ends past its block (length 191 > 164)
        forged(100, 0, bytes([1]), min_match=8),  # shorter than an anchor's span
        forged(100, 0, bytes([1]), count=200),  # more than the block holds
        good[:-3],  # cut short
        good[:2] + lzma.compress(b"\x01\x02\x03\x04", lzma.FORMAT_RAW, filters=_LZMA),  # over
        b"\x01garbage",
        b"\x80",
    ]
    for data in bad:
        with pytest.raises(ContainerError) as exc:
            unpack_refs(data, 1_000, 100 + MIN_MATCH, "b")
        assert str(exc.value).startswith("b is corrupt")
    window = Window(window_log2=16)
    with pytest.raises(ContainerError, match="do not make its length"):
        window.restore(b"x" * 10, refs, 2_000, "b")


@pytest.fixture
def small_blocks(monkeypatch):
    import lmviz.app.commands.compress as command

    monkeypatch.setattr(command, "BLOCK_LOG2_USED", SMALL_LOG2)


def test_an_input_that_repeats_itself_far_back_costs_one_copy(tmp_path, small_blocks):
    """Noise no model can shrink, then the same noise again: the second copy lies in other
    64 KiB blocks than the first, so only the references can take it."""
    noise = _noise(150_000, 9)
    data = noise + b"between" + noise
    src = tmp_path / "in"
    src.write_bytes(data)
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.lmvz"
        assert main(["compress", str(src), str(out), "--workers", workers]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0][:8] == b"LMVK\x04" + bytes([SMALL_LOG2, 2, 25])
    assert len(outs[0]) < len(noise) + 2_000
    back = tmp_path / "back"
    assert main(["decompress", str(tmp_path / "w2.lmvz"), str(back), "--workers", "2"]) == 0
    assert back.read_bytes() == data


def test_a_version_1_file_without_references_still_decodes(tmp_path):
    from lmviz.app.jobs.compressing import compress
    from lmviz.core.compression.blocks import block_record, end_record

    parts = [_noise(40_000, 1), b"text " * 10_000]
    blob = b"LMVK\x01" + bytes([SMALL_LOG2])
    for part in parts:
        blob += block_record(len(part), compress(part).data)
    data = b"".join(parts)
    blob += end_record(len(data), zlib.crc32(data))
    src, out = tmp_path / "v1.lmvz", tmp_path / "out"
    src.write_bytes(blob)
    assert main(["decompress", str(src), str(out), "--workers", "1"]) == 0
    assert out.read_bytes() == data


def test_a_version_2_file_with_its_references_still_decodes(tmp_path):
    from lmviz.app.jobs.compressing import compress
    from lmviz.core.compression.blocks import block_record, end_record

    a = _noise(40_000, 1)
    parts = [a, b"text " * 2_000 + a[5_000:5_100] + a[:9_000]]
    dictionary = Dictionary(window_log2=20, min_match=64)
    blob = b"LMVK\x02" + bytes([SMALL_LOG2])
    for part in parts:
        start = dictionary.start
        cut = dictionary.cut(part)
        blob += block_record(len(part), _v2(cut.refs, start) + compress(cut.literals).data)
    assert cut.refs[:, 2].tolist() == [100, 9_000]  # 100: a version 2 reference, not a 3's
    data = b"".join(parts)
    blob += end_record(len(data), zlib.crc32(data))
    src, out = tmp_path / "v2.lmvz", tmp_path / "out"
    src.write_bytes(blob)
    assert main(["decompress", str(src), str(out), "--workers", "1"]) == 0
    assert out.read_bytes() == data


def test_a_version_3_file_of_blocks_coded_alone_still_decodes(tmp_path):
    """Version 3: a 6-byte header, no lanes and no prior; each block's literals in a
    single-file form of their own."""
    from lmviz.app.jobs.compressing import compress
    from lmviz.core.compression.blocks import block_record, end_record

    a = _noise(40_000, 1)
    parts = [b"text of the first block " * 2_000, a, b"more text " * 3_000 + a[:9_000]]
    dictionary = Dictionary(window_log2=20, min_match=64)
    blob = b"LMVK\x03" + bytes([SMALL_LOG2])
    for part in parts:
        start = dictionary.start
        cut = dictionary.cut(part)
        blob += block_record(len(part), pack_refs(cut.refs, start, 64) + compress(cut.literals).data)
    data = b"".join(parts)
    blob += end_record(len(data), zlib.crc32(data))
    src, out = tmp_path / "v3.lmvz", tmp_path / "out"
    src.write_bytes(blob)
    for workers in ("1", "2"):
        assert main(["decompress", str(src), str(out), "--workers", workers, "--force"]) == 0
        assert out.read_bytes() == data


def _records(blob: bytes) -> list[tuple[int, int, int]]:
    """(where, original length, coded length) of each block record of a blocked file."""
    pos, records = 8, []  # after version 4's header
    while True:
        n, m, _ = struct.unpack("<III", blob[pos:pos + 12])
        if n == 0:
            return records
        records.append((pos, n, m))
        pos += 12 + m


def test_a_text_block_takes_only_the_longer_repeats(tmp_path, small_blocks):
    """In text, a repeat shorter than TEXT_MIN_MATCH is left to the block's model, which
    learns the words around it; in binary data, one of MIN_MATCH is taken."""
    words = np.random.default_rng(3).choice([b"alpha ", b"beta ", b"gamma ", b"delta "], 20_000)
    a = b"".join(words.tolist())
    short = a[1_000:1_000 + (MIN_MATCH + TEXT_MIN_MATCH) // 2]
    data = a + b"x" * 1_000 + short + b"y" * 1_000 + a[50_000:52_000]
    src, out = tmp_path / "in", tmp_path / "in.lmvz"
    src.write_bytes(data)
    assert main(["compress", str(src), str(out), "--workers", "1"]) == 0
    blob = out.read_bytes()
    pos, n, m = _records(blob)[-1]
    refs, _ = unpack_refs(blob[pos + 12:pos + 12 + m], len(data) - n, n, "b")
    assert blob[pos + 13:pos + 15] == _leb(np.array([TEXT_MIN_MATCH]))  # after the count
    assert refs[:, 2].min() >= TEXT_MIN_MATCH and refs[:, 2].max() >= 2_000
    back = tmp_path / "back"
    assert main(["decompress", str(out), str(back), "--workers", "2"]) == 0
    assert back.read_bytes() == data


def test_a_forged_reference_in_a_file_is_one_sentence(tmp_path, capsys, small_blocks):
    noise = _noise(100_000, 9)
    src, out = tmp_path / "in", tmp_path / "in.lmvz"
    src.write_bytes(noise + noise)
    assert main(["compress", str(src), str(out), "--workers", "1"]) == 0
    blob = bytearray(out.read_bytes())
    # the last block's record: its references first; make its first distance reach back
    # past the start, and recompute the record's CRC (anyone can)
    records = _records(blob)
    pos, n, m = records[-1]
    coded = bytes(blob[pos + 12:pos + 12 + m])
    start = sum(r[1] for r in records[:-1])
    refs, at = unpack_refs(coded, start, n, "b")
    assert len(refs)
    refs[0, 1] = -5
    forged = pack_refs(refs, start) + coded[at:]
    head = struct.pack("<II", n, len(forged))
    record = head + struct.pack("<I", zlib.crc32(forged, zlib.crc32(head))) + forged
    blob[pos:pos + 12 + m] = record
    bad, back = tmp_path / "bad.lmvz", tmp_path / "back"
    bad.write_bytes(bytes(blob))
    assert main(["decompress", str(bad), str(back), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "reference lies outside" in err and err.count("\n") == 1 and not back.exists()
