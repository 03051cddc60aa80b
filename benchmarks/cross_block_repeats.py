"""How much of a file repeats text from far back: the bytes a long-range match (a dictionary
over the whole input, as xz's and zpaq's) could take from another 8 MiB block, which the blocked
form's blocks cannot see.

    python benchmarks/cross_block_repeats.py FILE [FILE ...]

Windows of 128 bytes at every 32nd position; a window that equals an earlier one (the first of
its hash, compared byte for byte) counts once per 128-byte slot, as repeated from another block
or from its own. An estimate of the room a deduplication pass would have, not a compressor.
"""

from __future__ import annotations

import sys

BLOCK = 8 << 20  # the blocked form's block (core/compression/blocks.py)
WINDOW, STEP = 128, 32


def repeats(data: bytes) -> tuple[int, int]:
    """Bytes in 128-byte slots repeated from another block, and from the same block."""
    first: dict[int, int] = {}
    slots = bytearray(len(data) // WINDOW + 1)  # 2: from another block, 1: from its own
    for p in range(0, len(data) - WINDOW, STEP):
        window = data[p : p + WINDOW]
        q = first.setdefault(hash(window), p)
        if q != p and data[q : q + WINDOW] == window:
            if p // BLOCK != q // BLOCK:
                slots[p // WINDOW] = 2
            elif not slots[p // WINDOW]:
                slots[p // WINDOW] = 1
    return slots.count(2) * WINDOW, slots.count(1) * WINDOW


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python benchmarks/cross_block_repeats.py FILE [FILE ...]")
    print("| file | bytes | repeated from another block | from its own block |")
    print("| --- | --- | --- | --- |")
    for path in sys.argv[1:]:
        data = open(path, "rb").read()
        far, near = repeats(data)
        print(f"| {path} | {len(data):,} | {far:,} ({100 * far / len(data):.1f}%) | "
              f"{near:,} ({100 * near / len(data):.1f}%) |", flush=True)


if __name__ == "__main__":
    main()
