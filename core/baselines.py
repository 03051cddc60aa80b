"""The classical compressors every lmviz figure stands beside, with the same settings everywhere."""

from __future__ import annotations

import bz2
import gzip
import lzma

# What each figure is called in tables and charts, and the settings behind it.
BASELINES = {"gzip": "gzip -9", "bzip2": "bzip2 -9", "xz": "xz -9e"}


# Each one's compress function, with those settings.
COMPRESS = {
    "gzip": lambda data: gzip.compress(data, compresslevel=9, mtime=0),
    "bzip2": lambda data: bz2.compress(data, compresslevel=9),
    "xz": lambda data: lzma.compress(data, preset=9 | lzma.PRESET_EXTREME),
}


def classical_bytes(data: bytes) -> dict[str, int]:
    """Sizes in bytes of gzip -9, bzip2 -9 and xz -9e on the same bytes (container overhead in)."""
    return {name: len(compress(data)) for name, compress in COMPRESS.items()}


def classical_bits(data: bytes) -> dict[str, int]:
    """The same sizes in bits."""
    return {k: 8 * v for k, v in classical_bytes(data).items()}
