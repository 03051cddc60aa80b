"""A token LSTM with the transformer's contract (``forward(idx) -> logits``)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from .weights import init_weights


@dataclass(frozen=True)
class LSTMConfig:
    vocab_size: int = 14  # output symbols (and input tokens)
    block_size: int = 29  # sequence length the model always sees
    n_layer: int = 1  # stacked LSTM layers
    d_model: int = 128  # embedding and hidden width



class LSTMModel(nn.Module):
    def __init__(self, cfg: LSTMConfig, generator: torch.Generator) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.lstm = nn.LSTM(cfg.d_model, cfg.d_model, num_layers=cfg.n_layer, batch_first=True)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size)
        init_weights(self, generator)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """logits (B, T, V): position t sees tokens 0..t only, as the transformer's."""
        h, _ = self.lstm(self.tok(idx))
        return self.head(h)
