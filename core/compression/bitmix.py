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
log-probabilities, for the screen, are floating point. The tables and kernels take S streams
side by side (the tests use two, to check what streams share); the compressor codes one.

The per-bit loops (bitkernels.py) run under numba: in numpy they would cost a thousand array calls a byte. They
release the interpreter's lock, so the UI thread can draw while the inspect screen's worker is
inside them.
"""

from __future__ import annotations

import numpy as np

from .bitcontexts import NEXT_STATE, STATE_COUNTS, STATES, context_names, hash_contexts, next_words
from .bitkernels import SQUASH, STRETCH, _code_byte, _explain, _predict, _update


class BitContextMixer:
    """Context mixing by bits for ``streams`` streams at once, sharing every table: contexts
    of the last k bytes for k in ``orders``, skip contexts (``skips``) given as the distances of the
    bytes they take (``(16, 1)``: the byte one record of 16 above and the byte just before),
    and with ``words`` the word being written, alone and after the last word."""

    def __init__(self, orders: tuple[int, ...], skips: tuple[tuple[int, ...], ...], words: bool,
                 streams: int, rows_log2: int = 18, mixer_rate: int = 16,
                 sm_limit: int = 255, floor: float = 1 / 512, record: int = 0,
                 lines: bool = False) -> None:
        self.names = context_names(orders, skips, words, record, lines)
        self.lines = lines
        contexts = len(self.names)
        self.record = record
        self.C = contexts
        self.S = streams
        self.orders = np.array(orders, dtype=np.int64)
        width = max([len(d) for d in skips], default=1)
        self.skips = np.zeros((len(skips), width), dtype=np.int64)
        for i, d in enumerate(skips):
            self.skips[i, : len(d)] = d
        self.words = words
        self.word = np.zeros(streams, dtype=np.uint64)
        self.prev_word = np.zeros(streams, dtype=np.uint64)
        self.hashes = np.zeros((streams, contexts), dtype=np.uint64)
        self.last2 = np.zeros(streams, dtype=np.int64)
        # np.zeros is lazily mapped memory: a small file touches few of these pages
        self.table = np.zeros((contexts, 1 << rows_log2, 16), dtype=np.uint8)
        n0 = STATE_COUNTS[:, 0].astype(np.int64)
        n1 = STATE_COUNTS[:, 1].astype(np.int64)
        self.seen = n0 + n1  # (states,) how much each history has seen: who keeps a slot
        init = ((n1 * 2 + 1) * 65536 // (2 * (n0 + n1) + 2)).astype(np.int64)
        self.sm = np.tile(init, (contexts, 1))  # (C, states) 16-bit probability of a 1
        self.sm_n = np.zeros((contexts, STATES), dtype=np.int64)
        self.sx = STRETCH[self.sm >> 4]  # (C, states) stretch(sm), kept in step with it
        # weight sets: one per node, then one per (last byte, bit depth), one per (the byte
        # before it, bit depth) and one per (stream, bit depth), starting at zero; a node's
        # weights are the sum of its four
        self.weights = np.zeros((256 + 2 * 256 * 8 + 8 * streams, contexts + 2), dtype=np.int32)
        self.weights[:256, :contexts] = 65536 * 3 // 10
        self.weights[:256, contexts] = 65536 // 2
        # APM starts as the identity: bucket j holds squash of its stretch value
        ident = np.array([SQUASH[np.clip(j * 128 - 2048, -2047, 2047) + 2047] * 16
                          for j in range(33)], dtype=np.uint16)
        self.apm = np.tile(ident, (256 * 256, 1))  # (tiled as uint16: no 17 MB int64 copy)
        self.match_sm = np.full(64, 65536 * 3 // 4, dtype=np.int64)
        self.match_sm_n = np.zeros(64, dtype=np.int64)
        self._byte, self._live = np.zeros(1, dtype=np.int64), np.ones(1, dtype=bool)  # code_byte's
        self.mixer_rate = mixer_rate
        self.sm_limit = sm_limit
        self.floor = float(np.log(floor))

    def predict(self, history: np.ndarray, t: int, match_byte: np.ndarray,
                match_len: np.ndarray) -> np.ndarray:
        """ln P(byte) (S, 256), float32, for each stream's next byte at step t (history is
        (S, steps) uint8; match_byte -1 where the match model has none)."""
        self.hash(history, t)
        return self.distribution(match_byte, match_len)

    def distribution(self, match_byte: np.ndarray, match_len: np.ndarray) -> np.ndarray:
        """`predict` once `hash` has run for the step."""
        self._match = (match_byte.astype(np.int64), np.minimum(match_len, 63).astype(np.int64))
        logp = np.empty((self.S, 256), dtype=np.float32)
        _predict(self.table, self.sx, self.weights, self.apm, self.hashes, self.last2, *self._match,
                 self.match_sm, logp, self.floor, self.seen)
        return logp

    def hash(self, history: np.ndarray, t: int) -> None:
        """Every context's hash for each stream's next byte at step t (`predict` does this)."""
        hash_contexts(history, t, self.orders, self.skips, self.words, self.word, self.prev_word,
                      self.record, self.lines, self.hashes, self.last2)

    def code_byte(self, match_byte: np.ndarray, match_len: np.ndarray, byte: int,
                  coder: np.ndarray, buf: np.ndarray, decode: bool, probs: np.ndarray) -> int:
        """Code (or decode) stream 0's next byte after `hash`, and learn from it
        (bitkernels._code_byte; ``match_len`` at most 63); returns the byte."""
        byte = _code_byte(self.table, self.sm, self.sm_n, self.sx, self.weights, self.apm,
                          self.hashes, self.last2, match_byte, match_len, self.match_sm,
                          self.match_sm_n, byte, self.mixer_rate, self.sm_limit, NEXT_STATE,
                          self.seen, coder, buf, decode, probs)
        if self.words:
            self._byte[0] = byte
            next_words(self._byte, self._live, self.word, self.prev_word)
        return byte

    def update(self, symbols: np.ndarray, live: np.ndarray) -> None:
        """Learn from step t's bytes (of live streams), after `predict` of step t."""
        symbols = symbols.astype(np.int64)
        _update(self.table, self.sm, self.sm_n, self.sx, self.weights, self.apm, self.hashes, self.last2,
                *self._match, self.match_sm, self.match_sm_n, symbols, live, self.mixer_rate,
                self.sm_limit, NEXT_STATE, self.seen)
        if self.words:
            next_words(symbols, live, self.word, self.prev_word)

    def explain(self, rows: np.ndarray, symbols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For streams ``rows`` whose bytes were ``symbols`` (before `update`): each context's
        own ln P over bytes (n, C, 256), the mixer's mean weight on it along the byte's path
        (n, C + 1: the last column the match input's), and how often its context was seen with
        how many different bits at the first node: (n, C, 2) counts (n0, n1)."""
        n = len(rows)
        logp = np.empty((n, self.C, 256), dtype=np.float64)
        path_w = np.empty((n, self.C + 1), dtype=np.float64)
        first = np.empty((n, self.C), dtype=np.uint8)
        _explain(self.table, self.sm, self.weights, self.hashes, self.last2, rows.astype(np.int64),
                 symbols.astype(np.int64), logp, path_w, first, self.seen)
        return logp.astype(np.float32), path_w, STATE_COUNTS[first]
