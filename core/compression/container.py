"""The .lmvz container: everything Bob needs besides the code he already has.

Layout (all integers little-endian):

    offset  size  field
    0       4     magic b"LMVZ"
    4       1     format version (1)
    5       4     header length H
    9       H     header: UTF-8 JSON, keys sorted:
                    config        the compressor configuration (the "code f"; counted in the size)
                    torch         torch version that made the file (floats depend on it)
                    threads       torch thread count used
                    length        original length in bytes
                    crc32         CRC32 of the original
                    payload_bits  number of meaningful bits in the payload
                    payload_crc32 CRC32 of the payload bytes
    9+H     4     CRC32 of bytes 0 .. 9+H (magic, version, length and header)
    13+H    ...   payload: the arithmetic-coded bits, packed most significant bit first

Any flipped byte is caught before decoding starts (header or payload CRC); the original's CRC is
checked again after decoding, before the output file appears.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass

MAGIC = b"LMVZ"
VERSION = 1


class ContainerError(ValueError):
    """A file that cannot be decompressed; the message is one sentence for the user."""


@dataclass(frozen=True)
class Container:
    config_json: str  # CompressorConfig.to_json()
    torch_version: str
    threads: int
    length: int
    crc32: int
    payload_bits: int
    payload: bytes

    def to_bytes(self) -> bytes:
        header = json.dumps(
            {
                "config": json.loads(self.config_json),
                "torch": self.torch_version,
                "threads": self.threads,
                "length": self.length,
                "crc32": self.crc32,
                "payload_bits": self.payload_bits,
                "payload_crc32": zlib.crc32(self.payload),
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        head = MAGIC + bytes([VERSION]) + struct.pack("<I", len(header)) + header
        return head + struct.pack("<I", zlib.crc32(head)) + self.payload

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "input") -> Container:
        if not data:
            raise ContainerError(f"{name} is empty: it is not an lmviz compressed file")
        if data[:4] != MAGIC:
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
        try:
            h = json.loads(data[9 : 9 + hlen])
            payload = data[13 + hlen :]
            c = cls(json.dumps(h["config"], sort_keys=True, separators=(",", ":")), h["torch"],
                    int(h["threads"]), int(h["length"]), int(h["crc32"]), int(h["payload_bits"]),
                    payload)
            payload_crc = int(h["payload_crc32"])
        except (ValueError, KeyError, TypeError):
            raise ContainerError(f"{name} is corrupt: its header cannot be read") from None
        if len(payload) != (c.payload_bits + 7) // 8:
            raise ContainerError(f"{name} is truncated: {len(payload)} of {(c.payload_bits + 7) // 8} payload bytes")
        if zlib.crc32(payload) != payload_crc:
            raise ContainerError(f"{name} is corrupt: its payload checksum does not match")
        return c
