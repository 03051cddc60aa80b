"""Raw bytes: text with no known generator."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .base import Task, TaskError

_BYTE_SYMBOLS = tuple(chr(i) if 32 <= i < 127 else f"\\x{i:02x}" for i in range(256)) + ("^",)


@dataclass(frozen=True)
class TextTask(Task):
    """Raw bytes after a start symbol: vocabulary 256 bytes + BOS. No oracle: records carry None.

    A sequence is BOS followed by up to context - 1 bytes; BOS is given, every byte is coded.
    """

    context: int = 64  # block size the model sees, BOS included
    name: str = field(default="text", init=False)
    symbols: tuple[str, ...] = field(default=_BYTE_SYMBOLS, init=False)

    BOS = START = 256  # the given first token

    def __post_init__(self) -> None:
        if self.context < 2:
            raise TaskError("the text context must be at least 2")

    @property
    def block_size(self) -> int:  # type: ignore[override]
        return self.context

    @property
    def has_oracle(self) -> bool:
        return False

    def spec(self) -> dict:
        return {"name": "text", "context": self.context}

    def encode_text(self, text: str | bytes) -> np.ndarray:
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        if not data:
            raise TaskError("the text is empty: there is nothing to code")
        if len(data) > self.context - 1:
            raise TaskError(f"the text is {len(data)} bytes; this model sees at most {self.context - 1}")
        ids = np.zeros(self.context, dtype=np.int64)
        ids[0] = self.BOS
        ids[1 : 1 + len(data)] = np.frombuffer(data, dtype=np.uint8)
        # Shorter texts are padded with zero bytes: the block length is part of the model.
        return ids

    def given_tokens(self) -> list[int]:
        return [self.BOS]

    def edit_hint(self) -> str:
        return f"any text of up to {self.context - 1} bytes (UTF-8)"

    def decode_tokens(self, ids) -> str:
        data = bytes(int(i) for i in ids if int(i) != self.BOS)
        return data.rstrip(b"\0").decode("utf-8", errors="replace")

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        words = ["the", "model", "learns", "bits", "as", "it", "codes", "each", "token", "and"]
        text = " ".join(rng.choice(words, size=20))
        return self.encode_text(text.encode()[: self.context - 1])
