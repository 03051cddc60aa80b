"""Long-range matches across blocks: the blocked form's dictionary.

The blocked form codes its blocks alone, so that they can be coded and decoded in parallel;
no block's match model sees another block. A run of at least ``MIN_MATCH`` bytes that repeats
something from an earlier block (up to ``WINDOW`` bytes back: a file packed twice, a library
shipped by two packages, a licence in every source tree) is taken out of the block before it is
coded and written as a reference (where in the block, how far back, how long), as rzip and
zpaq's deduplication do. The block's model codes the rest (its *literals*). Decoding stays
parallel: the literals of every block are decoded by the workers, and the references are
filled in, in order, from the last ``WINDOW`` bytes already written, a copy of memory.

References start in earlier blocks (a repeat inside a block is left to its match model, which
predicts it at a fraction of a bit a byte), and run on into the block itself where the repeat
does (an overlapping copy, as LZ77's: a period shorter than the distance back).

Finding them (compiled, numba): a rolling hash of the last ``SPAN`` bytes; the positions where
its mixed value has its top ``ANCHOR_BITS`` bits zero (one in 16, chosen by content, so the
same text has the same anchors wherever it lies) are recorded, block after block, in a table
by hash. At each anchor of the block being cut, the table's earlier place is compared byte for
byte and the match extended both ways.

A block's references, as the blocked form stores them: their count (LEB128), the shortest a
reference may be (LEB128: MIN_MATCH, or TEXT_MIN_MATCH in a text block), then three columns of
LEB128 integers: the literals before each reference, each one's length minus that shortest, and where it copies from, as the step from where the reference before it stopped
copying (zigzag: a translation repeats its original's markup in order, so that step is short;
the first reference's is from its own place, minus its distance). The columns are packed by
LZMA2 (raw, 4 MiB dictionary). Version 2 of the blocked form (still read) held each distance
instead of the step, deflated, with references of MIN_MATCH (64) bytes or more.
"""

from __future__ import annotations

import lzma
import zlib
from dataclasses import dataclass

import numpy as np
from numba import njit

from .container import ContainerError

WINDOW_LOG2 = 28  # how far back a reference may reach: 256 MiB (both sides keep this much)
SPAN = 32  # bytes hashed at an anchor (a match is found if it holds an anchor's SPAN bytes)
ANCHOR_BITS = 4  # an anchor every 2^4 = 16 bytes on average
TABLE_LOG2 = 24  # anchors remembered (16 M slots, 64 MB touched as they fill; newest wins)
# The shortest reference a block holds: shorter repeats cost the block's model less than their
# reference would. Text's model, which learns its markup and words from the literals around
# them, wants them longer (the 100 MB set's text at 64, 128, 160 and 192: 797,684, 765,824,
# 760,582 and 760,747 bytes; its libraries at 64 and 128: 5,867,027 and 5,875,948).
MIN_MATCH, TEXT_MIN_MATCH = 64, 160
MAX_MIN_MATCH = 1 << 16  # what a file may say (a reference holds an anchor's SPAN bytes)
# The columns' LZMA2: lc 1, lp 0, pb 0 (the columns are integers, not text) took the big sets'
# references 3% below xz's defaults and 9% below deflate (benchmarks/RESULTS.md).
_LZMA = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": 1 << 22,
          "lc": 1, "lp": 0, "pb": 0}]

_B = 0x01000193  # the rolling hash's base (odd)
_M32 = 0xFFFFFFFF
_BK = pow(_B, SPAN, 1 << 32)  # the weight of the byte that leaves the span
_MIX = 0x9E3779B1


@njit(cache=True, nogil=True)
def _find(block, ring, start, table, refs, min_match):
    """References of ``block`` (which starts at ``start`` in the original) into the ring (the
    original's last ring.size bytes before ``start``, byte p at p % ring.size); rows of
    ``refs``: (offset in block, source in the original, length). Returns their count."""
    n = block.size
    mask = ring.size - 1
    lo = max(0, start - ring.size)
    tbits = 32 - int(np.log2(table.size))
    count = 0
    done = 0  # the block's bytes before this are literals already passed, or referenced
    h = 0
    i = 0
    while i < n:
        h = (h * _B + block[i]) & _M32
        if i >= SPAN:
            h = (h - block[i - SPAN] * _BK) & _M32
        i += 1
        if i - done < SPAN:
            continue
        mixed = (h * _MIX) & _M32
        if mixed >> (32 - ANCHOR_BITS) != 0:
            continue
        v = np.int64(table[(mixed << ANCHOR_BITS & _M32) >> tbits])  # a span's start + 1, mod 2^32
        if v == 0:
            continue
        # the latest place before the block with that start mod 2^32 (exact under 4 GiB; past
        # it an old anchor may name a wrong place, which the bytes compared below refuse)
        s = start - 1 - ((start - v) & _M32)
        if s < lo or s + SPAN > start:
            continue
        d = i - SPAN
        same = True
        for j in range(SPAN):
            if ring[(s + j) & mask] != block[d + j]:
                same = False
                break
        if not same:
            continue
        e, se = i, s + SPAN
        while e < n:  # on into the block itself (an overlapping copy, as LZ77's)
            c = ring[se & mask] if se < start else block[se - start]
            if c != block[e]:
                break
            e += 1
            se += 1
        while d > done and s > lo and ring[(s - 1) & mask] == block[d - 1]:
            d -= 1
            s -= 1
        if e - d < min_match or count == refs.shape[0]:
            continue
        refs[count, 0] = d
        refs[count, 1] = s
        refs[count, 2] = e - d
        count += 1
        done = e
        i = e
        h = 0
        for j in range(max(0, e - SPAN), e):  # the span before e, hashed afresh
            h = (h * _B + block[j]) & _M32
    return count


@njit(cache=True, nogil=True)
def _remember(block, start, ring, table):
    """The block's anchors into the table and its bytes into the ring."""
    mask = ring.size - 1
    tbits = 32 - int(np.log2(table.size))
    h = 0
    for i in range(block.size):
        h = (h * _B + block[i]) & _M32
        if i >= SPAN:
            h = (h - block[i - SPAN] * _BK) & _M32
        if i + 1 >= SPAN:
            mixed = (h * _MIX) & _M32
            if mixed >> (32 - ANCHOR_BITS) == 0:
                table[(mixed << ANCHOR_BITS & _M32) >> tbits] = (start + i + 1 - SPAN + 1) & _M32
        ring[(start + i) & mask] = block[i]


@dataclass(frozen=True)
class Cut:
    """A block with its references taken out."""

    literals: bytes  # the block's bytes that no reference covers, in order
    refs: np.ndarray  # int64 rows: (offset in the block, source in the original, length)

    @property
    def referenced(self) -> int:
        return referenced(self.refs)


def referenced(refs: np.ndarray) -> int:
    """The bytes references (rows of offset, source, length) copy."""
    return int(refs[:, 2].sum()) if len(refs) else 0


def _read(ring: np.ndarray, src: int, length: int) -> bytes:
    """``length`` bytes of the original from byte ``src`` on, out of the ring that holds them."""
    a = src & (ring.size - 1)
    if a + length <= ring.size:
        return ring[a:a + length].tobytes()
    return ring[a:].tobytes() + ring[: a + length - ring.size].tobytes()


def _earlier(ring: np.ndarray, start: int, end: int, n: int) -> bytes | memoryview:
    """Original bytes max(0, end - n)..end-1: a read-only view of the ring where they lie in
    one piece (no copy: the lanes read it at once, before the ring comes round to it again),
    else a copy."""
    begin = max(0, end - n)
    assert end <= start and start - begin <= ring.size, "those bytes are not in the ring"
    a = begin & (ring.size - 1)
    if a + end - begin <= ring.size:
        view = ring[a:a + end - begin].view()
        view.flags.writeable = False
        return memoryview(view)
    return _read(ring, begin, end - begin)


class Dictionary:
    """The encoder's side: the last ``2^window_log2`` bytes of the original and its anchors.
    Feed it the blocks in order (`cut`). Memory: the ring and the table, allocated zeroed
    (touched only as they fill)."""

    def __init__(self, window_log2: int = WINDOW_LOG2, table_log2: int = TABLE_LOG2,
                 min_match: int = MIN_MATCH) -> None:
        self.ring = np.zeros(1 << window_log2, dtype=np.uint8)
        # a span's start + 1, mod 2^32 (0: none): uint32, half the memory of the positions
        self.table = np.zeros(1 << table_log2, dtype=np.uint32)
        self.min_match = min_match
        self.start = 0  # where the next block starts in the original

    def cut(self, block: bytes, min_match: int | None = None) -> Cut:
        """``block``'s references (of at least ``min_match`` bytes; default the dictionary's)
        into the earlier blocks and its literals; then the block is remembered for the blocks
        after it."""
        min_match = min_match or self.min_match
        x = np.frombuffer(block, dtype=np.uint8)
        refs = np.zeros((len(block) // min_match + 1, 3), dtype=np.int64)
        count = _find(x, self.ring, self.start, self.table, refs, min_match)
        refs = refs[:count]
        pieces, at = [], 0
        for off, _, length in refs.tolist():
            pieces.append(block[at:off])
            at = off + length
        pieces.append(block[at:])
        _remember(x, self.start, self.ring, self.table)
        self.start += len(block)
        return Cut(b"".join(pieces), refs)

    def earlier(self, end: int, n: int) -> bytes | memoryview:
        """The last ``n`` bytes before original byte ``end`` (fewer near the start; _earlier)."""
        return _earlier(self.ring, self.start, end, n)


def _leb(values: np.ndarray) -> bytes:
    out = bytearray()
    for v in values.tolist():
        while v >= 0x80:
            out.append(v & 0x7F | 0x80)
            v >>= 7
        out.append(v)
    return bytes(out)


def pack_refs(refs: np.ndarray, start: int, min_match: int = MIN_MATCH) -> bytes:
    """A block's references (rows of Cut.refs, each at least ``min_match`` long; the block
    starts at ``start``) as the blocked form stores them (see the module)."""
    if not len(refs):
        return b"\0"
    off, src, length = refs[:, 0], refs[:, 1], refs[:, 2]
    assert SPAN <= min_match <= MAX_MIN_MATCH and (length >= min_match).all()
    ends = np.concatenate([[0], off[:-1] + length[:-1]])
    step = src - np.concatenate([[start + off[0]], src[:-1] + length[:-1]])
    columns = _leb(off - ends) + _leb(length - min_match) + _leb(_zigzag(step))
    return (_leb(np.array([len(refs), min_match]))
            + lzma.compress(columns, lzma.FORMAT_RAW, filters=_LZMA))


def _zigzag(v: np.ndarray) -> np.ndarray:
    return np.where(v >= 0, 2 * v, -2 * v - 1)


def _read_leb(data: bytes, at: int, name: str) -> tuple[int, int]:
    v = shift = 0
    while True:
        if at >= len(data) or shift > 42:  # no field of a block needs more than 2^43
            raise ContainerError(f"{name} is corrupt: its references are cut short")
        b = data[at]
        v |= (b & 0x7F) << shift
        at += 1
        shift += 7
        if b < 0x80:
            return v, at


def _inflate(data: bytes, limit: int, version: int, name: str) -> tuple[bytes, int]:
    """The columns packed at the start of ``data`` (at most ``limit`` bytes of them) and where
    the packing ends."""
    d = (zlib.decompressobj() if version == 2
         else lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=_LZMA))
    try:
        columns = d.decompress(data, limit)
    except (zlib.error, lzma.LZMAError):
        raise ContainerError(f"{name} is corrupt: its references do not inflate") from None
    if not d.eof:
        raise ContainerError(f"{name} is corrupt: its references are cut short or too long")
    return columns, len(data) - len(d.unused_data)


def unpack_refs(data: bytes, start: int, length: int, name: str,
                window_log2: int = WINDOW_LOG2, version: int = 3) -> tuple[np.ndarray, int]:
    """The references at the head of ``data`` (a block of ``length`` original bytes starting at
    ``start``, in the blocked form's ``version``: 2 or 3) and where they end; every one checked
    to lie in the block and to copy from the window before it (ContainerError otherwise),
    before anything is copied."""
    count, at = _read_leb(data, 0, name)
    if count == 0:
        return np.zeros((0, 3), dtype=np.int64), at
    min_match = MIN_MATCH
    if version >= 3:
        min_match, at = _read_leb(data, at, name)
        if not SPAN <= min_match <= MAX_MIN_MATCH:
            raise ContainerError(f"{name} is corrupt: its shortest reference is out of range")
    if count > length // min_match:
        raise ContainerError(f"{name} is corrupt: it has more references than its block holds")
    columns, used = _inflate(data[at:], 3 * 10 * count + 1, version, name)
    at += used
    values, pos = [], 0
    for _ in range(3 * count):
        v, pos = _read_leb(columns, pos, name)
        values.append(v)
    if pos != len(columns):
        raise ContainerError(f"{name} is corrupt: bytes follow its references")
    if max(values) >= 1 << 43:
        raise ContainerError(f"{name} is corrupt: a reference lies outside its block or window")
    gaps, lengths, last = (np.array(values[k * count:(k + 1) * count], dtype=np.int64)
                           for k in range(3))
    lengths += min_match
    off = np.cumsum(gaps + np.concatenate([[0], lengths[:-1]]))
    if version == 2:
        src = start + off - last
    else:  # steps from where the reference before stopped copying (zigzag)
        step = (last >> 1) ^ -(last & 1)
        src = start + off[0] + np.cumsum(step) + np.concatenate([[0], np.cumsum(lengths[:-1])])
    if (off[-1] + lengths[-1] > length or (src < max(0, start - (1 << window_log2))).any()
            or (src >= start + off).any()):
        raise ContainerError(f"{name} is corrupt: a reference lies outside its block or window")
    return np.stack([off, src, lengths], axis=1), at


class Window:
    """The decoder's side: the last ``2^window_log2`` bytes written, from which a block's
    references are filled in (`restore`), blocks in order."""

    def __init__(self, window_log2: int = WINDOW_LOG2) -> None:
        self.ring = np.zeros(1 << window_log2, dtype=np.uint8)
        self.start = 0

    def _read(self, src: int, length: int) -> bytes:
        return _read(self.ring, src, length)

    def earlier(self, end: int, n: int) -> bytes | memoryview:
        """The last ``n`` bytes before original byte ``end`` (fewer near the start; _earlier)."""
        return _earlier(self.ring, self.start, end, n)

    def restore(self, literals: bytes, refs: np.ndarray, length: int, name: str) -> bytes:
        """The block from its literals and its references (checked by unpack_refs: each one
        copies from before itself, within the window); then remembered for the blocks after
        it."""
        if len(literals) + referenced(refs) != length:
            raise ContainerError(f"{name} is corrupt: its literals and references do not make "
                                 "its length")
        start = self.start
        out = bytearray()
        lit = 0  # literals used
        for off, src, n in refs.tolist():
            take = off - len(out)
            out += literals[lit:lit + take]
            lit += take
            while n:  # from the window, then from the block itself (an overlapping copy)
                if src < start:
                    piece = self._read(src, min(n, start - src))
                else:
                    piece = out[src - start:min(src - start + n, len(out))]
                out += piece
                src += len(piece)
                n -= len(piece)
        out += literals[lit:]
        block = bytes(out)
        x = np.frombuffer(block, dtype=np.uint8)
        mask = self.ring.size - 1
        a = self.start & mask
        first = min(len(x), self.ring.size - a)
        self.ring[a:a + first] = x[:first]
        self.ring[: len(x) - first] = x[first:]
        self.start += len(block)
        return block
