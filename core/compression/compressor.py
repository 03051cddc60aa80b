"""The compressor for real files: context mixing by bits (bitmix.py) and a match model, learning
as they code, on both sides.

The file is one stream, coded byte by byte in order. Before each byte both sides hash its
contexts and look up the match model; then the byte is coded bit by bit with a binary arithmetic
coder, each bit with the model's probability as the tables stand before the byte, and both sides
learn from the byte (bitkernels._code_byte). Everything is integer arithmetic, so the two sides
agree on every machine. No weights are stored: the configuration (config.py) is the whole
"training code f". Without hooks (`lmviz inspect`) or a byte model, 4,096 bytes at a time are
one compiled call (_code_span), the same integers as byte by byte (a test compares them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from .bitcontexts import hash_contexts, next_words
from .bitkernels import _code_byte
from .bitmix import BitContextMixer
from .bytemodel import ByteModelStream, IntegerByteModel
from .config import CompressorConfig
from .filters import x86_decode, x86_encode
from .match import MatchModel, _update

NO_MODEL = np.zeros(256, dtype=np.int64)  # model_p without a byte model (never read)

PROGRESS_EVERY = 4096  # bytes between progress reports (and checks that the payload lasts)


class PayloadExhausted(ValueError):
    """The decoder read past what the encoder could have written for this many bytes: the
    payload is not this length's (a forged or damaged header)."""


@dataclass(frozen=True)
class CompressProgress:
    done: int  # bytes coded so far
    total: int  # bytes in all
    bits: int  # coded bits so far
    seconds: float


PRIOR_MATCH_LOG2 = 22  # the match model's rows with a prior (2 x 32 MB; MatchModel's 2**20 without)


def mixer_for(config: CompressorConfig) -> BitContextMixer:
    """A new bit mixer with ``config``'s contexts, tables and rate."""
    return BitContextMixer(config.orders, config.skips, config.words, config.rows_log2,
                           config.mixer_rate, record=config.record, lines=config.lines,
                           model_input=bool(config.model), layers=config.mixer_layers)


class BitModel:
    """Both sides' model of one file: the bit mixer, its contexts and the match model, over the
    bytes coded so far (``history``). With a ``prior`` (bytes both sides already have, as the
    blocked form's earlier blocks) the history starts with it and the match model finds
    repeats of it; with a ``mixer`` (one that coded an earlier block with this configuration,
    as compressing.Lane hands it over) coding goes on from its state. Byte t of the file is
    history[start + t]."""

    def __init__(self, config: CompressorConfig, length: int,
                 byte_model: IntegerByteModel | None = None, prior: np.ndarray | None = None,
                 mixer: BitContextMixer | None = None) -> None:
        if bool(config.model) != (byte_model is not None) or (
                byte_model is not None and byte_model.sha256 != config.model):
            raise ValueError("the byte model given is not the one the configuration names")
        self.mixer = mixer if mixer is not None else mixer_for(config)
        # the byte model over the file, or an empty array the kernels read nothing from
        self.stream = ByteModelStream(byte_model) if byte_model is not None else None
        self.model_p = NO_MODEL
        # the prior's bytes, then a byte each for the file (coded from index `start` on)
        self.start = 0 if prior is None else len(prior)
        self.history = np.zeros(self.start + length, dtype=np.uint8)
        self.match = None
        if config.match_min:
            self.match = (MatchModel(config.match_min, PRIOR_MATCH_LOG2) if self.start
                          else MatchModel(config.match_min))
        if self.start:
            assert byte_model is None, "a prior is for the bit model alone"
            self.history[: self.start] = prior
            if config.x86:  # the prior as the file is: its call offsets made absolute too
                x86_encode(self.history[: self.start])
            if self.match is not None:
                self.match.index(self.history, self.start)
        self.match_byte = -1  # the match model's next byte (-1: none)
        self.match_len = 0  # how long its match has held, at most 63 (the mixer's table has 64)
        self.probs = np.zeros(8, dtype=np.int64)  # the last byte's eight 12-bit p(1)

    def context(self, t: int) -> None:
        """Before byte t: its contexts' hashes and the match model's byte."""
        self.mixer.hash(self.history, t)
        if self.match is not None:
            self.match_byte = self.match.predict(self.history)
            self.match_len = min(self.match.length, 63)
        if self.stream is not None:
            self.model_p = self.stream.next_probs()

    def code(self, t: int, byte: int, coder: np.ndarray, buf: np.ndarray, decode: bool) -> int:
        """Code (or decode) byte t, after `context(t)`, and learn from it; returns the byte."""
        byte = self.mixer.code_byte(self.match_byte, self.match_len, self.model_p, byte, coder,
                                    buf, decode, self.probs)
        self.history[t] = byte
        if self.stream is not None:
            self.stream.push(byte)
        if self.match is not None:
            self.match.update(self.history, t)
        return byte

    def code_span(self, start: int, stop: int, data: np.ndarray, coder: np.ndarray,
                  buf: np.ndarray, decode: bool) -> None:
        """Bytes start..stop-1 of the history (data[0] is history[self.start]), as `context` and
        `code` for each, in one compiled call (no byte model: its stream is Python)."""
        assert self.stream is None
        mixer, m = self.mixer, self.match
        match = np.array([m.ptr, m.length] if m is not None else [-1, 0], dtype=np.int64)
        table = m.table if m is not None else _NO_TABLE
        _code_span(mixer.state, mixer._parts, mixer.skips, mixer.words, mixer.word,
                   mixer.record, mixer.hashes, self.history, data, self.start, start, stop,
                   m is not None,
                   match, table, m.min_len if m is not None else 0,
                   m.shift if m is not None else np.uint64(0), self.model_p, coder, buf,
                   decode, self.probs)
        if m is not None:
            m.ptr, m.length = int(match[0]), int(match[1])


@njit(cache=True, nogil=True)
def _code_span(state, parts, skips, words_on, words, record, hashes, history, data, base, start,
               stop, match_on, match, table, match_min, match_shift, model_p, coder, buf, decode,
               probs):
    """History bytes start..stop-1 (data[t - base] is byte t) as BitModel.context and
    BitModel.code do them one by one (without a byte model): one call for a span instead of
    five for each byte, the same integers. ``match``: the match model's (ptr, length), updated
    in place."""
    for t in range(start, stop):
        last2 = hash_contexts(history, t, parts, skips, words, record, hashes)
        match_byte, match_len = -1, 0
        if match_on and match[0] >= 0:
            match_byte = np.int64(history[match[0]])
        if match_on:
            match_len = min(match[1], 63)
        byte = 0 if decode else np.int64(data[t - base])
        byte = _code_byte(state, hashes, last2, match_byte, match_len, model_p, byte, coder, buf,
                          decode, probs)
        history[t] = byte
        if match_on:
            match[0], match[1] = _update(history, t, history[t], match[0], match[1], table,
                                         match_min, match_shift)
        if words_on:
            next_words(history[t], words)


_NO_TABLE = np.full((2, 1), -1, dtype=np.int32)
_NO_DATA = np.zeros(0, dtype=np.uint8)


# Called before byte t is coded (the models have not learned from it): `lmviz inspect`'s view.
Explain = Callable[[BitModel, int, int], None]
# Called after it is coded, with the model's eight bit probabilities of it in model.probs.
Explained = Callable[[BitModel, int], None]


def _run(config: CompressorConfig, length: int, data: np.ndarray | None, buf: np.ndarray,
         progress: Callable[[CompressProgress], None] | None,
         explain: tuple[Explain, Explained] | None = None,
         byte_model: IntegerByteModel | None = None, prior: np.ndarray | None = None,
         mixer: BitContextMixer | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Both sides: encode ``data`` into ``buf`` or, with data None, decode ``length`` bytes
    from it (after ``prior``, with ``mixer``: see BitModel). Returns the bytes and the coder's
    state (its position: bytes written or read)."""
    decode = data is None
    model = BitModel(config, length, byte_model, prior, mixer)
    base = model.start
    coder = np.array([0, 0xFFFFFFFF, 0, 0], dtype=np.int64)
    if decode:  # the decoder's x: the first four bytes (1s past the end, as the coder reads)
        coder[2:] = int.from_bytes((buf[:4].tobytes() + b"\xff" * 4)[:4], "big"), 4
    t0 = time.perf_counter()
    if explain is None and model.stream is None:  # the common case: a compiled span at a time
        for start in range(0, length, PROGRESS_EVERY):
            stop = min(start + PROGRESS_EVERY, length)
            model.code_span(base + start, base + stop, _NO_DATA if decode else data, coder, buf,
                            decode)
            _check_and_report(stop, length, coder, buf, decode, progress, t0)
        return model.history[base:], coder
    assert not base, "a prior is coded in spans only (no byte model, no hooks)"
    for t in range(length):
        model.context(t)
        byte = 0 if decode else int(data[t])
        if explain is not None:
            explain[0](model, t, byte)
        model.code(t, byte, coder, buf, decode)
        if explain is not None:
            explain[1](model, t)
        if (t + 1) % PROGRESS_EVERY == 0 or t + 1 == length:
            _check_and_report(t + 1, length, coder, buf, decode, progress, t0)
    return model.history, coder


def _check_and_report(done: int, length: int, coder: np.ndarray, buf: np.ndarray, decode: bool,
                      progress: Callable[[CompressProgress], None] | None, t0: float) -> None:
    """Every PROGRESS_EVERY bytes and at the end: the decoder's check that the payload lasts,
    then the progress report."""
    # The decoder reads 4 bytes ahead of the encoder, which wrote one byte of flush after its
    # last: past that, the bytes decoded are made up, so stop here rather than make up the rest
    # of a length that a header may have forged.
    if decode and coder[3] > len(buf) + 3:
        raise PayloadExhausted(f"the payload ran out after {done:,} of {length:,} bytes")
    if progress:
        progress(CompressProgress(done, length, 8 * int(coder[3]), time.perf_counter() - t0))


def compress_packed(data: bytes, config: CompressorConfig,
                    progress: Callable[[CompressProgress], None] | None = None,
                    explain: tuple[Explain, Explained] | None = None,
                    byte_model: IntegerByteModel | None = None, prior: bytes | None = None,
                    mixer: BitContextMixer | None = None) -> tuple[bytes | None, int]:
    """The arithmetic-coded bytes of ``data`` under ``config`` and their length in bits (a
    multiple of 8); None for the bytes where they would be longer than the input plus 64 bytes
    (incompressible: `lmviz compress` stores the input, and the coder's buffer stays bounded).
    ``explain``: see Explain (the bytes are the same with it or without). ``byte_model``: the
    model ``config.model`` names (bytemodel.py), one more input of the mixer. ``prior`` and
    ``mixer``: see BitModel (the decoder must be given the same: a prior's bytes, and a mixer
    in the state this one is in now, which coding moves on)."""
    arr = np.frombuffer(data, dtype=np.uint8).copy()
    if config.x86:
        x86_encode(arr)
    buf = np.zeros(len(data) + 64, dtype=np.uint8)
    _, coder = _run(config, len(data), arr, buf, progress, explain, byte_model, _array(prior),
                    mixer)
    n = int(coder[3])
    if n >= len(buf):  # it did not fit
        return None, 8 * (n + 1)
    buf[n] = coder[0] >> 24  # flush: x1's leading byte; the decoder reads 255s after it
    return buf[: n + 1].tobytes(), 8 * (n + 1)


def decompress_packed(payload: bytes, nbits: int, length: int, config: CompressorConfig,
                      progress: Callable[[CompressProgress], None] | None = None,
                      byte_model: IntegerByteModel | None = None, prior: bytes | None = None,
                      mixer: BitContextMixer | None = None) -> bytes:
    """``length`` bytes back from a payload of ``nbits`` bits (``byte_model``, ``prior`` and
    ``mixer``: what compress_packed was given)."""
    # a writable copy: the coder's kernel is compiled once, for the encoder's writable buffer
    buf = np.frombuffer(payload, dtype=np.uint8)[: (nbits + 7) // 8].copy()
    data, _ = _run(config, length, None, buf, progress, byte_model=byte_model,
                   prior=_array(prior), mixer=mixer)
    data = data.copy()
    return (x86_decode(data) if config.x86 else data).tobytes()


def _array(prior: bytes | None) -> np.ndarray | None:
    return np.frombuffer(prior, dtype=np.uint8) if prior else None
