"""The blocked form: an input longer than one block, cut into blocks that are coded alone (in
parallel, each by the single-file forms of container.py) and written one after another, so
that neither side holds more than a few blocks in memory, whatever the input's size.

Layout (integers little-endian):

    offset  size  field
    0       4     magic b"LMVK"
    4       1     format version (4; versions 1, without references, 2, with version 2's
                  references, and 3, without lanes, are still read)
    5       1     log2 of the block size
    6       1     lanes (from version 4): block k is coded by lane k mod lanes, which goes
                  on from the model of the lane's block before (app/jobs/compressing.Lane)
    7       1     log2 of the prior (from version 4; 0: none): block k's model first reads
                  that many original bytes ending where block k - lanes + 1 starts (the
                  blocks a decoder has written while the lanes decode the ones after)
    8       ...   blocks (6 before version 4), each: original length (u32, the block size but for the last),
                  coded length (u32), CRC32 of those 8 bytes and the coded bytes (u32),
                  then the coded bytes: the block's references into earlier blocks
                  (longrange.pack_refs; from version 2), then its literals (the bytes no
                  reference covers) in one of the single-file forms (`lmviz compress` of them
                  alone: model, compact, LZMA, stored, repeated), which carries their CRC32
    ...     17    the end: a zero original length (u32), the input's length (u64), the CRC32
                  of the whole input (u32), CRC32 of these 16 bytes (u32)

A damaged block is refused before it is decoded, by its record's CRC, and named by its offset
in the file and in the original; the end record checks that no block went missing.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .container import ContainerError

BLOCK_MAGIC = b"LMVK"
BLOCK_VERSION = 4
READS = (1, 2, 3, 4)  # the versions this lmviz decodes (1: no references; 2: longrange's note)
BLOCK_LOG2 = 23  # 8 MiB: what one block costs against one stream is in benchmarks/RESULTS.md
MIN_BLOCK_LOG2, MAX_BLOCK_LOG2 = 16, 26
# Two lanes: both cores busy, each lane's model learning from every other block; the output
# is the same whatever the number of workers (at most one process a lane).
LANES, MAX_LANES = 2, 8
PRIOR_LOG2, MIN_PRIOR_LOG2, MAX_PRIOR_LOG2 = 25, 16, 26  # 32 MiB (benchmarks/RESULTS.md)
# A block with fewer literals than this is coded alone, without its lane's model or the prior,
# at the tables its length gets (config.rows_for): the largest tables and the prior's match
# table (800 MB allocated, if little of it touched) are not worth a few kilobytes.
LANE_MIN = 1 << 16
MAX_BLOCKED = 1 << 42  # the largest input the blocked form takes (4 TiB; the CLI says less)
BLOCK_HEAD = struct.Struct("<III")  # original length, coded length, CRC32
END = struct.Struct("<IQI")  # 0, the input's length, its CRC32 (then the end's own CRC32)


def file_head(block_log2: int = BLOCK_LOG2, lanes: int = LANES,
              prior_log2: int = PRIOR_LOG2) -> bytes:
    return BLOCK_MAGIC + bytes([BLOCK_VERSION, block_log2, lanes, prior_log2])


def block_record(original_length: int, coded: bytes) -> bytes:
    """One block as the blocked form holds it (see the module)."""
    head = struct.pack("<II", original_length, len(coded))
    return head + struct.pack("<I", zlib.crc32(coded, zlib.crc32(head))) + coded


def end_record(length: int, crc: int) -> bytes:
    body = END.pack(0, length, crc)
    return body + struct.pack("<I", zlib.crc32(body))


@dataclass(frozen=True)
class Block:
    index: int  # 0, 1, ...
    offset: int  # where its record starts in the compressed file
    start: int  # where it starts in the original
    length: int  # its original length
    coded: bytes  # its single-file form


class BlockReader:
    """The blocks of a blocked file, read one at a time from ``f`` (which has read nothing
    yet), every field checked before a block is handed out; ``length`` and ``crc32`` are the
    end record's once iteration is over. ``name`` is the file's name for the messages."""

    def __init__(self, f: BinaryIO, name: str) -> None:
        self.f, self.name = f, name
        head = f.read(6)
        if head[:4] != BLOCK_MAGIC:
            raise ContainerError(f"{name} is not an lmviz blocked file")
        if len(head) < 6:
            raise ContainerError(f"{name} is truncated: its header is incomplete")
        if head[4] not in READS:
            raise ContainerError(f"{name} has blocked-format version {head[4]}; this lmviz "
                                 f"reads versions {READS[0]} to {READS[-1]}")
        self.version = head[4]
        if not MIN_BLOCK_LOG2 <= head[5] <= MAX_BLOCK_LOG2:
            raise ContainerError(f"{name} is corrupt: its block size is out of range")
        self.block_size = 1 << head[5]
        self.lanes, self.prior = 1, 0  # before version 4: blocks coded alone
        self.head_size = 6
        if self.version >= 4:
            more = f.read(2)
            if len(more) < 2:
                raise ContainerError(f"{name} is truncated: its header is incomplete")
            lanes, prior_log2 = more
            if not 1 <= lanes <= MAX_LANES:
                raise ContainerError(f"{name} is corrupt: its number of lanes is out of range")
            if prior_log2 and not MIN_PRIOR_LOG2 <= prior_log2 <= MAX_PRIOR_LOG2:
                raise ContainerError(f"{name} is corrupt: its prior's size is out of range")
            self.lanes, self.prior = lanes, (1 << prior_log2 if prior_log2 else 0)
            self.head_size = 8
        self.length: int | None = None
        self.crc32: int | None = None

    def __iter__(self) -> Iterator[Block]:
        offset, start, index = self.head_size, 0, 0
        while True:
            head = self.f.read(BLOCK_HEAD.size)
            if len(head) < 4:
                raise ContainerError(f"{self.name} is truncated: it ends at byte {offset:,} "
                                     f"after {index} blocks, without its end record")
            if head[:4] == b"\0\0\0\0":  # the end record
                rest = head + self.f.read(END.size + 4 - len(head))
                if len(rest) < END.size + 4:
                    raise ContainerError(f"{self.name} is truncated in its end record")
                (crc,) = struct.unpack("<I", rest[END.size:])
                if zlib.crc32(rest[: END.size]) != crc:
                    raise ContainerError(f"{self.name} is corrupt: its end record (at byte "
                                         f"{offset:,}) fails its checksum")
                _, self.length, self.crc32 = END.unpack(rest[: END.size])
                if self.length != start:
                    raise ContainerError(f"{self.name} is corrupt: its blocks hold {start:,} "
                                         f"bytes and its end record says {self.length:,}")
                if self.f.read(1):
                    raise ContainerError(f"{self.name} is corrupt: bytes follow its end record")
                return
            if len(head) < BLOCK_HEAD.size:
                raise ContainerError(f"{self.name} is truncated in block {index} (at byte "
                                     f"{offset:,})")
            n, m, crc = BLOCK_HEAD.unpack(head)
            if n > self.block_size or m > n + (1 << 10) or m == 0:
                raise ContainerError(f"{self.name} is corrupt: block {index} (at byte {offset:,},"
                                     f" original bytes {start:,} on) has impossible lengths")
            coded = self.f.read(m)
            if len(coded) < m:
                raise ContainerError(f"{self.name} is truncated in block {index} (at byte "
                                     f"{offset:,}, original bytes {start:,} on)")
            if zlib.crc32(coded, zlib.crc32(head[:8])) != crc:
                raise ContainerError(f"{self.name} is corrupt: block {index} (at byte {offset:,},"
                                     f" original bytes {start:,} on) fails its checksum")
            yield Block(index, offset, start, n, coded)
            offset += BLOCK_HEAD.size + m
            start += n
            index += 1
