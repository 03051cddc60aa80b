"""The models, and only the models: a decoder-only transformer and an LSTM over task tokens.

The file compressor's byte LSTM lives with the compressor (`compression/`), since its mixing of
classical models is part of it.
"""

from .lstm import LSTMConfig, LSTMModel
from .transformer import Transformer, TransformerConfig
from .weights import count_parameters, init_weights

__all__ = ["LSTMConfig", "LSTMModel", "Transformer", "TransformerConfig", "count_parameters",
           "init_weights"]
