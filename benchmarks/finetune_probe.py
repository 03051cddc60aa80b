"""Does fine-tuning the byte model online, as it codes, pay inside the compressor?

    python benchmarks/finetune_probe.py english-small /tmp/prose/faq.txt 0 1e-4 3e-5

On the middle 100 KB of FILE: the model alone (torch, float) frozen or with one Adam step (each
learning rate given; 0 = frozen) on every window just coded, windows as the compressor's (the
start token, 64 bytes of history, new bytes up to 256); then each run's distributions replayed
as the model input of the compressor's bit mixer, for the mix's bits a byte. A probe, not the
compressor: float training is not reproducible across CPUs, so this only says whether building
it exactly would pay.
"""

from __future__ import annotations

import dataclasses
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from lmviz.core.compression import compressor
from lmviz.core.compression.bytemodel import load_byte_model
from lmviz.core.compression.config import config_for
from lmviz.core.learning.checkpoints import load_learner

CONTEXT, HISTORY = 256, 64  # the compressor's window (bytemodel.ByteModelStream)


def distributions(name: str, data: bytes, lr: float) -> tuple[np.ndarray, float]:
    """(len(data) + 1, 256) next-byte distributions, and the seconds they took."""
    model = load_learner(name).model
    opt = torch.optim.Adam(model.parameters(), lr=lr) if lr > 0 else None
    out = np.zeros((len(data) + 1, 256))
    pos, t0 = 0, time.perf_counter()
    while pos < len(data):
        hist = data[max(0, pos - HISTORY) : pos]
        new = data[pos : pos + CONTEXT - 1 - len(hist)]
        tokens = torch.tensor([[256, *hist, *new]])
        model.eval()
        with torch.no_grad():
            p = F.softmax(model(tokens)[0].float(), -1)[:, :256]
        p = p / p.sum(-1, keepdim=True)
        out[pos : pos + len(new) + 1] = p[len(hist) : len(hist) + len(new) + 1].numpy()
        if opt is not None:  # train on the window just coded, as Bob could after decoding it
            model.train()
            loss = F.cross_entropy(model(tokens)[0, :-1].float(), tokens[0, 1:])
            opt.zero_grad()
            loss.backward()
            opt.step()
        pos += len(new)
    return out, time.perf_counter() - t0


def node_probs(p: np.ndarray) -> np.ndarray:
    """The 12-bit probability of a 1 at each node of the byte tree, as bytekernels._node_probs."""
    tree = np.zeros(512)
    tree[256:] = np.maximum(p, 1e-9)
    for n in range(255, 0, -1):
        tree[n] = tree[2 * n] + tree[2 * n + 1]
    nodes = np.zeros(256, dtype=np.int64)
    nodes[1:] = np.clip((tree[3:512:2] / tree[1:256] * 4096).astype(np.int64), 1, 4095)
    return nodes


class Replay:
    """Stands in for ByteModelStream: the nodes of precomputed distributions, byte by byte."""

    nodes: np.ndarray

    def __init__(self, *_) -> None:
        self.i = 0

    def next_probs(self) -> np.ndarray:
        return self.nodes[self.i]

    def push(self, _byte: int) -> None:
        self.i += 1


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit("usage: python benchmarks/finetune_probe.py MODEL FILE LR [LR ...]")
    name, path, lrs = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3:]]
    data = open(path, "rb").read()
    data = data[len(data) // 2 - 50_000 : len(data) // 2 + 50_000]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    byte_model = load_byte_model(name)
    config = dataclasses.replace(config_for(data), model=byte_model.sha256)
    _, nbits = compressor.compress_packed(data, config, byte_model=byte_model)
    print(f"| {name}, integer, frozen | | {nbits / len(data):.4f} | |")
    compressor.ByteModelStream = Replay
    real = np.frombuffer(data, dtype=np.uint8)
    for lr in lrs:
        p, seconds = distributions(name, data, lr)
        alone = -np.mean(np.log2(p[np.arange(len(data)), real]))
        Replay.nodes = np.stack([node_probs(row) for row in p])
        _, nbits = compressor.compress_packed(data, config, byte_model=byte_model)
        label = "frozen" if lr == 0 else f"Adam lr {lr:g}"
        print(f"| {name}, float, {label} | {alone:.4f} | {nbits / len(data):.4f} | "
              f"{seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
