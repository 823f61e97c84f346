"""The legend: which components, marks and day shadings a plan's pages use, as a table on
the overview page and as a strip at the bottom of each month page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table, TableStyle

from scheduler.event import EventKind, Style
from scheduler.export.pdf.context import _Context
from scheduler.export.pdf.lines import _Lines
from scheduler.export.pdf.shapes import _draw_mark, _hatch, _tint
from scheduler.export.pdf.style import (
    BODY,
    FILLS,
    GRID,
    LEADING,
    MARK_CHANGED,
    MARK_CONTINUATION,
    MARK_MOVED,
    WHITE,
)
from scheduler.export.pdf.text import _draw, _Text, _width


def _used_marks(ctx: _Context) -> list[tuple[str, str]]:
    """The marks this plan uses, with their legend label keys."""
    events = ctx.plan.events
    used = [
        (MARK_MOVED, "mark_moved", any(e.moved_from is not None for e in events)),
        (MARK_CONTINUATION, "mark_cont", any(e.open_ended for e in events)),
        (MARK_CHANGED, "mark_changed", any(e.uid in ctx.changed for e in events)),
    ]
    return [(mark, key) for mark, key, flag in used if flag]


def _used_shades(ctx: _Context) -> list[tuple[str, str]]:
    """The day shadings this plan's calendar can show, with their legend label keys."""
    calendar = ctx.words.calendar
    shades = [("weekend", "weekend")]
    if calendar.public is not None:
        shades.append(("holiday", "holiday"))
    if calendar.closures:
        shades.append(("closed", "closed_legend"))
    return shades


def _legend_components(ctx: _Context) -> list[tuple[EventKind, Style, str]]:
    """Each component of the plan once, in template order: kind, style, component id."""
    seen: dict[str, tuple[EventKind, Style, str]] = {}
    for event in sorted((*ctx.plan.events, *ctx.cancelled), key=lambda e: e.style.order):
        seen.setdefault(event.component, (event.kind, event.style, event.component))
    return list(seen.values())


class _Swatch(Flowable):
    """A legend chip: the kind's shape in the component's tint, then its code in bold."""

    def __init__(self, kind: EventKind, colour: str | None, code: str) -> None:
        super().__init__()
        self.kind, self.colour, self.code = kind, colour, code
        self.width, self.height = 12 + _width(code, BODY, True), 11.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Its own fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """A tinted chip with the shape and the code."""
        canv = self.canv
        canv.saveState()
        canv.setFillColor(_tint(self.colour, 0.45))
        canv.setStrokeColor(GRID)
        canv.rect(-2, -2, self.width + 4, self.height + 2, stroke=1, fill=1)
        _draw_mark(canv, self.kind, 4.5, 3.5, 7, self.colour)
        _draw(canv, 11, 1, self.code, BODY, True)
        canv.restoreState()


class _ShadeSample(Flowable):
    """A small day cell sample for the legend: weekend, holiday, closure or other month."""

    def __init__(self, status: str) -> None:
        super().__init__()
        self.status = status
        self.width, self.height = 22.0, 10.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Its own fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """A small shaded (and for a closure, hatched) box."""
        canv = self.canv
        canv.saveState()
        canv.setFillColor(FILLS.get(self.status, WHITE))
        canv.setStrokeColor(GRID)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=1)
        if self.status == "closed":
            _hatch(canv, 0, 0, self.width, self.height)
        canv.restoreState()


def _legend_table(ctx: _Context, width: float) -> Table:
    """Legend: each component's swatch, code, name and kind; the marks; the day shadings."""
    words = ctx.words
    rows: list[list[Any]] = []
    for kind, style, component in _legend_components(ctx):
        name = words.component_name(component, style)
        rows.append([_Swatch(kind, style.colour, style.code),
                     _Lines(f"{name} ({words.t('kind_' + kind)})")])
    for mark, key in _used_marks(ctx):
        text = words.t(key, n=ctx.previous)
        rows.append([_Lines(mark, bold=True), _Lines(text)])
    for status, key in (*_used_shades(ctx), ("other", "other_month")):
        rows.append([_ShadeSample(status), _Lines(words.t(key))])
    table = Table(rows, colWidths=[58, width - 58], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (0, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


class _LegendItem(NamedTuple):
    """One entry of a month page's legend strip: a shape or a mark, then its text."""

    symbol: Callable[[Canvas, float, float], None] | None
    """Draws the shape with its left edge at x, baseline at y (None for a mark)."""
    symbol_width: float
    text: str
    glyph: str = ""
    """The mark (printed in bold before the text) when the item is a mark."""


def _legend_items(ctx: _Context) -> list[_LegendItem]:
    """What a month page's legend strip shows: components, marks, day shadings."""
    words = ctx.words
    items = []
    for kind, style, component in _legend_components(ctx):
        def symbol(
            canv: Canvas, x: float, y: float, kind: EventKind = kind, colour: str | None = style.colour
        ) -> None:
            _draw_mark(canv, kind, x + 3.5, y + 3.2, 6.5, colour)

        items.append(_LegendItem(symbol, 10, f"{style.code} {words.component_name(component, style)}"))
    for mark, key in _used_marks(ctx):
        items.append(_LegendItem(None, _width(mark, BODY, True) + 3, words.t(key, n=ctx.previous), mark))
    for status, key in _used_shades(ctx):
        def shade(canv: Canvas, x: float, y: float, status: str = status) -> None:
            canv.setFillColor(FILLS[status])
            canv.setStrokeColor(GRID)
            canv.setLineWidth(1)
            canv.rect(x, y - 1.5, 14, 9, stroke=1, fill=1)
            if status == "closed":
                _hatch(canv, x, y - 1.5, 14, 9)

        items.append(_LegendItem(shade, 17, words.t(key)))
    return items


def _layout_legend(items: list[_LegendItem], width: float) -> list[list[tuple[float, _LegendItem]]]:
    """Place legend items left to right, wrapping to a new line when the width is used up."""
    lines: list[list[tuple[float, _LegendItem]]] = [[]]
    x = 0.0
    for item in items:
        size = item.symbol_width + _width(item.text, BODY) + 12
        if lines[-1] and x + size > width:
            lines.append([])
            x = 0.0
        lines[-1].append((x, item))
        x += size
    return lines


def _draw_legend(canv: Canvas, lines: list[list[tuple[float, _LegendItem]]], bottom: float) -> None:
    """Draw a laid-out legend with its last line's baseline at ``bottom``: the shapes as they
    come, the marks and texts in one text object (written when it is complete)."""
    with _Text(canv) as text:
        for n, line in enumerate(lines):
            y = bottom + (len(lines) - 1 - n) * LEADING
            for x, item in line:
                if item.symbol is not None:
                    item.symbol(canv, x, y)
                if item.glyph:
                    text.put(x, y, item.glyph, BODY, True)
                text.put(x + item.symbol_width, y, item.text, BODY)
