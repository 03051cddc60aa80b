"""The explorer's speed: time to the first frame, and time per token step.

    python benchmarks/tui.py [--json PATH]

Targets (issue 4): first frame under 1 s (before torch has finished importing); a token step
under 30 ms at the 95th percentile with the pretrained model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from _keys import key_times, summary
from _table import emit

CHILD = r"""
import sys, time, json
t0 = time.perf_counter()
from lmviz.app.main import LmvizApp
from lmviz.app.screens.explorer import ExplorerScreen
from lmviz.app.screens.scale import ScaleScreen
SCREEN = sys.argv[1]
cls = ScaleScreen if SCREEN == "scale" else ExplorerScreen
original = cls._compositor_refresh
first = {}
def timed(self):  # the end of the screen's first frame
    original(self)
    if not first:
        first["first_frame_s"] = time.perf_counter() - t0
        first["torch_imported_at_first_frame"] = "torch" in sys.modules
        self.app.exit()
cls._compositor_refresh = timed
from lmviz.app.jobs.settings import ExplorerRequest
TEXT = sys.argv[2] if len(sys.argv) > 2 else None
if SCREEN == "scale":
    app = LmvizApp(screen="scale")
else:
    app = LmvizApp(ExplorerRequest(text=TEXT, task="text") if TEXT else None)
app.run(headless=True, size=(160, 48))
print(json.dumps(first))
"""


def first_frame(text: str | None = None, runs_wanted: int = 3, screen: str = "explorer") -> dict:
    """The first frame of ``screen`` (explorer or scale) in fresh processes, best and worst."""
    runs = []
    for _ in range(runs_wanted):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, screen, *([text] if text else [])],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["process_s"] = time.perf_counter() - t
        runs.append(r)
    best = min(runs, key=lambda r: r["first_frame_s"])
    return {"first_frame_s": best["first_frame_s"],
            "first_frame_s_max": max(r["first_frame_s"] for r in runs),
            "torch_imported_at_first_frame": any(r["torch_imported_at_first_frame"] for r in runs)}


async def step_times(text: str | None = None) -> dict:
    """Key press to the end of the frame that shows it, per key (the screen's compositor
    refresh is timed; Pilot's own waiting is not counted)."""
    from lmviz.app.jobs.settings import ExplorerRequest
    from lmviz.app.main import LmvizApp
    from lmviz.app.screens.explorer import ExplorerScreen

    app = LmvizApp(ExplorerRequest(text=text, task="text") if text else None)
    result = {}
    async with app.run_test(size=(160, 48)) as pilot:
        t0 = time.perf_counter()
        while not (isinstance(app.screen, ExplorerScreen) and app.screen.steps):
            await pilot.pause(0.01)
        result["load_and_code_s"] = time.perf_counter() - t0
        screen = app.screen
        result["model"] = screen.info.kind
        n = len(screen.steps) - 1

        def rewind(i: int) -> None:
            if i % n == 0:
                screen.pos, screen.bstep = 0, 0

        for key in ("space", "b"):
            times = await key_times(pilot, screen, key, 3 * 27, 0.03, rewind)
            result.update(summary(times, key))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args()
    row = {**first_frame(), **asyncio.run(step_times())}
    rows = [{"text": "the article's sum", **row}]
    gpl = Path("/usr/share/common-licenses/GPL-3")
    if gpl.is_file():  # a text of 10 KiB: 41 windows of the English model, the strip scrolling
        text = gpl.read_bytes()[:10240].decode("utf-8", errors="ignore")
        rows.append({"text": f"GPL-3, first {len(text.encode()):,} bytes",
                     **asyncio.run(step_times(text))})
    emit("explorer: cold start and token steps (pretrained model, 160x48)", rows, args.json)


if __name__ == "__main__":
    main()
