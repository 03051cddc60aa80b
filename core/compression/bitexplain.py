"""`lmviz inspect`'s view of the bit mixer: each context's own distribution over the next
byte and the mixer's weight on it (bitmix.BitContextMixer.explain). It reads the state that
bitkernels.py's loops keep and inlines their slot and weight-set functions; numba's cache
knows only this file, so after a change to bitkernels.py delete both files' caches (the
`.nbi` and `.nbc` files beside them; docs/compressor.md)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .bitkernels import (
    _K,
    _NODE_IDX,
    _NODE_SLOT,
    WEIGHT_ROWS,
    _depth_weights,
    _find,
    _find_slots,
    _mixhash,
    _weight_sets,
)

_Q = (np.arange(4096) + 0.5) / 4096  # a state map's 12-bit probability, as _explain reads it
LNQ, LNQ0 = np.log(_Q), np.log(1 - _Q)  # ln of it and of its complement (tables: 3x faster)


@njit(cache=True, nogil=True)
def _explain(state, hashes, last2, match_byte, match_len, symbol, logp, path_w, first):
    """Into logp (C, 256) each context's own distribution over bytes (its state maps' p along
    the whole tree, as the tables stand before the update); into path_w (C + 1 or C + 2) the
    mixer's mean weight on it, then on the match input and a byte model's, along the real
    byte's path; into first (C,) its bit history at the first node."""
    table, sm, weights, seen = state[0], state[1], state[4], state[9]
    C, shift_bits = hashes.shape[0], 64 - int(np.log2(table.shape[1]))
    slots, rows = np.empty(17, dtype=np.int64), np.empty(C, dtype=np.int64)
    lp = np.empty(512, dtype=np.float64)
    wd = np.empty((8, weights.shape[1]), dtype=np.int64)
    _find_slots(table, hashes, 0, False, shift_bits, seen, rows)
    last2 = _depth_weights(last2, rows, match_byte, match_len, weights, wd)
    for c in range(C):
        slots[0] = rows[c]
        for hi1 in range(1, 17):  # the second nibble's slot under each high nibble
            slots[hi1] = _find(table, c, _mixhash(hashes[c] + np.uint64(hi1) * _K), False,
                               shift_bits, seen)
        first[c] = table[c, slots[0], 1] if slots[0] >= 0 else np.uint8(0)
        lp[1] = 0.0
        for n in range(1, 256):
            r = slots[_NODE_SLOT[n]]
            st = table[c, r, _NODE_IDX[n]] if r >= 0 else np.uint8(0)
            lp[2 * n + 1] = lp[n] + LNQ[sm[c, st] >> 4]
            lp[2 * n] = lp[n] + LNQ0[sm[c, st] >> 4]
        for b in range(256):
            logp[c, b] = lp[256 + b]
    for k in range(path_w.shape[0]):  # each context's weights, the match input's, the model's
        c = k if k <= C else C + 2  # (the bias, C + 1, is not shown)
        n, acc = 1, 0.0
        for depth in range(8):  # the node's weight and the three keyed by depth
            if state[12] == 2:  # each set's, by the final mixer's weight on it
                keyed = _weight_sets(last2, depth)
                for i in range(4):
                    row = n if i == 0 else keyed[i - 1]
                    acc += weights[WEIGHT_ROWS + n, i] / 65536.0 * weights[row, c] / 65536.0
            else:
                acc += (weights[n, c] + wd[depth, c]) / 65536.0
            n = 2 * n + ((symbol >> (7 - depth)) & 1)
        path_w[k] = acc / 8
