"""The legend: which components, marks and day shadings a plan's pages use, as a table on
the overview page and as a strip at the bottom of each month page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table, TableStyle

from scheduler.core.event import Event, Style
from scheduler.export.pdf.context import _Context, _day_status
from scheduler.export.pdf.lines import _Lines
from scheduler.export.pdf.shapes import Shape, _draw_mark, _hatch, _tint
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


def _used_marks(ctx: _Context, events: Sequence[Event]) -> list[tuple[str, str]]:
    """The marks ``events`` use, with their legend label keys."""
    used = [
        (MARK_MOVED, "mark_moved", any(e.moved_from is not None for e in events)),
        (MARK_CONTINUATION, "mark_cont", any(e.open_ended for e in events)),
        (MARK_CHANGED, "mark_changed", any(e.uid in ctx.changed for e in events)),
    ]
    return [(mark, key) for mark, key, flag in used if flag]


def _used_shades(ctx: _Context, days: Iterable[date] | None) -> list[tuple[str, str]]:
    """The day shadings the calendar shows on ``days`` (all the plan's calendar can show
    when None), with their legend label keys."""
    calendar = ctx.words.calendar
    if days is None:
        shades = [("weekend", "weekend")]
        if calendar.public is not None:
            shades.append(("holiday", "holiday"))
        if calendar.closures:
            shades.append(("closed", "closed_legend"))
        return shades
    statuses = {_day_status(day, ctx.words)[0] for day in days}
    return [(status, key) for status, key in (
        ("weekend", "weekend"), ("holiday", "holiday"), ("closed", "closed_legend"),
    ) if status in statuses]


def _used_codes(ctx: _Context, events: Sequence[Event], days: Iterable[date] | None) -> list[tuple[str, str]]:
    """The short codes ``events`` and ``days`` print, each with what it means, by example:
    ("C3D1", "cycle 3, day 1"), ("12/30", "fraction 12 of 30"), and the holiday words of
    China's calendar ("Day off (substituted from ...)", "Working day", "(observed)")."""
    words = ctx.words
    codes: list[tuple[str, str]] = []
    drug = next((e for e in events if e.kind == "drug" and e.cycle is not None), None)
    if drug is not None:
        codes.append((f"C{drug.cycle}D{drug.day}", words.t("code_cycle", c=drug.cycle, d=drug.day)))
    fraction = next((e for e in events if e.kind == "fraction"), None)
    if fraction is not None:
        codes.append((f"{fraction.fraction}/{fraction.fractions_total}",
                      words.t("code_fraction", n=fraction.fraction, total=fraction.fractions_total)))
    calendar = words.calendar
    if calendar.public is None:
        return codes
    names = [calendar.holiday_name(day) or "" for day in (days if days is not None else ())]
    statuses = {_day_status(day, words)[0] for day in days} if days is not None else set()
    if any("substituted" in name for name in names):
        codes.append(("", words.t("substituted_legend")))
    if any("(observed" in name for name in names):
        codes.append(("", words.t("observed_legend")))
    if "workday" in statuses:
        codes.append(("", words.t("makeup_legend")))
    return codes


def _legend_components(ctx: _Context, events: Iterable[Event]) -> list[tuple[Shape, Style, str]]:
    """Each component of ``events`` once, in template order: shape, style, component id."""
    seen: dict[str, tuple[Shape, Style, str]] = {}
    for event in sorted(events, key=lambda e: e.style.order):
        seen.setdefault(event.component, (ctx.shape(event), event.style, event.component))
    return list(seen.values())


class _Swatch(Flowable):
    """A legend chip: the kind's shape in the component's tint, then its code in bold."""

    def __init__(self, kind: Shape, colour: str | None, code: str) -> None:
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
    """Legend: each component's swatch, code, name and kind; the marks; the codes of cycle
    days and fractions; the day shadings."""
    words = ctx.words
    rows: list[list[Any]] = []
    events = (*ctx.plan.events, *ctx.cancelled)
    kinds = {e.component: e.kind for e in events}
    for shape, style, component in _legend_components(ctx, events):
        name = words.component_name(component, style)
        rows.append([_Swatch(shape, style.colour, style.code),
                     _Lines(f"{name} ({words.t('kind_' + kinds[component])})")])
    for mark, key in _used_marks(ctx, events):
        text = words.t(key, n=ctx.previous)
        rows.append([_Lines(mark, bold=True), _Lines(text)])
    for code, text in _used_codes(ctx, events, None):
        rows.append([_Lines(code, bold=True), _Lines(text)])
    for status, key in (*_used_shades(ctx, None), ("other", "other_month")):
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


def _legend_items(
    ctx: _Context, events: Sequence[Event], days: Sequence[date], shades: bool = True
) -> list[_LegendItem]:
    """What a month page's legend strip shows: the components, marks and codes of the
    ``events`` on the page, and the shadings (unless ``shades`` is false: a list of months
    shades no day) and holiday words of its ``days``."""
    words = ctx.words
    items = []
    for shape, style, component in _legend_components(ctx, events):
        def symbol(
            canv: Canvas, x: float, y: float, shape: Shape = shape, colour: str | None = style.colour
        ) -> None:
            _draw_mark(canv, shape, x + 3.5, y + 3.2, 6.5, colour)

        items.append(_LegendItem(symbol, 10, f"{style.code} {words.component_name(component, style)}"))
    for mark, key in _used_marks(ctx, events):
        items.append(_LegendItem(None, _width(mark, BODY, True) + 3, words.t(key, n=ctx.previous), mark))
    for code, text in _used_codes(ctx, events, days):
        items.append(_LegendItem(None, _width(code, BODY, True) + 3 if code else 0, text, code))
    for status, key in _used_shades(ctx, days) if shades else ():
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
