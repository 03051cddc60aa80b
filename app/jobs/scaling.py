"""The live scaling race (`lmviz scale`, key l; `lmviz scale --live --json`): the recording's
smallest sizes, each at the learning rate its sweep picked, read the start of the recorded stream
on this machine, prequentially, chunk by chunk."""

from __future__ import annotations

import numpy as np
from lmviz.core.files import write_output
from lmviz.core.learning.config import ScaleConfig
from lmviz.core.learning.pretrain import load_corpus
from lmviz.core.learning.scale_records import (
    ScaleChunk,
    ScaleError,
    ScaleRecording,
    load_recording,
    recording_json,
    shipped_recording_path,
)
from lmviz.core.learning.scaling import (
    ScaleRace,
    live_stream_path,
    read_live_stream,
    record_scaling,
    write_live_stream,
)

from .base import Cancelled, Emit
from .events import Status

LIVE_SIZES = 3  # the smallest three: about a minute on a 2-core CPU


class LiveRaceJob:
    def __init__(self, recording: str | None = None, sizes: int = LIVE_SIZES,
                 control=None) -> None:  # control: the screens' channel; the race takes none
        path = recording or shipped_recording_path()
        self.recording = load_recording(path)
        self.tokens = read_live_stream(live_stream_path(path))
        cfg = dict(self.recording.config)
        cfg["betas"] = tuple(cfg["betas"])
        cfg["threads"] = 1  # the screen's thread keeps the other core
        self.config = ScaleConfig(**cfg)
        self.sizes = {s.name: s.lr for s in self.recording.sizes[:sizes]}
        self.last: dict[str, ScaleChunk] = {}  # each size's latest chunk

    def run(self, emit: Emit, cancelled: Cancelled) -> None:
        emit(Status(f"live race: {', '.join(self.sizes)} on the first "
                    f"{len(self.tokens) - 1:,} bytes of the recorded stream, on this CPU…"))
        race = ScaleRace(self.sizes, self.tokens, self.config, torch_threads=1)
        for chunk in race.chunks(cancelled):
            self.last[chunk.size] = chunk
            emit(chunk)
        if not cancelled():
            r = self.result()
            same = "as in the recording" if r["same_order_as_recording"] else (
                "the recording had " + " < ".join(r["recorded_shortest_first"]))
            emit(Status(f"live race done, shortest message first: "
                        f"{' < '.join(r['shortest_first'])} ({same})"))

    def final_totals(self) -> dict[str, float]:
        return {size: c.total_bits for size, c in self.last.items()}

    def recorded_order(self, seen: int) -> list[str]:
        """The live sizes, shortest message first, as the recording had them after ``seen``
        bytes."""
        rec = self.recording
        k = min(int(np.searchsorted(rec.bytes_seen, seen)), len(rec.bytes_seen) - 1)
        totals = {s.name: float(np.cumsum(s.chunk_bits)[k]) for s in rec.sizes
                  if s.name in self.sizes}
        return sorted(totals, key=totals.get)

    def result(self) -> dict:
        totals = self.final_totals()
        seen = max((c.bytes_seen for c in self.last.values()), default=0)
        live = sorted(totals, key=totals.get)
        recorded = self.recorded_order(seen)
        return {"bytes": seen, "sizes": [{"name": s, "lr": lr, "total_bits": totals.get(s),
                                          "bits_per_byte": totals.get(s, 0) / max(seen, 1)}
                                         for s, lr in self.sizes.items()],
                "shortest_first": live, "recorded_shortest_first": recorded,
                "same_order_as_recording": live == recorded}


def known_sweeps(path: str, corpus, stream_bytes: int, sweep_bytes: int,
                 config: ScaleConfig) -> dict[str, dict[float, float]]:
    """The sweep scores of an earlier recording made on the same corpus, streams and settings
    (`--sweep-from`): a sweep is deterministic, so they need not be run again."""
    import dataclasses
    import json

    rec = load_recording(path)
    same = (rec.stream.get("corpus", {}).get("files") == corpus.description["files"]
            and rec.stream.get("stream_bytes") == stream_bytes
            and rec.stream.get("sweep_bytes") == sweep_bytes
            and rec.config == json.loads(json.dumps(dataclasses.asdict(config))))
    if not same:
        raise ScaleError(f"{path} was recorded on another corpus or with other settings: its "
                         "sweep cannot be reused")
    return {s.name: dict(s.sweep) for s in rec.sizes}


def record_to(path: str, corpus_dir: str, sizes: tuple[str, ...], stream_bytes: int,
              sweep_bytes: int, held_out_bytes: int, command: str, device: str, force: bool,
              report, sweep_from: str | None = None) -> tuple[ScaleRecording, str]:
    """`lmviz scale --record`: sweep, race, and write the recording and its live stream."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ScaleError("--device cuda was asked for, but torch sees no CUDA device here")
    corpus = load_corpus(corpus_dir)
    known = (known_sweeps(sweep_from, corpus, stream_bytes, sweep_bytes, ScaleConfig())
             if sweep_from else None)
    rec = record_scaling(corpus, sizes, ScaleConfig(), stream_bytes, sweep_bytes, held_out_bytes,
                         command, device=device, report=report, known_sweeps=known)
    text = recording_json(rec)
    write_output(path, text.encode(), force=force)
    return rec, write_live_stream(corpus, path, rec, force=force)
