"""The grokking job: full-batch training of a/b mod p until it has grokked (or a step budget)."""

from __future__ import annotations

import time

from lmviz.core.grokking.records import GrokConfig, grokked
from lmviz.core.grokking.trainer import GrokTrainer

from .base import Cancelled, Emit, JobControl, LoopJob
from .events import GrokBatch

POST_INTERVAL = 1 / 30  # batch records to about 30 emits a second


class GrokJob(LoopJob):
    """Steps until `grokked` (the one rule for "done", in core/grokking/records.py) or until
    ``max_steps``, whichever comes first."""

    def __init__(self, config: GrokConfig, max_steps: int | None = None,
                 stop_when_grokked: bool = True, post_interval: float = POST_INTERVAL,
                 control: JobControl | None = None) -> None:
        super().__init__(control)
        self.config = config
        self.max_steps = max_steps
        self.stop_when_grokked = stop_when_grokked
        self.post_interval = post_interval
        self.records: list = []

    def run(self, emit: Emit, cancelled: Cancelled) -> None:
        trainer = GrokTrainer(self.config)
        batch: list = []
        train99 = None
        last = time.perf_counter()
        finished = False
        while not finished and self.serve(emit, cancelled):
            rec = trainer.step()
            self.records.append(rec)
            batch.append(rec)
            if train99 is None and rec.train_acc >= 0.99:
                train99 = rec.step
            finished = (self.stop_when_grokked and grokked(self.records, train99)) or (
                self.max_steps is not None and rec.step >= self.max_steps)
            now = time.perf_counter()
            if finished or now - last >= self.post_interval:
                emit(GrokBatch(tuple(batch), finished))
                batch, last = [], now
