"""8-digit addition, the article's task: ``s{a}+{b}={c}e``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .base import Layout, Task, TaskError, shorten

ADDITION_SYMBOLS = tuple("0123456789") + ("+", "=", "s", "e")


def addition_digits_of(text: str | None) -> int | None:
    """Operand digits of an addition as typed ("123+456=579" -> 3), or None if not one."""
    if not text:
        return None
    head = text.strip().lstrip("s").split("+")[0]
    return len(head) if head.isdigit() and 1 <= len(head) <= 12 else None


def looks_like_addition(text: str) -> bool:
    """Typed text that only an addition could be (digits, '+', '=', and 's'/'e' at the ends)."""
    body = text.strip()
    return bool(body) and set(body) <= set("0123456789+=se") and "+" in body


@dataclass(frozen=True)
class AdditionTask(Task):
    """``s{a}+{b}={c}e`` with n-digit operands and an (n+1)-digit, zero-padded answer.

    Positions: 0 's' | a: 1 .. n | n+1 '+' | b: n+2 .. 2n+1 | 2n+2 '=' | c: 2n+3 .. 3n+3 | 3n+4 'e'.
    """

    digits: int = 8  # operand length n (1..12)
    leading_zeros: bool = False  # False: operands in [10^(n-1), 10^n), like the reference
    reverse_answer: bool = False  # True: the answer is written least significant digit first
    name: str = field(default="addition", init=False)
    symbols: tuple[str, ...] = field(default=ADDITION_SYMBOLS, init=False)

    # Token ids
    PLUS, EQUALS, START, END = 10, 11, 12, 13

    def __post_init__(self) -> None:
        if not 1 <= self.digits <= 12:
            raise TaskError(f"addition needs 1 to 12 digits, not {self.digits}")

    # -- positions, each named once ------------------------------------------------------------
    @property
    def a_start(self) -> int:
        return 1

    @property
    def plus_pos(self) -> int:
        return 1 + self.digits

    @property
    def b_start(self) -> int:
        return self.plus_pos + 1

    @property
    def equals_pos(self) -> int:
        return self.b_start + self.digits

    @property
    def c_start(self) -> int:
        return self.equals_pos + 1

    @property
    def end_pos(self) -> int:
        return self.c_start + self.digits + 1

    @property
    def block_size(self) -> int:  # type: ignore[override]
        return self.end_pos + 1

    def spec(self) -> dict:
        return {
            "name": "addition",
            "digits": self.digits,
            "leading_zeros": self.leading_zeros,
            "reverse_answer": self.reverse_answer,
        }

    def label(self) -> str:
        return f"addition, {self.digits} digits"

    def kind_of(self, pos: int) -> str:
        """'a', 'b', 'c', 'sep' or 'start' for a position of the sequence."""
        if pos == 0:
            return "start"
        if self.a_start <= pos < self.plus_pos:
            return "a"
        if self.b_start <= pos < self.equals_pos:
            return "b"
        if self.c_start <= pos < self.end_pos:
            return "c"
        return "sep"

    def operand_positions(self) -> list[int]:
        return list(range(self.a_start, self.plus_pos)) + list(range(self.b_start, self.equals_pos))

    def answer_positions(self) -> range:
        return range(self.c_start, self.end_pos)

    def aleatoric_positions(self) -> list[int]:
        return self.operand_positions()

    def monitored_positions(self) -> list[int]:
        return list(self.answer_positions())

    def given_tokens(self) -> list[int]:
        return [self.START]

    def position_labels(self) -> tuple[str, ...]:
        """a1..an, +, b1..bn, =, c1..c(n+1), e: digits counted from the left as written."""
        seps = {self.plus_pos: "+", self.equals_pos: "=", self.end_pos: "e"}
        starts = {"a": self.a_start, "b": self.b_start, "c": self.c_start}
        labels = []
        for t in self.predicted_positions():
            kind = self.kind_of(t)
            labels.append(seps[t] if kind == "sep" else f"{kind}{t - starts[kind] + 1}")
        return tuple(labels)

    def layout(self) -> Layout:
        n = self.digits
        place = np.zeros(self.block_size, dtype=np.int64)
        segment = np.zeros(self.block_size, dtype=np.int64)
        # Place value 1 + significance (0 = not a digit), shared by a, b and c so that attention
        # can match "the same column" directly: the abacus idea.
        place[self.a_start : self.plus_pos] = np.arange(n, 0, -1)
        place[self.b_start : self.equals_pos] = np.arange(n, 0, -1)
        cplaces = np.arange(n + 1, 0, -1)
        # The answer's places sit one position early: position t predicts token t + 1, so the
        # position that predicts c_i carries c_i's column, and one rule ("attend to your own
        # column") finds a_i and b_i for every column at once. With each c_i's place on c_i
        # itself, every column needed its own query-to-previous-column map, and columns stayed
        # at log2 10 bits for tens of thousands of sequences, one at a time (seeds 0 and 1:
        # 66.7 bits/seq after 100k sequences; shifted: 62.2 and 58.9).
        place[self.equals_pos : self.equals_pos + n + 1] = cplaces[::-1] if self.reverse_answer else cplaces
        segment[self.a_start : self.plus_pos] = 1
        segment[self.plus_pos] = 2
        segment[self.b_start : self.equals_pos] = 3
        segment[self.equals_pos] = 4
        segment[self.c_start : self.end_pos] = 5
        segment[self.end_pos] = 6
        return Layout(place, segment)

    # -- text ----------------------------------------------------------------------------------
    def allowed_characters(self) -> str:
        return "0123456789+=se"

    def edit_hint(self) -> str:
        n = self.digits
        return (f"two {n}-digit numbers and their sum, like {'1' * n}+{'2' * n}={'3' * n} (0-9 + =); "
                "a wrong sum is allowed: it just costs more")

    def encode_text(self, text: str) -> np.ndarray:
        ids = []
        for i, ch in enumerate(text):
            try:
                ids.append(self.symbols.index(ch))
            except ValueError:
                raise TaskError(
                    f"character {ch!r} at position {i + 1} is not one of 0-9 + = s e"
                ) from None
        return np.array(ids, dtype=np.int64)

    def editable_text(self, ids) -> str:
        return self.decode_tokens(ids).removeprefix("s").removesuffix("e")

    def parse(self, text: str) -> np.ndarray:
        """Parse ``a+b=c`` (``s`` and ``e`` optional; a short answer is zero-padded).

        A wrong sum is accepted: it is a legal message, just an expensive one.
        """
        t = text.strip()
        self.encode_text(t)  # names the first bad character, if any
        body = t[1:] if t.startswith("s") else t
        body = body[:-1] if body.endswith("e") else body
        if "s" in body or "e" in body:
            pos = 1 + t.find("s", 1) if "s" in body else 1 + t.rfind("e", 0, len(t) - 1)
            raise TaskError(f"'s' and 'e' may only start and end the sequence (position {pos})")
        if body.count("+") != 1 or body.count("=") != 1 or body.index("+") > body.index("="):
            raise TaskError("an addition looks like 17282456+79546852=96829308")
        a, rest = body.split("+")
        b, c = rest.split("=")
        n = self.digits
        for label, s in (("first operand", a), ("second operand", b)):
            if len(s) != n:
                raise TaskError(f"the {label} must have {n} digits, not {len(s)} "
                                f"({shorten(s) or 'empty'})")
        if not c or len(c) > n + 1:
            raise TaskError(f"the answer must have 1 to {n + 1} digits, not {len(c)}")
        c = c.ljust(n + 1, "0") if self.reverse_answer else c.rjust(n + 1, "0")
        return self.encode_text(f"s{a}+{b}={c}e")

    # -- the generator and its law -------------------------------------------------------------
    def sample_batch(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Vectorised: a batch of sequences as token ids, shape (n, block_size)."""
        d = self.digits
        lo = 0 if self.leading_zeros else 10 ** (d - 1)
        a = rng.integers(lo, 10**d, size=n, dtype=np.int64)
        b = rng.integers(lo, 10**d, size=n, dtype=np.int64)
        c = a + b
        out = np.empty((n, self.block_size), dtype=np.int64)
        out[:, 0] = self.START
        pow_a = 10 ** np.arange(d - 1, -1, -1, dtype=np.int64)
        pow_c = 10 ** np.arange(d, -1, -1, dtype=np.int64)
        out[:, self.a_start : self.plus_pos] = (a[:, None] // pow_a) % 10
        out[:, self.plus_pos] = self.PLUS
        out[:, self.b_start : self.equals_pos] = (b[:, None] // pow_a) % 10
        out[:, self.equals_pos] = self.EQUALS
        cd = (c[:, None] // pow_c) % 10
        out[:, self.c_start : self.end_pos] = cd[:, ::-1] if self.reverse_answer else cd
        out[:, self.end_pos] = self.END
        return out

    def _digit_law(self, first: bool) -> np.ndarray:
        p = np.zeros(self.vocab_size)
        if first and not self.leading_zeros:
            p[1:10] = 1 / 9
        else:
            p[:10] = 1 / 10
        return p

    def _operands(self, prefix: np.ndarray) -> tuple[int, int]:
        a = int("".join(str(int(x)) for x in prefix[self.a_start : self.plus_pos]))
        b = int("".join(str(int(x)) for x in prefix[self.b_start : self.equals_pos]))
        return a, b

    def true_distribution(self, prefix) -> np.ndarray:
        """The generator's law of token ``len(prefix)`` given the prefix (which starts with s)."""
        t = len(prefix)
        n = self.digits
        if not 1 <= t < self.block_size:
            raise ValueError(f"no token is predicted at position {t}")
        if self.kind_of(t) in ("a", "b"):
            return self._digit_law(first=t in (self.a_start, self.b_start))
        p = np.zeros(self.vocab_size)
        if t == self.plus_pos:
            p[self.PLUS] = 1.0
        elif t == self.equals_pos:
            p[self.EQUALS] = 1.0
        elif t == self.end_pos:
            p[self.END] = 1.0
        else:  # an answer digit, determined by the operands
            a, b = self._operands(np.asarray(prefix))
            cs = f"{a + b:0{n + 1}d}"[-(n + 1) :]
            if self.reverse_answer:
                cs = cs[::-1]
            p[int(cs[t - self.c_start])] = 1.0
        return p

    def floor_bits(self) -> float:
        n = self.digits
        first = math.log2(10 if self.leading_zeros else 9)
        return 2 * first + 2 * (n - 1) * math.log2(10)
