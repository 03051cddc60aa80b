"""The compressor's context models: the bit mixer, matches and the x86 filter."""

import numpy as np
from lmviz.core.compression.bitcontexts import COUNT_LIMIT, NEXT_STATE, STATE_COUNTS, STATES
from lmviz.core.compression.bitmix import BitContextMixer
from lmviz.core.compression.filters import elf_row, is_x86, x86_decode, x86_encode
from lmviz.core.compression.match import MatchModel, length_bucket


def _history(texts: list[bytes]) -> np.ndarray:
    steps = max(len(t) for t in texts)
    h = np.zeros((len(texts), steps), dtype=np.int64)
    for i, t in enumerate(texts):
        h[i, : len(t)] = list(t)
    return h


def _mixer(streams: int = 2, **kw) -> BitContextMixer:
    return BitContextMixer((0, 1, 2, 3), ((2,),), True, streams, rows_log2=12, **kw)


def _feed(model: BitContextMixer, h: np.ndarray, upto: int | None = None) -> list[np.ndarray]:
    """Predict and learn every step of the (S, steps) history; the predictions, in order."""
    out = []
    live = np.ones(h.shape[0], dtype=bool)
    none = np.full(h.shape[0], -1)
    for t in range(h.shape[1] if upto is None else upto):
        out.append(model.predict(h.astype(np.uint8), t, none, np.zeros(h.shape[0], np.int64)))
        model.update(h[:, t], live)
    return out


def test_bit_histories_count_with_a_bounded_discounted_memory():
    assert STATES <= 256 and tuple(STATE_COUNTS[0]) == (0, 0)
    s = 0
    for _ in range(100):  # a long run of ones: n1 grows to its limit, n0 stays 0
        s = NEXT_STATE[s, 1]
    assert tuple(STATE_COUNTS[s]) == (0, COUNT_LIMIT)
    s = NEXT_STATE[s, 0]  # a zero after them: the ones are discounted, not forgotten
    n0, n1 = STATE_COUNTS[s]
    assert n0 == 1 and 2 < n1 < COUNT_LIMIT


def test_every_stream_gets_a_distribution_and_the_model_learns():
    text = b"abcabcabcabcabcabcabcabcabcabcabcabc" * 4
    h = _history([text, text[::-1]])
    preds = _feed(_mixer(), h)
    for p in preds:
        total = np.exp(p.astype(np.float64)).sum(axis=1)
        assert np.allclose(total, 1.0, atol=1e-3) and np.isfinite(p).all()
    first, last = preds[0], preds[-1]
    assert np.exp(first[0, text[0]]) < 0.01  # nothing learned yet: about 1/256
    assert np.exp(last[0, text[-1]]) > 0.9  # the pattern, learned
    assert np.exp(last[1, text[::-1][-1]]) > 0.9


def test_two_mixers_fed_the_same_bytes_agree_bit_for_bit():
    rng = np.random.default_rng(1)
    h = rng.integers(0, 8, (3, 300))
    a, b = _feed(_mixer(3), h), _feed(_mixer(3), h)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_predict_gives_the_probabilities_the_update_learns_from():
    """predict evaluates a nibble's 15 nodes context by context (_nibble); the update
    evaluates each node alone (_node). Both must give the same 12-bit probabilities, match
    input included, or the coder would code with one model and learn with another."""
    import lmviz.core.compression.bitkernels as bm

    rng = np.random.default_rng(3)
    h = rng.integers(0, 6, (3, 400))
    model = _mixer(3, floor=1e-300)  # every nibble evaluated: ln P exact for all 256 bytes
    _feed(model, h, upto=399)
    match_byte = np.array([2, -1, 200], dtype=np.int64)
    match_len = np.array([5, 0, 63], dtype=np.int64)
    logp = model.predict(h.astype(np.uint8), 399, match_byte, match_len)
    m = model
    rows = np.empty(m.C, dtype=np.int64)
    wd = np.empty((8, m.weights.shape[1]), dtype=np.int64)
    shift = 64 - int(np.log2(m.table.shape[1]))
    for s in range(3):
        bm._depth_weights(s, m.last2, m.weights, wd)
        for byte in (0, 1, 2, 5, 200, 255):
            lp, n = 0.0, 1
            for depth in range(8):
                if depth in (0, 4):
                    bm._find_slots(m.table, m.hashes, s, 0 if depth == 0 else (byte >> 4) + 1,
                                   False, shift, m.seen, rows)
                _, _, p = bm._node(s, n, rows, m.table, m.sx, m.weights, wd, m.apm, m.last2,
                                   *m._match, m.match_sm, np.empty(m.C, np.uint8),
                                   np.empty(m.C + 2, np.int32))
                bit = (byte >> (7 - depth)) & 1
                lp += bm.LN[p] if bit else bm.LN[4096 - p]
                n = 2 * n + bit
            assert abs(logp[s, byte] - lp) < 1e-5, (s, byte)


def test_dead_streams_teach_nothing():
    h = _history([b"xxxxxxxx", b"yyyyyyyy"])
    model = _mixer()
    before = model.table.copy()
    none = np.full(2, -1)
    model.predict(h.astype(np.uint8), 0, none, np.zeros(2, np.int64))
    model.update(h[:, 0], np.array([False, False]))
    assert np.array_equal(model.table, before)


def test_streams_share_their_contexts():
    """The same bytes in two streams are one context (the tables are shared), and a different
    byte before makes another."""
    h = _history([b"abab", b"abab", b"abbb"])
    model = _mixer(streams=3)
    model.predict(h.astype(np.uint8), 3, np.full(3, -1), np.zeros(3, np.int64))
    assert np.array_equal(model.hashes[0], model.hashes[1])
    assert model.hashes[0, 1] != model.hashes[2, 1]  # order-1: 'a' before, then 'b'


def test_the_x86_filter_is_undone_exactly_and_only_for_executables():
    rng = np.random.default_rng(2)
    code = rng.integers(0, 256, 50_000).astype(np.uint8)
    code[rng.integers(0, 49_990, 3_000)] = 0xE8  # calls everywhere, some overlapping
    enc = x86_encode(code.copy())
    assert (enc != code).any() and np.array_equal(x86_decode(enc.copy()), code)
    # the same call target from two places becomes the same four bytes
    calls = np.zeros(64, dtype=np.uint8)
    calls[[0, 32]] = 0xE8
    calls[1:5] = list((100).to_bytes(4, "little"))  # target 0 + 100
    calls[33:37] = list((68).to_bytes(4, "little"))  # target 32 + 68 = 100
    enc = x86_encode(calls.copy())
    assert bytes(enc[1:5]) == bytes(enc[33:37])
    elf = b"\x7fELF\x02\x01\x01" + bytes(11) + (62).to_bytes(2, "little") + bytes(100)
    arm = elf[:18] + (183).to_bytes(2, "little") + elf[20:]
    assert is_x86(elf) and not is_x86(arm) and not is_x86(b"plain text " * 10)
    # an ELF's symbol and relocation tables are rows: 24 bytes in a 64-bit one, 16 in a 32-bit
    elf32 = elf[:4] + b"\x01" + elf[5:]
    assert elf_row(elf) == 24 and elf_row(elf32) == 16 and elf_row(b"plain text " * 10) == 0


def test_match_predicts_a_repeat_and_grows_with_it():
    text = b"the quick brown fox. the quick brown fox."
    h = _history([text])
    model = MatchModel(streams=1, steps=h.shape[1], min_len=4)
    live = np.ones(1, dtype=bool)
    hits = []
    for t in range(h.shape[1]):
        byte = model.predict(h.reshape(-1))
        hits.append((int(byte[0]), int(length_bucket(byte, model.length)[0])))
        model.update(h, t, h[:, t], live)
    second = text.index(b"the", 5)
    # Once "the " repeats, every later byte is predicted, and the match length keeps growing.
    for t in range(second + 4, len(text)):
        assert hits[t][0] == text[t], t
    assert hits[-1][1] > hits[second + 5][1] > 0
    # Before that, no 4 bytes had been seen twice: no prediction at all.
    assert all(hit == (-1, 0) for hit in hits[: second + 4])


def test_match_points_only_at_bytes_already_known():
    # Stream 1 repeats stream 0 one step behind: its matches must point at known bytes only.
    a = b"abcdefghabcdefghabcdefgh"
    h = _history([a, a])
    model = MatchModel(streams=2, steps=h.shape[1], min_len=3)
    live = np.ones(2, dtype=bool)
    for t in range(h.shape[1]):
        known = {s * h.shape[1] + u for s in range(2) for u in range(t)}
        assert all(p in known for p in model.ptr.tolist() if p >= 0)
        model.predict(h.reshape(-1))
        model.update(h, t, h[:, t], live)


def _table(n: int = 1500) -> bytes:
    """Records of 12 bytes: a counter, a slowly rising value, a small code, padding."""
    rng = np.random.default_rng(3)
    rec = np.zeros(n, dtype=[("id", "<u4"), ("value", "<u4"), ("code", "<u2"), ("pad", "<u2")])
    rec["id"] = np.arange(n)
    rec["value"] = 5000 + np.cumsum(rng.integers(0, 3, n))
    rec["code"] = rng.integers(0, 6, n)
    return rec.tobytes()


def test_a_fixed_record_table_is_found_and_text_is_not():
    from lmviz.core.compression.records import record_length

    assert record_length(_table()) == 12
    text = b"The record model looks for rows of fixed length; prose has none. " * 300
    assert record_length(text) == 65  # a sentence repeated verbatim is a table of its length
    prose = bytes(np.random.default_rng(0).integers(97, 123, 20_000, dtype=np.uint8))
    assert record_length(prose) == 0


def test_the_record_contexts_pay_for_themselves_and_round_trip():
    """The table costs fewer bits with the record contexts (found from the data and named in
    the header) than without them, and decodes exactly."""
    from dataclasses import replace

    from lmviz.core.compression.compressor import compress_packed, decompress_packed
    from lmviz.core.compression.config import CompressorConfig

    data = _table()
    plain = CompressorConfig()
    with_records = replace(plain, record=12)
    payload, nbits = compress_packed(data, with_records)
    assert nbits < 0.8 * compress_packed(data, plain)[1]
    assert decompress_packed(payload, nbits, len(data), with_records) == data
    assert CompressorConfig.from_json(with_records.to_json()) == with_records
    for bad in (1, 513):
        try:
            CompressorConfig.from_json(replace(plain, record=bad).to_json())
        except ValueError as exc:
            assert "record" in str(exc)
        else:
            raise AssertionError(f"record={bad} was accepted")


def test_an_x86_executable_is_coded_through_the_filter_and_back():
    from lmviz.core.compression.compressor import compress_packed, decompress_packed
    from lmviz.core.compression.config import config_for

    rng = np.random.default_rng(4)
    body = rng.integers(0, 256, 6_000).astype(np.uint8)
    body[rng.integers(0, 5_990, 400)] = 0xE9
    data = b"\x7fELF\x02\x01\x01" + bytes(11) + (62).to_bytes(2, "little") + body.tobytes()
    config = config_for(data)
    assert config.x86 and config.record == 24
    payload, nbits = compress_packed(data, config)
    assert decompress_packed(payload, nbits, len(data), config) == data



def test_the_line_column_context_sees_the_byte_above():
    """Text in lines: the column context of a byte hashes its column, the byte above it in the
    line before and the byte before it, so two places with the same three share a context and
    a different byte above makes another; a short line above gives "nothing above"."""
    from lmviz.core.compression.bitcontexts import _column

    h = _history([b"ab=1\nab=2\nab:3\nab\nq\nab"]).astype(np.uint8)
    assert _column(h, 0, 7) == (2, ord("="))  # after "ab" on line 2: "=" above
    assert _column(h, 0, 17) == (2, ord(":"))  # after "ab" on line 4
    assert _column(h, 0, 0) == (0, 0)  # the start: no line before
    assert _column(h, 0, 21) == (1, 0)  # after "a" under "q": nothing above
    long = _history([b"\n" + b"y" * 300 + b"\nab"]).astype(np.uint8)
    assert _column(long, 0, 304) == (2, 0)  # the line above is over 256 bytes: not looked for

    model = BitContextMixer((0,), (), False, 1, rows_log2=12, lines=True)
    assert model.names == ["order-0", "line col, above, left"]

    def line_hash(t):
        model.predict(h, t, np.full(1, -1), np.zeros(1, np.int64))
        return int(model.hashes[0, -1])

    assert line_hash(7) == line_hash(12)  # column 2, "=" above, "b" before: one context
    assert line_hash(17) != line_hash(7)  # ":" above instead


def test_the_bit_coder_round_trips_certainty_and_surprise():
    """The binary arithmetic coder at its extremes: a long run the model grows sure of (its
    surest bits, p = 4095/4096), then the bytes it least expects, every byte value, random
    bytes; decoded exactly, and the payload within a byte (the flush; the decoder's padding
    can save as much) and 0.05% of what the eight bits' probabilities say it costs."""
    from lmviz.core.compression.compressor import compress_packed, decompress_packed
    from lmviz.core.compression.config import CompressorConfig
    from lmviz.core.compression.inspect import explained_compress

    rng = np.random.default_rng(3)
    data = (b"a" * 20_000 + b"\x00\xff" + bytes(range(256)) + b"a" * 3_000
            + rng.integers(0, 256, 2_000, dtype=np.uint8).tobytes() + b"\xfe")
    config = CompressorConfig()
    payload, nbits = compress_packed(data, config)
    assert decompress_packed(payload, nbits, len(data), config) == data
    costs = []
    explained_compress(data, config, lambda c: costs.append(c.bits.astype(np.float64).sum()))
    ideal = sum(costs)
    assert ideal - 8 <= nbits <= ideal + 8 + 0.0005 * ideal
