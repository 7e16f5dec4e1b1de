"""Digits 0-9 as pen strokes, the way a person draws them, for the tests to render or draw.

Each digit is a list of strokes; each stroke a list of (x, y) points in a unit
box (0-1, y down). ``render`` draws them into an image with Pillow; the browser
tests replay them as mouse movements on the page's canvas.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw


def _arc(cx, cy, rx, ry, start, stop, n=24):
    """Points on an ellipse from angle ``start`` to ``stop`` (degrees, 0 = right, 90 = down)."""
    angles = np.linspace(math.radians(start), math.radians(stop), n)
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_arc(0.5, 0.5, 0.25, 0.38, -90, 270, 40)],
    1: [[(0.45, 0.15), (0.55, 0.12), (0.53, 0.5), (0.52, 0.88)]],
    2: [_arc(0.5, 0.33, 0.22, 0.2, 190, 380, 20) + [(0.27, 0.86), (0.75, 0.86)]],
    3: [_arc(0.48, 0.3, 0.2, 0.17, 200, 450, 20) + _arc(0.48, 0.67, 0.23, 0.2, -90, 160, 20)],
    4: [[(0.62, 0.88), (0.62, 0.12), (0.25, 0.62), (0.8, 0.62)]],
    5: [[(0.72, 0.14), (0.35, 0.14), (0.32, 0.45)] + _arc(0.5, 0.64, 0.24, 0.23, -130, 150, 20)],
    6: [[(0.65, 0.12), (0.45, 0.3), (0.32, 0.55)] + _arc(0.5, 0.67, 0.19, 0.2, 180, 540, 30)],
    7: [[(0.25, 0.15), (0.75, 0.15), (0.42, 0.88)]],
    8: [
        _arc(0.5, 0.3, 0.17, 0.17, 90, 450, 24),
        _arc(0.5, 0.67, 0.21, 0.2, -90, 270, 28),
    ],
    9: [_arc(0.5, 0.33, 0.19, 0.19, 0, 360, 28) + [(0.69, 0.33), (0.64, 0.88)]],
}


def render(
    digit: int,
    size: tuple[int, int] = (280, 280),
    width: int = 18,
    ink: int = 0,
    paper: int = 255,
    box: tuple[float, float, float, float] | None = None,
) -> Image.Image:
    """An "L" image of ``digit`` drawn with round strokes ``width`` px wide.

    box: (left, top, right, bottom) in pixels where the unit box goes (default: the
    image with a 10% margin).
    """
    w, h = size
    left, top, right, bottom = box or (0.1 * w, 0.1 * h, 0.9 * w, 0.9 * h)
    image = Image.new("L", size, paper)
    draw = ImageDraw.Draw(image)
    for stroke in STROKES[digit]:
        points = [(left + x * (right - left), top + y * (bottom - top)) for x, y in stroke]
        draw.line(points, fill=ink, width=width, joint="curve")
        for px, py in (points[0], points[-1]):
            r = width / 2
            draw.ellipse((px - r, py - r, px + r, py + r), fill=ink)
    return image
