"""The shape of a fixed-record table (its row length, for the bit mixer's column contexts), and
the log buckets that the match model's lengths and the inspect screen's counts fall into. (The
contexts themselves are in bitcontexts.py.)

Numpy only, and fully determined by the bytes already coded, so Alice and Bob agree (the inspect
screen reads the bucket constants without numba).

* `record_length`: the row length of a table of fixed-size records, for the bit mixer's column
  contexts.
* `log_bucket`: 0, 1, 2-3, 4-7, ...: the match model's lengths and how often a context was seen.
"""

from __future__ import annotations

import numpy as np

# How often a bit context was seen (`lmviz inspect`'s label): 0, 1, 2-3, 4-7, ...; and each
# again where its first bit has always been the same.
SEEN_BUCKETS = 8
# Match length buckets: 0 = no match, then 1, 2, 3-4, 5-8, 9-16, 17-32, > 32 bytes verified.
MATCH_BUCKETS = 8


def log_bucket(n: np.ndarray, buckets: int) -> np.ndarray:
    """0 for 0, else 1 + floor(log2 n), capped: 1 -> 1, 2-3 -> 2, 4-7 -> 3, ..."""
    out = np.zeros(n.shape, dtype=np.int64)
    pos = n > 0
    out[pos] = np.minimum(buckets - 1, 1 + np.floor(np.log2(n[pos])).astype(np.int64))
    return out


def record_length(data: bytes, longest: int = 512, sample: int = 1 << 16) -> int:
    """The row length of a table of fixed-size records (0: none found), from how often a byte
    equals the byte r before it on the file's first 64 KB. The smallest r within 5% of the best
    wins (a record of 16 bytes also repeats at 32 and 48), and it must stand out: at least 10% of
    bytes equal their neighbour above, twice the median rate over every r."""
    x = np.frombuffer(data[:sample], dtype=np.uint8)
    if len(x) < 4 * longest:
        return 0
    rates = np.array([np.mean(x[r:] == x[:-r]) for r in range(1, longest + 1)])
    best = rates[1:].max()  # r = 1 is the order-1 model's job
    if best < 0.1 or best < 2 * np.median(rates):
        return 0
    return int(np.flatnonzero(rates[1:] >= 0.95 * best)[0]) + 2
