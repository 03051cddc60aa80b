"""Colours shared by the widgets: one scale from cheap (green) to expensive (red) bits."""

from __future__ import annotations

ALEATORIC = "#5fa8ff"  # what cannot be learned
EPISTEMIC = "#ff9f43"  # what a better model would save
FLOOR = "#8a8a8a"
TOKEN = "#ffd75f"  # the real token, wherever it is drawn
SEGMENTS = ("#3a4a6b", "#4a5a7b")  # alternating fills of the other symbols' segments


def bits_color(bits: float) -> str:
    """0 bits: green; log2 10 (a random digit): amber; 8 bits or more: red."""
    x = max(0.0, min(bits / 7.0, 1.0))
    if x < 0.5:
        r, g = int(80 + 2 * x * 175), 200
    else:
        r, g = 255, int(200 - (x - 0.5) * 2 * 150)
    return f"#{r:02x}{g:02x}50"
