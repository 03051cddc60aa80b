"""`lmviz tour --export DIR`: every step of the tour as an SVG, for slides.

The real app runs headless at 160×48; each step is saved once its live view has drawn (a live
training step after a few seconds of training, the grokking replay once it has finished)."""

from __future__ import annotations

import os
import re
import sys

from lmviz.core.files import OutputError, check_output, write_output

from ..tour import STEPS

SIZE = (160, 48)
LIVE_SECONDS = 15.0  # training shown in a live step's picture
STEP_TIMEOUT = 180.0  # loading torch and a model on a slow machine, at most


def file_names() -> list[str]:
    return [f"step-{k:02d}-{re.sub(r'[^a-z0-9]+', '-', s.title.lower()).strip('-')[:40]}.svg"
            for k, s in enumerate(STEPS, start=1)]


def export_tour(folder: str, force: bool, app=None, live_seconds: float = LIVE_SECONDS) -> int:
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise OutputError(f"{folder} is not a directory")
    paths = [os.path.join(folder, name) for name in file_names()]
    if os.path.isdir(folder):
        for path in paths:  # every refusal before any work
            check_output(path, force)
    os.makedirs(folder, exist_ok=True)
    if app is None:
        from ..main import LmvizApp

        app = LmvizApp(screen="tour")
    failures: list[str] = []
    written: list[str] = []  # printed once the app is done (it holds stdout while it runs)

    async def walk(pilot) -> None:
        from ..screens.tour import TourScreen

        for k, path in enumerate(paths, start=1):
            screen = app.screen
            assert isinstance(screen, TourScreen)
            waited = 0.0
            while not screen.ready(live_seconds) and screen.failure is None:
                await pilot.pause(0.1)
                waited += 0.1
                if waited > STEP_TIMEOUT:
                    screen.failure = f"step {k} drew nothing in {STEP_TIMEOUT:.0f} s"
            if screen.failure is not None:
                failures.append(f"step {k}: {screen.failure}")
                break
            if screen.step.view == "interval":  # a slide shows the whole bisection
                await pilot.press(*["b"] * len(screen.records.interval.trace.bits))
            await pilot.pause(0.3)  # the last records drawn
            svg = app.export_screenshot(title=f"lmviz tour, step {k} of {len(paths)}")
            try:  # the files' rule: without --force, a file that appeared meanwhile is kept
                write_output(path, svg.encode(), force=force)
            except OutputError as exc:
                failures.append(f"step {k}: {exc}")
                break
            written.append(f"{path}  ({STEPS[k - 1].title})")
            await pilot.press("n")
        app.exit()

    print(f"lmviz: drawing the tour's {len(paths)} steps into {folder} (a minute or so)…",
          file=sys.stderr, flush=True)
    app.run(headless=True, size=SIZE, auto_pilot=walk)
    print("\n".join(written))
    if failures:
        print(f"lmviz: {failures[0]}", file=sys.stderr)
        return 1
    return 0
