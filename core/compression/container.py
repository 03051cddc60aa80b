"""The .lmvz container: everything Bob needs besides the code he already has.

Layout (all integers little-endian):

    offset  size  field
    0       4     magic b"LMVZ"
    4       1     format version (3)
    5       4     header length H
    9       H     header: UTF-8 JSON, keys sorted, deflated (raw, with HEADER_DICT as the
                  preset dictionary):
                    config        the compressor configuration (the "code f"; counted in the size):
                                  the settings that differ from this version's, and the
                                  CRC32 of the whole
                    length        original length in bytes
                    crc32         CRC32 of the original
                    payload_bits  number of meaningful bits in the payload
                    payload_crc32 CRC32 of the payload bytes
    9+H     4     CRC32 of bytes 0 .. 9+H (magic, version, length and header)
    13+H    ...   payload: the binary arithmetic coder's bytes (compressor.py)

Any flipped byte is caught before decoding starts (header or payload CRC); the original's CRC is
checked again after decoding, before the output file appears.
"""

from __future__ import annotations

import json
import lzma
import struct
import zlib
from dataclasses import dataclass

MAGIC = b"LMVZ"
VERSION = 3  # the format this version reads and writes (another is refused, naming it)
# The preset dictionary the header is deflated with: what a header says, less its numbers. Part
# of the code both sides have, like the model, so a header costs about 55 bytes.
HEADER_DICT = (b'{"config":{"crc32":,"set":{"lines":false,"orders":[0,1,2,3,4,6],"record":24,'
               b'"skips":[],"x86":true}},"crc32":,"length":,"payload_bits":,"payload_crc32":}')
MAX_HEADER = 4096  # the most bytes a header may inflate to (a real one: about 200)
STORED_MAGIC = b"LMVS"  # the input stored as it is: magic, CRC32 of the data, the data
STORED_OVERHEAD = 8
# A periodic input (one byte repeated, "abcabc..."): magic, CRC32 of the data, its length (u64),
# the period (u16) and the period's bytes. The model would code it too, but at its usual
# speed: this form costs no time at all.
REPEAT_MAGIC = b"LMVR"
MAX_PERIOD = 256
# The input as an LZMA2 stream (xz -9e's coder without xz's container): magic, CRC32 of the data,
# its length (u64), log2 of the dictionary size (u8), the raw LZMA2 stream. Written when it is
# smaller than the model's file: on already-compressed data the model learns too little to pay
# for its header.
LZMA_MAGIC = b"LMVX"
LZMA_OVERHEAD = 17
# The dictionary is the input's size rounded up to a power of two (what xz -9e would use of its
# 64 MB on this input: a larger one finds nothing more), so LZMA's memory follows the input (xz's
# manual: 674 MiB to compress with 64 MiB, the dictionary's size to decompress).
LZMA_DICT_LOG2 = (12, 26)
# The compact form of the model's file, for a file coded with one of this version's preset
# configurations (config.PRESETS): one byte, COMPACT_TAG with the preset's number in its low
# nibble (no other form starts with 0xC0..0xCF: theirs start with "L"), the length (LEB128),
# the CRC32 of the data, the payload, then the CRC32 of the preset's configuration (its JSON)
# followed by every byte before it: 10 to 13 bytes over the payload where the container costs
# about 63 (on an 80-byte message each byte is 0.1 bit a character). It keeps the container's
# checks: a flipped byte, a truncation or another version's settings fail the checksum before
# decoding; the data's CRC is checked after.
COMPACT_TAG = 0xC0
MAX_PRESETS = 16
COMPACT_MIN = 1 + 1 + 4 + 4  # tag, a one-byte length, the two CRCs
# What `lmviz compress` wrote, by the first four bytes of its file (the model's container, or
# one of the forms `compressing.package` and `repeat_form` pick where they are smaller).
FORMS = {MAGIC: "model", LZMA_MAGIC: "lzma", STORED_MAGIC: "stored", REPEAT_MAGIC: "repeated"}


def is_compact(blob: bytes) -> bool:
    """Whether ``blob`` starts as the compact form does (its checks come in read_compact)."""
    return bool(blob) and blob[0] & 0xF0 == COMPACT_TAG


MAX_BYTES_PER_BIT = 400  # the most bytes one payload bit can stand for (see from_bytes)
MAX_LENGTH = 256 << 20  # the largest input `lmviz compress` takes (app/commands/compress.py)
HEADER_FIELDS = {"config": dict, "length": int, "crc32": int, "payload_bits": int,
                 "payload_crc32": int}


class ContainerError(ValueError):
    """A file that cannot be decompressed; the message is one sentence for the user."""


def store(data: bytes) -> bytes:
    """The stored form, for input the model cannot shrink: 8 bytes over the input, never more."""
    return STORED_MAGIC + struct.pack("<I", zlib.crc32(data)) + data


def unstore(blob: bytes, name: str = "input") -> bytes:
    if len(blob) < STORED_OVERHEAD:
        raise ContainerError(f"{name} is truncated: its header is incomplete")
    (crc,) = struct.unpack("<I", blob[4:8])
    data = blob[8:]
    if zlib.crc32(data) != crc:
        raise ContainerError(f"{name} is corrupt: its checksum does not match")
    return data


def repeat_form(data: bytes) -> bytes | None:
    """The repeat form of ``data`` if it is its first p bytes over and over (p <= MAX_PERIOD)
    and that is shorter than storing it; else None. A period is compared over the whole input
    only if its first 4 KB repeat (one copy of the input, not one per period tried)."""
    view = memoryview(data)
    for p in range(1, min(MAX_PERIOD, len(data) // 2) + 1):
        if view[p : p + 4096] == view[: min(4096, len(data) - p)] and data[p:] == data[:-p]:
            out = (REPEAT_MAGIC + struct.pack("<IQH", zlib.crc32(data), len(data), p) + data[:p])
            return out if len(out) < len(data) + STORED_OVERHEAD else None
    return None


def unrepeat(blob: bytes, name: str = "input") -> bytes:
    """The input back from its repeat form, every field checked before the output is made."""
    if len(blob) < 18:
        raise ContainerError(f"{name} is truncated: its header is incomplete")
    crc, length, p = struct.unpack("<IQH", blob[4:18])
    if not 1 <= p <= MAX_PERIOD or len(blob) != 18 + p:
        raise ContainerError(f"{name} is corrupt: its repeated part does not match its header")
    if not p <= length <= MAX_LENGTH:
        raise ContainerError(f"{name} is corrupt: its header's length is out of range")
    if repeated_crc32(blob[18:], length) != crc:  # checked before the output is allocated
        raise ContainerError(f"{name} is corrupt: its checksum does not match")
    return (blob[18:] * (length // p + 1))[:length]


def repeated_crc32(pattern: bytes, length: int) -> int:
    """zlib.crc32 of ``pattern`` repeated to ``length`` bytes, in blocks of about 64 KB (never
    the whole output in memory)."""
    block = pattern * max(1, (1 << 16) // len(pattern))
    crc, left = 0, length
    while left >= len(block):
        crc = zlib.crc32(block, crc)
        left -= len(block)
    return zlib.crc32(block[:left], crc)


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def compact_form(preset: int, config_json: str, data: bytes, payload: bytes) -> bytes:
    """The model's payload for ``data`` in the compact form (see COMPACT_TAG)."""
    assert 0 <= preset < MAX_PRESETS
    body = (bytes([COMPACT_TAG | preset]) + _varint(len(data))
            + struct.pack("<I", zlib.crc32(data)) + payload)
    return body + struct.pack("<I", zlib.crc32(body, zlib.crc32(config_json.encode())))


@dataclass(frozen=True)
class Compact:
    preset: int  # which of config.PRESETS coded it
    length: int  # bytes of the original
    crc32: int  # of the original
    payload: bytes


def read_compact(blob: bytes, presets: tuple[str, ...], name: str = "input") -> Compact:
    """The compact form's fields, every one checked before decoding; ``presets``: the preset
    configurations' JSON, in order."""
    if len(blob) < COMPACT_MIN:
        raise ContainerError(f"{name} is truncated: its header is incomplete")
    preset = blob[0] & 0x0F
    if preset >= len(presets):
        raise ContainerError(f"{name} was not made by this lmviz: it names preset {preset}, and "
                             f"this version has {len(presets)}")
    body, (crc,) = blob[:-4], struct.unpack("<I", blob[-4:])
    if zlib.crc32(body, zlib.crc32(presets[preset].encode())) != crc:
        raise ContainerError(f"{name} is corrupt or truncated, made by a version with other "
                             "settings, or not an lmviz file: its checksum does not match")
    length, shift, pos = 0, 0, 1
    while True:
        if pos >= len(body) or shift > 28:
            raise ContainerError(f"{name} is corrupt: its length field does not end")
        byte = body[pos]
        length |= (byte & 0x7F) << shift
        shift += 7
        pos += 1
        if byte < 0x80:
            break
    if not 1 <= length <= MAX_LENGTH or len(body) < pos + 4:
        raise ContainerError(f"{name} is corrupt: its header's length is out of range")
    (data_crc,) = struct.unpack("<I", body[pos : pos + 4])
    payload = body[pos + 4 :]
    if length > MAX_BYTES_PER_BIT * (8 * len(payload) + 64):  # as Container.from_bytes
        raise ContainerError(f"{name} is corrupt: its header claims {length:,} bytes from "
                             f"{8 * len(payload):,} bits")
    return Compact(preset, length, data_crc, payload)


def form_of(blob: bytes) -> str | None:
    """"model", "lzma", "stored" or "repeated" for a file this version wrote; None otherwise."""
    return "model" if is_compact(blob) else FORMS.get(blob[:4])


def _lzma_filters(dict_log2: int) -> list[dict]:
    return [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": 1 << dict_log2}]


def _dict_log2(length: int) -> int:
    return min(max(LZMA_DICT_LOG2[0], (length - 1).bit_length()), LZMA_DICT_LOG2[1])


def lzma_form(data: bytes) -> bytes:
    """``data`` as this version's LZMA form (xz -9e's settings, dictionary sized to the input)."""
    dict_log2 = _dict_log2(len(data))
    stream = lzma.compress(data, format=lzma.FORMAT_RAW, filters=_lzma_filters(dict_log2))
    return LZMA_MAGIC + struct.pack("<IQB", zlib.crc32(data), len(data), dict_log2) + stream


def unlzma(blob: bytes, name: str = "input") -> bytes:
    """The input back from its LZMA form: the header's fields checked first, and never more
    than the header's length decoded (a forged stream cannot make it grow)."""
    if len(blob) < LZMA_OVERHEAD:
        raise ContainerError(f"{name} is truncated: its header is incomplete")
    crc, length, dict_log2 = struct.unpack("<IQB", blob[4:LZMA_OVERHEAD])
    if not 1 <= length <= MAX_LENGTH:
        raise ContainerError(f"{name} is corrupt: its header's length is out of range")
    if dict_log2 != _dict_log2(length):  # the one this version uses for that length
        raise ContainerError(f"{name} is corrupt: its header's dictionary size is out of range")
    dec = lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=_lzma_filters(dict_log2))
    try:
        data = dec.decompress(blob[LZMA_OVERHEAD:], max_length=length)
        if len(data) == length and not dec.eof and dec.decompress(b"", max_length=1):
            raise ContainerError(f"{name} is corrupt: its LZMA stream is longer than its header says")
    except lzma.LZMAError:
        raise ContainerError(f"{name} is corrupt: its LZMA stream does not decode") from None
    if not dec.eof:
        raise ContainerError(f"{name} is truncated: its LZMA stream ends early")
    if len(data) != length or dec.unused_data:
        raise ContainerError(f"{name} is corrupt: its LZMA stream does not match its header")
    if zlib.crc32(data) != crc:
        raise ContainerError(f"{name} is corrupt: its checksum does not match")
    return data


def _check_header(h, name: str) -> None:
    """Every header field present, of its type and in its range; nothing else."""
    if not isinstance(h, dict) or set(h) != set(HEADER_FIELDS):
        raise ContainerError(f"{name} is corrupt: its header does not have this version's fields")
    for key, kind in HEADER_FIELDS.items():
        if type(h[key]) is not kind:
            what = {dict: "a set of settings", str: "a string", int: "a whole number"}[kind]
            raise ContainerError(f"{name} is corrupt: its header's {key} is not {what}")
    for key, top in (("length", MAX_LENGTH + 1), ("crc32", 2**32), ("payload_crc32", 2**32),
                     ("payload_bits", 2**51)):
        if not 0 <= h[key] < top:
            raise ContainerError(f"{name} is corrupt: its header's {key} is out of range")


def pack_header(header: dict) -> bytes:
    """The header as the file holds it: sorted compact JSON, deflated with HEADER_DICT."""
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    z = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=HEADER_DICT)
    return z.compress(text) + z.flush()


def unpack_header(blob: bytes, name: str = "input"):
    """pack_header's JSON back (not yet checked: _check_header), inflating at most MAX_HEADER
    bytes; one sentence (ContainerError) if it cannot be read."""
    z = zlib.decompressobj(-15, zdict=HEADER_DICT)
    try:
        text = z.decompress(blob, MAX_HEADER)
        if not z.eof or z.unconsumed_tail or z.unused_data:
            raise ValueError
        if json_depth(text) > MAX_HEADER_DEPTH:  # before json.loads, which recurses
            raise ValueError
        return json.loads(text)
    except (zlib.error, ValueError, RecursionError):
        raise ContainerError(f"{name} is corrupt: its header cannot be read") from None


MAX_HEADER_DEPTH = 4  # a real header nests three deep (header, config, set)


def json_depth(text: bytes) -> int:
    """The deepest nesting of brackets in a JSON text (brackets inside strings skipped)."""
    depth = top = 0
    in_string = escaped = False
    for ch in text.decode("utf-8", errors="replace"):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            top = max(top, depth)
        elif ch in "]}":
            depth -= 1
    return top


@dataclass(frozen=True)
class Container:
    config_json: str  # CompressorConfig.to_header_json()
    length: int
    crc32: int
    payload_bits: int
    payload: bytes

    def to_bytes(self) -> bytes:
        header = pack_header({
            "config": json.loads(self.config_json),
            "length": self.length,
            "crc32": self.crc32,
            "payload_bits": self.payload_bits,
            "payload_crc32": zlib.crc32(self.payload),
        })
        head = MAGIC + bytes([VERSION]) + struct.pack("<I", len(header)) + header
        return head + struct.pack("<I", zlib.crc32(head)) + self.payload

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "input") -> Container:
        if not data:
            raise ContainerError(f"{name} is empty: it is not an lmviz compressed file")
        if data[:4] != MAGIC:  # (stored files, LMVS, are read by `unstore`)
            raise ContainerError(f"{name} is not an lmviz compressed file (wrong magic bytes)")
        if len(data) < 13:
            raise ContainerError(f"{name} is truncated: its header is incomplete")
        if data[4] != VERSION:
            raise ContainerError(f"{name} has format version {data[4]}; this lmviz reads version {VERSION}")
        (hlen,) = struct.unpack("<I", data[5:9])
        if len(data) < 13 + hlen:
            raise ContainerError(f"{name} is truncated: its header is incomplete")
        head = data[: 9 + hlen]
        (crc,) = struct.unpack("<I", data[9 + hlen : 13 + hlen])
        if zlib.crc32(head) != crc:
            raise ContainerError(f"{name} is corrupt: its header checksum does not match")
        h = unpack_header(data[9 : 9 + hlen], name)
        _check_header(h, name)
        payload = data[13 + hlen :]
        c = cls(json.dumps(h["config"], sort_keys=True, separators=(",", ":")), h["length"],
                h["crc32"], h["payload_bits"], payload)
        payload_crc = h["payload_crc32"]
        if c.length > MAX_BYTES_PER_BIT * (c.payload_bits + 64):
            # No byte costs less than 8 * -log2(4095 / 4096) = 0.0028 bit (eight bits at the
            # coder's surest), so a payload this short cannot hold that many bytes: refuse
            # before allocating anything for them.
            raise ContainerError(f"{name} is corrupt: its header claims {c.length:,} bytes from "
                                 f"{c.payload_bits:,} bits")
        want = (c.payload_bits + 7) // 8
        if len(payload) < want:
            raise ContainerError(f"{name} is truncated: {len(payload)} of {want} payload bytes")
        if len(payload) > want:
            raise ContainerError(f"{name} is corrupt: {len(payload) - want:,} bytes follow its "
                                 "payload")
        if zlib.crc32(payload) != payload_crc:
            raise ContainerError(f"{name} is corrupt: its payload checksum does not match")
        return c
