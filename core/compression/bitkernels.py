"""The bit mixer's compiled loops and their tables (bitmix.py holds the class that drives
them and the design). Every function numba compiles to code or decode lives in this one file:
numba's cache is invalidated only by a change to the file a function is in, so a kernel that
inlined one from another file could run stale after that file changed (`lmviz inspect`'s
_explain, in bitexplain.py, inlines this file's slot and weight-set functions: its cache is
deleted with these after a change here, as docs/compressor.md says)."""

from __future__ import annotations

import numpy as np
from numba import njit

# stretch(p) = ln(p / (1 - p)) for 12-bit p, scaled by 256 and clipped to +-2047; squash is its
# inverse on that range. Tables, so that everything after them is integer.
_P = (np.arange(4096) + 0.5) / 4096
STRETCH = np.clip(np.round(np.log(_P / (1 - _P)) * 256), -2047, 2047).astype(np.int32)
SQUASH = np.clip(np.round(4096 / (1 + np.exp(-np.arange(-2047, 2048) / 256))), 1, 4095).astype(np.int32)

LN = np.log(np.maximum(np.arange(4097), 1) / 4096)  # ln(p / 4096) for 12-bit p
LN16 = float(np.log(16))

# Node n of the byte tree (1..255; n = 1 followed by the bits seen so far): which hashed slot
# holds its history (0: the first nibble's, 1 + h: the second nibble's after high nibble h) and
# its place in that slot (1..15).
_NODE_SLOT, _NODE_IDX, _NODE_DEPTH = (np.zeros(256, dtype=np.int64) for _ in range(3))
for _n in range(1, 256):
    _d = _NODE_DEPTH[_n] = _n.bit_length() - 1
    if _d < 4:
        _NODE_SLOT[_n], _NODE_IDX[_n] = 0, _n
    else:
        _prefix = _n - (1 << _d)
        _NODE_SLOT[_n] = 1 + (_prefix >> (_d - 4))
        _NODE_IDX[_n] = (1 << (_d - 4)) | (_prefix & ((1 << (_d - 4)) - 1))

WEIGHT_LIMIT = 128 << 16
# The nibble slots' hash multiplier. Tables from other modules are passed in as arguments, never
# read as globals: numba freezes a global into the compiled code and its cache is invalidated
# only by a change to this file (a state table changed in bitcontexts.py once ran stale here).
_K = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, inline="always")
def _squash(d):
    return SQUASH[min(max(d, -2047), 2047) + 2047]


@njit(cache=True, inline="always")
def _mixhash(h):
    h = (h ^ (h >> np.uint64(31))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


@njit(cache=True, inline="always")
def _find(table, c, h, create, shift_bits, seen):
    """Row of context c's table holding hash h's slot (two places tried); -1 when absent and
    not ``create``. A new slot takes the place whose first node has seen less."""
    r0 = np.int64(h >> np.uint64(shift_bits))
    check = np.uint8((h >> np.uint64(8)) & np.uint64(0xFF)) | np.uint8(1)  # 0 marks empty
    r1 = r0 ^ 1
    if table[c, r0, 0] == check:
        return r0
    if table[c, r1, 0] == check:
        return r1
    if not create:
        return -1
    n0, n1 = seen[table[c, r0, 1]], seen[table[c, r1, 1]]
    r = r0 if (table[c, r0, 0] == 0 or n0 <= n1) else r1
    table[c, r, :] = 0
    table[c, r, 0] = check
    return r


# The model's state, one tuple that numba takes whole (as lpaq's Predictor holds its members):
# table (C, rows, 16) uint8 bit histories of each context's slots; sm, sm_n (C, states) each
# history's 16-bit probability of a 1 and how often it learned; sx (C, states) stretch(sm);
# weights (nodes + keyed sets; inputs: C contexts, the match model, the bias, a byte model's)
# int32; apm (rows, 33) uint16; match_sm, match_sm_n (64,) the match model's probability by
# length; nxt (states, 2) the next history; seen (states,) how much a history has seen;
# mixer_rate, sm_limit and layers (ints: layers 2, _mix2). BitContextMixer makes it.


@njit(cache=True, inline="always")
def _find_slots(table, hashes, hi1, create, shift_bits, seen, rows):
    """Every context's slot row: the first nibble's (hi1 = 0) or the second nibble's after
    high nibble hi1 - 1."""
    for c in range(hashes.shape[0]):
        rows[c] = _find(table, c, _mixhash(hashes[c] + np.uint64(hi1) * _K), create,
                        shift_bits, seen)


@njit(cache=True, inline="always")
def _weight_sets(last2, depth):
    """The three weight sets besides the node's, by bit depth and: the last byte, the byte before
    it, and the key _depth_weights puts above them in ``last2``. A node's weight sums its four."""
    return (256 + ((last2 & 255) << 3) + depth, 2304 + (((last2 >> 8) & 255) << 3) + depth,
            4352 + ((last2 >> 16) << 3) + depth)


MAX_CONTEXTS, MATCH_KEYS = 32, 4  # match keys: none, held under 16 bytes, under 32, longer
# 256 nodes, then the three keyed sets (with two layers, 256 rows more: _mix2's final mixer)
WEIGHT_ROWS = 4352 + 8 * (MAX_CONTEXTS + 1) * MATCH_KEYS


@njit(cache=True, inline="always")
def _depth_weights(last2, rows, match_byte, match_len, weights, out):
    """last2 with the third weight set's key above its two bytes (how many contexts were seen
    before, rows >= 0, as paq8 picks a mixer by order; how long the match has held), returned;
    out[d, j]: the three depth-keyed sets' weights summed (a node then adds only its own)."""
    known = 0
    for r in rows:
        known += r >= 0
    m = 0 if match_byte < 0 else (1 if match_len < 16 else (2 if match_len < 32 else 3))
    last2 = (last2 & 0xFFFF) | (np.int64(known * MATCH_KEYS + m) << 16)
    for d in range(8):
        a, b, c = _weight_sets(last2, d)
        for j in range(weights.shape[1]):
            out[d, j] = weights[a, j] + weights[b, j] + weights[c, j]
    return last2


@njit(cache=True, inline="always")
def _match_bit(n, depth, match_byte):
    """The match's next bit at node n; -1 without a match or where the byte so far disagrees."""
    if match_byte >= 0 and ((match_byte | 256) >> (8 - depth)) == n:
        return (match_byte >> (7 - depth)) & 1
    return -1


@njit(cache=True, inline="always")
def _match_input(n, depth, match_byte, match_len, match_sm):
    """The match model's input at node n: its next bit (_match_bit), stretched by how often a
    match of its length has been right (else 0)."""
    bit = _match_bit(n, depth, match_byte)
    if bit < 0:
        return 0
    st = STRETCH[match_sm[match_len] >> 4]
    return st if bit else -st


# The APMs' rows, one table: by (last byte, node); by (last two bytes, node) hashed to
# 2**APM2_LOG2; by (the match's length up to 31 and its expected bit, or none: 65 keys, node);
# with a byte model by (its stretched p at the node in 64 buckets, bit depth).
APM_ROWS, APM2_LOG2, MODEL_APM_ROWS = 65536, 16, 512
MATCH_APM = APM_ROWS + (1 << APM2_LOG2)
MODEL_APM = MATCH_APM + 65 * 256  # where the byte model's rows start


@njit(cache=True, inline="always")
def _apm_rows(apm, n, depth, last2, match_byte, match_len, model_p):
    """Node n's APM rows: the last byte's, then the last two's and the match's, or with a byte
    model the model's and -1 (model_p is empty without one: not read)."""
    r1 = np.int64(((last2 & 255) << 8) | n)
    if apm.shape[0] > MODEL_APM:
        return r1, np.int64(MODEL_APM + (((STRETCH[model_p[n]] + 2048) >> 6) << 3) + depth), -1
    bit = _match_bit(n, depth, match_byte)
    m = 0 if bit < 0 else 1 + 2 * min(match_len, 31) + bit
    h = (np.uint64(((last2 & 0xFFFF) << 8) | n) + np.uint64(1)) * _K  # the last two, hashed
    return r1, APM_ROWS + np.int64(h >> np.uint64(64 - APM2_LOG2)), np.int64(MATCH_APM + m * 256 + n)


@njit(cache=True, inline="always")
def _apm(apm, row, lo, w, target):
    """The APM's row at stretch position (lo, w) as a 12-bit p; then, with target >= 0, both
    buckets it read moved toward target (0 or 65535) in proportion to how much each counted."""
    p = (np.int64(apm[row, lo]) * (128 - w) + np.int64(apm[row, lo + 1]) * w) >> 11
    if target >= 0:
        apm[row, lo] += ((target - np.int64(apm[row, lo])) * (128 - w)) >> 11
        apm[row, lo + 1] += ((target - np.int64(apm[row, lo + 1])) * w) >> 11
    return p


@njit(cache=True, inline="always")
def _refine(n, dot, apm, last2, model_p, depth, match_byte, match_len):
    """The mixer's dot product to (pm: it squashed, its APM position, the final 12-bit p of a
    1): pm refined by each APM, each interpolating between two of 33 buckets of stretch(pm)."""
    pm = _squash(np.int32(dot >> 16))
    pos = STRETCH[pm] + 2048
    lo, w = pos >> 7, pos & 127
    r1, r2, r3 = _apm_rows(apm, n, depth, last2, match_byte, match_len, model_p)
    pa, pa2 = _apm(apm, r1, lo, w, -1), _apm(apm, r2, lo, w, -1)
    if r3 < 0:  # with a byte model: pa2 by its p
        return pm, pos, min(max((2 * pm + 3 * pa + 3 * pa2) >> 3, 1), 4095)
    return pm, pos, min(max((pm + pa + 3 * pa2 + 3 * _apm(apm, r3, lo, w, -1)) >> 3, 1), 4095)


@njit(cache=True, inline="always")
def _node(state, n, rows, wd, last2, match_byte, match_len, model_p, states, xs):
    """Node n (slots ``rows``, depth-keyed weights ``wd``): (pm, its APM position, the 12-bit p
    of a 1); states and mixer inputs into ``states`` and ``xs`` for the update. ``model_p``: a
    byte model's p(1) at each node, read where the weights have its column C + 2."""
    table, _, _, sx, weights, apm, match_sm = state[:7]
    C, K, idx, depth, dot = rows.shape[0], weights.shape[1], _NODE_IDX[n], _NODE_DEPTH[n], 0
    for c in range(C):  # (one layer: the dot product as the inputs are read)
        r = rows[c]
        st = table[c, r, idx] if r >= 0 else np.uint8(0)
        states[c], xs[c] = st, sx[c, st]
        dot += np.int64(weights[n, c] + wd[depth, c]) * xs[c]
    xs[C], xs[C + 1] = _match_input(n, depth, match_byte, match_len, match_sm), 256
    if K > C + 2:  # the byte model's input
        xs[C + 2] = STRETCH[model_p[n]]
    for j in range(C, K):
        dot += np.int64(weights[n, j] + wd[depth, j]) * xs[j]
    if state[12] == 2:
        dot = _mix2(weights, n, _weight_sets(last2, depth), xs, K)
    return _refine(n, dot, apm, last2, model_p, depth, match_byte, match_len)


@njit(cache=True, inline="always")
def _mix2(weights, n, keyed, xs, K):
    """Two layers (paq8's): each of the node's four weight sets mixes the K inputs alone, its
    output into xs[K + i]; row WEIGHT_ROWS + n mixes those four. Returns the final dot."""
    dot = np.int64(0)
    for i in range(4):
        row = n if i == 0 else keyed[i - 1]
        d = np.int64(0)
        for j in range(K):
            d += np.int64(weights[row, j]) * xs[j]
        xs[K + i] = x = min(max(d >> 16, -2047), 2047)
        dot += np.int64(weights[WEIGHT_ROWS + n, i]) * x
    return dot


@njit(cache=True, inline="always")
def _move(weights, row, xs, K, e):
    """Weight row ``row`` moved by error ``e`` (fixed point, 1.0 = 65536; kept within +-128)."""
    for j in range(K):
        d = (np.int64(xs[j]) * e) >> 16
        weights[row, j] = min(max(weights[row, j] + d, -WEIGHT_LIMIT), WEIGHT_LIMIT)


@njit(cache=True, inline="always")
def _nibble(state, top, rows, wd, last2, match_byte, match_len, model_p, dot, wt, nodes, lp,
            states, xs):
    """ln P of the 16 paths below nibble root ``top`` (1, or 16 + the high nibble) into lp, as
    _node computes its 15 nodes but context by context, each context's row read once (the same
    integers summed in another order: the same bits); with two layers by _node itself."""
    table, _, _, sx, weights, apm, match_sm = state[:7]
    C = rows.shape[0]
    base = 0 if top == 1 else 4
    for i in range(1, 16):
        dot[i] = 0
        nodes[i] = n = (top << _NODE_DEPTH[i]) | (i - (1 << _NODE_DEPTH[i]))
        if state[12] == 2:
            _, _, p = _node(state, n, rows, wd, last2, match_byte, match_len, model_p, states, xs)
            lp[2 * n + 1], lp[2 * n] = lp[n] + LN[p], lp[n] + LN[4096 - p]
    if state[12] == 2:
        return
    for c in range(weights.shape[1]):  # each node's summed weights, input by input
        for i in range(1, 16):
            wt[c, i] = weights[nodes[i], c] + wd[base + _NODE_DEPTH[i], c]
    for c in range(C):
        r = rows[c]
        if r >= 0:
            for i in range(1, 16):
                dot[i] += wt[c, i] * sx[c, table[c, r, i]]
        else:
            x = sx[c, 0]
            for i in range(1, 16):
                dot[i] += wt[c, i] * x
    for i in range(1, 16):
        n = nodes[i]
        xm = _match_input(n, base + _NODE_DEPTH[i], match_byte, match_len, match_sm)
        x = dot[i] + wt[C, i] * xm + wt[C + 1, i] * 256
        x += wt[C + 2, i] * STRETCH[model_p[n]] if weights.shape[1] > C + 2 else 0
        _, _, p = _refine(n, x, apm, last2, model_p, base + _NODE_DEPTH[i], match_byte,
                          match_len)
        lp[2 * n + 1] = lp[n] + LN[p]
        lp[2 * n] = lp[n] + LN[4096 - p]


@njit(cache=True, nogil=True)
def _predict(state, hashes, last2, match_byte, match_len, model_p, logp, floor):
    """ln P of each byte into logp (256,): the second nibble's nodes only under high nibbles at
    least ``floor`` likely (ln; the others' bytes share it evenly: 4x fewer nodes). Reads the
    tables only: `_code_byte` evaluates the byte's eight nodes again."""
    table, weights, seen = state[0], state[4], state[9]
    C, shift_bits = hashes.shape[0], 64 - int(np.log2(table.shape[1]))
    rows = np.empty(C, dtype=np.int64)
    lp = np.empty(512, dtype=np.float64)
    wd = np.empty((8, weights.shape[1]), dtype=np.int64)
    dot, nodes = np.empty(16, dtype=np.int64), np.empty(16, dtype=np.int64)
    wt = np.empty((weights.shape[1], 16), dtype=np.int64)
    states, xs = np.empty(C, dtype=np.uint8), np.empty(weights.shape[1] + 4, dtype=np.int32)
    _find_slots(table, hashes, 0, False, shift_bits, seen, rows)
    last2 = _depth_weights(last2, rows, match_byte, match_len, weights, wd)
    lp[1] = 0.0
    _nibble(state, 1, rows, wd, last2, match_byte, match_len, model_p, dot, wt, nodes, lp,
            states, xs)
    for hi in range(16):
        top = 16 + hi
        if lp[top] < floor:
            for b in range(16):
                logp[hi * 16 + b] = lp[top] - LN16
            continue
        _find_slots(table, hashes, hi + 1, False, shift_bits, seen, rows)
        _nibble(state, top, rows, wd, last2, match_byte, match_len, model_p, dot, wt, nodes,
                lp, states, xs)
        for b in range(16):
            logp[hi * 16 + b] = lp[256 + hi * 16 + b]


@njit(cache=True, inline="always")
def _learn(state, byte, hashes, last2, match_byte, match_len, model_p, rows, wd, states, xs):
    """Learn from the byte's eight nodes, each evaluated again after the learning above it
    (``wd``, from before the byte, holds: a node moves only its own depth's sets)."""
    table, sm, sm_n, sx, weights, apm, match_sm, match_sm_n, nxt, seen, mixer_rate, sm_limit = state[:12]
    C, shift_bits = hashes.shape[0], 64 - int(np.log2(table.shape[1]))
    hi, n = byte >> 4, 1
    _find_slots(table, hashes, 0, True, shift_bits, seen, rows)
    for depth in range(8):
        bit = (byte >> (7 - depth)) & 1
        if depth == 4:
            _find_slots(table, hashes, hi + 1, True, shift_bits, seen, rows)
        pm, pos, _ = _node(state, n, rows, wd, last2, match_byte, match_len, model_p, states, xs)
        idx = _NODE_IDX[n]
        for c in range(C):
            st = states[c]
            # the state map: this history's probability of a 1, learned 1/n then steadily
            k = sm_n[c, st]
            sm[c, st] += ((bit << 16) - sm[c, st]) * 2 // (2 * k + 3)
            sx[c, st] = STRETCH[sm[c, st] >> 4]
            if k < sm_limit:
                sm_n[c, st] = k + 1
            r = rows[c]
            table[c, r, idx] = nxt[table[c, r, idx], bit]
        err = ((bit << 12) - pm) * mixer_rate
        keyed, K = _weight_sets(last2, depth), weights.shape[1]
        for i in range(4):
            row = n if i == 0 else keyed[i - 1]
            if state[12] == 2:  # (_mix2) each set by its own output's error, the final mixer by
                x = np.int64(xs[K + i])  # the final one at half the rate
                _move(weights, row, xs, K, ((bit << 12) - _squash(x)) * mixer_rate)
                w = weights[WEIGHT_ROWS + n, i] + ((x * err) >> 17)
                weights[WEIGHT_ROWS + n, i] = min(max(w, -WEIGHT_LIMIT), WEIGHT_LIMIT)
            else:
                _move(weights, row, xs, K, err)
        if xs[C] != 0:
            expected = (match_byte >> (7 - depth)) & 1
            k = match_sm_n[match_len]
            match_sm[match_len] += (((expected == bit) << 16) - match_sm[match_len]) * 2 // (2 * k + 3)
            if k < 1023:
                match_sm_n[match_len] = k + 1
        for row in _apm_rows(apm, n, depth, last2, match_byte, match_len, model_p):
            if row >= 0:
                _apm(apm, row, pos >> 7, pos & 127, bit * 65535)  # (uint16: not 65536)
        n = 2 * n + bit


# The binary arithmetic coder (lpaq1's, exact to 64 bits): [x1, x2] split at xmid in proportion
# to the 12-bit p of a 1; a leading byte both ends share goes out. coder: x1, x2, the decoder's
# x, the position in buf (the encoder counts bytes past its end without writing them).
@njit(cache=True, inline="always")
def _code_bit(coder, buf, bit, p, decode):
    x1, x2 = coder[0], coder[1]
    xmid = x1 + (((x2 - x1) * p) >> 12)  # 64-bit: lpaq's ((x2 - x1) >> 12) * p lost 0.13%
    if decode:
        bit = 1 if coder[2] <= xmid else 0
    if bit:
        x2 = xmid
    else:
        x1 = xmid + 1
    while ((x1 ^ x2) & 0xFF000000) == 0:
        pos = coder[3]
        if decode:
            coder[2] = ((coder[2] << 8) & 0xFFFFFFFF) | (buf[pos] if pos < buf.shape[0] else 255)
        elif pos < buf.shape[0]:
            buf[pos] = x2 >> 24
        coder[3] = pos + 1
        x1 = (x1 << 8) & 0xFFFFFFFF
        x2 = ((x2 << 8) & 0xFFFFFFFF) | 255
    coder[0], coder[1] = x1, x2
    return bit


@njit(cache=True, nogil=True)
def _code_byte(state, hashes, last2, match_byte, match_len, model_p, byte, coder, buf, decode,
               probs):
    """Code (or decode) the next byte bit by bit, each with its node's 12-bit p (into probs) as
    the tables stand before the byte (what _predict computes for its path: the byte costs what
    `lmviz inspect` shows); then learn from it (_learn). Returns the byte."""
    table, weights, seen = state[0], state[4], state[9]
    C, shift_bits = hashes.shape[0], 64 - int(np.log2(table.shape[1]))
    rows, states = np.empty(C, dtype=np.int64), np.empty(C, dtype=np.uint8)
    wd = np.empty((8, weights.shape[1]), dtype=np.int64)
    xs = np.empty(weights.shape[1] + 4, dtype=np.int32)  # (the two layers' outputs last)
    _find_slots(table, hashes, 0, False, shift_bits, seen, rows)
    last2 = _depth_weights(last2, rows, match_byte, match_len, weights, wd)
    n = 1
    for depth in range(8):
        if depth == 4:  # n is 16 + the high nibble
            _find_slots(table, hashes, n - 15, False, shift_bits, seen, rows)
        _, _, p = _node(state, n, rows, wd, last2, match_byte, match_len, model_p, states, xs)
        probs[depth] = p
        n = 2 * n + _code_bit(coder, buf, (byte >> (7 - depth)) & 1, p, decode)
    _learn(state, n - 256, hashes, last2, match_byte, match_len, model_p, rows, wd, states, xs)
    return n - 256
