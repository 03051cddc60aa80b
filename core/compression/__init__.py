"""`lmviz compress`: a byte LSTM mixed with a bit-level context mixer and a match model,
learning as it goes.

`compressor` (torch) codes and decodes; `bitmix` (its loops in `bitkernels`), `bitcontexts` and
`match` (numba) are the classical models; `container` (no torch) is the `.lmvz` file format and its checks.
"""
