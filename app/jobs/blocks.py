"""Big inputs: `lmviz compress` of an input longer than one block, and back, as a stream of
blocks (core/compression/blocks.py) coded in parallel, as zpaq's ``-threads`` does. Here, in
order, each block's repeats of earlier blocks are taken out as references
(core/compression/longrange.py); the rest of each block is coded by `compressing.compress` in
its lane (block k in lane k mod LANES, one thread a lane: the model's compiled loops release
the interpreter's lock), after the prior (the earlier original bytes a decoder has by then)
and with the model its lane's block before left (compressing.Lane); so the output does not
depend on the number of workers. At most LANES blocks are in flight, besides the window of
earlier bytes the references reach (256 MiB), whatever the input's length."""

from __future__ import annotations

import os
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import BinaryIO

from lmviz.core.compression.blocks import (
    BLOCK_LOG2,
    LANE_MIN,
    LANES,
    PRIOR_LOG2,
    BlockReader,
    block_record,
    end_record,
    file_head,
)
from lmviz.core.compression.config import looks_like_text
from lmviz.core.compression.container import ContainerError
from lmviz.core.compression.longrange import (
    MIN_MATCH,
    TEXT_MIN_MATCH,
    WINDOW_LOG2,
    Dictionary,
    Window,
    pack_refs,
    referenced,
    unpack_refs,
)

Progress = Callable[[int, int | None], None]  # (original bytes done, in all if known)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _compress_block(data: bytes, lane, prior: bytes | memoryview,
                    progress: Callable[[int, int], None], model: str | None) -> bytes:
    from .compressing import compress

    return compress(data, progress, model, lane, prior).data


def _decompress_block(coded: bytes, label: str, lane, prior: bytes | memoryview,
                      progress: Callable[[int, int], None], model: str | None) -> bytes:
    """``lane`` None: a block of a version before 4, decoded alone."""
    from .compressing import decompress

    return decompress(coded, label, progress, model, lane, prior).data


class TooLong(ValueError):
    """The input passed the limit it was given."""


class Stopped(Exception):
    """A lane's block given up: the command is stopping (an error, Ctrl-C, SIGTERM)."""


class _Pool:
    """A thread for each of ``lanes`` (none for one worker: the work runs here, in order), each
    lane's model (compressing.Lane), a queue of at most ``lanes`` blocks in flight, and the
    progress of the unfinished ones. Threads, not processes: the compiled loops run without the
    interpreter's lock, and one process holds Python, numba's code and the prior once (the 100
    MB set's peak: docs/compressor.md). Closed on an error or Ctrl-C, it tells its lanes to
    stop at their next progress report (every 4096 bytes) and waits for them."""

    def __init__(self, workers: int, lanes: int) -> None:
        self.lanes = lanes
        self.slots = lanes + 1
        self.shared = [0] * self.slots  # the bytes each block in flight has coded, by slot
        self.stopping = threading.Event()
        self.models: dict = {}  # lane -> its Lane
        # one thread a lane, which keeps the lane's model from block to block
        self.pools = ([ThreadPoolExecutor(1, f"lmviz-lane{i}") for i in range(lanes)]
                      if workers > 1 else [])
        # (progress slot, the job, the original bytes it codes), in the order they are written
        self.pending: deque[tuple[int, Future, int]] = deque()

    def lane(self, lane: int | None):
        """Lane ``lane``'s model (compressing.Lane); None for None."""
        from .compressing import Lane

        return None if lane is None else self.models.setdefault(lane, Lane())

    def _report(self, slot: int) -> Callable[[int, int], None]:
        def progress(done: int, total: int) -> None:
            if self.stopping.is_set():
                raise Stopped("stopped")
            self.shared[slot] = done
        return progress

    def submit(self, size: int, lane: int, fn, *args) -> None:
        """fn(*args[:-1], progress, args[-1]) in ``lane``'s thread (here, at once, with one
        worker), for a block of ``size`` original bytes."""
        slot = (self.pending[-1][0] + 1) % self.slots if self.pending else 0
        self.shared[slot] = 0
        args = (*args[:-1], self._report(slot), args[-1])
        if self.pools:
            self.pending.append((slot, self.pools[lane].submit(fn, *args), size))
            return
        f: Future = Future()
        try:
            f.set_result(fn(*args))
        except Exception as exc:  # raised where the result is read, as from a thread
            f.set_exception(exc)
        self.pending.append((slot, f, size))

    def full(self) -> bool:
        """Whether the next block must wait for the first in flight to be written: the lanes
        are busy, and a decoder needs the blocks before the next block's lanes back."""
        return len(self.pending) >= self.lanes

    def in_flight(self) -> int:
        """Original bytes the blocks not yet written have coded so far (all of a finished one,
        which waits for the blocks before it)."""
        return sum(size if f.done() else min(self.shared[s], size)
                   for s, f, size in self.pending)

    def next_result(self, tick: Callable[[], None]) -> bytes:
        """The first block's result, ticking while it is coded (it counts in `in_flight` until
        it is taken off the queue, here)."""
        f = self.pending[0][1]
        try:
            while True:
                try:
                    return f.result(timeout=0.25)
                except FutureTimeout:
                    tick()
        finally:
            self.pending.popleft()

    def close(self, finished: bool) -> None:
        """``finished``: every job was read; else (an error, Ctrl-C) the lanes are told to stop,
        and waited for."""
        if not finished:
            self.stopping.set()
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)
        self.models.clear()


WINDOW = 1 << 16  # the granularity at which a block is cut where the kind of data changes
PERSIST = 4  # ... and for how many windows the new kind must hold (a string table in a
#   library, a few tar headers in text: no cut)


def cut(buf: bytes) -> int:
    """Where the first block of ``buf`` ends: at the first 64 KiB window whose kind (text or
    not) differs from the first window's for PERSIST windows, or at an executable's header (ELF) just before it,
    so that each block gets its own configuration (config_for reads a block's start: text or
    binary orders, the x86 filter and the ELF's record rows); else the whole of ``buf``."""
    kinds = [looks_like_text(buf[off : off + WINDOW]) for off in range(0, len(buf), WINDOW)]
    # a change must hold for PERSIST whole windows: a short tail of another kind (a tar's
    # zero padding, the end of what was read) is no reason to cut
    for i in range(1, len(kinds) - PERSIST + 1):
        if all(k != kinds[0] for k in kinds[i : i + PERSIST]):
            off = i * WINDOW
            elf = buf.find(b"\x7fELF", off - WINDOW, off + WINDOW)
            return elf if elf > 0 else off
    return len(buf)


def _blocks(first: bytes, src: BinaryIO, size: int) -> Iterator[bytes]:
    """``first`` and what follows it in ``src``, in blocks of at most ``size`` bytes, each cut
    where the kind of data changes (cut); the same blocks whatever the reads return."""
    buf = first
    while True:
        while len(buf) < size:
            more = src.read(size - len(buf))
            if not more:
                break
            buf += more
        if not buf:
            return
        n = cut(buf[:size])
        yield buf[:n]
        buf = buf[n:]


def compress_blocks(first: bytes, src: BinaryIO, dst: BinaryIO, workers: int,
                    progress: Progress, total: int | None, limit: int,
                    model: str | None = None, block_log2: int = BLOCK_LOG2) -> int:
    """The blocked form of ``first`` followed by the rest of ``src``, written to ``dst``;
    returns the input's length. An input over ``limit`` bytes is refused (TooLong) as soon
    as it passes it."""
    size = 1 << block_log2
    pool = _Pool(workers, LANES)
    dictionary = Dictionary()
    starts: deque[int] = deque(maxlen=LANES)  # where the last LANES blocks start
    # (original length, references) of the blocks in flight, in order
    lengths: deque[tuple[int, bytes]] = deque()
    done = length = crc = 0

    def tick() -> None:
        progress(done + pool.in_flight(), total)

    def write_next() -> None:
        nonlocal done
        coded = pool.next_result(tick)
        n, refs = lengths.popleft()
        dst.write(block_record(n, refs + coded))
        done += n
        tick()

    try:
        dst.write(file_head(block_log2, LANES, PRIOR_LOG2))
        for index, block in enumerate(_blocks(first, src, size)):
            length += len(block)
            if length > limit:
                raise TooLong(f"the input is over {limit:,} bytes")
            crc = zlib.crc32(block, crc)
            start = dictionary.start
            starts.append(start)
            min_match = TEXT_MIN_MATCH if looks_like_text(block) else MIN_MATCH
            cut_block = dictionary.cut(block, min_match)
            # (the prior is sent only where compressing.in_lane may read it)
            prior = (dictionary.earlier(starts[0], 1 << PRIOR_LOG2)
                     if len(cut_block.literals) >= LANE_MIN else b"")
            lengths.append((len(block), pack_refs(cut_block.refs, start, min_match)))
            lane = index % LANES
            pool.submit(len(cut_block.literals), lane, _compress_block, cut_block.literals,
                        pool.lane(lane), prior, model)
            while pool.full():
                write_next()
        while lengths:
            write_next()
        dst.write(end_record(length, crc))
    except BaseException:
        pool.close(finished=False)
        raise
    pool.close(finished=True)
    return length


def decompress_blocks(src: BinaryIO, dst: BinaryIO, name: str, workers: int,
                      progress: Progress, total_hint: int | None = None,
                      model: str | None = None) -> int:
    """The original of a blocked file, block by block into ``dst``; returns its length. Every
    block's record is checked before it is decoded, its single-file form's own CRC after, and
    the end record's length and CRC over everything; a failure names the block's offset."""
    reader = BlockReader(src, name)
    if (reader.lanes - 1) * reader.block_size + reader.prior > 1 << WINDOW_LOG2:
        raise ContainerError(f"{name} is corrupt: its prior reaches past the window of earlier "
                             "bytes")
    lanes = reader.lanes if reader.version >= 4 else max(1, workers)
    pool = _Pool(workers, lanes)
    window = Window() if reader.version >= 2 else None
    starts: deque[int] = deque(maxlen=reader.lanes)  # where the last lanes' blocks start
    blocks: deque = deque()  # (block, its references) in flight, in order
    done = 0
    crc = 0

    def tick() -> None:
        progress(done + pool.in_flight(), total_hint)

    def write_next() -> None:
        nonlocal done, crc
        block, refs = blocks.popleft()
        where = f"block {block.index} (at byte {block.offset:,}, original bytes {block.start:,} on)"
        try:
            data = pool.next_result(tick)
            if window is not None:
                data = window.restore(data, refs, block.length, "the block")
        except ContainerError as exc:
            raise ContainerError(f"{name}: {where}: {exc}") from None
        if len(data) != block.length:
            raise ContainerError(f"{name} is corrupt: block {block.index} (at byte "
                                 f"{block.offset:,}) decodes to {len(data):,} bytes, not "
                                 f"{block.length:,}")
        dst.write(data)
        crc = zlib.crc32(data, crc)
        done += len(data)
        tick()

    try:
        for block in reader:
            label = f"block {block.index}"
            refs, at = None, 0
            if window is not None:
                try:
                    refs, at = unpack_refs(block.coded, block.start, block.length, "the block",
                                           version=reader.version)
                except ContainerError as exc:
                    raise ContainerError(f"{name}: block {block.index} (at byte "
                                         f"{block.offset:,}, original bytes {block.start:,} "
                                         f"on): {exc}") from None
            blocks.append((block, refs))
            lane, prior = None, b""
            if reader.version >= 4:  # the blocks before starts[0] are written (pool.full)
                starts.append(block.start)
                lane = block.index % reader.lanes
                if reader.prior and block.length - referenced(refs) >= LANE_MIN:
                    prior = window.earlier(starts[0], reader.prior)
            pool.submit(block.length, block.index % lanes, _decompress_block,
                        block.coded[at:], label, pool.lane(lane), prior, model)
            while pool.full():
                write_next()
        while blocks:
            write_next()
    except BaseException:
        pool.close(finished=False)
        raise
    pool.close(finished=True)
    if reader.crc32 != crc:
        raise ContainerError(f"{name} did not decode to the original (its CRC over all blocks "
                             "does not match); nothing written")
    return done
