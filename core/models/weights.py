"""Deterministic initialisation and parameter counts, shared by every model."""

from __future__ import annotations

import math

import torch
import torch.nn as nn


def init_weights(module: nn.Module, generator: torch.Generator) -> None:
    """GPT-2 style init, drawn from an explicit generator so a seed fixes every weight."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * 0.02)
                if m.bias is not None:
                    m.bias.zero_()
        elif isinstance(m, nn.Embedding):
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * 0.02)
        elif isinstance(m, nn.LSTM):
            with torch.no_grad():
                for p in m.parameters():
                    bound = 1 / math.sqrt(m.hidden_size)
                    p.copy_((torch.rand(p.shape, generator=generator) * 2 - 1) * bound)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
