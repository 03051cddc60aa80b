"""Key press to the end of the frame that shows it, shared by the TUI benchmarks: the screen's
compositor refresh is timed; Pilot's own waiting is not counted."""

from __future__ import annotations

import statistics
import time


async def key_times(pilot, screen, key: str, presses: int, pause: float,
                    before_each=lambda i: None) -> list[float]:
    """Seconds from each press of ``key`` to the first frame after it (``before_each(i)`` runs
    before press i: to rewind the screen, say)."""
    frames: list[float] = []
    original = screen._compositor_refresh

    def timed():
        original()
        frames.append(time.perf_counter())

    screen._compositor_refresh = timed
    times = []
    for i in range(presses):
        before_each(i)
        frames.clear()
        t = time.perf_counter()
        await pilot.press(key)
        await pilot.pause(pause)
        after = [f for f in frames if f > t]
        if after:
            times.append(after[0] - t)
    screen._compositor_refresh = original
    return sorted(times)


def summary(times: list[float], prefix: str) -> dict:
    return {f"{prefix}_ms_median": 1000 * statistics.median(times),
            f"{prefix}_ms_p95": 1000 * times[max(0, int(0.95 * len(times)) - 1)]}
