"""Run by tests/test_pretrain_ddp.py under `torchrun`: a few pretraining steps on a tiny corpus,
each rank's final weights saved to OUT/rank{R}.pt, and rank 0's checkpoint to OUT/model.pt.

    python -m torch.distributed.run --nproc_per_node N tests/ddp_pretrain.py CORPUS OUT STEPS [FAIL]

With FAIL, rank 1 raises after two steps (the checkpoint must then never appear)."""

import sys
from pathlib import Path

import torch
from lmviz.core.learning.config import PretrainConfig
from lmviz.core.learning.pretrain import Pretrainer, load_corpus

corpus, out, steps = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
fail = len(sys.argv) > 4
config = PretrainConfig(size="small", context=32, batch=8, threads=1, bf16=False, warmup=2,
                        doc_start_share=0.5)
trainer = Pretrainer(config, load_corpus(corpus), minutes=60)
for i in range(steps):
    if fail and trainer.rank == 1 and i == 2:
        raise RuntimeError("rank 1 fails on purpose")
    trainer.step()
torch.save({k: v.detach().clone() for k, v in trainer.model.state_dict().items()},
           out / f"rank{trainer.rank}.pt")
trainer.save(out / "model.pt", "test")
