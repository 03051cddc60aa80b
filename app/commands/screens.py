"""`lmviz [TEXT]`, `lmviz train` and `lmviz tour`: the full-screen app, only ever on a terminal
(or in a browser, through `lmviz serve`)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

from lmviz.core.tasks import TaskError, looks_like_addition

from ..errors import UsageError
from ..jobs.settings import ExplorerRequest, task_of


def in_browser() -> bool:
    """Run by textual-serve (`lmviz serve`): drawn in a browser, over pipes, not a terminal."""
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


def require_terminal(what: str, headless: str = "lmviz encode TEXT --json") -> None:
    """The app draws on stdout and reads keys from stdin: without a terminal on both it would
    wait forever for keys nobody types. ``headless``: the command that reports instead."""
    if in_browser():
        return
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise UsageError(f"{what} is a full-screen terminal app and this is not a terminal; "
                         f"for a headless report use `{headless}`")


def read_text_file(args) -> tuple[str, str]:
    """`lmviz --file PATH`: the file's text and the text task, or one sentence."""
    from lmviz.core.files import read_bounded
    from lmviz.core.tasks.text import LONG_TEXT_BYTES

    if args.text is not None:
        raise UsageError("give a TEXT or --file PATH, not both")
    if args.task not in (None, "text"):
        raise UsageError(f"--file opens a text file; --task {args.task} codes typed sequences")
    data = read_bounded(args.file, LONG_TEXT_BYTES, "text the explorer opens (at most 64 KiB; "
                        "`lmviz compress` takes any size)")
    if not data:
        raise UsageError(f"{args.file} is empty: there is nothing to code")
    try:
        return data.decode("utf-8"), "text"
    except UnicodeDecodeError as exc:
        raise UsageError(f"{args.file} is not UTF-8 text (byte {exc.start:,} is not); `lmviz "
                         "inspect` and `lmviz compress` take any bytes") from None


def run(name: str, args) -> int:
    from ..main import LmvizApp

    if name == "train":
        require_terminal("lmviz train", "lmviz learn addition --json")
        app = LmvizApp(screen="train", digits=args.digits)
    elif name == "inspect":
        from .inspect import read_inspected

        data = read_inspected(args.file)
        if args.model is not None:  # a missing model: one sentence before the screen opens
            from ..jobs.compressing import find_model

            find_model(args.model)
        require_terminal("lmviz inspect", "lmviz compress FILE OUT --json")
        app = LmvizApp(screen="inspect", inspect=(args.file, data, args.model))
    elif name == "tour":
        if args.export:
            from .tour_export import export_tour

            return export_tour(args.export, args.force)
        require_terminal("lmviz tour", "lmviz tour --export DIR")
        app = LmvizApp(screen="tour", tour_step=args.step - 1)
    else:
        if args.file is not None:
            args.text, args.task = read_text_file(args)
        task_name = args.task or ("text" if args.text and not looks_like_addition(args.text)
                                  else "addition")
        request = ExplorerRequest(text=args.text, task=task_name, checkpoint=args.checkpoint,
                                  digits=args.digits)
        if args.checkpoint:
            # A checkpoint that is missing or damaged fails here, in one sentence, rather than
            # inside the TUI (this loads torch: only when one is named). Its task is the task.
            from ..jobs.explorer import checkpoint_task

            request = replace(request, task_spec=checkpoint_task(args.checkpoint))
        try:  # bad text or settings are refused before the TUI starts
            task = task_of(request)
            if args.text:
                task.validate(args.text)
        except TaskError as exc:
            raise UsageError(str(exc)) from None
        require_terminal("lmviz")
        app = LmvizApp(request)
    app.run()
    return app.return_code or 0
