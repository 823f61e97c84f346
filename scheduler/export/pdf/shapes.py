"""Shapes and tints: the mark of each kind of event, light tints of component colours, and
the hatching of a closed clinic.

Marks are written inside ``q``/``Q`` and leave the canvas as they found it; the hatching
saves and restores the canvas state around its clip.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from scheduler.event import EventKind
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


def _draw_mark(canv: Canvas, kind: EventKind, x: float, y: float, size: float, colour: str | None) -> None:
    """The shape of a kind of event, centred on (x, y): a circle for a drug dose, a square for
    a radiotherapy fraction, a triangle for daily home medication, a diamond for a visit;
    filled with the component's tint and outlined in dark grey.

    Each shape and each tint is made once (the calendar draws a few hundred marks), and a
    mark is written as that shape moved to (x, y), inside ``q``/``Q``."""
    canv.addLiteral(f"q {_mark_style(colour)} 1 0 0 1 {fp_str(x, y)} cm {_mark_path(kind, size)} B Q")


@lru_cache(maxsize=64)
def _mark_path(kind: EventKind, size: float) -> str:
    """A mark's outline centred on the origin, as reportlab's path object writes it."""
    half = size / 2
    path = PDFPathObject()
    if kind == "drug":
        path.circle(0, 0, half)
    elif kind == "fraction":
        path.rect(-half, -half, size, size)
    else:
        corners = ([(-half, -half), (half, -half), (0, half)] if kind == "daily"
                   else [(0, -half), (half, 0), (0, half), (-half, 0)])
        path.moveTo(*corners[0])
        for corner in corners[1:]:
            path.lineTo(*corner)
        path.close()
    return path.getCode()


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
