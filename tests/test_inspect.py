"""`lmviz inspect`: the per-byte view codes exactly what `lmviz compress` codes, and the screen
(fed fixed records) draws it and moves through it."""

import subprocess
import sys
import time

import numpy as np
import pytest
from lmviz.app.cli import main
from lmviz.app.jobs.compressing import compress
from lmviz.app.jobs.events import InspectFinished
from lmviz.app.main import LmvizApp
from lmviz.app.screens.inspect import InspectScreen
from lmviz.app.widgets.bisection_panel import BisectionPanel
from lmviz.app.widgets.byte_map import ByteMap, next_word, row_starts
from lmviz.app.widgets.byte_parts import ByteParts
from lmviz.core.compression.compressor import compress_packed
from lmviz.core.compression.config import config_for
from lmviz.core.compression.container import Container
from lmviz.core.compression.costs import MAX_INSPECT, CostMap, ExplainChunk
from lmviz.core.compression.inspect import Cancelled, explained_compress, part_names

from .fixed_inspect import PARTS, TEXT, FixedInspectJob, fixed_chunk, fixed_cost
from .fixed_jobs import FixedJobs
from .test_compress import _lzma_friendly, english

SIZE = (160, 48)


# -- core: the same bits as lmviz compress ----------------------------------------------------
@pytest.fixture(scope="module", params=[1, 2], ids=["one-layer", "two-layers"])
def coded(request):
    """12 KB of English through explained_compress, every chunk kept; with the mixer's one
    layer (what `lmviz compress` uses for a file of one block) and its two (a lane's block)."""
    from dataclasses import replace

    data = english(12_000)
    config = replace(config_for(data), mixer_layers=request.param)
    chunks: list[ExplainChunk] = []
    payload, nbits = explained_compress(data, config, chunks.append)
    return data, config, chunks, payload, nbits


def test_explained_compress_writes_exactly_what_compress_writes(coded):
    data, config, chunks, payload, nbits = coded
    assert (payload, nbits) == compress_packed(data, config)
    if config.mixer_layers == 2:  # (a lane's blocks only: not a file's own form)
        return
    # ... and what `lmviz compress` puts in its container: the screen's total is the payload.
    from lmviz.core.compression.config import PRESET_JSON
    from lmviz.core.compression.container import read_compact

    blob = compress(data).data
    if blob[0] >> 4 == 0xC:  # a preset's file: the compact form
        assert read_compact(blob, PRESET_JSON).payload == payload and nbits == 8 * len(payload)
    else:
        container = Container.from_bytes(blob, "x")
        assert container.payload_bits == nbits and container.payload == payload


def test_every_byte_is_explained_once_and_costs_add_up_to_the_payload(coded):
    data, config, chunks, payload, nbits = coded
    costs = CostMap(data, part_names(config))
    for chunk in chunks:
        costs.add(chunk)  # asserts no byte comes twice
    assert costs.finished and costs.done == len(data)
    assert chunks[-1].payload_bits == nbits
    # The binary coder spends the ideal code length, a little for its 32-bit arithmetic, and a
    # byte to flush or less (the decoder pads with 1s, which can save as much).
    assert -8 <= nbits - costs.ideal_bits <= 8 + 0.0005 * costs.ideal_bits
    # The top bytes are the model's distribution before the byte (what predict computes); the
    # real byte's interval is its eight coded bits'. Where the real byte is the favourite they
    # are one interval: the coder used the very probabilities the screen shows.
    assert np.all(costs.top_freq[:, 0] >= costs.top_freq[:, 1])
    fav = costs.top[:, 0] == np.frombuffer(data, np.uint8)
    assert fav.mean() > 0.5
    # (predict's log-probabilities are float32: 1e-6 apart, and their sum over 256 bytes more)
    freq, top_freq = costs.freq[fav].astype(np.int64), costs.top_freq[fav, 0].astype(np.int64)
    assert (np.abs(freq - top_freq) <= 1e-6 * top_freq + 1).all()
    assert np.abs(costs.lo[fav].astype(np.int64) - costs.top_lo[fav, 0]).max() <= 1e-4 * costs.total
    drawn = costs.freq > 1 << 10  # (a byte under 2**-20 is drawn coarsely)
    assert drawn.mean() > 0.99
    assert np.allclose(costs.cost[drawn], -np.log2(costs.freq[drawn] / costs.total), atol=1e-3)


def test_parts_are_distributions_and_the_mix_beats_each_part_over_the_file(coded):
    data, config, chunks, payload, nbits = coded
    costs = CostMap(data, part_names(config))
    for chunk in chunks:
        costs.add(chunk)
    names = list(costs.parts)
    assert names[:6] == ["order-0", "order-1", "order-2", "order-3", "order-4", "order-6"]
    assert names[-1] == "match model"
    mix_bits = costs.ideal_bits
    for i, name in enumerate(names):
        if name == "match model":
            p = costs.part_p[:, i].astype(np.float64)
            assert set(np.unique(p[~np.isnan(p)])) <= {0.0, 1.0}  # right or wrong, or none
            continue
        p = costs.part_p[:, i].astype(np.float64)
        assert np.all((p > 0) & (p <= 1))
        part_bits = float(-np.log2(p).sum())
        assert part_bits > mix_bits, f"{name} alone ({part_bits:.0f} bits) beat the mix"
    assert np.isfinite(costs.part_w.astype(np.float64)).all()


def test_cancelling_stops_at_the_next_byte():
    data = english(40_000)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 5

    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        explained_compress(data, config_for(data), lambda c: None, cancelled)
    assert len(calls) == 6 and time.perf_counter() - t0 < 10


# -- core: what the screen reads ----------------------------------------------------------------
def test_cost_map_along_the_file_windowed_and_cumulative():
    data = TEXT
    costs = CostMap(data, PARTS)
    first = np.arange(0, 100)
    costs.add(fixed_chunk(data, first))
    xs, window, cumulative = costs.along(len(data))  # a bin per byte
    bits = -np.log2(fixed_cost(np.frombuffer(data, np.uint8)) / 65536)
    assert np.allclose(window[:100], bits[:100]) and np.isnan(window[100:]).all()
    assert np.allclose(cumulative[:100], np.cumsum(bits[:100]) / np.arange(1, 101))
    assert np.allclose(cumulative[100:], bits[:100].mean())  # nothing more coded: flat
    xs, window, _ = costs.along(2)
    assert xs.tolist() == [0, len(data) // 2] and window[0] == pytest.approx(bits[:100].mean())


def test_byte_detail_segments_tile_the_unit_interval():
    costs = CostMap(TEXT, PARTS)
    costs.add(fixed_chunk(TEXT, np.arange(len(TEXT))))
    assert costs.detail(0).bits == pytest.approx(10.0)
    for pos in (0, 5, 60, len(TEXT) - 1):
        d = costs.detail(pos)
        cum, owners = d.segments()
        assert cum[0] == 0 and cum[-1] == d.total and np.all(np.diff(cum) > 0)
        k = owners.index(d.byte)
        assert (cum[k], cum[k + 1]) == (d.lo, d.lo + d.freq)
        assert [p.name for p in d.parts] == list(PARTS)
        assert d.parts[2].confidence == "held 7-14 bytes" and d.parts[0].confidence == "seen 64+ times"


def test_context_labels_say_how_often_and_whether_one_way():
    from lmviz.core.compression.costs import _count_label
    from lmviz.core.compression.records import SEEN_BUCKETS

    assert _count_label(0) == "unseen context" and _count_label(1) == "seen 1 time"
    assert _count_label(3) == "seen 4-7 times"
    assert _count_label(3 + SEEN_BUCKETS) == "4-7 times, one way"  # fits the parts table
    assert _count_label(1 + SEEN_BUCKETS) == "seen 1 time"  # once is always one way


def test_rows_wrap_at_newlines_and_width_and_words_are_found():
    data = np.frombuffer(b"ab\ncdefgh\n\nxyz", dtype=np.uint8)
    starts = row_starts(data, 4)
    assert starts.tolist() == [0, 3, 7, 10, 11, 14]  # "ab⏎" "cdef" "gh⏎" "⏎" "xyz"
    words = np.frombuffer(b"one, two  three", dtype=np.uint8)
    assert next_word(words, 0) == 5 and next_word(words, 5) == 10
    assert next_word(words, 10, forward=False) == 5 and next_word(words, 3, forward=False) == 0
    assert next_word(words, 12) == len(words) - 1  # no further word: the last byte


# -- the command line -------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["missing", "empty", "directory", "too-big"])
def test_bad_files_are_one_sentence(tmp_path, capsys, case):
    path = tmp_path / "f"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "directory":
        path.mkdir()
    elif case == "too-big":
        with open(path, "wb") as f:
            f.truncate(MAX_INSPECT + 1)
    code = main(["inspect", str(path)])
    err = capsys.readouterr().err.strip()
    assert code == {"missing": 1, "directory": 1}.get(case, 2), (case, code)
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert {"missing": "no such file", "empty": "empty", "directory": "directory",
            "too-big": "over 2 mb"}[case] in err.lower()


def test_inspect_without_a_terminal_says_so(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"hello")
    r = subprocess.run([sys.executable, "-m", "lmviz.app.cli", "inspect", str(path)],
                       capture_output=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and b"not a terminal" in r.stderr


# -- the screen, fed fixed records ------------------------------------------------------------
def inspect_app(job=None) -> LmvizApp:
    return LmvizApp(screen="inspect", inspect=("fixed.txt", TEXT),
                    jobs=FixedJobs(inspect=lambda name, data, control, model=None: job or FixedInspectJob()))


async def wait_done(pilot, screen_type=InspectScreen):
    for _ in range(100):
        await pilot.pause(0.05)
        s = pilot.app.screen
        if isinstance(s, screen_type) and s.finished is not None:
            await pilot.pause(0.2)  # one redraw tick
            return s
    raise AssertionError("the inspect screen never finished")


async def test_screen_shows_the_total_and_moves_by_byte_word_line_and_page():
    app = inspect_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_done(pilot)
        status = screen.status_text
        bits = int(np.ceil(-np.log2(fixed_cost(np.frombuffer(TEXT, np.uint8)) / 65536).sum()))
        assert f"{bits:,}" in status and "payload" in status
        assert screen.rates == {"gzip -9": 3.25, "xz -9e": 3.5, "zpaq -m5": None}
        m = screen.query_one(ByteMap)
        assert m.cursor == 0
        await pilot.press("right", "right")
        assert m.cursor == 2
        await pilot.press("w")
        assert m.cursor == 4  # "quick"
        await pilot.press("b")
        assert m.cursor == 0
        await pilot.press("down")
        assert m.cursor == 45  # the second line, same column (a pangram and its newline: 45)
        await pilot.press("end")
        assert m.cursor == len(TEXT) - 1
        await pilot.press("home", "n")
        # The first byte costs 10 bits; `n` goes to the next byte of 6 bits or more: the next
        # new letter is 'h' at 1.
        assert m.cursor == 1
        await pilot.press("pagedown")
        assert m.cursor > 45
        await pilot.pause(0.1)
        parts = screen.query_one(ByteParts)
        assert parts.detail is not None and parts.detail.position == m.cursor
        text = parts.render().plain
        assert "order-1" in text and "match model" in text and "the mix" in text
        bis = screen.query_one(BisectionPanel)
        assert bis.trace is not None
        assert abs(bis.trace.ideal_bits - parts.detail.bits) < 1e-6  # (costs are float32)


async def wait_coding(pilot, seconds: float) -> InspectScreen:
    """The inspect screen once its first bytes are coded."""
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        s = pilot.app.screen
        if isinstance(s, InspectScreen) and s.costs is not None and s.costs.done:
            return s
    raise AssertionError("no byte was coded")


async def test_the_chart_s_legend_sits_under_it_not_on_the_lines():
    """lmviz's cumulative line and zpaq's rate can run close: the legend must hide neither."""
    from textual_plotext import PlotextPlot

    app = inspect_app()
    async with app.run_test(size=SIZE) as pilot:
        s = await wait_done(pilot)
        await pilot.pause(0.6)
        plot = s.query_one(PlotextPlot)
        assert "cumulative" in str(s.query_one("#chart-legend").render())  # under the chart
        assert "cumulative" not in plot.render().plain  # nothing written over the data


async def test_question_mark_shows_inspect_s_own_help():
    """? on the inspect screen explains that screen and its keys, not the explorer's."""
    from lmviz.app.screens.help import HelpScreen
    from textual.widgets import Markdown

    app = inspect_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_done(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        assert "lmviz inspect" in text and "n the next byte" in text
        assert "space next token" not in text
        await pilot.press("escape")
        assert isinstance(app.screen, InspectScreen)


async def test_screen_before_the_coder_reaches_a_byte():
    app = inspect_app(FixedInspectJob(stop_after_first=True))
    async with app.run_test(size=SIZE) as pilot:
        s = await wait_coding(pilot, 3)
        await pilot.pause(0.2)
        await pilot.press("end")
        await pilot.pause(0.1)
        assert "not coded yet" in s.query_one(ByteParts).render().plain
        assert "coding:" in s.status_text and f"of {len(TEXT):,} bytes" in s.status_text


def test_inspect_screen_snapshot(snap_compare):
    """The fixed file (six pangrams, a zebra line): new letters in red, repeats plain; the right
    side on byte 0 ('T', 10 bits): the mix's top bytes, the parts table (the mix, match
    ✓ right, order-1, order-2), the interval bar and the bisection's 10 bits; the chart with
    the windowed and cumulative lines and gzip 3.25 and xz 3.5; the status line "done" with the
    payload bits."""

    async def run_before(pilot):
        await wait_done(pilot)

    assert snap_compare(inspect_app(), terminal_size=SIZE, run_before=run_before)


async def test_quitting_mid_file_is_immediate(tmp_path):
    """The real job on 300 KB: q a second in, and the app is gone at once (the coder asks every
    byte whether to stop)."""
    data = english(300_000)
    app = LmvizApp(screen="inspect", inspect=("english.txt", data))
    async with app.run_test(size=SIZE) as pilot:
        s = await wait_coding(pilot, 20)
        assert 0 < s.costs.done < len(data)
        t0 = time.perf_counter()
        await pilot.press("q")
    assert time.perf_counter() - t0 < 3


def test_memory_per_byte_is_bounded():
    """What the screen keeps is fixed by the file's size when it opens: at most 170 bytes a byte
    (a binary record table's model has the most parts: 20)."""
    table = bytes(range(256)) * 40
    names = part_names(config_for(table))
    assert len(names) == 20
    costs = CostMap(bytes(10_000), names)
    kept = sum(v.nbytes for v in vars(costs).values() if isinstance(v, np.ndarray))
    assert kept / 10_000 <= 170
    assert kept / 10_000 * MAX_INSPECT < 360e6  # docs/compressor.md's bound for the largest file


@pytest.mark.parametrize("data, form", [(b"ab" * 2000, "repeated"),
                                        (_lzma_friendly()[:300], "stored"),  # random bytes
                                        (english(8_000), "model"), (_lzma_friendly(), "lzma")])
def test_the_job_says_what_compress_writes(data, form):
    """The real job: the payload is the model's; what `lmviz compress` writes may be the raw,
    repeat or LZMA form instead, and the screen says which."""
    from lmviz.app.jobs.inspecting import InspectJob

    events = []
    InspectJob("f", data).run(events.append, lambda: False)
    # Only plain records cross to the UI: numbers, strings, bytes, tuples and numpy arrays.
    plain = (str, bytes, int, float, bool, tuple, np.ndarray, type(None))
    assert all(isinstance(v, plain) for e in events for v in vars(e).values())
    done = [e for e in events if isinstance(e, InspectFinished)]
    assert len(done) == 1 and done[0].form == form
    assert done[0].output_bytes == len(compress(data).data)


async def test_a_click_puts_the_cursor_on_the_byte():
    app = inspect_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_done(pilot)
        # Inside the border (1 cell each side): column 5 of the second row is byte 45 + 5.
        await pilot.click(ByteMap, offset=(1 + 5, 1 + 1))
        await pilot.pause(0.1)
        assert screen.query_one(ByteMap).cursor == 50
        assert screen.query_one(ByteParts).detail.position == 50


def test_the_mix_row_names_the_mix_s_guess_not_the_real_byte():
    """A byte the mix did not expect: its row's guess is the mix's likeliest byte ('e'), as
    each part's row shows that part's, and p is still the real byte's ('q')."""
    from lmviz.core.compression.costs import ByteDetail, PartView

    d = ByteDetail(position=3, byte=ord("q"), bits=10.0, lo=100, freq=64, total=65536,
                   top=((ord("e"), 0, 30000), (ord("a"), 30000, 20000)),
                   parts=(PartView("order-2", ord("t"), 0.002, 0.5, "seen 4-7 times"),))
    panel = ByteParts()
    panel.show(d, 10)
    row = next(line for line in panel.render().plain.splitlines() if line.startswith("  the mix"))
    assert row[24:32].strip() == "'e'" and "0.0010" in row


def test_the_model_line_names_every_order():
    """The screen's first line lists the orders, runs joined ("orders 0-24" said that all 25
    were there)."""
    from lmviz.app.jobs.inspecting import describe, spans

    assert spans((0, 1, 2, 3, 4, 6, 12, 24)) == "0-4, 6, 12, 24" and spans((1, 2)) == "1, 2"
    assert describe(config_for(english(3_000))).startswith("bit mixer (orders 0-4, 6, 12, 24, words")


def test_nul_is_written_one_way():
    """The parts table, the interval bar and the strip write NUL as \\x00, like every byte
    that is not printable."""
    from lmviz.app.widgets.byte_parts import byte_label
    from lmviz.core.tasks.text import byte_glyph

    assert byte_label(0) == "'\\x00'" and byte_glyph(0) == "\\x00"
    assert byte_label(0xE9) == "'\\xe9'" and byte_label(ord("e")) == "'e'"


def test_each_context_says_which_bytes_it_saw():
    from lmviz.core.compression.costs import context_bytes

    data = b"the cat sat on the mat"
    pos = data.index(b"mat") + 1  # predicting the 'a' of "mat"
    assert context_bytes("order-0", data, pos) == b""
    assert context_bytes("order-2", data, pos) == b" m"
    assert context_bytes("order-24", data, pos) == data[:pos]
    assert context_bytes("bytes 2 and 3 back", data, pos) == b" e"
    assert context_bytes("bytes 2, 4 and 6 back", data, pos) == b" h "
    assert context_bytes("byte 2 back", data, pos) == b" "
    assert context_bytes("word so far", data, pos) == b"m"
    assert context_bytes("word + last word", data, pos) == b"the m"
    assert context_bytes("line col, above, left", data, pos) is None


def test_the_byte_model_is_listed_before_the_contexts_so_cropping_keeps_it():
    """With `--model` the byte model is usually the heaviest part: its row comes right after
    the match model's, before the contexts that a short screen crops (it came last, and at 48
    rows it was cut off)."""
    from lmviz.core.compression.costs import MATCH, MODEL, ByteDetail, PartView

    contexts = tuple(PartView(f"order-{k}", ord("t"), 0.01, 0.1, "seen 4-7 times")
                     for k in range(14))
    d = ByteDetail(position=3, byte=ord("q"), bits=1.0, lo=100, freq=32768, total=65536,
                   top=((ord("q"), 100, 32768),),
                   parts=(*contexts, PartView(MATCH, -1, float("nan"), 0.5, "no match"),
                          PartView(MODEL, ord("q"), 0.3, 1.0, "guess 30% sure")))
    panel = ByteParts()
    panel.show(d, 10)
    names = [line[2:24].strip() for line in panel.render().plain.splitlines()
             if line.startswith("  ") and not line.startswith("  the mix")]
    assert names[:3] == ["match model", "byte model", "order-0"], names


def test_when_the_heaviest_part_was_the_best_the_why_line_blames_the_others():
    """The byte model (weight 1.0) gave the real byte the most, yet 14 light contexts together
    outweighed it: the line says so, not "the heaviest gave p where the best gave p"."""
    from lmviz.core.compression.costs import MODEL, ByteDetail, PartView

    contexts = tuple(PartView(f"order-{k}", ord("t"), 0.001, 0.09, "unseen context")
                     for k in range(14))
    d = ByteDetail(position=34, byte=ord("G"), bits=8.5, lo=100, freq=180, total=65536,
                   top=((ord("A"), 0, 11000),),
                   parts=(*contexts, PartView(MODEL, ord("i"), 0.0084, 1.0, "guess 7% sure")))
    panel = ByteParts()
    panel.show(d, 100)
    text = " ".join(panel.render().plain.split())
    assert "byte model (weight 1.00), gave it the most, 0.0084, but the 14 others, weighing 1.26" \
        in text, text
