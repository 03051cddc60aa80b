"""The compressor's model, and only the model: a byte LSTM mixed with the classical context
models' predictions (contexts.py). compressor.py drives it on both sides."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .contexts import MATCH_BUCKETS, MIX_BUCKETS


@dataclass(frozen=True)
class ContextInputs:
    """What the classical models say before one step, as tensors for the mixer."""

    features: torch.Tensor  # (B, F, 256): the bit mixer's ln P, then the match's one-hot
    index: torch.Tensor  # (B, F): which entry of ByteLSTM.mix_w weighs each row


# LSTM width. With the bit mixer doing most of the work, a narrow LSTM costs little: on 100 KB
# of English width 64 gave 25,657 bytes against width 96's 25,636, 0.2 to 0.7 s sooner (of 4) in three paired runs.
COMPRESSOR_SIZES = {"small": 64, "medium": 192}


class ByteLSTM(torch.nn.Module):
    """A one-layer LSTM over bytes whose input weights are folded into the embedding, mixed with
    the bit mixer's distribution (bitmix.py) and the match model's byte.

    gates = E[x] + W h: the embedding maps each input byte straight to its 4H gate
    pre-activations, which halves the matrix work of a step (what limits the compressor).

    logits = head(h) + w_bits * ln P_bits(byte) + w_match at the byte the match model predicts,
    w = mix_w[bucket] + (h G).
    A product of experts in the logit domain: the bit mixer's distribution raised to a learned
    power, chosen by how sure it is (MIX_BUCKETS), times the LSTM's; a match of a given length
    adds a learned boost. The gate G lets the LSTM's state move every weight (paq's "mixer
    weights selected by a context", with the LSTM as the context). Learned online like
    everything else. Every expert is one feature row (B, F, 256) with one weight index (B, F)
    into ``mix_w``, so the whole mix is one batched matrix product.
    """

    def __init__(self, width: int, generator: torch.Generator, match: bool = True) -> None:
        super().__init__()
        self.width = width
        embed = torch.randn(257, 4 * width, generator=generator) * 0.1
        embed[:, width : 2 * width] += 1.0  # forget-gate bias 1, folded into every input row
        self.embed = torch.nn.Parameter(embed)
        bound = 1 / math.sqrt(width)
        self.recur = torch.nn.Parameter((torch.rand(4 * width, width, generator=generator) * 2 - 1) * bound)
        self.head = torch.nn.Parameter(torch.randn(256, width, generator=generator) * 0.02)
        self.head_bias = torch.nn.Parameter(torch.zeros(256))
        # The bit mixer's distribution starts as it is (weight 1); the match model, already one
        # of its inputs, starts without a boost of its own.
        self.mix_w = torch.nn.Parameter(torch.cat([torch.ones(MIX_BUCKETS), torch.zeros(MATCH_BUCKETS)]))
        # The gate starts at zero: at first the weights are mix_w's alone.
        self.gate = torch.nn.Parameter(torch.zeros(width, 1 + match))

    def zero_state(self, batch: int):
        z = torch.zeros(batch, self.width)
        return z, z.clone()

    def cell(self, x: torch.Tensor, state):
        h, c = state
        gates = torch.addmm(self.embed[x], h, self.recur.t())  # rows: input, forget, output, cell
        H = self.width
        i, f, o = torch.sigmoid(gates[:, : 3 * H]).chunk(3, dim=1)
        c = f * c + i * torch.tanh(gates[:, 3 * H :])
        h = o * torch.tanh(c)
        return h, (h, c)

    def mix(self, h: torch.Tensor, ctx: ContextInputs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The mixed logits, the LSTM's own (head(h), before the experts join) and the weight
        each expert got (B, F)."""
        out = torch.addmm(self.head_bias, h, self.head.t())
        w = torch.addmm(self.mix_w[ctx.index], h, self.gate)  # (B, F): each feature row's weight
        return torch.baddbmm(out.unsqueeze(1), w.unsqueeze(1), ctx.features).squeeze(1), out, w
