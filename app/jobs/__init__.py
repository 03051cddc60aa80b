"""The job layer: the only place in app/ that drives lmviz.core.

A job is started by a screen in a Textual thread worker, or by the command line in the main
thread, and runs the same code either way. It emits plain records (`events`) through an ``emit``
callback, takes commands (`base`: pause, resume, save, export) through a typed queue, and checks a
``cancelled`` callback between steps. Its settings (`settings`) and events import no torch; the
model jobs (`explorer`, `training`, `grokking`, `pretraining`, `scaling`, `tour`) import torch
and the compression jobs (`compressing`, `inspecting`) numba, so screens import them only inside
their workers, after the first frame.
"""
