"""The three coders: bit-exact round trips, length bounds, and agreement with constriction."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lmviz.core.coding import (
    Cdf,
    CodingError,
    Decoder,
    Encoder,
    bisect_decode,
    bisect_decode_message,
    bisect_encode,
    bisect_encode_message,
    header_decode,
    header_encode,
    header_size,
    ideal_bits,
    pack_bits,
    stream_decode,
    stream_encode,
    unpack_bits,
)
from lmviz.core.coding.quantize import quantize_probs


def random_message(rng, vocab, length, concentration, total_bits=16):
    """Per-symbol distributions (Dirichlet) and symbols drawn from them."""
    p = rng.dirichlet(np.ones(vocab) * concentration, size=max(length, 1))[:length]
    freqs = quantize_probs(p, total_bits) if length else np.zeros((0, vocab), np.int64)
    cdfs = [Cdf.of(f) for f in freqs]
    symbols = [int(rng.choice(vocab, p=f / f.sum())) for f in freqs]
    return cdfs, symbols


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    vocab=st.integers(2, 400),
    length=st.integers(0, 300),
    concentration=st.sampled_from([0.01, 0.1, 1.0, 10.0]),
)
def test_all_three_coders_round_trip(seed, vocab, length, concentration):
    rng = np.random.default_rng(seed)
    cdfs, symbols = random_message(rng, vocab, length, concentration)
    ideal = sum(ideal_bits(c, s) for c, s in zip(cdfs, symbols))

    bits = stream_encode(cdfs, symbols)
    assert stream_decode(cdfs, bits) == symbols
    assert len(bits) <= ideal + 2 + 1e-4 * ideal

    bis = bisect_encode_message(cdfs, symbols)
    assert bisect_decode_message(cdfs, bis) == symbols

    codes = [header_encode(c, s) for c, s in zip(cdfs, symbols)]
    for code, c, s in zip(codes, cdfs, symbols):  # what records.Ledger counts without coding
        assert len(code) == header_size(16) + bisect_encode(c, s).optimistic_bits
    hdr = [b for code in codes for b in code]
    it = iter(hdr)
    assert [header_decode(c, it) for c in cdfs] == symbols
    assert next(it, None) is None


@pytest.mark.parametrize("vocab,total_bits", [(2, 16), (14, 16), (256, 16), (65536, 20)])
def test_extreme_vocabularies_and_smallest_probability(vocab, total_bits):
    """Every symbol at the smallest quantized probability, and the most likely one, codes."""
    rng = np.random.default_rng(vocab)
    p = np.full(vocab, 1e-12)
    p[0] = 1.0
    cdf = Cdf.of(quantize_probs(p, total_bits))
    assert cdf.interval(vocab - 1)[1] - cdf.interval(vocab - 1)[0] == 1
    symbols = [0, vocab - 1, 0, 0, int(rng.integers(vocab)), vocab - 1] * 20
    cdfs = [cdf] * len(symbols)
    assert stream_decode(cdfs, stream_encode(cdfs, symbols)) == symbols
    assert bisect_decode_message(cdfs, bisect_encode_message(cdfs, symbols)) == symbols
    tr = bisect_encode(cdf, vocab - 1)
    assert len(tr.bits) <= tr.bound <= total_bits + 1


def test_long_message_of_ten_thousand_symbols():
    rng = np.random.default_rng(7)
    cdfs, symbols = random_message(rng, 256, 10_000, 0.3)
    ideal = sum(ideal_bits(c, s) for c, s in zip(cdfs, symbols))
    bits = stream_encode(cdfs, symbols)
    assert stream_decode(cdfs, bits) == symbols
    assert ideal <= len(bits) <= ideal + 2 + 1e-4 * ideal


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(st.floats(1e-9, 1.0), min_size=1, max_size=40),
    bits=st.integers(4, 20),
    data=st.data(),
)
def test_bisection_bound_and_prefix_free(weights, bits, data):
    freqs = quantize_probs(np.array(weights), bits) if len(weights) <= 1 << bits else None
    if freqs is None:
        return
    cdf = Cdf.of(freqs)
    symbol = data.draw(st.integers(0, len(freqs) - 1))
    tr = bisect_encode(cdf, symbol)
    q = (tr.token_hi - tr.token_lo) / tr.scale
    assert len(tr.bits) <= math.ceil(-math.log2(q) - 1e-12) + 1
    assert tr.optimistic_bits <= len(tr.bits)
    lo, hi = tr.final_interval()
    assert tr.token_lo <= lo < hi <= tr.token_hi
    # Each step is recorded: the interval halves and the bit picks the half.
    for step, nxt in zip(tr.steps, tr.steps[1:]):
        assert nxt.hi - nxt.lo == (step.hi - step.lo) // 2
        assert (nxt.lo, nxt.hi) == ((step.lo, step.mid) if step.bit == 0 else (step.mid, step.hi))
    # Decoding with trailing garbage stops exactly where the code ends.
    it = iter(list(tr.bits) + [1, 0, 1])
    assert bisect_decode(cdf, it).symbol == symbol
    assert list(it) == [1, 0, 1]


def test_optimistic_count_is_shorter_but_ambiguous():
    """The article's count: fewer bits, but two tokens can share the same optimistic code."""
    cdf = Cdf.of([1, 1, 2])  # [0, 1/4), [1/4, 1/2), [1/2, 1)
    a, b = bisect_encode(cdf, 1), bisect_encode(cdf, 2)
    assert b.optimistic_bits == 0 and len(b.bits) == 1  # midpoint 1/2 already inside [1/2, 1)
    assert a.optimistic_bits == 1 and len(a.bits) == 2
    # Without a length, Bob cannot tell "0" (stop at 1/4, token 1) from the start of "00".
    assert a.bits[: a.optimistic_bits] == bisect_encode(cdf, 0).bits[:1]


def test_header_size_matches_the_notebook():
    assert header_size(20) == 5  # ceil(log2(log2 2**20))
    assert header_size(16) == 5  # 17 lengths 0..16 need 5 bits


def test_encoder_records_and_state():
    cdf = Cdf.of(quantize_probs(np.array([0.7, 0.2, 0.1])))
    enc = Encoder()
    steps = [enc.encode(cdf, s) for s in [0, 2, 1, 0, 2]]
    for st_ in steps:
        assert st_.narrowed_low >= st_.low_before and st_.narrowed_high <= st_.high_before
        assert st_.low_after < st_.high_after
    assert steps[-1].bits_so_far == sum(len(s.bits) for s in steps)
    assert "Encoder[low=" in str(enc)
    bits = enc.finish()
    with pytest.raises(RuntimeError, match="finished"):
        enc.encode(cdf, 0)
    with pytest.raises(RuntimeError, match="finished"):
        enc.finish()
    dec = Decoder(bits)
    out = [dec.decode(cdf) for _ in range(5)]
    assert [s for s, _ in out] == [0, 2, 1, 0, 2]
    assert [r.cum_lo for _, r in out] == [r.cum_lo for r in steps]
    assert "Decoder[" in str(dec)


def test_pack_unpack():
    bits = [1, 0, 1, 1, 0, 0, 1, 0, 1]
    assert unpack_bits(pack_bits(bits), len(bits)) == bits
    assert pack_bits([]) == b""


@settings(max_examples=100, deadline=None)
@given(garbage=st.lists(st.integers(0, 1), max_size=200), n=st.integers(0, 500))
def test_decoder_on_garbage_or_short_streams_always_ends(garbage, n):
    cdf = Cdf.of(quantize_probs(np.array([0.9, 0.05, 0.03, 0.02])))
    dec = Decoder(garbage)
    out = []
    try:
        for _ in range(n):
            out.append(dec.decode_interval(cdf))
    except CodingError as exc:
        # Any bits decode to some symbols: the one way to fail is to run out of them. A symbol
        # of this distribution takes at least -log2(0.9) = 0.15 bit, so that cannot happen
        # before some symbols came out of a long stream.
        assert "too short" in str(exc)
        assert len(out) >= len(garbage) // 8
    else:
        assert len(out) == n and all(0 <= s < 4 for s in out)
    it = iter(garbage)
    decoded = 0
    try:
        while True:
            bisect_decode(cdf, it)
            decoded += 1
    except CodingError as exc:
        # Either the bits ran out mid-token, or they took a turn no token's code takes (the
        # encoder always keeps the side with the larger aligned interval).
        msg = str(exc)
        assert "ended in the middle of a token" in msg or "not a bisection code" in msg
        if "ended" in msg:
            assert next(it, None) is None
    assert decoded <= len(garbage)  # every token took at least one bit


def test_truncated_stream_is_detected():
    rng = np.random.default_rng(3)
    cdfs, symbols = random_message(rng, 256, 2000, 1.0)
    bits = stream_encode(cdfs, symbols)
    with pytest.raises(CodingError):
        stream_decode(cdfs, bits[: len(bits) // 2])
    with pytest.raises(CodingError):
        bisect_decode_message(cdfs, bisect_encode_message(cdfs, symbols)[:-5])


def test_invalid_frequencies():
    with pytest.raises(ValueError, match="at least 1"):
        Cdf.of([3, 0, 1])
    with pytest.raises(ValueError, match="outside the vocabulary"):
        bisect_encode([1, 1], 2)
    with pytest.raises(ValueError, match="power of two"):
        bisect_encode([1, 2], 0)


@pytest.mark.parametrize("vocab", [14, 256])
def test_stream_length_matches_constriction(vocab):
    """Our code length is within 0.1% of constriction's range coder on the same frequencies."""
    constriction = pytest.importorskip("constriction")
    rng = np.random.default_rng(vocab)
    p = rng.dirichlet(np.ones(vocab) * 0.5, size=5000)
    freqs = quantize_probs(p)
    cdfs = [Cdf.of(f) for f in freqs]
    symbols = np.array([rng.choice(vocab, p=f / f.sum()) for f in freqs], dtype=np.int32)
    ours = len(stream_encode(cdfs, symbols.tolist()))
    enc = constriction.stream.queue.RangeEncoder()
    model = constriction.stream.model.Categorical(perfect=False)
    enc.encode(symbols, model, (freqs / freqs.sum(axis=1, keepdims=True)).astype(np.float64))
    theirs = enc.num_bits()
    assert abs(ours - theirs) <= 0.001 * theirs + 64


def test_a_packed_stream_decodes_in_blocks_as_the_list_does():
    """A payload of 300,000 bits crosses many blocks of held windows (WINDOW_BLOCK): read packed,
    as `lmviz decompress` reads a file, it decodes the same symbols as the bit list, and a
    truncated payload is refused, not looped over."""
    from lmviz.core.coding.arithmetic import WINDOW_BLOCK

    rng = np.random.default_rng(5)
    cdf = Cdf.of(quantize_probs(rng.dirichlet(np.ones(256))))
    symbols = rng.integers(0, 256, 40_000).tolist()
    bits = stream_encode([cdf] * len(symbols), symbols)
    assert len(bits) > 5 * WINDOW_BLOCK
    packed = pack_bits(bits)
    dec = Decoder(packed=packed, nbits=len(bits))
    assert [dec.decode_interval(cdf) for _ in symbols] == symbols
    listed, packed_dec = Decoder(bits), Decoder(packed=packed, nbits=len(bits))
    for _ in range(100):  # the records the UI draws: the bits each symbol read
        (s1, step1), (s2, step2) = listed.decode(cdf), packed_dec.decode(cdf)
        assert (s1, step1.bits) == (s2, step2.bits)
    short = Decoder(packed=packed[: len(packed) // 2], nbits=len(packed) // 2 * 8)
    with pytest.raises(CodingError):
        for _ in symbols:
            short.decode_interval(cdf)


def test_the_decoder_holds_a_block_of_windows_not_the_whole_stream():
    """Decoding a 2 MB payload allocates a few MB, not the 40 bytes a bit (640 MB) that one
    window per bit cost before: what bounds `lmviz decompress`'s memory."""
    import tracemalloc

    payload = np.random.default_rng(1).integers(0, 256, 2 << 20, dtype=np.uint8).tobytes()
    cdf = Cdf.of(quantize_probs(np.full(256, 1 / 256)))
    tracemalloc.start()
    try:
        dec = Decoder(packed=payload, nbits=len(payload) * 8)
        for _ in range(20_000):  # 160,000 bits: several blocks
            dec.decode_interval(cdf)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, peak
