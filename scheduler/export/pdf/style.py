"""The look every page shares: type sizes, fonts, inks, day shadings and the event marks.

Colour is never the only cue, so the inks are dark, the fills light greys, and each note
that matters also has a mark (moved, continuation, changed, cancelled).
"""

from __future__ import annotations

from reportlab.lib import colors

BODY = 9.0
"""Body text size; nothing in the PDF is smaller."""
LEADING = 10.6

LATIN, LATIN_BOLD, CJK = "Helvetica", "Helvetica-Bold", "STSong-Light"

INK = colors.Color(0.08, 0.08, 0.08)
SOFT_INK = colors.Color(0.25, 0.25, 0.25)
GREYED_INK = colors.Color(0.5, 0.5, 0.5)
GRID = colors.Color(0.55, 0.55, 0.55)
FILLS = {
    "weekend": colors.Color(0.91, 0.91, 0.91),
    "holiday": colors.Color(0.82, 0.82, 0.82),
    "closed": colors.Color(0.86, 0.86, 0.86),
    "other": colors.Color(0.975, 0.975, 0.975),
}

MARK_MOVED, MARK_CONTINUATION, MARK_CHANGED, MARK_CANCELLED = "»", "†", "‡", "×"
