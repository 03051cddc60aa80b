"""Tasks: what the token stream is, and, where the generator is known, its exact next-token law.

Every task maps text to token ids and back, samples sequences from an explicit
``np.random.Generator``, and answers ``true_distribution(prefix)``: the generator's own
distribution of the next token (or ``None`` where no oracle exists, as for arbitrary text).
The oracle is what splits each token's cost into aleatoric (cannot be learned) and epistemic
(a better model would not pay it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


class TaskError(ValueError):
    """Input that does not belong to the task; the message is one sentence for the user."""


@dataclass(frozen=True)
class Layout:
    """Per-position ids the model embeds instead of absolute positions (see model.py)."""

    place: np.ndarray  # (L,) int: place value for digits (shared by a, b and c), else 0
    segment: np.ndarray  # (L,) int: which part of the sequence a position belongs to


class Task:
    """Base class. Subclasses set ``name``, ``symbols`` and implement the rest."""

    name: str = "task"
    symbols: tuple[str, ...] = ()
    block_size: int = 0  # fixed sequence length the model sees (padded where shorter)
    first_predicted: int = 1  # positions before this are given, not coded

    @property
    def vocab_size(self) -> int:
        return len(self.symbols)

    @property
    def has_oracle(self) -> bool:
        return True

    def spec(self) -> dict:
        """JSON-able description from which `task_from_spec` rebuilds the task."""
        raise NotImplementedError

    def encode_text(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def decode_tokens(self, ids) -> str:
        return "".join(self.symbols[int(i)] for i in ids)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def sample_batch(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.stack([self.sample(rng) for _ in range(n)]) if n else np.zeros((0, self.block_size), np.int64)

    def parse(self, text: str) -> np.ndarray:
        return self.encode_text(text)

    def true_distribution(self, prefix) -> np.ndarray | None:
        return None

    def layout(self) -> Layout:
        n = self.block_size
        return Layout(np.arange(n), np.zeros(n, dtype=np.int64))

    def predicted_positions(self) -> range:
        return range(self.first_predicted, self.block_size)

    def floor_bits(self) -> float | None:
        """Entropy of a whole sequence under the generator: no coder can beat it on average."""
        return None


# ----------------------------------------------------------------------------------------------
# Addition


ADDITION_SYMBOLS = tuple("0123456789") + ("+", "=", "s", "e")


@dataclass(frozen=True)
class AdditionTask(Task):
    """``s{a}+{b}={c}e`` with n-digit operands and an (n+1)-digit, zero-padded answer."""

    digits: int = 8  # operand length n (1..12)
    leading_zeros: bool = False  # False: operands in [10^(n-1), 10^n), like the reference
    reverse_answer: bool = False  # True: the answer is written least significant digit first
    name: str = field(default="addition", init=False)
    symbols: tuple[str, ...] = field(default=ADDITION_SYMBOLS, init=False)

    def __post_init__(self) -> None:
        if not 1 <= self.digits <= 12:
            raise TaskError(f"addition needs 1 to 12 digits, not {self.digits}")

    # Token ids
    PLUS, EQUALS, START, END = 10, 11, 12, 13

    @property
    def block_size(self) -> int:  # type: ignore[override]
        return 3 * self.digits + 5

    def spec(self) -> dict:
        return {
            "name": "addition",
            "digits": self.digits,
            "leading_zeros": self.leading_zeros,
            "reverse_answer": self.reverse_answer,
        }

    # Position bookkeeping: s a... + b... = c... e
    @property
    def a_start(self) -> int:
        return 1

    @property
    def b_start(self) -> int:
        return self.digits + 2

    @property
    def c_start(self) -> int:
        return 2 * self.digits + 3

    def kind_of(self, pos: int) -> str:
        """'a', 'b', 'c', 'sep' or 'start' for a position of the sequence."""
        n = self.digits
        if pos == 0:
            return "start"
        if pos < 1 + n:
            return "a"
        if pos == 1 + n:
            return "sep"
        if pos < 2 + 2 * n:
            return "b"
        if pos == 2 + 2 * n:
            return "sep"
        if pos < 3 + 3 * n + 1:
            return "c"
        return "sep"

    def layout(self) -> Layout:
        n = self.digits
        place = np.zeros(self.block_size, dtype=np.int64)
        segment = np.zeros(self.block_size, dtype=np.int64)
        # Place value 1 + significance (0 = not a digit), shared by a, b and c so that attention
        # can match "the same column" directly: the abacus idea.
        place[1 : 1 + n] = np.arange(n, 0, -1)
        place[2 + n : 2 + 2 * n] = np.arange(n, 0, -1)
        cplaces = np.arange(n + 1, 0, -1)
        # The answer's places sit one position early: position t predicts token t + 1, so the
        # position that predicts c_i carries c_i's column, and one rule ("attend to your own
        # column") finds a_i and b_i for every column at once. With each c_i's place on c_i
        # itself, every column needed its own query-to-previous-column map, and columns stayed
        # at log2 10 bits for tens of thousands of sequences, one at a time (seeds 0 and 1:
        # 66.7 bits/seq after 100k sequences; shifted: 62.2 and 58.9).
        place[2 + 2 * n : 3 + 3 * n] = cplaces[::-1] if self.reverse_answer else cplaces
        segment[1 : 1 + n] = 1  # a
        segment[1 + n] = 2  # +
        segment[2 + n : 2 + 2 * n] = 3  # b
        segment[2 + 2 * n] = 4  # =
        segment[3 + 2 * n : 4 + 3 * n] = 5  # c
        segment[4 + 3 * n] = 6  # e
        return Layout(place, segment)

    def format(self, a: int, b: int, c: int | None = None) -> str:
        n = self.digits
        c = a + b if c is None else c
        cs = f"{c:0{n + 1}d}"
        if self.reverse_answer:
            cs = cs[::-1]
        return f"s{a:0{n}d}+{b:0{n}d}={cs}e"

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
                raise TaskError(f"the {label} must have {n} digits, not {len(s)} ({s or 'empty'})")
        if not c or len(c) > n + 1:
            raise TaskError(f"the answer must have 1 to {n + 1} digits, not {len(c)}")
        if self.reverse_answer:
            c = c.ljust(n + 1, "0")
        else:
            c = c.rjust(n + 1, "0")
        return self.encode_text(f"s{a}+{b}={c}e")

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return self.sample_batch(rng, 1)[0]

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
        out[:, 1 : 1 + d] = (a[:, None] // pow_a) % 10
        out[:, 1 + d] = self.PLUS
        out[:, 2 + d : 2 + 2 * d] = (b[:, None] // pow_a) % 10
        out[:, 2 + 2 * d] = self.EQUALS
        cd = (c[:, None] // pow_c) % 10
        out[:, 3 + 2 * d : 4 + 3 * d] = cd[:, ::-1] if self.reverse_answer else cd
        out[:, 4 + 3 * d] = self.END
        return out

    def _digit_law(self, first: bool) -> np.ndarray:
        p = np.zeros(self.vocab_size)
        if first and not self.leading_zeros:
            p[1:10] = 1 / 9
        else:
            p[:10] = 1 / 10
        return p

    def _operands(self, prefix: np.ndarray) -> tuple[int, int]:
        n = self.digits
        a = int("".join(str(int(x)) for x in prefix[1 : 1 + n]))
        b = int("".join(str(int(x)) for x in prefix[2 + n : 2 + 2 * n]))
        return a, b

    def true_distribution(self, prefix) -> np.ndarray:
        """The generator's law of token ``len(prefix)`` given the prefix (which starts with s)."""
        t = len(prefix)
        n = self.digits
        if not 1 <= t < self.block_size:
            raise ValueError(f"no token is predicted at position {t}")
        kind = self.kind_of(t)
        if kind in ("a", "b"):
            first = t in (self.a_start, self.b_start)
            return self._digit_law(first)
        p = np.zeros(self.vocab_size)
        if t == 1 + n:
            p[self.PLUS] = 1.0
        elif t == 2 + 2 * n:
            p[self.EQUALS] = 1.0
        elif t == self.block_size - 1:
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

    def answer_positions(self) -> range:
        return range(self.c_start, self.c_start + self.digits + 1)

    def operand_positions(self) -> list[int]:
        n = self.digits
        return list(range(1, 1 + n)) + list(range(2 + n, 2 + 2 * n))


# ----------------------------------------------------------------------------------------------
# Modular division (grokking)


@dataclass(frozen=True)
class ModDivTask(Task):
    """``a/b=c`` with c * b == a (mod p), b != 0; tokens are the numbers 0..p-1, '/' and '='."""

    p: int = 97  # the prime modulus
    train_fraction: float = 0.5  # fraction of the p * (p - 1) equations used for training
    split_seed: int = 0  # seed of the train / validation split
    name: str = field(default="moddiv", init=False)

    def __post_init__(self) -> None:
        if self.p < 3 or any(self.p % k == 0 for k in range(2, int(self.p**0.5) + 1)):
            raise TaskError(f"the modulus must be a prime of at least 3, not {self.p}")
        if not 0 < self.train_fraction < 1:
            raise TaskError("the training fraction must lie strictly between 0 and 1")

    @property
    def symbols(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(str(i) for i in range(self.p)) + ("/", "=")

    @property
    def DIV(self) -> int:  # noqa: N802 - token id constant
        return self.p

    @property
    def EQ(self) -> int:  # noqa: N802
        return self.p + 1

    block_size = 5
    first_predicted = 4  # only the answer c is learned and coded

    def spec(self) -> dict:
        return {"name": "moddiv", "p": self.p, "train_fraction": self.train_fraction, "split_seed": self.split_seed}

    def all_equations(self) -> np.ndarray:
        """Every (a, b, c) with b != 0, as token rows [a, /, b, =, c]; shape (p*(p-1), 5)."""
        p = self.p
        a, b = np.meshgrid(np.arange(p), np.arange(1, p), indexing="ij")
        a, b = a.ravel(), b.ravel()
        c = (a * np.array([pow(int(x), p - 2, p) for x in b])) % p
        rows = np.stack([a, np.full_like(a, self.DIV), b, np.full_like(a, self.EQ), c], axis=1)
        return rows.astype(np.int64)

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """The seeded train / validation split of all equations."""
        rows = self.all_equations()
        perm = np.random.default_rng(self.split_seed).permutation(len(rows))
        k = int(round(self.train_fraction * len(rows)))
        return rows[perm[:k]], rows[perm[k:]]

    def encode_text(self, text: str) -> np.ndarray:
        t = text.replace(" ", "")
        try:
            a, rest = t.split("/")
            b, c = rest.split("=")
            vals = [int(a), int(b), int(c)]
        except ValueError:
            raise TaskError(f"a division looks like 5/7=29 (mod {self.p}), not {text!r}") from None
        if any(not 0 <= v < self.p for v in vals) or vals[1] == 0:
            raise TaskError(f"numbers must lie in 0..{self.p - 1} and the divisor must not be 0")
        return np.array([vals[0], self.DIV, vals[1], self.EQ, vals[2]], dtype=np.int64)

    def decode_tokens(self, ids) -> str:
        ids = [int(i) for i in ids]
        return "".join(self.symbols[i] if i >= self.p else f"{i}" for i in ids)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        a = int(rng.integers(self.p))
        b = int(rng.integers(1, self.p))
        c = a * pow(b, self.p - 2, self.p) % self.p
        return np.array([a, self.DIV, b, self.EQ, c], dtype=np.int64)

    def true_distribution(self, prefix) -> np.ndarray:
        if len(prefix) != 4:
            raise ValueError("only the answer of a division is predicted")
        a, b = int(prefix[0]), int(prefix[2])
        q = np.zeros(self.vocab_size)
        q[a * pow(b, self.p - 2, self.p) % self.p] = 1.0
        return q

    def floor_bits(self) -> float:
        return 0.0


# ----------------------------------------------------------------------------------------------
# Bytes


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

    def decode_tokens(self, ids) -> str:
        data = bytes(int(i) for i in ids if int(i) != self.BOS)
        return data.rstrip(b"\0").decode("utf-8", errors="replace")

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        words = ["the", "model", "learns", "bits", "as", "it", "codes", "each", "token", "and"]
        text = " ".join(rng.choice(words, size=20))
        return self.encode_text(text.encode()[: self.context - 1])


def task_from_spec(spec: dict) -> Task:
    kind = spec.get("name")
    args = {k: v for k, v in spec.items() if k != "name"}
    if kind == "addition":
        return AdditionTask(**args)
    if kind == "moddiv":
        return ModDivTask(**args)
    if kind == "text":
        return TextTask(**args)
    raise TaskError(f"unknown task {kind!r}: choose addition, moddiv or text")


def entropy_bits(p: np.ndarray) -> float:
    """H(p) in bits."""
    p = np.asarray(p, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def addition_digits_of(text: str | None) -> int | None:
    """Operand digits of an addition as typed ("123+456=579" -> 3), or None if not one."""
    if not text:
        return None
    head = text.strip().lstrip("s").split("+")[0]
    return len(head) if head.isdigit() and 1 <= len(head) <= 12 else None
