"""The pretraining job: a byte-level model reads a corpus for a time budget (`lmviz pretrain`)."""

from __future__ import annotations

import torch
from lmviz.core.learning.pretrain import (
    PretrainConfig,
    Pretrainer,
    load_corpus,
    run_pretraining,
)

from .base import Cancelled, Emit
from .events import PretrainDone, PretrainProgress


class PretrainJob:
    def __init__(self, config: PretrainConfig, corpus: str, minutes: float, save: str,
                 resume: bool = False, report_every: float = 30.0,
                 init: str | None = None, half: bool = False) -> None:
        self.trainer = Pretrainer(config, load_corpus(corpus), minutes)
        if resume:
            self.trainer.resume(save)
        elif init is not None:
            self.trainer.init_from(init)
        self.save = save
        self.half = half
        self.report_every = report_every
        self.device_name = (torch.cuda.get_device_name(0) if config.device == "cuda"
                            else f"cpu, {config.threads} threads")

    def run(self, emit: Emit, cancelled: Cancelled) -> None:
        def report(row: dict) -> None:
            emit(PretrainProgress(row))
            self.trainer.save(self.save, self.device_name)  # every report: resumable at any time

        run_pretraining(self.trainer, report, cancelled, self.report_every)
        self.trainer.save(self.save, self.device_name, half=self.half)
        emit(PretrainDone(self.trainer.record(self.device_name)))
