"""The integer forward pass of a byte model (bytemodel.py holds the design and the class
that drives it). Every function numba compiles for the byte model lives in this one file, with
the constants it reads: numba's cache is invalidated only by a change to the file a function
is in."""

from __future__ import annotations

import numpy as np
from numba import njit

FRAC = 12  # fixed point of activations: Q12
MUL_BITS = 30  # fixed point of a row's multiplier (its weights' scale)
EXP_STEP = 8  # the exp table's step: 2**-8
EXP_RANGE = 24  # ... down to exp(-24); below it a weight is 0
GELU_STEP = 6  # the GELU table's step: 2**-6
GELU_RANGE = 8  # ... over [-8, 8); GELU(x) = x above it, 0 below
LN_EPS = 1e-5  # torch.nn.LayerNorm's


@njit(cache=True, inline="always")
def _isqrt(n):
    """floor(sqrt(n)) for n >= 0, by Newton's method on integers."""
    if n < 2:
        return n
    x = np.int64(1) << np.int64(((64 - _clz(n)) + 1) // 2)
    while True:
        y = (x + n // x) >> 1
        if y >= x:
            return x
        x = y


@njit(cache=True, inline="always")
def _clz(n):
    c = 0
    while c < 64 and (n >> (63 - c)) & 1 == 0:
        c += 1
    return c


@njit(cache=True, inline="always")
def _layer_norm(x, g, b, eps, out):
    d = x.shape[0]
    s = np.int64(0)
    for i in range(d):
        s += x[i]
    mean = s // d
    v = np.int64(0)
    for i in range(d):
        c = x[i] - mean
        v += c * c
    std = _isqrt(v // d + eps)  # Q12
    for i in range(d):
        n = ((x[i] - mean) << FRAC) // std
        out[i] = ((n * g[i]) >> FRAC) + b[i]


@njit(cache=True, nogil=True)
def _dot_rows(w, x16, acc):
    """acc[i] = w[i] . x16 in int32 (a separate kernel: inlined, numba widens the sums to
    int64 and runs 3x slower)."""
    rows, cols = w.shape
    for i in range(rows):
        a = np.int32(0)
        for j in range(cols):
            a += np.int32(w[i, j]) * np.int32(x16[j])
        acc[i] = a


@njit(cache=True, inline="always")
def _linear(x, w, mul, bias, out, x16, acc):
    """out = w @ x + bias: x (Q12) to int16 by a right shift s chosen from its largest
    magnitude, int32 sums (_dot_rows), then each row's multiplier (Q30) and the shift back."""
    m = np.int64(0)
    for j in range(x.shape[0]):
        a = x[j] if x[j] >= 0 else -x[j]
        if a > m:
            m = a
    s = 0
    while (m >> s) > 16383:
        s += 1
    n = x.shape[0]
    for j in range(n):
        x16[j] = np.int16(x[j] >> s)
    rows = w.shape[0]
    _dot_rows(w, x16[:n], acc[:rows])
    shift = MUL_BITS - s
    half = np.int64(1) << (shift - 1)
    for i in range(rows):
        out[i] = ((np.int64(acc[i]) * mul[i] + half) >> shift) + bias[i]


@njit(cache=True, inline="always")
def _exp_neg(dq, exp_t):
    """2**30 * exp(-dq / 2**12) for dq >= 0, interpolated in the table."""
    sh = FRAC - EXP_STEP
    k = dq >> sh
    if k >= exp_t.shape[0] - 1:
        return np.int64(0)
    f = dq & ((1 << sh) - 1)
    return exp_t[k] - (((exp_t[k] - exp_t[k + 1]) * f) >> sh)


@njit(cache=True, inline="always")
def _shift_for(v, lo, hi, limit):
    """The right shift that brings v[lo:hi] within +-limit."""
    m = np.int64(0)
    for i in range(lo, hi):
        a = v[i] if v[i] >= 0 else -v[i]
        if a > m:
            m = a
    s = 0
    while (m >> s) > limit:
        s += 1
    return s


@njit(cache=True, nogil=True)
def _attend(qkv, keys, kshift, values, vshift, pos, inv_sqrt, exp_t, att, q16, dots, y):
    """Causal self-attention of position ``pos``, every head, into y (Q12). keys and values
    are (heads, positions, head width): the position's key and value join them as int16 with
    a right shift each, a key within 2**12 (so a 64-term int32 dot product cannot overflow),
    a value within 2**15 (its weight is Q15, the product int32)."""
    d = y.shape[0]
    n_head, _, hd = keys.shape
    for hh in range(n_head):
        o = hh * hd
        sk = _shift_for(qkv, d + o, d + o + hd, 4095)
        sv = _shift_for(qkv, 2 * d + o, 2 * d + o + hd, 32767)
        kshift[hh, pos] = sk
        vshift[hh, pos] = sv
        for i in range(hd):
            keys[hh, pos, i] = np.int16(qkv[d + o + i] >> sk)
            values[hh, pos, i] = np.int16(qkv[2 * d + o + i] >> sv)
        sq = _shift_for(qkv, o, o + hd, 4095)
        for i in range(hd):
            q16[i] = np.int16(qkv[o + i] >> sq)
        _dot_rows(keys[hh, : pos + 1], q16[:hd], dots[: pos + 1])
        top = np.int64(-(1 << 62))
        for j in range(pos + 1):
            sc = (((np.int64(dots[j]) << (sq + kshift[hh, j])) >> FRAC) * inv_sqrt) >> 16
            att[j] = sc  # Q12
            if sc > top:
                top = sc
        tot = np.int64(0)
        for j in range(pos + 1):
            e = _exp_neg(top - att[j], exp_t) >> 15  # Q15
            att[j] = e
            tot += e
        for i in range(hd):
            y[o + i] = 0
        for j in range(pos + 1):
            a = np.int32(att[j])
            sv = vshift[hh, j]
            for i in range(hd):
                y[o + i] += np.int64(np.int32(a * np.int32(values[hh, j, i]))) << sv
        for i in range(hd):
            y[o + i] = y[o + i] // tot


@njit(cache=True, nogil=True)
def _step(params, keys, kshift, values, vshift, token, pos, logits, scratch):
    """One token through the model at position ``pos`` (keys and values of the positions
    before it cached); the next token's logits (Q12) over the 256 bytes into ``logits``."""
    (tok, place, g1, b1, g2, b2, wqkv, mqkv, bqkv, wo, mo, bo, w1, m1, b1m, w2, m2, b2m,
     gf, bf, wh, mh, exp_t, gelu_t, eps, inv_sqrt, n_head) = params
    x, h, qkv, u, x16, att, y, acc, zero, q16 = scratch
    d = x.shape[0]
    for i in range(d):
        x[i] = tok[token, i] + place[pos, i]
    for layer in range(wqkv.shape[0]):
        _layer_norm(x, g1[layer], b1[layer], eps, h)
        _linear(h, wqkv[layer], mqkv[layer], bqkv[layer], qkv, x16, acc)
        _attend(qkv, keys[layer], kshift[layer], values[layer], vshift[layer], pos, inv_sqrt,
                exp_t, att, q16, acc, y)
        _linear(y, wo[layer], mo[layer], bo[layer], h, x16, acc)
        for i in range(d):
            x[i] += h[i]
        _layer_norm(x, g2[layer], b2[layer], eps, h)
        _linear(h, w1[layer], m1[layer], b1m[layer], u, x16, acc)
        lo = -(GELU_RANGE << FRAC)
        sh = FRAC - GELU_STEP
        for i in range(u.shape[0]):
            v = u[i]
            if v >= -lo:
                continue
            if v < lo:
                u[i] = 0
                continue
            k = (v - lo) >> sh
            f = (v - lo) & ((1 << sh) - 1)
            u[i] = gelu_t[k] + (((gelu_t[k + 1] - gelu_t[k]) * f) >> sh)
        _linear(u, w2[layer], m2[layer], b2m[layer], h, x16, acc)
        for i in range(d):
            x[i] += h[i]
    _layer_norm(x, gf, bf, eps, h)
    _linear(h, wh, mh, zero, logits, x16, acc)


@njit(cache=True, nogil=True)
def _node_probs(logits, exp_t, nodes):
    """Each node's 12-bit probability of a 1 (clamped to 1..4095) from the byte logits: the
    softmax's weights summed over each node's subtree, as integers."""
    top = logits[0]
    for b in range(256):
        if logits[b] > top:
            top = logits[b]
    tree = np.empty(512, dtype=np.int64)
    for b in range(256):
        tree[256 + b] = (_exp_neg(top - logits[b], exp_t) >> 6) + 1  # never 0; < 2**25
    for n in range(255, 0, -1):
        tree[n] = tree[2 * n] + tree[2 * n + 1]
    for n in range(1, 256):
        p = (tree[2 * n + 1] << 12) // tree[n]
        nodes[n] = min(max(p, 1), 4095)
