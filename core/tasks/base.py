"""What every task is: text <-> token ids, a sampler, and, where the generator is known, its exact
next-token law.

Every task maps text to token ids and back, samples sequences from an explicit
``np.random.Generator`` and answers ``true_distribution(prefix)``: the generator's own
distribution of the next token (or ``None`` where no oracle exists, as for arbitrary text). The
oracle is what splits each token's cost into aleatoric (cannot be learned) and epistemic (a better
model would not pay it). A task also owns everything the rest of lmviz needs to know about its
layout: the names of its positions, which of them are unpredictable, which ones the learning-rate
rule watches, and the hint a user gets while typing one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class TaskError(ValueError):
    """Input that does not belong to the task; the message is one sentence for the user."""


def shorten(text: str, limit: int = 40) -> str:
    """A user's input quoted in an error: long ones cut in the middle, so a message stays one line."""
    return text if len(text) <= limit else f"{text[: limit // 2]}…{text[-(limit // 2) :]}"


def entropy_bits(p: np.ndarray) -> float:
    """H(p) in bits."""
    p = np.asarray(p, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


@dataclass(frozen=True)
class Layout:
    """Per-position ids the model embeds instead of absolute positions (see models/)."""

    place: np.ndarray  # (L,) int: place value for digits (shared by a, b and c), else 0
    segment: np.ndarray  # (L,) int: which part of the sequence a position belongs to


class Task:
    """Base class. Subclasses set ``name``, ``symbols`` and implement the rest."""

    name: str = "task"
    symbols: tuple[str, ...] = ()
    block_size: int = 0  # fixed sequence length the model sees (padded where shorter)
    first_predicted: int = 1  # positions before this are given, not coded
    online_from_pretrained: bool = False  # the explorer's online model fine-tunes the pretrained one
    two_symbols: bool = False  # every coded token is 0 or 1: the run-length code applies (m = 2)
    raw_bits: int = 8  # what a token costs sent as it is (a byte; a bit for m = 2)

    @property
    def vocab_size(self) -> int:
        return len(self.symbols)

    @property
    def has_oracle(self) -> bool:
        return True

    def spec(self) -> dict:
        """JSON-able description from which `task_from_spec` rebuilds the task."""
        raise NotImplementedError

    def label(self) -> str:
        """What the explorer's header calls this task."""
        return self.name

    def encode_text(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def text_bytes(self, ids) -> bytes:
        """The sequence as the bytes a classical compressor would be given."""
        return self.decode_tokens(ids).encode("utf-8")

    def display_groups(self, symbols) -> list[tuple[int, int, str]] | None:
        """How the coded symbols are drawn as characters, (first, end, glyph) each; None: one
        character per symbol."""
        return None

    def decode_tokens(self, ids) -> str:
        return "".join(self.symbols[int(i)] for i in ids)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return self.sample_batch(rng, 1)[0]

    def sample_batch(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, block_size) sequences; a task overrides this or `sample` (each defaults to the other)."""
        if not n:
            return np.zeros((0, self.block_size), np.int64)
        return np.stack([self.sample(rng) for _ in range(n)])

    def parse(self, text: str) -> np.ndarray:
        """A whole sequence (block_size ids) from what a user typed; TaskError if it is not one."""
        return self.encode_text(text)

    def validate(self, text: str) -> None:
        """TaskError unless the explorer can open ``text`` (by default: it parses)."""
        self.parse(text)

    def editable_text(self, ids) -> str:
        """A coded sequence as the user would type it again (the editor's starting value)."""
        return self.decode_tokens(ids)

    def allowed_characters(self) -> str | None:
        """Characters the editor accepts (None: any), and `edit_hint` names them."""
        return None

    def edit_hint(self) -> str:
        """One line for the editor: what a sequence of this task looks like."""
        return ""

    def true_distribution(self, prefix) -> np.ndarray | None:
        return None

    def layout(self) -> Layout:
        n = self.block_size
        return Layout(np.arange(n), np.zeros(n, dtype=np.int64))

    def predicted_positions(self) -> range:
        return range(self.first_predicted, self.block_size)

    def coded_positions(self, sequence) -> list[int]:
        """The positions coded for this sequence: all predicted ones, or fewer for a sequence
        shorter than the block (a text stops at its end token)."""
        return list(self.predicted_positions())

    def sequence_ends(self, position: int, symbol: int) -> bool:
        """Whether Bob, having decoded ``symbol`` at ``position``, has the whole sequence."""
        return position >= self.block_size - 1

    def given_tokens(self) -> list[int]:
        """The tokens before the first predicted position that Bob knows without being told,
        where they are the same for every sequence (None-free); tasks whose given tokens vary
        (a division's a and b) return the empty list and the caller sends them."""
        return []

    def position_labels(self) -> tuple[str, ...]:
        """Short names of the predicted positions, for charts and tables."""
        return tuple(str(t) for t in self.predicted_positions())

    def aleatoric_positions(self) -> list[int]:
        """Positions whose token no model can predict (trained at a lower weight)."""
        return []

    def monitored_positions(self) -> list[int]:
        """Positions whose coded cost drives the learning-rate rule (what the model must learn)."""
        return []

    def floor_bits(self) -> float | None:
        """Entropy of a whole sequence under the generator: no coder can beat it on average."""
        return None
