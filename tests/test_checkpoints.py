"""Checkpoints: the shipped table is true, and a model handed over in memory is the same model."""

import numpy as np
import torch
from lmviz.core.learning.checkpoints import (
    SHIPPED_TASKS,
    load_learner,
    resolve_checkpoint,
    shipped_checkpoints,
)


def test_the_shipped_task_table_matches_the_files():
    """The explorer picks a pretrained model from SHIPPED_TASKS without loading torch; each entry
    must name the task the file was really trained on, and every shipped file has an entry."""
    assert set(SHIPPED_TASKS) == set(shipped_checkpoints())
    for name, spec in SHIPPED_TASKS.items():
        state = torch.load(resolve_checkpoint(name), map_location="cpu", weights_only=True)
        assert load_learner(name).task.spec() == spec
        assert "config" in state and "model" in state


def test_a_model_handed_over_in_memory_predicts_the_same():
    learner = load_learner("addition8")
    back = load_learner(learner.to_bytes())
    block = learner.task.sample_batch(np.random.default_rng(0), 4)
    assert np.array_equal(learner.predict(block), back.predict(block))
    assert back.sequences_seen == learner.sequences_seen
