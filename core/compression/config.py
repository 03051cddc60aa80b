"""What the compressor is told: its configuration (the "code f" a file's header names) and
how `lmviz compress` chooses it for a given input."""

from __future__ import annotations

import dataclasses
import json
import zlib
from dataclasses import dataclass

import numpy as np

from ..learning.checkpoints import SHIPPED_SHA256
from ..tasks.base import shorten
from .filters import elf_row, is_x86
from .records import record_length

MAX_RECORD = 512  # the longest record row records.record_length looks for
# The context tables' rows (log2), by the input's length: 2**18 (4 MB a context) up to 512 KiB,
# one more doubling per doubling of the input (a row for every two bytes), at most 2**21 (32 MB
# a context, 352 MB for text's 11 contexts: a block of 4 or 8 MiB). 1 MB slices of the 100 MB
# set at 2**18 and 2**19 rows: 1,202,083 and 1,199,637 bytes; 8 MiB of HTML at 2**21 and 2**22:
# 674,500 and 674,242 (benchmarks/RESULTS.md).
ROWS_LOG2 = (18, 21)


def rows_for(length: int) -> int:
    return min(ROWS_LOG2[1], max(ROWS_LOG2[0], (max(length, 1) - 1).bit_length() - 1))


# Binary data's orders: text's without the last 12 and 24 bytes, which find the repeated keys,
# tags and lines of structured text and do not pay on binary data (measured on the benchmark
# corpora: benchmarks/RESULTS.md).
BINARY_ORDERS = (0, 1, 2, 3, 4, 6)


@dataclass(frozen=True)
class CompressorConfig:
    orders: tuple[int, ...] = (0, 1, 2, 3, 4, 6, 12, 24)  # context lengths of the bit models
    #   (bitmix.py; binary data takes BINARY_ORDERS)
    rows_log2: int = 18  # slots (16 bit histories each) per context's hash table
    mixer_rate: int = 16  # learning rate of the bit mixer's weights (fixed point; 24 before the
    #   update evaluated its nodes afresh: 11 benchmark files 514,781 -> 513,736 bytes at 16)
    match_min: int = 6  # context bytes the match model looks up (0: no match model)
    record: int = 0  # row length of a fixed-record table (records.record_length; 0: none)
    skips: tuple[tuple[int, ...], ...] = ((2, 3), (1, 3), (1, 4), (2,), (2, 4), (2, 4, 6),
                                          (4, 8))  # sparse contexts (binary data): the bytes 2
    #   and 3 back, the last byte with the one 3 or 4 back (instructions and their operands,
    #   fields), the same byte of the last one, two and three 16-bit units (UTF-16 strings) and
    #   of the last two 32-bit ones. Four 2 MB slices of a library of Unicode data (ICU's)
    #   1,185,533 -> 1,113,918 bytes, an ELF's 1 MB 588,854 -> 585,587, issue 12's ELF, table
    #   and PNG 192,495 -> 191,706, against ((2, 3), (1, 3), (1, 4), (1, 5))
    words: bool = True  # word contexts: the word being written, alone and after the last one
    lines: bool = True  # text: the column in the line with the byte above and the byte before
    x86: bool = False  # code E8/E9 call offsets as absolute addresses (filters.py; executables)
    model: str = ""  # sha256 of the pretrained byte model mixed in (bytemodel.py); "" for none
    mixer_layers: int = 1  # 1: one mixer, its weight sets summed; 2: a mixer for each set and
    #   one over their outputs (bitkernels._mix2: the blocked form's lanes; 2 MiB slices of five
    #   blocks of the 100 MB set 1,555,959 -> 1,540,995 bytes, and 25% slower)

    def to_json(self) -> str:
        """Every setting, as the checksums cover them; mixer_layers only where it is not 1, so
        a file made before it existed has the checksum it had."""
        return json.dumps(self._fields(), sort_keys=True, separators=(",", ":"))

    def _fields(self) -> dict:
        d = json.loads(json.dumps(dataclasses.asdict(self)))  # tuples as JSON lists
        if d["mixer_layers"] == 1:
            del d["mixer_layers"]
        return d

    def to_header_json(self) -> str:
        """The configuration as a file's header names it: the settings that differ from this
        version's defaults, and the CRC32 of the whole configuration (to_json), so a file made
        with other defaults is refused, not decoded wrong."""
        default = json.loads(json.dumps(dataclasses.asdict(CompressorConfig())))
        mine = json.loads(json.dumps(dataclasses.asdict(self)))
        changed = {k: v for k, v in mine.items() if default[k] != v}
        return json.dumps({"set": changed, "crc32": zlib.crc32(self.to_json().encode())},
                          sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_header_json(cls, text: str) -> CompressorConfig:
        """The configuration a header names (to_header_json), checked like from_json; then its
        CRC32 must match, or the file was made by a version with other defaults."""
        h = json.loads(text)
        if (not isinstance(h, dict) or set(h) != {"set", "crc32"} or not isinstance(h["set"], dict)
                or type(h["crc32"]) is not int):
            raise ValueError("its configuration is not written as this version writes it")
        full = json.loads(json.dumps(dataclasses.asdict(cls())))
        if not set(h["set"]) <= set(full):
            raise ValueError("its compressor settings differ from this version's")
        full.update(h["set"])
        config = cls._from_dict(full)
        if zlib.crc32(config.to_json().encode()) != h["crc32"]:
            raise ValueError("its settings' checksum differs from this version's")
        return config

    @classmethod
    def from_json(cls, text: str) -> CompressorConfig:
        """The configuration a file's header names, if it is one this version makes;
        ValueError (one sentence) naming the first field that is not.

        A header's CRC proves nothing (anyone can recompute one), so nothing here trusts it:
        this version makes only the default settings with the orders, a record length, the
        skip contexts, the line context and the x86 filter chosen per file, and every other
        value is refused before anything is allocated."""
        return cls._from_dict(json.loads(text))

    @classmethod
    def _from_dict(cls, d) -> CompressorConfig:
        if not isinstance(d, dict):
            raise ValueError("its configuration is not a set of settings")
        names = [f.name for f in dataclasses.fields(cls)]
        default = cls()
        d = {"mixer_layers": 1, **d}  # (to_json leaves it out at 1)
        if set(d) != set(names):
            # Every setting decides the floats, so a file from another version cannot be decoded.
            raise ValueError("its compressor settings differ from this version's")
        for name in names:
            got = _shaped_like(d[name], getattr(default, name))
            if got is None:
                raise ValueError(f"its setting {name}={shorten(repr(d[name]))} is not of this version")
            d[name] = got
        if d["record"] != 0 and not 2 <= d["record"] <= MAX_RECORD:
            raise ValueError(f"its setting record={d['record']} is out of range")
        config = cls(**d)
        if d["skips"] not in ((), default.skips):
            raise ValueError(f"its setting skips={shorten(repr(d['skips']))} is not of this version")
        if d["orders"] not in (default.orders, BINARY_ORDERS):
            raise ValueError(f"its setting orders={shorten(repr(d['orders']))} is not of this version")
        if d["model"] and not (len(d["model"]) == 64
                               and all(c in "0123456789abcdef" for c in d["model"])):
            raise ValueError("its setting model is not a model's sha256")
        if not ROWS_LOG2[0] <= d["rows_log2"] <= ROWS_LOG2[1]:
            raise ValueError(f"its setting rows_log2={d['rows_log2']} is out of range")
        if d["mixer_layers"] not in (1, 2):
            raise ValueError(f"its setting mixer_layers={d['mixer_layers']} is out of range")
        chosen = ("orders", "record", "x86", "skips", "lines", "model", "rows_log2",
                  "mixer_layers")  # per file
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


def looks_like_text(data: bytes, sample: int = 1 << 16) -> bool:
    """Text: at least 85% of the first 64 KB printable ASCII, whitespace or bytes of well-formed
    UTF-8 sequences. An archive's headers, NULs and a stray binary byte do not make text binary
    (a tar of HTML pages is text: coded with binary data's contexts, 1 MB of one cost 1.8% more);
    random or compressed bytes, whose high bytes are mostly not UTF-8, are not text."""
    window = data[:sample]
    x = np.frombuffer(window, dtype=np.uint8)
    if not len(x):
        return False
    texty = int((((x >= 32) & (x < 127)) | (x == 9) | (x == 10) | (x == 13)).sum())
    ascii_bytes = int((x < 128).sum())
    # the bytes that decode, re-encoded: every ASCII byte and the high bytes of good sequences
    utf8_high = len(window.decode("utf-8", "ignore").encode()) - ascii_bytes
    return texty + utf8_high >= 0.85 * len(x)


def config_for(data: bytes) -> CompressorConfig:
    """What `lmviz compress` uses for this input (and `lmviz inspect`, to find the same bits).
    Text goes without the skip contexts (they cost prose, HTML, JSON and source more than they
    gave: the four text files of the experiment set, 92,767 bytes with them, 92,493 without),
    with the line context and the orders 12 and 24; binary data the other way round (see the
    fields' comments)."""
    default = CompressorConfig()
    text = looks_like_text(data)
    table = record_length(data, MAX_RECORD)
    return CompressorConfig(orders=default.orders if text else BINARY_ORDERS,
                            record=table or elf_row(data), x86=is_x86(data),
                            skips=() if text else default.skips, lines=text,
                            rows_log2=rows_for(len(data)))


# The configurations config_for picks for text and for binary data without records or x86 code,
# and text with a shipped English model mixed in (`--model english`, `--model english-small`):
# a file coded with one of them can take the compact form, which names it by its number.
PRESETS = (CompressorConfig(skips=(), lines=True),
           CompressorConfig(orders=BINARY_ORDERS, lines=False),
           CompressorConfig(skips=(), lines=True, model=SHIPPED_SHA256["english"]),
           CompressorConfig(skips=(), lines=True, model=SHIPPED_SHA256["english-small"]))
PRESET_JSON = tuple(c.to_json() for c in PRESETS)  # what the compact form's checksum covers
