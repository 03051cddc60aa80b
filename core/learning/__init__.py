"""Learning while coding: the online learner (the "training code f"), Alice's and Bob's sessions,
the ledger of coded tokens, the fast prequential stream, and checkpoints.

`ledger` and `checkpoints` import no torch (the UI reads their records and names before the engine
has loaded); `online`, `session`, `prequential`, `pretrain` and `scaling` do.
"""
