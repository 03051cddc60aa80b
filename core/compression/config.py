"""What the compressor is told: its configuration (the "code f" a file's header names) and
how `lmviz compress` chooses it for a given input."""

from __future__ import annotations

import dataclasses
import json
import zlib
from dataclasses import dataclass

import numpy as np

from ..tasks.base import shorten
from .contexts import record_length
from .filters import elf_row, is_x86
from .model import COMPRESSOR_SIZES

MAX_RECORD = 512  # the longest record row contexts.record_length looks for
# The stream's own orders for binary data: its last byte and its last two (the order-3 and
# longer ones found nothing more): two ELFs, an ELF slice and the record table 286,991 bytes
# with (2, 4, 6), 285,394 with (1, 2) (libmagic -0.8%), 285,298 with (0, 1, 2) for a context more.
BINARY_LOCAL = (1, 2)


@dataclass(frozen=True)
class CompressorConfig:
    model: str = "lstm"  # only "lstm" codes files (its steps are cheap and exact on both sides)
    size: str = "small"  # preset in COMPRESSOR_SIZES
    streams: int = 128  # contiguous pieces coded side by side as one batch
    segment: int = 16  # steps between updates (truncated backpropagation length)
    lr: float = 1e-2  # Adam learning rate of the LSTM
    mix_lr: float = 0.03  # ... of the mixing weights (0.1 when they mixed count tables, which
    #   needed them to move fast; beside the bit mixer slower is better: 11 benchmark files
    #   511,360 -> 510,346 bytes at 0.03, every one smaller; 12 KB of English 3,986 -> 3,915)
    gate_lr: float = 0.03  # ... of the gate that lets the LSTM's state move them
    betas: tuple[float, float] = (0.9, 0.99)  # Adam betas
    grad_clip: float = 1.0  # max gradient norm
    seed: int = 0  # seeds the weights
    threads: int = 1  # torch intra-op threads (floats depend on it; 2 were not reproducible here)
    total_bits: int = 16  # frequencies sum to 2**total_bits
    orders: tuple[int, ...] = (0, 1, 2, 3, 4, 6)  # context lengths of the bit models (bitmix.py)
    local: tuple[int, ...] = (1, 2, 6)  # ... of bit models each stream keeps for itself: a
    #   stream's own recent past (the last rows of its table) is what it is most like, and the
    #   shared models hear 128 places of the file at once (the bit mixer alone, no match model,
    #   on 150 KB of JSON in 73 streams: 15,978 -> 13,410 bytes). Binary data takes BINARY_LOCAL.
    #   With the stream's own weight set the low orders pay: five text files 178,587 bytes with
    #   (2, 4, 6), 178,009 with (1, 2, 6) (every one smaller), 178,700 with (1, 2, 4) (the 501 KB
    #   JSON +2.5%, the rest smaller)
    rows_log2: int = 18  # slots (16 bit histories each) per context's hash table
    mixer_rate: int = 16  # learning rate of the bit mixer's weights (fixed point; 24 before the
    #   update evaluated its nodes afresh: 11 benchmark files 514,781 -> 513,736 bytes at 16)
    match_min: int = 6  # context bytes the match model looks up (0: no match model)
    record: int = 0  # row length of a fixed-record table (contexts.record_length; 0: none)
    skips: tuple[tuple[int, ...], ...] = ((2, 3), (1, 3), (1, 4), (1, 5))  # sparse contexts:
    #   the bytes 2 and 3 back, and the last byte with the one 3, 4 or 5 back (binary data:
    #   instructions and their operands, fields); on a 150 KB ELF slice 44,998 -> 44,244 bytes
    #   against (2,), (3,), (2, 3)
    words: bool = True  # word contexts: the word being written, alone and after the last one
    lines: bool = True  # text: the column in the line with the byte above and the byte before
    #   (the four text files of the experiment set: 90,980 -> 89,957 bytes; JSON -2.2%, source
    #   -2.2%, English -0.5%, HTML 0%; on the ELF and the record table +0.1% and +0.3%)
    x86: bool = False  # code E8/E9 call offsets as absolute addresses (filters.py; executables)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))

    def to_header_json(self) -> str:
        """The configuration as a file's header names it: the settings that differ from this
        version's defaults, and the CRC32 of the whole configuration (to_json), so a file made
        with other defaults is refused, not decoded wrong. The full form was about 310 bytes a
        file: 0.01 to 0.04 bits a byte of the 100 to 300 KB files of the benchmark corpora."""
        default = json.loads(CompressorConfig().to_json())
        mine = json.loads(self.to_json())
        changed = {k: v for k, v in mine.items() if default[k] != v}
        return json.dumps({"set": changed, "crc32": zlib.crc32(self.to_json().encode())},
                          sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_header_json(cls, text: str, length: int) -> CompressorConfig:
        """The configuration a header names (to_header_json), checked like from_json; then its
        CRC32 must match, or the file was made by a version with other defaults."""
        h = json.loads(text)
        if (not isinstance(h, dict) or set(h) != {"set", "crc32"} or not isinstance(h["set"], dict)
                or type(h["crc32"]) is not int):
            raise ValueError("its configuration is not written as this version writes it")
        full = json.loads(cls().to_json())
        if not set(h["set"]) <= set(full):
            raise ValueError("its compressor settings differ from this version's")
        full.update(h["set"])
        config = cls._from_dict(full, length)
        if zlib.crc32(config.to_json().encode()) != h["crc32"]:
            raise ValueError("its settings' checksum differs from this version's")
        return config

    @classmethod
    def from_json(cls, text: str, length: int) -> CompressorConfig:
        """The configuration a file's header names, if it is one this version makes for a file
        of ``length`` bytes; ValueError (one sentence) naming the first field that is not.

        A header's CRC proves nothing (anyone can recompute one), so nothing here trusts it:
        this version makes only the default settings with a size preset, a seed and the number
        of streams `streams_for` gives, and every other value is refused before anything is
        allocated (a header that asked for a million streams once took 23 GB)."""
        return cls._from_dict(json.loads(text), length)

    @classmethod
    def _from_dict(cls, d, length: int) -> CompressorConfig:
        if not isinstance(d, dict):
            raise ValueError("its configuration is not a set of settings")
        names = [f.name for f in dataclasses.fields(cls)]
        default = cls()
        if set(d) != set(names):
            # Every setting decides the floats, so a file from another version cannot be decoded.
            raise ValueError("its compressor settings differ from this version's")
        for name in names:
            got = _shaped_like(d[name], getattr(default, name))
            if got is None:
                raise ValueError(f"its setting {name}={shorten(repr(d[name]))} is not of this version")
            d[name] = got
        if d["streams"] not in {streams_for(length, kind) for kind in STREAM_CAPS}:
            raise ValueError(f"its setting streams={d['streams']} is not a count this version "
                             f"uses for {length:,} bytes")
        if d["size"] not in COMPRESSOR_SIZES:
            raise ValueError(f"its setting size={shorten(repr(d['size']))} is not one of "
                             f"{', '.join(COMPRESSOR_SIZES)}")
        if not 0 <= d["seed"] < 2**63:
            raise ValueError(f"its setting seed={d['seed']} is out of range")
        if d["record"] != 0 and not 2 <= d["record"] <= MAX_RECORD:
            raise ValueError(f"its setting record={d['record']} is out of range")
        config = cls(**d)
        if d["skips"] not in ((), default.skips):
            raise ValueError(f"its setting skips={shorten(repr(d['skips']))} is not of this version")
        if d["local"] not in (default.local, BINARY_LOCAL):
            raise ValueError(f"its setting local={shorten(repr(d['local']))} is not of this version")
        chosen = ("size", "seed", "record", "x86", "skips", "lines", "streams", "local")  # per file
        if config != dataclasses.replace(default, **{n: getattr(config, n) for n in chosen}):
            bad = next(n for n in names if getattr(config, n) != getattr(default, n)
                       and n not in chosen)
            raise ValueError(f"its setting {bad}={shorten(repr(getattr(config, bad)))} is not what "
                             f"this version uses ({getattr(default, bad)!r})")
        return config


def _shaped_like(got, want):
    """A header's value (JSON: lists for tuples) as the type of this version's ``want``, nested
    tuples included; None where a type differs (2.0 for 2 too: 2.0 == 2 in Python)."""
    if isinstance(want, tuple):
        if not isinstance(got, list):
            return None
        items = [_shaped_like(g, w) for g, w in zip(got, want)]
        # Extra items are kept as they are: the comparison with the defaults refuses them.
        return None if any(i is None for i in items) else tuple(items) + tuple(got[len(want):])
    return got if type(got) is type(want) else None


# The most streams for each kind of data (see streams_for), and the most steps a long file takes.
STREAM_CAPS = {"text": 64, "binary": 48, "table": 128}
MAX_STEPS = 8192


def streams_for(length: int, kind: str = "text") -> int:
    """How many streams a file of ``length`` bytes is coded in: at least 2 KB each, at most
    STREAM_CAPS[kind], and, for a long file, as many as keep it within MAX_STEPS steps (up to
    128). More streams learn less from each other; fewer take more steps, and a step's LSTM
    and Python work costs about the same for 1 or 128 of them (about 0.8 ms of torch a step).
    Measured before the bit mixer's stream weight set and its faster prediction, bytes: a 354 KB ELF 116,682 in 128 streams, 111,281 in 64, 107,983 in 32; a 576 KB
    ELF 164,418 in 128, 158,083 in 48; 501 KB of JSON 35,094 in 128, 34,435 in 64. Time, in one
    quick hour of this machine: the ELF 25.9 / 28.7 / 26.6 / 30.1 s in 128 / 64 / 48 / 32 (its
    time is mostly the bit mixer's, per byte), the JSON 12.0 / 12.2 s in 128 / 64; but the 1 MB
    mix took 70.4 s in 64 streams and 42.5 s in 122, hence MAX_STEPS. A table of fixed-size
    records is the exception: the 192 KB one took 23,947 bytes in 93 streams, 24,725 in 64 and
    29,704 in 48 (in 48 every stream starts at the same column of its rows)."""
    return max(1, min(length // 2048, max(STREAM_CAPS[kind], min(128, length // MAX_STEPS))))


def looks_like_text(data: bytes, sample: int = 1 << 16) -> bool:
    """No NUL and at least 95% printable ASCII, whitespace or bytes of UTF-8 sequences in the
    first 64 KB."""
    x = np.frombuffer(data[:sample], dtype=np.uint8)
    if not len(x) or (x == 0).any():
        return False
    texty = ((x >= 32) & (x != 127)) | (x == 9) | (x == 10) | (x == 13)
    return bool(texty.mean() >= 0.95)


def config_for(data: bytes, size: str = "small", seed: int = 0) -> CompressorConfig:
    """What `lmviz compress` uses for this input (and `lmviz inspect`, to find the same bits).
    Text goes without the skip contexts (they cost prose, HTML, JSON and source more than they
    gave: the four text files of the experiment set, 92,767 bytes with them, 92,493 without) and
    with the line context and its own orders 1, 2 and 6; binary data the other way round, its
    own orders 1 and 2 (see the fields' comments)."""
    default = CompressorConfig()
    text = looks_like_text(data)
    table = record_length(data, MAX_RECORD)
    kind = "text" if text else "table" if table else "binary"
    return CompressorConfig(size=size, seed=seed, streams=streams_for(len(data), kind),
                            record=table or elf_row(data), x86=is_x86(data),
                            skips=() if text else default.skips, lines=text,
                            local=default.local if text else BINARY_LOCAL)
