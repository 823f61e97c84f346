"""The look every page shares: type sizes, fonts, inks, day shadings and the event marks.

Colour is never the only cue, so the inks are dark, the fills light greys, and each note
that matters also has a mark (moved, continuation, changed, cancelled). Colours are RGB
triples (0 to 1), as the PDF writes them.
"""

from __future__ import annotations

Ink = tuple[float, float, float]
"""An RGB colour, each component from 0 to 1."""

BODY = 9.0
"""Body text size; nothing in the PDF is smaller."""
LEADING = 10.6

LATIN, LATIN_BOLD, CJK = "Helvetica", "Helvetica-Bold", "DroidSansFallback"
"""Helvetica (not embedded: every PDF viewer has it) for the WinAnsi characters, and for the
rest (Chinese) a subset of Droid Sans Fallback, embedded (see ``scheduler/fonts/``)."""

INK: Ink = (0.08, 0.08, 0.08)
SOFT_INK: Ink = (0.25, 0.25, 0.25)
GREYED_INK: Ink = (0.5, 0.5, 0.5)
WHITE: Ink = (1.0, 1.0, 1.0)
GRID: Ink = (0.55, 0.55, 0.55)
HATCH: Ink = (0.6, 0.6, 0.6)
HEAD_FILL: Ink = (0.35, 0.35, 0.35)
"""The band behind column heads (white text)."""
FILLS: dict[str, Ink] = {
    "weekend": (0.91, 0.91, 0.91),
    "holiday": (0.82, 0.82, 0.82),
    "closed": (0.86, 0.86, 0.86),
    "other": (0.975, 0.975, 0.975),
}

MARK_MOVED, MARK_CONTINUATION, MARK_CHANGED, MARK_CANCELLED = "»", "†", "‡", "×"
