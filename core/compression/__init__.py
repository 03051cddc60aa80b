"""`lmviz compress`: context mixing by bits (a bit-level context mixer and a match model),
learning as it codes, each bit coded with a binary arithmetic coder.

`compressor` codes and decodes; `bitmix` (its loops in `bitkernels`), `bitcontexts` and `match`
(numba) are the models; `container` is the `.lmvz` file format and its checks; `inspect` and
`costs` are `lmviz inspect`'s view of every byte.
"""
