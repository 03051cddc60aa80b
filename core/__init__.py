"""lmviz's core: everything that computes, nothing that draws (no textual, no rich).

    coding/       quantize probabilities, and the three exact coders over integer frequencies
    tasks/        addition, modular division, bytes: layouts, parsing, oracles
    models/       the transformer and the LSTM, and only the models
    learning/     the online learner, Alice and Bob's sessions, the ledger, checkpoints
    grokking/     a/b mod p trained to grokking, and recorded runs
    compression/  the file compressor and its container
    baselines.py  gzip, bzip2 and xz with the settings every figure uses
    files.py      safe, atomic output files
"""
