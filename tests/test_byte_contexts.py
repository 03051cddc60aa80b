"""The compressor's context models: the bit mixer, matches and the x86 filter."""

import numpy as np
from lmviz.core.compression.bitcontexts import COUNT_LIMIT, NEXT_STATE, STATE_COUNTS, STATES
from lmviz.core.compression.bitmix import BitContextMixer
from lmviz.core.compression.compressor import NO_MODEL
from lmviz.core.compression.filters import elf_row, is_x86, x86_decode, x86_encode
from lmviz.core.compression.match import MatchModel, length_bucket


def _mixer(**kw) -> BitContextMixer:
    return BitContextMixer((0, 1, 2, 3), ((2,),), True, rows_log2=12, **kw)


def _feed(model: BitContextMixer, data: bytes, upto: int | None = None) -> list[np.ndarray]:
    """Predict, code and learn every byte of ``data``; the predictions, in order."""
    h = np.frombuffer(data, dtype=np.uint8).copy()
    coder = np.array([0, 0xFFFFFFFF, 0, 0], dtype=np.int64)
    buf = np.zeros(len(h) + 64, dtype=np.uint8)
    probs = np.zeros(8, dtype=np.int64)
    out = []
    for t in range(len(h) if upto is None else upto):
        model.hash(h, t)
        out.append(model.distribution(-1, 0, NO_MODEL))
        model.code_byte(-1, 0, NO_MODEL, int(h[t]), coder, buf, False, probs)
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


def test_the_mixer_gives_a_distribution_and_learns():
    text = b"abcabcabcabcabcabcabcabcabcabcabcabc" * 4
    preds = _feed(_mixer(), text)
    for p in preds:
        assert abs(np.exp(p.astype(np.float64)).sum() - 1.0) < 1e-3 and np.isfinite(p).all()
    assert np.exp(preds[0][text[0]]) < 0.01  # nothing learned yet: about 1/256
    assert np.exp(preds[-1][text[-1]]) > 0.9  # the pattern, learned


def test_two_mixers_fed_the_same_bytes_agree_bit_for_bit():
    data = bytes(np.random.default_rng(1).integers(0, 8, 300, dtype=np.uint8))
    a, b = _feed(_mixer(), data), _feed(_mixer(), data)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_predict_gives_the_probabilities_the_coder_codes_with():
    """The distribution evaluates a nibble's 15 nodes context by context (_nibble); the coder
    evaluates each node of the byte's path alone (_node). Both must give the same 12-bit
    probabilities, match input and a byte model's input included, or the coder would code
    with one model and `lmviz inspect` show another."""
    import copy

    import lmviz.core.compression.bitkernels as bm

    data = bytes(np.random.default_rng(3).integers(0, 6, 400, dtype=np.uint8))
    # a byte model's node probabilities: any 12-bit values will do
    model_p = np.random.default_rng(4).integers(1, 4096, 256).astype(np.int64)
    for with_model in (False, True):
        model = _mixer(floor=1e-300, model_input=with_model)  # every nibble: ln P exact
        _feed(model, data, upto=399)
        _check_distribution(model, data, model_p if with_model else NO_MODEL, bm, copy)


def _check_distribution(model, data, model_p, bm, copy) -> None:
    h = np.frombuffer(data, dtype=np.uint8).copy()
    for match_byte, match_len in ((2, 5), (-1, 0), (200, 63)):
        model.hash(h, 399)
        logp = model.distribution(match_byte, match_len, model_p)
        for byte in (0, 1, 2, 5, 200, 255):
            trial = copy.deepcopy(model)  # coding learns: each byte on a fresh copy
            probs = np.zeros(8, dtype=np.int64)
            trial.code_byte(match_byte, match_len, model_p, byte,
                            np.array([0, 0xFFFFFFFF, 0, 0]), np.zeros(64, dtype=np.uint8),
                            False, probs)
            lp = sum(bm.LN[p] if (byte >> (7 - d)) & 1 else bm.LN[4096 - p]
                     for d, p in enumerate(probs.tolist()))
            assert abs(logp[byte] - lp) < 1e-5, (match_byte, byte)


def test_each_part_hashes_the_same_wherever_it_stands():
    """The parts are listed once (context_parts): a part's hash depends on what it is, not on
    where it stands in the list, and the names are the list's."""
    from lmviz.core.compression.bitcontexts import context_parts

    every = dict(orders=(1, 3), skips=((2,), (8, 1)), words=True, record=12, lines=True)
    full = BitContextMixer(every["orders"], every["skips"], every["words"], rows_log2=10,
                           record=12, lines=True)
    assert full.names == [p.name for p in context_parts(**every)]
    assert len(set(full.names)) == len(full.names) == 11
    text = b"ab=1\nab=2\nab:3\nword word wordy\n" * 3
    h = np.frombuffer(text, dtype=np.uint8).copy()
    for t in (0, 5, 40, len(h) - 1):
        full.hash(h, t)
        for c, part in enumerate(full.parts):
            alone = BitContextMixer((), (), False, rows_log2=10, record=12)
            alone._parts = np.array([[part.kind, part.arg]], dtype=np.int64)
            alone.skips = full.skips
            alone.hashes = np.zeros(1, dtype=np.uint64)
            alone.word[:] = full.word
            alone.hash(h, t)
            assert alone.hashes[0] == full.hashes[c], (part.name, t)


def test_the_same_bytes_before_make_the_same_context():
    """Two places with the same bytes before share a context; a different byte makes another."""
    model = _mixer()
    h = np.frombuffer(b"ababxb", dtype=np.uint8).copy()
    hashes = []
    for t in (2, 4, 6):  # after "ab", after "ab" again, after "xb"
        model.hash(h, t)
        hashes.append(model.hashes.copy())
    assert hashes[0][2] == hashes[1][2]  # order-2: "ab" before both
    assert hashes[0][2] != hashes[2][2]  # "xb" before the third
    assert hashes[0][1] == hashes[2][1]  # order-1: "b" before all three


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
    h = np.frombuffer(text, dtype=np.uint8).copy()
    model = MatchModel(min_len=4)
    hits = []
    for t in range(len(h)):
        byte = model.predict(h)
        hits.append((byte, int(length_bucket(byte, model.length))))
        assert model.ptr < t  # it points only at bytes already known
        model.update(h, t)
    second = text.index(b"the", 5)
    # Once "the " repeats, every later byte is predicted, and the match length keeps growing.
    for t in range(second + 4, len(text)):
        assert hits[t][0] == text[t], t
    assert hits[-1][1] > hits[second + 5][1] > 0
    # Before that, no 4 bytes had been seen twice: no prediction at all.
    assert all(hit == (-1, 0) for hit in hits[: second + 4])


def test_the_long_table_finds_where_a_passage_repeats_not_the_latest_short_context():
    """A passage repeats after decoys that hold each of its 6-byte contexts followed by another
    byte: the latest 6-byte context always points at a decoy, so only the 24-byte table keeps
    the match on the passage, once 24 bytes of it have come again."""
    rng = np.random.default_rng(5)
    passage = bytes(rng.integers(97, 123, 120, dtype=np.uint8))
    decoys = b"".join(passage[i:i + 6] + bytes([65 + i % 26]) + b"." for i in range(115))
    text = passage + b"|" + decoys + b"|" + passage
    h = np.frombuffer(text, dtype=np.uint8).copy()
    model = MatchModel(min_len=6)
    second = len(text) - len(passage)
    wrong = 0
    for t in range(len(h)):
        byte = model.predict(h)
        if t >= second + 25:
            wrong += byte != text[t]
        model.update(h, t)
    assert wrong == 0
    assert model.length >= 63  # its context checked back, then every byte right


def test_a_tar_of_text_is_text_though_its_headers_hold_nuls():
    """A tar's 512-byte headers are mostly NULs; HTML around them is still coded as text (with
    the text orders and the line context), and random bytes are not."""
    from lmviz.core.compression.config import BINARY_ORDERS, CompressorConfig, config_for

    page = (b"<div class='para'><p>The handbook explains every package.</p></div>\n" * 60)
    header = b"text/page.html" + bytes(512 - 14)
    tar = (header + page) * 20
    assert b"\0" in tar[:65536]
    config = config_for(tar)
    assert config.orders == CompressorConfig().orders and config.lines and config.skips == ()
    noise = np.random.default_rng(0).integers(0, 256, 70_000, dtype=np.uint8).tobytes()
    assert config_for(noise).orders == BINARY_ORDERS


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
    body = rng.integers(0, 16, 6_000).astype(np.uint8)  # compressible: the model's form
    body[rng.integers(0, 5_990, 400)] = 0xE9
    data = b"\x7fELF\x02\x01\x01" + bytes(11) + (62).to_bytes(2, "little") + body.tobytes()
    config = config_for(data)
    assert config.x86 and config.record == 24
    payload, nbits = compress_packed(data, config)
    assert payload is not None
    assert decompress_packed(payload, nbits, len(data), config) == data



def test_the_line_column_context_sees_the_byte_above():
    """Text in lines: the column context of a byte hashes its column, the byte above it in the
    line before and the byte before it, so two places with the same three share a context and
    a different byte above makes another; a short line above gives "nothing above"."""
    from lmviz.core.compression.bitcontexts import _column

    h = np.frombuffer(b"ab=1\nab=2\nab:3\nab\nq\nab", dtype=np.uint8).copy()
    assert _column(h, 7) == (2, ord("="))  # after "ab" on line 2: "=" above
    assert _column(h, 17) == (2, ord(":"))  # after "ab" on line 4
    assert _column(h, 0) == (0, 0)  # the start: no line before
    assert _column(h, 21) == (1, 0)  # after "a" under "q": nothing above
    long = np.frombuffer(b"\n" + b"y" * 300 + b"\nab", dtype=np.uint8).copy()
    assert _column(long, 304) == (2, 0)  # the line above is over 256 bytes: not looked for

    model = BitContextMixer((0,), (), False, rows_log2=12, lines=True)
    assert model.names == ["order-0", "line col, above, left"]

    def line_hash(t):
        model.hash(h, t)
        return int(model.hashes[-1])

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
