"""What the screens draw, worked out from core's records in the job layer (numpy only: the
screens call these before torch or numba has loaded). A screen holds the records it is handed
and draws them; reading recordings, the cursor byte's bisection and the bytes each context saw
are done here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lmviz.core.coding.bisection import BisectionTrace, bisect_encode
from lmviz.core.compression.costs import ByteDetail, CostMap, context_bytes
from lmviz.core.grokking.records import GrokConfig, GrokStep, load_recorded_run
from lmviz.core.learning.scale_records import (
    ScaleError,
    ScaleRecording,
    load_recording,
    shipped_recording_path,
)
from lmviz.core.tasks.text import byte_glyph

__all__ = ["ByteView", "CostMap", "ScaleError", "ScaleRecording", "byte_view", "cost_map",
           "grok_recording", "scale_recording"]


def scale_recording(path: str | None = None) -> ScaleRecording:
    """The scaling recording at ``path``, or the shipped one (one sentence: ScaleError)."""
    return load_recording(path or shipped_recording_path())


def grok_recording() -> tuple[GrokConfig, list[GrokStep], str]:
    """The shipped grokking run: its settings, its steps and the command that made it."""
    return load_recorded_run()


SAW_WINDOW = 256  # bytes before the cursor in which its contexts are looked for


def cost_map(data: bytes, parts: tuple[str, ...]) -> CostMap:
    """The inspect screen's store of every byte's cost and parts, filled as chunks arrive."""
    return CostMap(data, parts)


@dataclass(frozen=True)
class ByteView:
    """The byte under inspect's cursor, ready to draw."""

    detail: ByteDetail  # its cost, the mix's favourites and every part
    cum: list[int]  # [0, 1) cut into the known bytes' intervals and the gaps between them
    labels: list[str]  # each segment's glyph ("" for a gap)
    token: int  # the segment of the real byte
    trace: BisectionTrace  # the bisection of its interval
    saw: dict[str, bytes]  # the bytes each context hashed (those that are a run of bytes)


def byte_view(costs: CostMap, pos: int) -> ByteView | None:
    """The cursor's byte, or None while the coder has not reached it."""
    detail = costs.detail(pos)
    if detail is None:
        return None
    cum, owners = detail.segments()
    token = owners.index(detail.byte)
    # The bytes before the cursor that a context can have hashed (24 at most, a word more):
    # a window, not the whole file, on every cursor move.
    start = max(0, pos - SAW_WINDOW)
    before = costs.data[start : pos + 1].tobytes()
    saw = {p.name: b for p in detail.parts
           if (b := context_bytes(p.name, before, pos - start)) is not None}
    return ByteView(detail, cum, ["" if b < 0 else byte_glyph(b) for b in owners], token,
                    bisect_encode(np.diff(cum), token), saw)
