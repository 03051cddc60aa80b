"""Coding: integer frequencies in, bits out, and back, exactly.

`quantize.quantize_probs` is the one place where float probabilities become integer frequencies;
`cdf.Cdf` holds them; `bisection` and `arithmetic` (the streaming coder) are the coders. This package imports numpy only.
"""

from .arithmetic import CoderStep, Decoder, Encoder, stream_decode, stream_encode
from .bisection import (
    BisectionStep,
    BisectionTrace,
    bisect_decode,
    bisect_decode_message,
    bisect_encode,
    bisect_encode_message,
    header_decode,
    header_encode,
    header_size,
)
from .cdf import (
    MAX_TOTAL,
    PRECISION,
    Cdf,
    CodingError,
    code_lengths,
    cost_bits,
    ideal_bits,
    pack_bits,
    unpack_bits,
)
from .quantize import MAX_TOTAL_BITS, quantize_probs

__all__ = [
    "MAX_TOTAL", "MAX_TOTAL_BITS", "PRECISION", "BisectionStep", "BisectionTrace", "Cdf",
    "CoderStep", "CodingError", "Decoder", "Encoder", "bisect_decode", "bisect_decode_message",
    "bisect_encode", "bisect_encode_message", "code_lengths", "cost_bits", "header_decode", "header_encode",
    "header_size", "ideal_bits", "pack_bits", "quantize_probs", "stream_decode", "stream_encode",
    "unpack_bits",
]
