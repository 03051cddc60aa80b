"""The compressor's classical context models: counts and matches from the bytes coded so far."""

import numpy as np
from lmviz.core.compression.contexts import HALVE_ABOVE, SEEN_BUCKETS, CountModel, MatchModel


def _history(texts: list[bytes]) -> np.ndarray:
    steps = max(len(t) for t in texts)
    h = np.zeros((len(texts), steps), dtype=np.int64)
    for i, t in enumerate(texts):
        h[i, : len(t)] = list(t)
    return h


def test_counts_follow_their_context_in_every_stream():
    texts = [b"abababab", b"cdcdcdcd"]
    h = _history(texts)
    model = CountModel(orders=(1, 2, 3), rows_log2=10)
    live = np.ones(2, dtype=bool)
    for t in range(h.shape[1]):
        counts, buckets = model.lookup(h, t)
        if t == 7:
            # After "abababa" the byte that followed 'a' was always 'b' (3 times), at every order.
            assert counts[0, 0, ord("b")] == 3 and counts[0, 0].sum() == 3
            assert counts[1, 0, ord("d")] == 3  # after 'c' came 'd'
            # 3 observations: the bucket of 2-3 (0: none, 1: one), deterministic (only 'b'):
            # SEEN_BUCKETS more.
            assert buckets[0, 0] == 2 + SEEN_BUCKETS
        model.update(h[:, t], live)


def test_a_context_followed_by_two_bytes_is_not_deterministic():
    h = _history([b"abacab"])
    model = CountModel(orders=(1,), rows_log2=8)
    live = np.ones(1, dtype=bool)
    for t in range(h.shape[1]):
        counts, buckets = model.lookup(h, t)
        if t == 5:  # after 'a' came 'b' then 'c': 2 observations, two bytes
            assert counts[0, 0].sum() == 2 and buckets[0, 0] == 2
        if t == 3:  # after 'a' came 'b' once: deterministic, 1 observation
            assert buckets[0, 0] == 1 + SEEN_BUCKETS
        model.update(h[:, t], live)


def test_a_full_count_halves_its_row_and_never_overflows():
    model = CountModel(orders=(1,), rows_log2=8)
    h = np.zeros((64, 1), dtype=np.int64)  # 64 streams, all in the same context
    live = np.ones(64, dtype=bool)
    for _ in range(20):
        model.lookup(h, 0)
        model.update(np.full(64, 7), live)
    row = model.tables[0][0]
    assert 0 < row[7] <= HALVE_ABOVE + 64 and row.sum() == row[7] == model.totals[0][0]


def test_dead_streams_are_not_counted():
    model = CountModel(orders=(1,), rows_log2=8)
    h = np.zeros((2, 1), dtype=np.int64)
    model.lookup(h, 0)
    model.update(np.array([5, 6]), np.array([True, False]))
    assert model.tables[0][0, 5] == 1 and model.tables[0][0, 6] == 0


def test_match_predicts_a_repeat_and_grows_with_it():
    text = b"the quick brown fox. the quick brown fox."
    h = _history([text])
    model = MatchModel(streams=1, steps=h.shape[1], min_len=4)
    live = np.ones(1, dtype=bool)
    hits = []
    for t in range(h.shape[1]):
        byte, bucket = model.predict(h.reshape(-1))
        hits.append((int(byte[0]), int(bucket[0])))
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
    from lmviz.core.compression.contexts import record_length

    assert record_length(_table()) == 12
    text = b"The record model looks for rows of fixed length; prose has none. " * 300
    assert record_length(text) == 65  # a sentence repeated verbatim is a table of its length
    prose = bytes(np.random.default_rng(0).integers(97, 123, 20_000, dtype=np.uint8))
    assert record_length(prose) == 0


def test_the_record_contexts_pay_for_themselves_and_round_trip():
    """The table costs fewer bits with the record contexts (found from the data and named in
    the header) than without them, and decodes exactly."""
    from dataclasses import replace

    from lmviz.core.compression.compressor import (
        CompressorConfig,
        compress_bytes,
        decompress_bits,
        streams_for,
    )

    data = _table()
    plain = CompressorConfig(streams=streams_for(len(data)))
    with_records = replace(plain, record=12)
    bits = compress_bytes(data, with_records)
    assert len(bits) < 0.8 * len(compress_bytes(data, plain))
    assert decompress_bits(bits, len(data), with_records) == data
    assert CompressorConfig.from_json(with_records.to_json(), len(data)) == with_records
    for bad in (1, 513):
        try:
            CompressorConfig.from_json(replace(plain, record=bad).to_json(), len(data))
        except ValueError as exc:
            assert "record" in str(exc)
        else:
            raise AssertionError(f"record={bad} was accepted")
