"""A paragraph of the overview page: one style, broken into lines by :func:`_wrap` and drawn
as one text object, like the day cells of the month pages.

The overview needs little of platypus' ``Paragraph`` (left-aligned text in one style, Latin
and Chinese runs, a bold lead-in, breaking across columns), and ``Paragraph`` parses markup,
measures and encodes every string again: it was a third of a year's calendar's drawing time.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from scheduler.export.pdf.style import BODY, INK, Ink
from scheduler.export.pdf.text import _Text, _width, _wrap

LEAD_GAP = 3.0
"""Space between a bold lead-in and the text that follows it on the same line."""
MIN_PART = 2
"""No part of a split block is shorter than this: no line left alone at the foot of a
column (an orphan) or at the head of the next (a widow)."""

Row = tuple[tuple[float, str, bool], ...]
"""One line of a block: (x, text, bold) pieces."""


class _Lines(Flowable):
    """Text in one style, left aligned, wrapped to the width it is given. ``lead`` is printed
    in bold before the text ("chemo_cycles = 4 (template default): ..."); the text goes on
    on the lead's last line, or on the next when its first word does not fit there.

    Space before and after and keep-with-next behave as in a platypus paragraph; a block
    taller than the room left is split between lines, with at least :data:`MIN_PART` lines
    in each part (a shorter block moves on whole).
    """

    def __init__(
        self, text: str, size: float = BODY, leading: float = 11.5, bold: bool = False, *,
        lead: str = "", space_before: float = 0.0, space_after: float = 0.0,
        keep_with_next: bool = False, ink: Ink = INK,
    ) -> None:
        super().__init__()
        self.text, self.size, self.leading, self.bold, self.lead, self.ink = (
            text, size, leading, bold, lead, ink)
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self.keepWithNext = keep_with_next
        self.rows: tuple[Row, ...] = ()
        self._laid_out_for: float | None = None
        """The width the rows were broken for."""
        self._fixed = False
        """A part of a split block keeps the rows it was given."""

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Break the text into lines ``available_width`` wide; returns the block's size."""
        if not self._fixed and self._laid_out_for != available_width:
            self.rows = self._rows(available_width)
            self._laid_out_for = available_width
        self.width, self.height = available_width, len(self.rows) * self.leading
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The lines that fit in ``available_height`` and the rest (itself when all fit);
        nothing when a part would be shorter than :data:`MIN_PART` lines."""
        self.wrap(available_width, available_height)
        room = int(available_height // self.leading)
        if room >= len(self.rows):
            return [self]
        fits = min(room, len(self.rows) - MIN_PART)
        if fits < MIN_PART:
            return []
        return [self._part(self.rows[:fits], self.spaceBefore, 0.0),
                self._part(self.rows[fits:], 0.0, self.spaceAfter)]

    def draw(self) -> None:
        """The lines, first baseline one font size below the top."""
        top = self.height - self.size
        with _Text(self.canv) as text:
            for n, row in enumerate(self.rows):
                for x, piece, bold in row:
                    if piece:
                        text.put(x, top - n * self.leading, piece, self.size, bold, self.ink)

    def _rows(self, width: float) -> tuple[Row, ...]:
        """The lead's lines (bold), then the text's, its first line after the lead's last."""
        if not self.lead:
            if not self.text:
                return ()
            return tuple(((0.0, line, self.bold),) for line in _wrap(self.text, width, self.size, self.bold))
        *lead_lines, last = _wrap(self.lead, width, self.size, True)
        indent = _width(last, self.size, True) + LEAD_GAP
        first, *rest = _wrap(self.text, width, self.size, self.bold, first=width - indent)
        return (
            *(((0.0, line, True),) for line in lead_lines),
            ((0.0, last, True), (indent, first, self.bold)),
            *(((0.0, line, self.bold),) for line in rest),
        )

    def _part(self, rows: tuple[Row, ...], space_before: float, space_after: float) -> _Lines:
        """A part of this block after a split: its rows as they are (the columns of the
        overview are of one width)."""
        part = _Lines(self.text, self.size, self.leading, self.bold, space_before=space_before,
                      space_after=space_after, keep_with_next=self.keepWithNext, ink=self.ink)
        part.rows, part._fixed = rows, True
        return part
