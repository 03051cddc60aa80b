"""A small decoder-only transformer, and only the model (nanoGPT's contract: ``forward(idx) ->
logits``; the learner owns the loss). Initialisation is deterministic given the
``torch.Generator`` passed in.

Attention is written out (matmul, mask, softmax) rather than through a fused kernel: the output at
position t must be bit-identical whatever tokens sit after t, since Bob computes it with the
future padded and Alice with the real future in place. Masked scores become exact zeros after the
softmax, so they add exact zeros.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .weights import init_weights


@dataclass(frozen=True)
class TransformerConfig:
    vocab_size: int = 14  # output symbols (and input tokens)
    block_size: int = 29  # sequence length the model always sees
    n_layer: int = 2  # transformer blocks
    n_head: int = 4  # attention heads per block
    d_model: int = 64  # residual width
    n_place: int = 32  # place-value ids the task may use (abacus-style embedding)
    n_segment: int = 8  # segment ids the task may use (which part of the sequence)
    mlp_ratio: int = 4  # hidden width of each MLP, as a multiple of d_model


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        mask = torch.tril(torch.ones(cfg.block_size, cfg.block_size, dtype=torch.bool))
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        h = self.n_head
        q = q.view(B, T, h, C // h).transpose(1, 2)
        k = k.view(B, T, h, C // h).transpose(1, 2)
        v = v.view(B, T, h, C // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // h))
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.d_model, cfg.mlp_ratio * cfg.d_model),
            nn.GELU(),
            nn.Linear(cfg.mlp_ratio * cfg.d_model, cfg.d_model),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))

    def forward_last(self, x: torch.Tensor) -> torch.Tensor:
        """The block's output at the last position only (it attends to every position), for
        models that are read out at one place: the same function, a quarter of the work."""
        B, T, C = x.shape
        a = self.attn
        q, k, v = a.qkv(self.ln1(x)).split(C, dim=2)
        h = a.n_head
        q = q[:, -1:].view(B, 1, h, C // h).transpose(1, 2)
        k = k.view(B, T, h, C // h).transpose(1, 2)
        v = v.view(B, T, h, C // h).transpose(1, 2)
        att = F.softmax((q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // h)), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, 1, C)
        x = x[:, -1:] + a.proj(y)
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    """Decoder-only transformer whose positions are embedded as (place, segment) ids.

    For addition, place is the column of a digit, shared by a, b and c, and segment says which
    number it belongs to; for other tasks place is the plain position. The ids are fixed buffers
    set from the task's layout.
    """

    def __init__(self, cfg: TransformerConfig, place: torch.Tensor, segment: torch.Tensor,
                 generator: torch.Generator) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.place = nn.Embedding(cfg.n_place, cfg.d_model)
        self.segment = nn.Embedding(cfg.n_segment, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        self.register_buffer("place_ids", place.long().clone(), persistent=False)
        self.register_buffer("segment_ids", segment.long().clone(), persistent=False)
        init_weights(self, generator)

    def forward(self, idx: torch.Tensor, last_only: bool = False) -> torch.Tensor:
        """logits (B, T, V), or (B, 1, V) for the last position alone with last_only."""
        T = idx.shape[1]
        x = self.tok(idx) + self.place(self.place_ids[:T]) + self.segment(self.segment_ids[:T])
        for i, block in enumerate(self.blocks):
            x = block.forward_last(x) if last_only and i == len(self.blocks) - 1 else block(x)
        return self.head(self.ln_f(x))
