"""Optimisers for the online learners, with torch's fused CPU kernels where they exist."""

from __future__ import annotations

import torch


def fused(optimizer: type[torch.optim.Optimizer], params, **kwargs) -> torch.optim.Optimizer:
    """``optimizer(params, fused=True, ...)``: one kernel call per step for all tensors instead of
    a Python loop over parameters. torch before 2.4 has
    no fused CPU kernels: then the foreach variant. Alice and Bob run the same torch build (the
    container and the checkpoint record it), so both take the same branch and get the same floats.
    """
    params = list(params)
    try:
        return optimizer(params, fused=True, **kwargs)
    except (RuntimeError, TypeError):
        return optimizer(params, foreach=True, **kwargs)
