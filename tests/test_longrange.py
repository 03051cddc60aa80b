"""Long-range matches across blocks (core/compression/longrange.py): a repeat of an earlier
block becomes a reference, the decoder's window fills it in exactly, and a forged reference is
refused before anything is copied."""

import struct
import zlib

import numpy as np
import pytest
from lmviz.app.cli import main
from lmviz.core.compression.container import ContainerError
from lmviz.core.compression.longrange import (
    MIN_MATCH,
    Dictionary,
    Window,
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


def test_forged_references_are_refused_before_anything_is_copied():
    refs = np.array([[100, 500, 300]], dtype=np.int64)
    good = pack_refs(refs, 1_000)
    assert (unpack_refs(good, 1_000, 2_000, "b")[0] == refs).all()

    def forged(gap, length, dist, count=1):
        cols = bytes([gap]) + bytes([length]) + dist
        return bytes([count]) + zlib.compress(cols)

    bad = [
        forged(100, 10, bytes([0x80 | 0x10, 0x0F])),  # from before the original's start
        forged(100, 0, bytes([0])),  # copies from itself
        forged(100, 127, bytes([0x80, 0x10])),  # ends past its block (length 500 > 300)
        forged(100, 0, bytes([0x80 | 0x10, 0x0F]), count=200),  # more than the block holds
        good[:-3],  # cut short
        good[:1] + zlib.compress(b"\x01\x02\x03\x04"),  # bytes over
        b"\x01garbage",
        b"\x80",
    ]
    for data in bad:
        with pytest.raises(ContainerError) as exc:
            unpack_refs(data, 1_000, 300 + MIN_MATCH, "b")
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
    assert outs[0] == outs[1] and outs[0][:6] == b"LMVK\x02" + bytes([SMALL_LOG2])
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


def test_a_forged_reference_in_a_file_is_one_sentence(tmp_path, capsys, small_blocks):
    noise = _noise(100_000, 9)
    src, out = tmp_path / "in", tmp_path / "in.lmvz"
    src.write_bytes(noise + noise)
    assert main(["compress", str(src), str(out), "--workers", "1"]) == 0
    blob = bytearray(out.read_bytes())
    # the last block's record: its references first; make its first distance reach back
    # past the start, and recompute the record's CRC (anyone can)
    pos, records = 6, []
    while True:
        n, m, _ = struct.unpack("<III", blob[pos:pos + 12])
        if n == 0:
            break
        records.append((pos, n, m))
        pos += 12 + m
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
