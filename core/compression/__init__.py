"""`lmviz compress`: a byte LSTM mixed with classical count and match models, learning as it goes.

`compressor` (torch) codes and decodes; `contexts` (numpy) holds the classical models; `container`
(no torch) is the `.lmvz` file format and its checks.
"""
