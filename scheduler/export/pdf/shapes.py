"""Shapes and tints: the mark of each component, light tints of component colours, and
the hatching of a closed clinic.

Marks are written inside ``q``/``Q`` and leave the canvas as they found it; the hatching
saves and restores the canvas state around its clip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

from reportlab.lib import colors
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from scheduler.core.event import EventKind
from scheduler.export.pdf.style import HATCH, SOFT_INK, Ink
from scheduler.export.pdf.text import _fill_op

MARK_LINE = 0.6
"""Outline width of an event mark."""


@lru_cache(maxsize=256)
def _tint(colour: str | None, strength: float = 0.4) -> Ink:
    """A light tint of a CSS colour name (grey when none), so dark text on it stays legible."""
    base = colors.toColor(colour) if colour else colors.Color(0.5, 0.5, 0.5)
    red, green, blue = (1 - strength * (1 - c) for c in (base.red, base.green, base.blue))
    return red, green, blue


Shape = Literal["circle", "square", "triangle", "diamond", "down", "hexagon", "pentagon", "bar"]
"""The outline of an event mark."""
KIND_SHAPES: dict[EventKind, Shape] = {
    "drug": "circle", "fraction": "square", "daily": "triangle", "visit": "diamond",
}
"""The first component of each kind gets its kind's shape."""
MORE_SHAPES: tuple[Shape, ...] = ("down", "bar", "hexagon", "pentagon", "circle", "square", "triangle",
                                  "diamond")
"""The shapes other components get, in template order (the first free one)."""


def _assign_shapes(components: Sequence[tuple[str, EventKind]]) -> dict[str, Shape]:
    """Component id -> its mark's shape, for components in template order: the first drug a
    circle, the first radiotherapy a square, the first daily medication a triangle, the first
    visit a diamond; the others the first shape still free (an inverted triangle, a bar, a hexagon,
    a pentagon), so that two components differ in shape as well as in colour (as long
    as the template has at most eight)."""
    shapes: dict[str, Shape] = {}
    used: set[Shape] = set()
    for component, kind in components:
        if KIND_SHAPES[kind] not in used:
            shapes[component] = KIND_SHAPES[kind]
            used.add(KIND_SHAPES[kind])
    for component, kind in components:
        if component not in shapes:
            free = [shape for shape in MORE_SHAPES if shape not in used]
            shapes[component] = free[0] if free else KIND_SHAPES[kind]
            used.add(shapes[component])
    return shapes


def _draw_mark(canv: Canvas, shape: Shape, x: float, y: float, size: float, colour: str | None) -> None:
    """A mark centred on (x, y), filled with the component's tint and outlined in dark grey.

    Each shape and each tint is made once (the calendar draws a few hundred marks), and a
    mark is written as that shape moved to (x, y), inside ``q``/``Q``."""
    canv.addLiteral(f"q {_mark_style(colour)} 1 0 0 1 {fp_str(x, y)} cm {_mark_path(shape, size)} B Q")


@lru_cache(maxsize=64)
def _mark_path(shape: Shape, size: float) -> str:
    """A mark's outline centred on the origin, as reportlab's path object writes it."""
    half = size / 2
    path = PDFPathObject()
    if shape == "circle":
        path.circle(0, 0, half)
    elif shape == "square":
        path.rect(-half * 0.9, -half * 0.9, size * 0.9, size * 0.9)
    elif shape == "bar":
        path.rect(-half, -half * 0.45, size, size * 0.45 * 2)
    else:
        path.moveTo(*_corners(shape, half)[0])
        for corner in _corners(shape, half)[1:]:
            path.lineTo(*corner)
        path.close()
    return path.getCode()


def _corners(shape: Shape, half: float) -> list[tuple[float, float]]:
    """The corners of a polygonal mark of half-size ``half``."""
    if shape == "triangle":
        return [(-half, -half), (half, -half), (0, half)]
    if shape == "down":
        return [(-half, half), (half, half), (0, -half)]
    if shape == "diamond":
        return [(0, -half), (half, 0), (0, half), (-half, 0)]
    sides = 6 if shape == "hexagon" else 5
    angles = [2 * math.pi * n / sides for n in range(sides)]
    return [(round(half * math.sin(a), 3), round(half * math.cos(a), 3)) for a in angles]


@lru_cache(maxsize=256)
def _mark_style(colour: str | None) -> str:
    """The fill (the component's tint), outline colour and line width of a mark."""
    return f"{_fill_op(_tint(colour, 0.7))} {fp_str(SOFT_INK)} RG {fp_str(MARK_LINE)} w"


def _hatch(canv: Canvas, x: float, y: float, w: float, h: float) -> None:
    """Diagonal hatching over a box: a closed clinic, recognisable without colour."""
    canv.saveState()
    clip = canv.beginPath()
    clip.rect(x, y, w, h)
    canv.clipPath(clip, stroke=0, fill=0)
    canv.setStrokeColor(HATCH)
    canv.setLineWidth(0.5)
    step = 7.0
    offset = -h
    while offset < w:
        canv.line(x + offset, y, x + offset + h, y + h)
        offset += step
    canv.restoreState()
