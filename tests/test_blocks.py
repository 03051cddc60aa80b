"""Big inputs: the blocked form (core/compression/blocks.py, app/jobs/blocks.py). An input over
one block streams through blocks coded in parallel; the output is the same for any number of
workers, damage is named by its block's offset, and memory stays bounded past the old 256 MB
limit. The tests shrink the block to 64 KiB (the real one is 8 MiB)."""

import io
import os
import signal
import subprocess
import sys
import threading
import time
import zlib

import numpy as np
import pytest
from lmviz.app.cli import main
from lmviz.core.compression.container import ContainerError

SMALL_LOG2 = 16


@pytest.fixture
def small_blocks(monkeypatch):
    import lmviz.app.commands.compress as command

    monkeypatch.setattr(command, "BLOCK_LOG2_USED", SMALL_LOG2)


def _mixed(n: int) -> bytes:
    """Text, then numbers, then noise: blocks that take different forms."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
    from corpus import stdlib_docstrings

    rng = np.random.default_rng(7)
    text = stdlib_docstrings(n // 2)
    table = b"".join(b"%08d,%05d\n" % (i, int(v)) for i, v in
                     enumerate(rng.integers(0, 99999, n // 28)))
    return (text + table + rng.integers(0, 256, n // 8, dtype=np.uint8).tobytes())[:n]


def test_the_output_is_the_same_for_one_and_two_workers_and_round_trips(tmp_path, small_blocks):
    data = _mixed(300_000)  # five blocks of 64 KiB
    src = tmp_path / "in"
    src.write_bytes(data)
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.lmvz"
        assert main(["compress", str(src), str(out), "--workers", workers]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0][:4] == b"LMVK"
    assert len(outs[0]) < 0.6 * len(data)
    for workers in ("1", "2"):
        back = tmp_path / f"back{workers}"
        assert main(["decompress", str(tmp_path / "w1.lmvz"), str(back), "--workers",
                     workers]) == 0
        assert back.read_bytes() == data


def test_an_input_of_one_block_or_less_keeps_the_single_file_forms(tmp_path, small_blocks):
    data = _mixed(60_000)
    src, out = tmp_path / "in", tmp_path / "out"
    src.write_bytes(data)
    assert main(["compress", str(src), str(out)]) == 0
    from lmviz.app.jobs.compressing import compress

    assert out.read_bytes() == compress(data).data


def _packed(tmp_path) -> tuple[bytes, bytes]:
    data = _mixed(200_000)
    src, out = tmp_path / "in", tmp_path / "in.lmvz"
    src.write_bytes(data)
    assert main(["compress", str(src), str(out), "--workers", "1"]) == 0
    return data, out.read_bytes()


def _records(blob: bytes) -> list[tuple[int, int]]:
    """(offset, coded length) of each block record."""
    import struct

    out, pos = [], 8  # after the header (version 4)
    while True:
        n, m, _ = struct.unpack("<III", blob[pos : pos + 12])
        if n == 0:
            return out
        out.append((pos, m))
        pos += 12 + m


def test_a_damaged_block_is_named_by_its_offset_and_nothing_is_written(tmp_path, capsys,
                                                                     small_blocks):
    data, blob = _packed(tmp_path)
    records = _records(blob)
    assert len(records) == 4
    offset, m = records[2]
    bad = bytearray(blob)
    bad[offset + 12 + m // 2] ^= 0x10
    src, out = tmp_path / "bad.lmvz", tmp_path / "out"
    src.write_bytes(bytes(bad))
    assert main(["decompress", str(src), str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert f"block 2 (at byte {offset:,}, original bytes {2 << SMALL_LOG2:,} on)" in err
    assert "checksum" in err and err.count("\n") == 1 and not out.exists()


def test_every_truncation_and_a_missing_block_are_one_sentence(tmp_path, capsys, small_blocks):
    data, blob = _packed(tmp_path)
    records = _records(blob)
    (o1, _), (o2, _) = records[1], records[2]
    cases = [blob[:n] for n in (0, 3, 5, 6, 10, o1 + 5, o1 + 40, len(blob) - 1, len(blob) - 20)]
    cases.append(blob[:o1] + blob[o2:])  # block 1 left out: the end record's length says so
    cases.append(blob + b"\0")
    src, out = tmp_path / "bad.lmvz", tmp_path / "out"
    for case in cases:
        src.write_bytes(case)
        code = main(["decompress", str(src), str(out), "--workers", "1"])
        err = capsys.readouterr().err
        assert code == 1 and err.startswith("lmviz: ") and err.count("\n") == 1, err
        assert "Traceback" not in err and not out.exists()


class _Periodic(io.RawIOBase):
    """``n`` bytes of a 256-byte pattern (the longest period the repeat form takes), made as
    they are read (never held whole)."""

    def __init__(self, n: int) -> None:
        self.left, self.at = n, 0
        self.pattern = bytes(np.random.default_rng(0).integers(0, 256, 256, dtype=np.uint8))

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        start = self.at % len(self.pattern)
        self.at += size
        reps = -(-(start + size) // len(self.pattern))
        return (self.pattern * reps)[start : start + size]


class _Sink:
    """Counts what is written, and checks its CRC, keeping nothing."""

    def __init__(self) -> None:
        self.count, self.crc = 0, 0

    def write(self, b: bytes) -> None:
        self.count += len(b)
        self.crc = zlib.crc32(b, self.crc)


def test_more_than_the_old_256_mb_limit_streams_through_in_bounded_memory():
    """300 MB of a generated stream, compressed and decompressed block by block (8 MiB blocks,
    each in the repeat form, or a reference to the block before, so no model time): what
    Python allocates stays under 100 MB, besides the fixed window of the long-range
    references."""
    import tracemalloc

    from lmviz.app.jobs.blocks import compress_blocks, decompress_blocks
    from lmviz.core.compression.blocks import BLOCK_LOG2
    from lmviz.core.compression.longrange import TABLE_LOG2, WINDOW_LOG2, Dictionary

    Dictionary(16, 10).cut(bytes(1000))  # its kernels compiled or loaded before counting
    n = 300 << 20
    packed = io.BytesIO()
    tracemalloc.start()
    try:
        length = compress_blocks(b"", _Periodic(n), packed, 1, lambda d, t: None, n, n)
        peak_compress = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        sink = _Sink()
        packed.seek(0)
        got = decompress_blocks(packed, sink, "stream", 1, lambda d, t: None)
        peak_decompress = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert length == got == sink.count == n
    expected, whole = 0, _Periodic(n)
    while chunk := whole.read(1_000_003):  # not a multiple of the period: the phase is kept
        expected = zlib.crc32(chunk, expected)
    assert sink.crc == expected
    assert len(packed.getvalue()) < 38 * 300  # 38 blocks of 8 MiB, each its 256-byte pattern
    assert -(-n >> BLOCK_LOG2) == 38
    # besides the long-range window (the same for any input over a block), under 120 MB (103
    # MB measured: most of it a short block's model, binary data's 15 contexts of 4 MB)
    window, table = 1 << WINDOW_LOG2, 8 << TABLE_LOG2
    assert peak_compress - window - table < 120e6, peak_compress
    assert peak_decompress - window < 100e6, peak_decompress


def test_an_input_over_the_streamed_limit_is_refused(tmp_path, capsys, small_blocks,
                                                     monkeypatch):
    import lmviz.app.commands.compress as command

    monkeypatch.setattr(command, "MAX_STREAMED", 150_000)
    src, out = tmp_path / "in", tmp_path / "out"
    src.write_bytes(_mixed(200_000))
    assert main(["compress", str(src), str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "is over 150,000 bytes" in err and not out.exists()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_streaming_leaves_no_output(tmp_path, sig, code):
    """An input over one real block (8 MiB) takes the blocked form; Ctrl-C or kill during it,
    while both lanes code: exit 130 or 143 within seconds (the lanes stop at their next
    progress report), no output file, not even a temporary one."""
    src, out = tmp_path / "big", tmp_path / "big.lmvz"
    src.write_bytes(np.random.default_rng(1).integers(0, 16, 9 << 20, dtype=np.uint8).tobytes())
    proc = subprocess.Popen([sys.executable, "-m", "lmviz.app.cli", "compress", str(src),
                             str(out), "--workers", "2"], stderr=subprocess.PIPE)
    time.sleep(4)
    proc.send_signal(sig)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode()
    assert time.monotonic() - sent < 20, "the lanes were waited for to the end of their blocks"
    assert not out.exists() and not list(tmp_path.glob(".lmviz-*"))


def test_a_lane_that_fails_stops_the_other_and_the_error_reaches_the_caller(monkeypatch):
    """An error in one lane's thread (here a MemoryError in block 0's) is raised where its
    block is written; the other lane, still coding block 1, is told to stop and is waited for
    (not coded to its end), and no thread is left."""
    import lmviz.app.jobs.blocks as blocks

    coded_by = []

    def failing(data, lane, prior, progress, model):
        if not coded_by:  # block 0, submitted first
            coded_by.append("failed")
            raise MemoryError("no memory for the tables")
        coded_by.append("coding")
        for done in range(0, 10_000):  # a long job that reports its progress
            progress(done, 10_000)
            time.sleep(0.001)
        return b"x"

    monkeypatch.setattr(blocks, "_compress_block", failing)
    data = _mixed(400_000)
    out = io.BytesIO()
    started = time.monotonic()
    with pytest.raises(MemoryError):
        blocks.compress_blocks(b"", io.BytesIO(data), out, 2, lambda done, total: None,
                               len(data), 1 << 30, block_log2=16)
    assert time.monotonic() - started < 5  # block 1 stopped, not coded to its end (10 s)
    assert coded_by == ["failed", "coding"]
    assert not [t for t in threading.enumerate() if t.name.startswith("lmviz-lane")]


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit status may wait for a reaper)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_progress_bar_shows_only_once_the_work_has_taken_a_second(monkeypatch):
    from lmviz.app.commands import output

    clock = [100.0]
    monkeypatch.setattr(output.time, "monotonic", lambda: clock[0])
    with output.progress_bar("compressing", delay=1.0) as bar:
        task = bar.add_task("x", total=10)
        bar.update(task, completed=1)
        clock[0] += 0.5
        bar.update(task, completed=2)
        assert not bar.started  # a quick file: no bar at all
        clock[0] += 0.6
        bar.update(task, completed=3)
        assert bar.started and bar.bar.tasks[0].completed == 3


def test_a_block_is_cut_where_text_turns_to_random_bytes_not_in_utf8_text():
    """Random bytes are 87% printable or high bytes, but their high bytes are not UTF-8: not
    text. Text with accents and symbols is text throughout: no cut; nor for a tail of noise
    shorter than PERSIST windows."""
    from lmviz.app.jobs.blocks import WINDOW, cut

    rng = np.random.default_rng(3)
    utf8 = ("naïve café, 3 × 4 = 12 ✓ — ok. " * 20_000).encode()[: 10 * WINDOW]
    noise = rng.integers(0, 256, 6 * WINDOW, dtype=np.uint8).tobytes()
    assert cut(utf8) == len(utf8)
    assert cut(utf8 + noise) == len(utf8)
    assert cut(noise + utf8) == len(noise)
    short = utf8 + noise[: 3 * WINDOW]  # fewer than PERSIST windows of noise at the end
    assert cut(short) == len(short)


def test_progress_never_goes_back_and_ends_at_the_length():
    """End to end, with one worker and two: every count the bar is given is at least the one
    before, and the last is the input's length, both ways. (Blocks finishing out of order,
    which made the bar go back, are the next test's: here they rarely do.)"""
    from lmviz.app.jobs.blocks import compress_blocks, decompress_blocks

    data = _mixed(400_000)
    seen: list[int] = []
    for workers in (1, 2):
        seen.clear()
        packed = io.BytesIO()
        n = compress_blocks(b"", io.BytesIO(data), packed, workers,
                            lambda done, total: seen.append(done), len(data), len(data),
                            block_log2=SMALL_LOG2)
        assert n == len(data) and seen[-1] == len(data)
        assert all(a <= b for a, b in zip(seen, seen[1:])), seen
        seen.clear()
        packed.seek(0)
        sink = _Sink()
        decompress_blocks(packed, sink, "packed", workers, lambda done, total: seen.append(done))
        assert sink.count == len(data) and seen[-1] == len(data)
        assert all(a <= b for a, b in zip(seen, seen[1:])), seen


def test_a_block_that_finished_before_the_one_ahead_of_it_counts_in_full():
    """The bar's count: a block still coding counts what its worker reported, one that finished
    counts all of its bytes while it waits to be written (it used to drop out, and the bar went
    back)."""
    from lmviz.app.jobs.blocks import _Pool

    class Coding:
        def done(self) -> bool:
            return False

    class Finished:
        def done(self) -> bool:
            return True

    pool = _Pool(1, 2)
    pool.shared[0], pool.shared[1] = 300, 200  # block 1's worker reported 200 before it ended
    pool.pending.extend([(0, Coding(), 1000), (1, Finished(), 500)])
    assert pool.in_flight() == 300 + 500
    pool.shared[0] = 5000  # a report past the block's length (a forged record) is capped
    assert pool.in_flight() == 1000 + 500

    class Waited(Coding):
        """The block waited for: not ready for two ticks."""

        waits = 2

        def result(self, timeout: float) -> bytes:
            from concurrent.futures import TimeoutError as FutureTimeout

            if self.waits:
                self.waits -= 1
                raise FutureTimeout
            return b"coded"

    pool.pending.clear()
    pool.shared[0] = 300
    pool.pending.extend([(0, Waited(), 1000), (1, Finished(), 500)])
    ticks: list[int] = []
    assert pool.next_result(lambda: ticks.append(pool.in_flight())) == b"coded"
    assert ticks == [800, 800] and len(pool.pending) == 1  # the one waited for counts too


def _words(n: int, seed: int) -> bytes:
    """``n`` words of a made-up 300-word vocabulary, Zipf-distributed: text whose statistics
    two blocks share while their word sequences differ."""
    rng = np.random.default_rng(5)
    vocab = [bytes(rng.integers(97, 123, rng.integers(2, 9), dtype=np.uint8)) + b" "
             for _ in range(300)]
    picks = np.random.default_rng(seed).zipf(1.3, n) % 300
    return b"".join(vocab[i] for i in picks)


def test_a_lane_goes_on_with_its_model_and_its_prior_and_the_decoder_must_too():
    """Version 4's lanes: a block coded after another of its kind, with that block as the
    prior and the mixer that coded it, costs less than alone (measured: 9,160 bytes against
    9,914, the prior alone 9,835: a lane's two mixer layers lose a little on a block this
    small coded from nothing); the decoder that follows the same lane gets the bytes back, and
    one with a fresh lane cannot."""
    from lmviz.app.jobs.compressing import Lane, compress, decompress

    a, b = _words(12_000, 1), _words(12_000, 2)
    alone = len(compress(b).data)
    lane = Lane()
    coded_a = compress(a, lane=lane).data
    coded_b = compress(b, lane=lane, prior=a).data
    prior_only = len(compress(b, lane=Lane(), prior=a).data)
    assert len(coded_b) < prior_only < alone and len(coded_b) < 0.93 * alone
    decoder = Lane()
    assert decompress(coded_a, "a", lane=decoder).data == a
    assert decompress(coded_b, "b", lane=decoder, prior=a).data == b
    with pytest.raises(ContainerError):
        decompress(coded_b, "b", lane=Lane(), prior=a)


def test_a_version_4_file_whose_lanes_had_one_mixer_layer_still_decodes(monkeypatch):
    """Version 4 files written before the lanes took two mixer layers (their blocks' headers
    name none) decode with one, with 1 and 2 workers; the two layers change the output."""
    import lmviz.app.jobs.compressing as compressing
    from lmviz.app.jobs.blocks import compress_blocks, decompress_blocks

    data = _words(100_000, 3)[: 3 << 17]  # three blocks of 128 KiB, each in a lane
    assert len(data) == 3 << 17

    def packed() -> bytes:
        out = io.BytesIO()
        compress_blocks(b"", io.BytesIO(data), out, 2, lambda done, total: None, len(data),
                        1 << 30, block_log2=17)
        return out.getvalue()

    two = packed()
    monkeypatch.setattr(compressing, "LANE_LAYERS", 1)
    one = packed()
    monkeypatch.undo()
    assert one != two
    for workers in (1, 2):
        back = io.BytesIO()
        decompress_blocks(io.BytesIO(one), back, "old.lmvz", workers, lambda done, total: None)
        assert back.getvalue() == data


def test_a_lane_s_block_tries_the_lzma_form_only_where_it_might_win(monkeypatch):
    """In a lane, text the model takes to a fraction of its size skips the LZMA trial (90 MB
    and 3.5 s for 8 MiB); random bytes still try it; a file of one block always does."""
    import lmviz.app.jobs.compressing as compressing
    from lmviz.core.compression.blocks import LANE_MIN

    tried = []
    real = compressing.lzma_form
    monkeypatch.setattr(compressing, "lzma_form", lambda data: tried.append(len(data)) or real(data))
    text = _words(20_000, 4)[:LANE_MIN + 1000]
    noise = np.random.default_rng(3).integers(0, 256, LANE_MIN + 1000, dtype=np.uint8).tobytes()
    compressing.compress(text, lane=compressing.Lane())
    assert tried == []
    compressing.compress(noise, lane=compressing.Lane())
    compressing.compress(text)
    assert tried == [len(noise), len(text)]


def test_a_lane_keeps_its_tables_and_starts_its_mixing_afresh():
    """Between two blocks of a lane the bit histories and state maps stay, the weights and
    APMs go back to where a new mixer starts and the state maps learn fast again."""
    from lmviz.app.jobs.compressing import Lane, compress
    from lmviz.core.compression.blocks import LANE_MIN
    from lmviz.core.compression.compressor import mixer_for

    lane = Lane()
    compress(_words(11_000, 1), lane=lane)
    mixer, config = lane.mixer, lane.config
    fresh = mixer_for(config)
    table, sm, sm_n, _, weights, apm = mixer.state[:6]
    assert not np.array_equal(weights, fresh.weights) and sm_n.any() and table.any()
    kept_table, kept_sm = table.copy(), sm.copy()
    assert lane.take(config, LANE_MIN) is mixer and lane.mixer is None
    assert Lane().take(config, LANE_MIN - 1) is None  # a short block is coded alone
    assert np.array_equal(weights, fresh.weights) and np.array_equal(apm, fresh.state[5])
    assert not sm_n.any() and not mixer.state[7].any()
    assert np.array_equal(table, kept_table) and np.array_equal(sm, kept_sm)


def test_a_block_in_another_form_starts_its_lane_afresh():
    """A block the model does not code (here the repeat form) empties its lane on both sides:
    the next block's mixer is a new one, as the decoder's is."""
    from lmviz.app.jobs.compressing import Lane, compress, decompress

    a, b = _words(11_000, 1), _words(11_000, 2)
    lane = Lane()
    coded_a = compress(a, lane=lane).data
    assert lane.mixer is not None
    coded_r = compress(b"ab" * 5_000, lane=lane).data
    assert lane.mixer is None and lane.config is None
    coded_b = compress(b, lane=lane, prior=a).data
    assert coded_b == compress(b, lane=Lane(), prior=a).data
    decoder = Lane()
    for coded, want, prior in ((coded_a, a, b""), (coded_r, b"ab" * 5_000, b""), (coded_b, b, a)):
        assert decompress(coded, "x", lane=decoder, prior=prior).data == want


@pytest.mark.parametrize("head, what", [(bytes([0, 25]), "lanes"), (bytes([9, 25]), "lanes"),
                                        (bytes([2, 5]), "prior"), (bytes([2, 27]), "prior"),
                                        (bytes([2]), "truncated")])
def test_a_version_4_header_out_of_range_is_one_sentence(tmp_path, capsys, head, what):
    blob = b"LMVK\x04" + bytes([SMALL_LOG2]) + head + (b"\0" * 40 if len(head) == 2 else b"")
    src, out = tmp_path / "bad.lmvz", tmp_path / "out"
    src.write_bytes(blob)
    assert main(["decompress", str(src), str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert what in err and err.count("\n") == 1 and not out.exists()


def test_a_prior_that_reaches_past_the_window_is_refused(tmp_path, capsys):
    """Eight lanes of 64 MiB blocks and a 64 MiB prior would need 512 MiB of earlier bytes:
    more than the decoder's window, so the header is refused before any block is read."""
    src, out = tmp_path / "bad.lmvz", tmp_path / "out"
    src.write_bytes(b"LMVK\x04" + bytes([26, 8, 26]) + b"\0" * 40)
    assert main(["decompress", str(src), str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "reaches past the window" in err and err.count("\n") == 1 and not out.exists()
