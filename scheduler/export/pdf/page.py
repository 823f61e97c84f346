"""The base of the month and list pages: a flowable that is a whole page."""

from __future__ import annotations

from reportlab.platypus import Flowable

from scheduler.export.pdf.context import _Context
from scheduler.export.pdf.style import BODY
from scheduler.export.pdf.text import _Text, _width


class _FullPage(Flowable):
    """A flowable that fills its frame, so that one flowable is one page."""

    ctx: _Context

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """The whole frame: one flowable is one page."""
        self.width, self.height = available_width, available_height
        return available_width, available_height

    def _title(self, text: _Text, title: str, y: float, size: float) -> None:
        """The page title on the left; the patient label and the regimen's name on the right."""
        text.put(0, y, title, size, True)
        side = " · ".join(x for x in (self.ctx.patient, self.ctx.words.protocol_short()) if x)
        text.put(self.width - _width(side, BODY, True), y + 2, side, BODY, True)
