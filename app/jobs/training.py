"""The training job: online (prequential) training of addition, one or two models on one stream."""

from __future__ import annotations

import time

from lmviz.core.baselines import classical_bits
from lmviz.core.learning.online import OnlineLearner
from lmviz.core.learning.prequential import learn_stream

from .base import (
    Cancelled,
    Command,
    Emit,
    ExportModel,
    JobControl,
    LoopJob,
    SaveCheckpoint,
    SetSpeed,
)
from .events import Exported, Failed, LearnResult, Saved, Status, TrainBatch
from .settings import TrainSettings

POST_INTERVAL = 1 / 30  # batch records to about 30 emits a second


class TrainingJob(LoopJob):
    def __init__(self, settings: TrainSettings, per_second: int = 0,
                 control: JobControl | None = None) -> None:
        super().__init__(control)
        self.settings = settings
        self.per_second = per_second  # 0: as fast as it goes
        self.learners: list[OnlineLearner] = []

    def handle(self, command: Command, emit: Emit) -> None:
        if isinstance(command, SetSpeed):
            self.per_second = command.per_second
        elif isinstance(command, SaveCheckpoint):
            try:
                self.learners[0].save(command.path, force=True)
                emit(Saved(command.path))
            except (OSError, ValueError) as exc:
                emit(Failed(f"could not save {command.path}: {exc}"))
        elif isinstance(command, ExportModel):
            emit(Exported(self.learners[0].to_bytes(), self.settings.digits,
                          f"trained here ({self.learners[0].sequences_seen:,} sequences)"))
        else:
            super().handle(command, emit)

    def run(self, emit: Emit, cancelled: Cancelled) -> None:
        configs = self.settings.configs()
        self.learners = [OnlineLearner(c) for c in configs]
        # The same data seed: every run sees the very same stream.
        streams = [learn_stream(c, 10**9, data_seed=1, report_every=0, learner=lrn,
                                keep_text=(i == 0))
                   for i, (c, lrn) in enumerate(zip(configs, self.learners))]
        emit(Status("training… (space: pause)"))
        text = bytearray()
        next_baseline = 256
        pending: list = []
        last_post = time.perf_counter()
        seen = 0
        while self.serve(emit, cancelled):
            step_start = time.perf_counter()
            for i, s in enumerate(streams):
                prog, new_text = next(s)
                if i == 0:
                    text += new_text
                pending.append((i, prog))
            base = {}
            n = pending[-1][1].sequences
            if n >= next_baseline:
                base = {k: v / n for k, v in classical_bits(bytes(text)).items()}
                base["sequences"] = n
                next_baseline = int(n * 1.5)
            if self.per_second:  # pace each step, so a pause or a speed change needs no catching up
                time.sleep(max(0.0, (n - seen) / self.per_second - (time.perf_counter() - step_start)))
            seen = n
            now = time.perf_counter()
            if now - last_post >= POST_INTERVAL or base:
                emit(TrainBatch(tuple(pending), base))
                pending, last_post = [], now


class LearnJob:
    """`lmviz learn`: a finite prequential stream, its classical baselines at the end, and the
    final model saved if asked. Emits each `LearnProgress`, then a `LearnResult`."""

    def __init__(self, config, sequences: int, data_seed: int = 1, save: str | None = None,
                 force: bool = False) -> None:
        self.config = config
        self.sequences = sequences
        self.data_seed = data_seed
        self.save = save
        self.force = force
        self.learner = OnlineLearner(config)

    def run(self, emit: Emit, cancelled: Cancelled) -> None:
        text = bytearray()
        last = None
        for prog, new_text in learn_stream(self.config, self.sequences, self.data_seed,
                                           learner=self.learner):
            text += new_text
            last = prog
            emit(prog)
            if cancelled():
                return
        baselines = {k: v / last.sequences for k, v in classical_bits(bytes(text)).items()}
        if self.save:
            self.learner.save(self.save, force=self.force)
        emit(LearnResult(last, baselines, self.learner.parameter_count))

