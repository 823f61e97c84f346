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
"""Space between a bold lead-in and the text that follows it on the first line."""
MIN_PART = 2
"""No part of a split block is shorter than this: no line left alone at the foot of a
column (an orphan) or at the head of the next (a widow)."""


class _Lines(Flowable):
    """Text in one style, left aligned, wrapped to the width it is given. ``lead`` is printed
    in bold before the text's first line ("chemo_cycles = 4  (template default): ...").

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
        self.lines: tuple[str, ...] = ()

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Break the text into lines ``available_width`` wide; returns the block's size."""
        first = available_width - self._lead_width() if self.lead else None
        self.lines = _wrap(self.text, available_width, self.size, self.bold, first)
        self.width, self.height = available_width, len(self.lines) * self.leading
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The lines that fit in ``available_height`` and the rest (itself when all fit);
        nothing when a part would be shorter than :data:`MIN_PART` lines."""
        self.wrap(available_width, available_height)
        room = int(available_height // self.leading)
        if room >= len(self.lines):
            return [self]
        fits = min(room, len(self.lines) - MIN_PART)
        if fits < MIN_PART:
            return []
        head = self._copy(self.lines[:fits], self.lead, self.spaceBefore, 0.0)
        tail = self._copy(self.lines[fits:], "", 0.0, self.spaceAfter)
        return [head, tail]

    def draw(self) -> None:
        """The lines, first baseline one font size below the top."""
        top = self.height - self.size
        indent = self._lead_width() if self.lead else 0.0
        with _Text(self.canv) as text:
            if self.lead:
                text.put(0, top, self.lead, self.size, True, self.ink)
            for n, line in enumerate(self.lines):
                text.put(indent if n == 0 else 0.0, top - n * self.leading, line, self.size,
                         self.bold, self.ink)

    def _lead_width(self) -> float:
        return _width(self.lead, self.size, True) + LEAD_GAP

    def _copy(self, lines: tuple[str, ...], lead: str, space_before: float, space_after: float) -> _Lines:
        """A block of already broken lines: a part of this one after a split."""
        return _Lines("\n".join(lines), self.size, self.leading, self.bold, lead=lead,
                      space_before=space_before, space_after=space_after,
                      keep_with_next=self.keepWithNext, ink=self.ink)
