"""Grokking a/b mod p: memorising long before generalising.

`records` (numpy-free, torch-free) holds the configuration, the per-step records, the one rule for
when a run has grokked, and recorded runs on disk; `trainer` (torch) runs the full-batch training.
"""
