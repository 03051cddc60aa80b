"""Coder benchmark: encode/decode symbols per second and overhead in bits, ours beside constriction.

    python benchmarks/coder.py [--symbols N] [--json PATH]

Targets (issue 2): >= 200,000 symbols/s encode and decode at vocab 256 on one core; streaming
overhead <= 2 bits per message + 0.01%.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
from lmviz.core.coding import Cdf, Decoder, Encoder, bisect_encode
from lmviz.core.coding.quantize import quantize_probs


def bench(vocab: int, n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    # One model-like distribution per 1,000 symbols: the coder's cost, not the quantizer's.
    n_dist = max(1, n // 1000)
    freqs = quantize_probs(rng.dirichlet(np.ones(vocab) * 0.5, size=n_dist))
    cdfs = [Cdf.of(f) for f in freqs]
    which = rng.integers(n_dist, size=n)
    symbols = [int(rng.choice(vocab, p=freqs[w] / freqs[w].sum())) for w in which[:n_dist * 50]]
    symbols = (symbols * (n // len(symbols) + 1))[:n]
    seq = [cdfs[w] for w in which]
    ideal = sum(math.log2(c.total / (c.cum[s + 1] - c.cum[s])) for c, s in zip(seq, symbols))

    t0 = time.perf_counter()
    enc = Encoder()
    for c, s in zip(seq, symbols):
        enc.encode_interval(c.cum[s], c.cum[s + 1], c.total)
    bits = enc.finish()
    t1 = time.perf_counter()
    dec = Decoder(bits)
    out = [dec.decode_interval(c) for c in seq]
    t2 = time.perf_counter()
    assert out == symbols, "round trip failed"

    m = min(n, 20_000)
    t3 = time.perf_counter()
    enc2 = Encoder()
    for c, s in zip(seq[:m], symbols[:m]):
        enc2.encode(c, s)
    t4 = time.perf_counter()
    for c, s in zip(seq[: m // 4], symbols[: m // 4]):
        bisect_encode(c, s)
    t5 = time.perf_counter()

    row = {
        "vocab": vocab,
        "symbols": n,
        "encode_per_s": n / (t1 - t0),
        "decode_per_s": n / (t2 - t1),
        "encode_with_records_per_s": m / (t4 - t3),
        "bisection_traces_per_s": (m // 4) / (t5 - t4),
        "ideal_bits": ideal,
        "stream_bits": len(bits),
        "overhead_bits": len(bits) - ideal,
        "overhead_allowed": 2 + 1e-4 * ideal,
    }
    try:
        import constriction

        syms = np.array(symbols, dtype=np.int32)
        probs = (freqs[which] / freqs[which].sum(axis=1, keepdims=True)).astype(np.float64)
        model = constriction.stream.model.Categorical(perfect=False)
        t6 = time.perf_counter()
        cenc = constriction.stream.queue.RangeEncoder()
        cenc.encode(syms, model, probs)
        comp = cenc.get_compressed()
        t7 = time.perf_counter()
        cdec = constriction.stream.queue.RangeDecoder(comp)
        back = cdec.decode(model, probs)
        t8 = time.perf_counter()
        assert np.array_equal(back, syms)
        row.update(constriction_bits=cenc.num_bits(), constriction_encode_per_s=n / (t7 - t6),
                   constriction_decode_per_s=n / (t8 - t7))
    except ImportError:
        pass
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", type=int, default=200_000)
    ap.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = ap.parse_args()
    rows = [bench(v, args.symbols) for v in (14, 256)]
    print(f"{'vocab':>5} {'enc/s':>10} {'dec/s':>10} {'enc+rec/s':>10} {'ideal':>12} {'ours':>9} "
          f"{'overhead':>9} {'allowed':>8} {'constr.':>9} {'c enc/s':>10} {'c dec/s':>10}")
    for r in rows:
        print(f"{r['vocab']:>5} {r['encode_per_s']:>10,.0f} {r['decode_per_s']:>10,.0f} "
              f"{r['encode_with_records_per_s']:>10,.0f} {r['ideal_bits']:>12,.1f} "
              f"{r['stream_bits']:>9,} {r['overhead_bits']:>9.2f} {r['overhead_allowed']:>8.2f} "
              f"{r.get('constriction_bits', float('nan')):>9,} "
              f"{r.get('constriction_encode_per_s', float('nan')):>10,.0f} "
              f"{r.get('constriction_decode_per_s', float('nan')):>10,.0f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
