"""Tasks: what the token stream is, and, where the generator is known, its exact next-token law.

Each task owns its layout, position names, parsing, editor hint and oracle (`base.Task`). This
package imports numpy only, so the UI can use it before torch is loaded.
"""

from __future__ import annotations

from .addition import ADDITION_SYMBOLS, AdditionTask, addition_digits_of, looks_like_addition
from .base import Layout, Task, TaskError, entropy_bits, shorten
from .binary import BinaryTask
from .die import FACE_PROBS, DieTask
from .moddiv import ModDivTask
from .text import TextTask

TASKS = {"addition": AdditionTask, "moddiv": ModDivTask, "text": TextTask, "binary": BinaryTask,
         "die": DieTask}


def task_from_spec(spec: dict) -> Task:
    """The task a spec (`Task.spec()`) describes; TaskError for one this lmviz does not know."""
    kind = spec.get("name")
    if kind not in TASKS:
        raise TaskError(f"unknown task {kind!r}: choose {', '.join(TASKS)}")
    args = {k: v for k, v in spec.items() if k != "name"}
    try:
        return TASKS[kind](**args)
    except TypeError:
        raise TaskError(f"the {kind} task takes no setting among {', '.join(sorted(args))}") from None


__all__ = [
    "ADDITION_SYMBOLS", "FACE_PROBS", "TASKS", "AdditionTask", "BinaryTask", "DieTask", "Layout", "ModDivTask", "Task", "TaskError",
    "TextTask", "addition_digits_of", "entropy_bits", "looks_like_addition", "shorten",
    "task_from_spec",
]
