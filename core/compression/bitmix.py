"""Context mixing by bits, as lpaq and paq8 do it, turned into a distribution over bytes.

Each byte is the path from the root of a binary tree (255 inner nodes) to one of 256 leaves. At
every node each context model says how likely a 1 is, from a *bit history* it keeps for its
context (how many 0s and 1s came after it, recent ones weighing more) mapped to a probability
that is itself learned (an indirect model); a mixer, its weights chosen by the bits of the byte
so far, combines them in the stretched domain (ln p/(1-p)); an adaptive probability map (APM/SSE)
refines the result by the previous byte. The probability of a byte is the product of its eight
bits' probabilities. `lmviz compress` evaluates the eight nodes of the byte's path as the tables
stand before the byte, coding each bit with its 12-bit probability (bitkernels._code_byte), then
learns on them, evaluating each again as it learns. `predict` evaluates the whole tree the same
way (the first nibble's 15 nodes, and the second nibble's under every high nibble at least 1/512
likely: on average 75 of the 255 on English, 45 on JSON, 167 on an ELF): the distribution over
bytes that `lmviz inspect` shows, in which the real byte has the probability it was coded with.

Everything here is integer arithmetic (tables of uint8 states, 16-bit probabilities, fixed-point
mixer weights), so both sides compute the same numbers on any machine; only `predict`'s
log-probabilities, for the screen, are floating point.

The per-bit loops (bitkernels.py) run under numba: in numpy they would cost a thousand array calls a byte. They
release the interpreter's lock, so the UI thread can draw while the inspect screen's worker is
inside them.
"""

from __future__ import annotations

import numpy as np

from .bitcontexts import (
    NEXT_STATE,
    ORDER,
    STATE_COUNTS,
    STATES,
    context_parts,
    hash_contexts,
    next_words,
    part_table,
)
from .bitexplain import _explain
from .bitkernels import (
    MAX_CONTEXTS,
    MODEL_APM,
    MODEL_APM_ROWS,
    SQUASH,
    STRETCH,
    WEIGHT_ROWS,
    _code_byte,
    _predict,
)

# Starting weights with a byte model: the model's 1.0, each context's 0.1, so a short message is
# coded at about the model's own rate from its first byte (at 0.3 each, as without a model, the
# mix flattened the model's odds to a third: the 34 benchmark sentences, each alone, 3.91 bits
# a character -> 2.90; on 50 KB of prose the weights have learned either way: 1.6848 -> 1.6843).
MODEL_WEIGHT = 65536
CONTEXT_WEIGHT_WITH_MODEL = 65536 // 10


class BitContextMixer:
    """Context mixing by bits over one file: contexts of the last k bytes for k in ``orders``,
    skip contexts (``skips``) given as the distances of the bytes they take (``(16, 1)``: the
    byte one record of 16 above and the byte just before), with ``words`` the word being
    written, alone and after the last word, with ``lines`` the line column, with ``record`` a
    fixed-record table's columns (bitcontexts.context_parts lists them). With ``model_input``
    the mixer takes one input more: a byte model's probability of each bit (bytemodel.py),
    passed as ``model_p`` to every call (an empty array without it)."""

    def __init__(self, orders: tuple[int, ...], skips: tuple[tuple[int, ...], ...], words: bool,
                 rows_log2: int = 18, mixer_rate: int = 16, sm_limit: int = 255,
                 floor: float = 1 / 512, record: int = 0, lines: bool = False,
                 model_input: bool = False, layers: int = 1) -> None:
        self.parts = context_parts(orders, skips, words, record, lines)
        self.names = [p.name for p in self.parts]
        self._parts = part_table(self.parts)
        contexts = len(self.parts)
        assert contexts <= MAX_CONTEXTS, "the weight set keyed by contexts seen has MAX_CONTEXTS"
        self.C = contexts
        self.record = record
        width = max([len(d) for d in skips], default=1)
        self.skips = np.zeros((len(skips), width), dtype=np.int64)
        for i, d in enumerate(skips):
            self.skips[i, : len(d)] = d
        self.words = words
        self.word = np.zeros(2, dtype=np.uint64)  # the word being written, the last word
        self.hashes = np.zeros(contexts, dtype=np.uint64)  # the next byte's contexts
        self.last2 = 0  # the last two bytes (the APM's and the weight sets' key)
        # np.zeros is lazily mapped memory: a small file touches few of these pages
        table = np.zeros((contexts, 1 << rows_log2, 16), dtype=np.uint8)
        _small_pages(table, [c for c, p in enumerate(self.parts) if p.kind == ORDER and p.arg <= 1])
        n0 = STATE_COUNTS[:, 0].astype(np.int64)
        n1 = STATE_COUNTS[:, 1].astype(np.int64)
        seen = n0 + n1  # (states,) how much each history has seen: who keeps a slot
        init = ((n1 * 2 + 1) * 65536 // (2 * (n0 + n1) + 2)).astype(np.int64)
        sm = np.tile(init, (contexts, 1))  # (C, states) 16-bit probability of a 1
        sm_n = np.zeros((contexts, STATES), dtype=np.int64)
        sx = STRETCH[sm >> 4]  # (C, states) stretch(sm), kept in step with it
        self.layers = layers
        weights, apm = _mixing(contexts, model_input, layers)
        match_sm = np.full(64, 65536 * 3 // 4, dtype=np.int64)
        match_sm_n = np.zeros(64, dtype=np.int64)
        # The kernels' state, in bitkernels' order.
        self.state = (table, sm, sm_n, sx, weights, apm, match_sm, match_sm_n, NEXT_STATE, seen,
                      mixer_rate, sm_limit, layers)
        self.table, self.sm, self.weights = table, sm, weights
        self.floor = float(np.log(floor))

    def forget_mixing(self) -> None:
        """Back to the starting weights and APMs, the state maps learning fast again (their
        counts at zero), the bit histories and what the state maps hold kept: how the blocked
        form's lane goes on to its next block. The tables and state maps carry what one block
        teaches the next of its kind; weights tuned to the block before cost the next one
        more than they give (the 100 MB set's block 13 after block 11: 598,008 bytes with
        everything carried, 511,486 so, 513,819 alone; block 5 after 3: 860,405, 859,822 and
        888,145)."""
        table, sm, sm_n, sx, weights, apm, match_sm, match_sm_n = self.state[:8]
        weights[:], apm[:] = _mixing(self.C, weights.shape[1] > self.C + 2, self.layers)
        sm_n[:] = 0
        match_sm_n[:] = 0

    def hash(self, history: np.ndarray, t: int) -> None:
        """Every context's hash for byte t of ``history`` (uint8, the bytes so far)."""
        self.last2 = hash_contexts(history, t, self._parts, self.skips, self.word, self.record,
                                   self.hashes)

    def distribution(self, match_byte: int, match_len: int, model_p: np.ndarray) -> np.ndarray:
        """ln P over the next byte (256,), float32, once `hash` has run for it (match_byte -1
        where the match model has none; match_len at most 63)."""
        logp = np.empty(256, dtype=np.float32)
        _predict(self.state, self.hashes, self.last2, match_byte, match_len, model_p, logp,
                 self.floor)
        return logp

    def code_byte(self, match_byte: int, match_len: int, model_p: np.ndarray, byte: int,
                  coder: np.ndarray, buf: np.ndarray, decode: bool, probs: np.ndarray) -> int:
        """Code (or decode) the next byte after `hash`, and learn from it
        (bitkernels._code_byte; ``match_len`` at most 63); returns the byte."""
        byte = _code_byte(self.state, self.hashes, self.last2, match_byte, match_len, model_p,
                          byte, coder, buf, decode, probs)
        if self.words:
            next_words(byte, self.word)
        return byte

    def explain(self, symbol: int, match_byte: int, match_len: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the next byte, which was ``symbol`` (before it is coded): each context's own
        ln P over bytes (C, 256), the mixer's mean weight on it along the byte's path (C + 1
        or C + 2: then the match input's and the byte model's), and how often its context was seen with how many
        different bits at the first node: (C, 2) counts (n0, n1)."""
        logp = np.empty((self.C, 256), dtype=np.float64)
        path_w = np.empty(self.C + 1 + (self.weights.shape[1] > self.C + 2), dtype=np.float64)
        first = np.empty(self.C, dtype=np.uint8)
        _explain(self.state, self.hashes, self.last2, match_byte, match_len, symbol, logp, path_w,
                 first)
        return logp.astype(np.float32), path_w, STATE_COUNTS[first]


def _small_pages(table: np.ndarray, contexts: list[int]) -> None:
    """Contexts ``contexts`` of ``table`` without transparent huge pages: numpy asks for them on
    every large array, and orders 0 and 1 touch a few hundred rows scattered over their 32 MB
    (at 2**21 rows), each of which then holds 2 MB: 60 MB a mixer for 70 KB of histories. The
    other contexts fill their tables, where huge pages save the TLB's misses. Linux only; the
    bits are the same either way."""
    import ctypes
    import mmap

    advice = getattr(mmap, "MADV_NOHUGEPAGE", None)
    if advice is None or not table.flags.c_contiguous:
        return
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    page, each = mmap.PAGESIZE, table[0].nbytes
    for c in contexts:
        start = table.ctypes.data + c * each
        lo, hi = -(-start // page) * page, (start + each) // page * page  # whole pages inside
        if hi > lo:
            madvise(lo, hi - lo, advice)


def _mixing(contexts: int, model_input: bool, layers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The starting weights and APMs. Weight sets: one per node, then the three keyed by bit
    depth (bitkernels._weight_sets), starting at zero; a node's weights are the sum of its
    four. With two layers (bitkernels._mix2) every set starts as the node's and the final
    mixer at a quarter each. An APM starts as the identity: bucket j holds squash of its
    stretch value."""
    weights = np.zeros((WEIGHT_ROWS + 256 * (layers == 2), contexts + 2 + model_input),
                       dtype=np.int32)
    sets = WEIGHT_ROWS if layers == 2 else 256  # the rows that start as a node's
    weights[:sets, :contexts] = CONTEXT_WEIGHT_WITH_MODEL if model_input else 65536 * 3 // 10
    weights[:sets, contexts] = 65536 // 2
    weights[WEIGHT_ROWS:, :4] = 65536 // 4
    if model_input:
        weights[:sets, contexts + 2] = MODEL_WEIGHT
    ident = np.array([SQUASH[np.clip(j * 128 - 2048, -2047, 2047) + 2047] * 16
                      for j in range(33)], dtype=np.uint16)
    # tiled as uint16: no 17 MB int64 copy
    apm = np.tile(ident, (MODEL_APM + MODEL_APM_ROWS * model_input, 1))
    return weights, apm
