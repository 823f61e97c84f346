"""Shapes and tints: the mark of each kind of event, light tints of component colours, and
the hatching of a closed clinic.

Whatever draws sets the colours and line width it uses (marks do not save and restore the
graphics state, which would cost more than the mark itself).
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from scheduler.event import EventKind
from scheduler.export.pdf.style import HATCH, SOFT_INK, Ink

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
    filled with the component's tint and outlined in dark grey."""
    canv.setFillColor(_tint(colour, 0.7))
    canv.setStrokeColor(SOFT_INK)
    canv.setLineWidth(MARK_LINE)
    half = size / 2
    if kind == "drug":
        canv.circle(x, y, half, stroke=1, fill=1)
    elif kind == "fraction":
        canv.rect(x - half, y - half, size, size, stroke=1, fill=1)
    else:
        path = canv.beginPath()
        if kind == "daily":
            path.moveTo(x - half, y - half)
            path.lineTo(x + half, y - half)
            path.lineTo(x, y + half)
        else:
            path.moveTo(x, y - half)
            path.lineTo(x + half, y)
            path.lineTo(x, y + half)
            path.lineTo(x - half, y)
        path.close()
        canv.drawPath(path, stroke=1, fill=1)


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
