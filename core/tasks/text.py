"""Bytes of text: no known generator, any UTF-8 (or any bytes at all)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .base import Task, TaskError, shorten

LONG_TEXT_BYTES = 1 << 16  # the explorer opens texts up to 64 KiB (windowed past the context)
END_GLYPH = "∎"  # the start/end-of-text token as the screens draw it


def byte_glyph(b: int) -> str:
    """How a byte is drawn: itself if printable ASCII, ␣ for a space, ⏎ for a newline, \\xNN else."""
    if b == 0x20:
        return "␣"
    if b == 0x0A:
        return "⏎"
    if 0x20 < b < 0x7F:
        return chr(b)
    return f"\\x{b:02x}"


TEXT_SYMBOLS = tuple(byte_glyph(b) for b in range(256)) + (END_GLYPH,)


def utf8_groups(data: bytes) -> list[tuple[int, int, str]]:
    """(start, end, glyph) for each character of ``data``: a multi-byte UTF-8 character is one
    group shown as itself; bytes that are not valid UTF-8 are groups of one, shown as \\xNN."""
    out = []
    i = 0
    while i < len(data):
        b = data[i]
        n = 1 if b < 0x80 else 2 if 0xC0 <= b < 0xE0 else 3 if 0xE0 <= b < 0xF0 else 4 if 0xF0 <= b < 0xF8 else 0
        if n > 1 and i + n <= len(data):
            try:
                ch = data[i : i + n].decode("utf-8")
            except UnicodeDecodeError:
                ch = ""
            if ch and ch.isprintable():
                out.append((i, i + n, ch))
                i += n
                continue
        out.append((i, i + 1, byte_glyph(b)))
        i += 1
    return out


@dataclass(frozen=True)
class TextTask(Task):
    """Raw bytes between start-of-text and end-of-text tokens: vocabulary 256 bytes + one token
    (256) that both starts a text (given) and ends it (coded, so Bob knows where it stops). No
    oracle: records carry None. Blocks are ``context`` long, padded after the end token."""

    context: int = 64  # block size the model sees, both text tokens included
    name: str = field(default="text", init=False)
    symbols: tuple[str, ...] = field(default=TEXT_SYMBOLS, init=False)

    BOS = END = START = 256  # one token starts and ends every text (as between documents)
    online_from_pretrained = True  # one text teaches a byte model from scratch nothing to see

    def __post_init__(self) -> None:
        if self.context < 3:
            raise TaskError("the text context must be at least 3")

    @property
    def block_size(self) -> int:  # type: ignore[override]
        return self.context

    @property
    def has_oracle(self) -> bool:
        return False

    @property
    def max_bytes(self) -> int:
        return self.context - 2

    def spec(self) -> dict:
        return {"name": "text", "context": self.context}

    def label(self) -> str:
        return "text, byte by byte"  # whatever its language: the model line names the model

    def given_tokens(self) -> list[int]:
        return [self.BOS]

    def edit_hint(self) -> str:
        return f"any text of up to {self.max_bytes} bytes (UTF-8)"

    def encode_text(self, text: str | bytes) -> np.ndarray:
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        if not data:
            raise TaskError("the text is empty: there is nothing to code")
        if len(data) > self.max_bytes:
            raise TaskError(f"the text is {len(data):,} bytes and this model sees at most "
                            f"{self.max_bytes} ({shorten(data.decode('utf-8', 'replace'))!r}); "
                            "code longer files with `lmviz encode --task text --file`")
        ids = np.zeros(self.context, dtype=np.int64)  # padding after the end token
        ids[0] = self.BOS
        ids[1 : 1 + len(data)] = np.frombuffer(data, dtype=np.uint8)
        ids[1 + len(data)] = self.END
        return ids

    def is_long(self, text: str | bytes) -> bool:
        """Whether a text is longer than one block: the explorer codes it in windows."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        return len(data) > self.max_bytes

    def validate(self, text: str | bytes) -> None:
        """A text of any length the explorer opens: one block, or up to LONG_TEXT_BYTES."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        if not self.is_long(data):
            self.encode_text(data)
        elif len(data) > LONG_TEXT_BYTES:
            raise TaskError(f"the text is {len(data):,} bytes; the explorer opens at most "
                            f"{LONG_TEXT_BYTES:,} (code bigger files with `lmviz encode --task "
                            "text --file` or `lmviz compress`)")

    def coded_positions(self, sequence) -> list[int]:
        """Every byte and the end token: positions 1 .. the first end token."""
        row = np.asarray(sequence)
        ends = np.flatnonzero(row[1:] == self.END)
        last = 1 + int(ends[0]) if len(ends) else self.context - 1
        return list(range(1, last + 1))

    def sequence_ends(self, position: int, symbol: int) -> bool:
        return symbol == self.END or position >= self.context - 1

    def text_bytes(self, ids) -> bytes:
        """The bytes between the start and the end token."""
        row = [int(i) for i in ids]
        body = row[1:]
        if self.END in body:
            body = body[: body.index(self.END)]
        return bytes(b for b in body if b < 256)

    def decode_tokens(self, ids) -> str:
        return self.text_bytes(ids).decode("utf-8", errors="replace")

    def display_groups(self, symbols) -> list[tuple[int, int, str]]:
        """Characters: a multi-byte UTF-8 character is one group drawn as itself; the end token
        its own."""
        syms = [int(s) for s in symbols]
        n = syms.index(self.END) if self.END in syms else len(syms)
        groups = utf8_groups(bytes(syms[:n]))
        return groups + [(n, n + 1, END_GLYPH)] if n < len(syms) else groups

    def editable_text(self, ids) -> str:
        return self.decode_tokens(ids)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        words = ["the", "model", "learns", "bits", "as", "it", "codes", "each", "byte", "and"]
        n = max(1, min(12, self.max_bytes // 7))
        text = " ".join(rng.choice(words, size=n)).capitalize() + "."
        return self.encode_text(text.encode()[: self.max_bytes])
