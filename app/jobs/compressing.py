"""The compression job: `lmviz compress` and `lmviz decompress`, one file each way."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable

from lmviz.core.compression.blocks import LANE_MIN
from lmviz.core.compression.compressor import (
    PayloadExhausted,
    compress_packed,
    decompress_packed,
    mixer_for,
)
from lmviz.core.compression.config import (
    PRESET_JSON,
    PRESETS,
    ROWS_LOG2,
    CompressorConfig,
    config_for,
    looks_like_text,
)
from lmviz.core.compression.container import (
    Container,
    ContainerError,
    compact_form,
    form_of,
    is_compact,
    lzma_form,
    read_compact,
    repeat_form,
    store,
    unlzma,
    unrepeat,
    unstore,
)

from .events import CompressionResult

Progress = Callable[[int, int], None]  # (bytes done so far, bytes in all)


# A lane's blocks mix in two layers (CompressorConfig.mixer_layers; version 4 files made before
# took one, which their blocks' headers say): the 100 MB set 11,564,507 -> 11,302,658 bytes.
LANE_LAYERS = 2


def in_lane(config: CompressorConfig, length: int) -> bool:
    """Whether a block of the blocked form's version 4 with ``length`` literals under
    ``config`` goes through its lane (Lane) and reads the prior: not one with a byte model,
    nor one shorter than LANE_MIN."""
    return not config.model and length >= LANE_MIN


class Lane:
    """What one lane of the blocked form (version 4: blocks k, k + lanes, k + 2 lanes, ... are
    one lane's) carries from a block to its next: the bit mixer that coded the block in the
    model's form and that block's configuration. The next block with the same configuration
    goes on with the mixer's tables and state maps (BitContextMixer.forget_mixing); any other
    block, or one written in another form, starts a fresh one. Both sides keep their lanes the same way."""

    def __init__(self) -> None:
        self.config: CompressorConfig | None = None
        self.mixer = None

    def take(self, config: CompressorConfig | None, length: int = 0):
        """The mixer for a block of ``length`` literals under ``config``: the lane's, if its
        last block's configuration was this one, else a new one; None for a block coded
        alone (config None: a form without the model; or not in_lane). The lane is empty
        after."""
        carry = config is not None and in_lane(config, length)
        mixer = self.mixer if carry and config == self.config else None
        self.config = self.mixer = None  # the old mixer freed before a new one is made
        if mixer is not None:
            mixer.forget_mixing()
        elif carry:
            mixer = mixer_for(config)
        return mixer

    def keep(self, config: CompressorConfig, mixer) -> None:
        self.config, self.mixer = config, mixer


def find_model(name_or_path: str) -> None:
    """Checks that ``--model`` names a shipped model or an existing file (CheckpointError, one
    sentence, if not), without loading it."""
    from lmviz.core.learning.checkpoints import resolve_checkpoint

    resolve_checkpoint(name_or_path)


def load_model(name_or_path: str):
    """The byte model `--model` names, quantized (bytemodel.py; imports torch to read it)."""
    from lmviz.core.compression.bytemodel import load_byte_model

    return load_byte_model(name_or_path)


def compress(data: bytes, progress: Progress = lambda done, total: None,
             model: str | None = None, lane: Lane | None = None,
             prior: bytes | memoryview = b"") -> CompressionResult:
    """``model``: a pretrained byte model (a shipped name or a path) mixed in on text. It is
    loaded and checked first, whatever the input; binary input (config.looks_like_text) is
    coded without it, and its header names no model: the model knows text, and would only
    cost time. ``lane`` and ``prior``: a block of the blocked form's version 4, coded after
    the bytes of ``prior`` (compressor.BitModel) with its lane's mixer (Lane), at the
    largest tables (ROWS_LOG2) so that a short block can go on with a long one's mixer; a
    block that is not in_lane uses neither. A lane's block takes the mixer's two layers
    (CompressorConfig.mixer_layers), which a file of one block would pay for in time."""
    byte_model = load_model(model) if model is not None else None
    repeated = repeat_form(data)
    if repeated is not None:  # one byte, or a few, over and over: no model needed
        if lane is not None:
            lane.take(None)
        progress(len(data), len(data))
        return CompressionResult(repeated, len(data))
    config = config_for(data)
    if byte_model is not None and looks_like_text(data):
        config = dataclasses.replace(config, model=byte_model.sha256)
    else:
        byte_model = None
    mixer = None
    if lane is not None:
        if in_lane(config, len(data)):
            config = dataclasses.replace(config, rows_log2=ROWS_LOG2[1], mixer_layers=LANE_LAYERS)
        mixer = lane.take(config, len(data))
    payload, nbits = compress_packed(data, config, lambda p: progress(p.done, len(data)),
                                     byte_model=byte_model,
                                     prior=prior if mixer is not None else None, mixer=mixer)
    # A lane's block tries the LZMA form only where it might win: xz -9e never came near the
    # model on an input the model takes to between 1/16 and 3/4 of its size (benchmarks/
    # RESULTS.md: no file above xz), and the trial holds 90 MB and 3.5 s for 8 MiB.
    trial = (mixer is None or payload is None
             or not len(data) // 16 <= len(payload) <= len(data) * 3 // 4)
    packed = package(data, config, payload, nbits, trial)
    if mixer is not None and form_of(packed) == "model":
        lane.keep(config, mixer)
    used = byte_model.name if byte_model is not None and form_of(packed) == "model" else None
    return CompressionResult(packed, len(data), used)


def package(data: bytes, config: CompressorConfig, payload: bytes | None, nbits: int,
            lzma_trial: bool = True) -> bytes:
    """What `lmviz compress` writes once the model has coded ``data``: the smallest of the
    container, the LZMA form (xz -9e's coder: already-compressed data, where the model learns
    too little to pay for its header) and the input stored raw (incompressible or tiny input:
    never more than 8 bytes over the input); the container on a tie. A periodic input never
    gets here: see `repeat_form`. ``payload`` None: the model's output did not fit (see
    compress_packed). ``lzma_trial`` False: the LZMA form is not tried."""
    forms = [lzma_form(data)] if lzma_trial else []
    forms.append(store(data))
    if payload is not None:
        if config in PRESETS:  # named by its number: the compact form
            preset = PRESETS.index(config)
            forms.insert(0, compact_form(preset, PRESET_JSON[preset], data, payload))
        else:
            forms.insert(0, Container(config.to_header_json(), len(data), zlib.crc32(data),
                                      nbits, payload).to_bytes())
    return min(forms, key=len)


def decompress(data: bytes, name: str, progress: Progress = lambda done, total: None,
               model: str | None = None, lane: Lane | None = None,
               prior: bytes | memoryview = b"") -> CompressionResult:
    """Every check that can fail without decoding runs before decoding starts (container.py).
    A file coded with a byte model names it by its sha256: a shipped model is found by it,
    any other must be given (``model``, a path) and match. ``lane`` and ``prior``: what
    compress was given for the block."""
    unpack = {"stored": unstore, "repeated": unrepeat, "lzma": unlzma}.get(form_of(data))
    if unpack is not None:  # the forms without the model
        if lane is not None:
            lane.take(None)
        result = unpack(data, name)
        return CompressionResult(result, len(result))
    if is_compact(data):
        c = read_compact(data, PRESET_JSON, name)
        return _decode(c.payload, 8 * len(c.payload), c.length, c.crc32, PRESETS[c.preset], name,
                       progress, model, lane, prior)
    c = Container.from_bytes(data, name)
    try:
        config = CompressorConfig.from_header_json(c.config_json)
    except ValueError as exc:
        raise ContainerError(f"{name} was not made by this lmviz: {exc}") from None
    return _decode(c.payload, c.payload_bits, c.length, c.crc32, config, name, progress, model,
                   lane, prior)


def model_for(config: CompressorConfig, name: str, model: str | None):
    """The byte model a file's configuration names (None for none): the one given, which must
    be it, or the shipped one with its sha256; one sentence (ContainerError) otherwise."""
    if not config.model:
        return None
    from lmviz.core.learning.checkpoints import SHIPPED_SHA256

    short = config.model[:12]
    if model is None:
        shipped = next((n for n, sha in SHIPPED_SHA256.items() if sha == config.model), None)
        if shipped is None:
            raise ContainerError(f"{name} was compressed with a model this lmviz does not ship "
                                 f"(sha256 {short}…): give that model with --model PATH")
        model = shipped
    byte_model = load_model(model)
    if byte_model.sha256 != config.model:
        raise ContainerError(f"{name} was compressed with another model (sha256 {short}…) "
                             f"than {model} (sha256 {byte_model.sha256[:12]}…); nothing written")
    return byte_model


def _decode(payload: bytes, nbits: int, length: int, crc: int, config: CompressorConfig,
            name: str, progress: Progress, model: str | None = None, lane: Lane | None = None,
            prior: bytes | memoryview = b"") -> CompressionResult:
    """The model's payload back to the original, whose CRC is checked after decoding."""
    byte_model = model_for(config, name, model)
    mixer = lane.take(config, length) if lane is not None else None
    # A corrupt payload decodes to wrong bytes, which the CRC below refuses; one that runs out
    # before the header's length (a forged length) is refused as soon as it does.
    try:
        result = decompress_packed(payload, nbits, length, config,
                                   lambda p: progress(p.done, length), byte_model,
                                   prior if mixer is not None else None, mixer)
    except PayloadExhausted:
        raise ContainerError(f"{name} is corrupt: its payload ends before its header's length; "
                             "nothing written") from None
    if zlib.crc32(result) != crc or len(result) != length:
        raise ContainerError(f"{name} did not decode to the original (CRC mismatch); nothing written")
    if mixer is not None:
        lane.keep(config, mixer)
    return CompressionResult(result, len(result), byte_model.name if byte_model else None)
