"""What the pages show, arranged for the templates: month grids and the QR code.

Presentation only: the dates come from the plan (the library's expansion); this module
groups them by month and week and asks the plan's working-day calendar how to shade a day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from scheduler.core.event import Event
from scheduler.core.plan import Plan


@dataclass(frozen=True)
class Day:
    """One cell of a month grid."""

    date: date
    in_month: bool
    kind: str
    """"plain", "weekend", "holiday", "closed" or "workday" (a make-up or extra working day)."""
    label: str | None
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Month:
    """A month grid: weeks of seven days, Monday first."""

    title: str
    weeks: tuple[tuple[Day, ...], ...]


def _shade(plan: Plan, day: date) -> tuple[str, str | None]:
    work = plan.request.calendar
    if day in work.closures:
        return "closed", work.closures[day]
    working = work.is_working_day(day)
    holiday = work.holiday_name(day)
    if holiday is not None:
        return ("workday", holiday) if working else ("holiday", holiday)
    if day.weekday() in work.weekend:
        return ("workday", work.workdays.get(day) or "Working day") if working else ("weekend", None)
    if day in work.workdays:
        return "workday", work.workdays[day]
    return "plain", None


def months(plan: Plan, first: date | None = None, count: int | None = None) -> list[Month]:
    """Month grids from the month of ``first`` (default: the first event) to the last event,
    or ``count`` months."""
    by_day: dict[date, list[Event]] = {}
    for event in plan.events:
        by_day.setdefault(event.date, []).append(event)
    start = first or plan.first_date
    year, month = start.year, start.month
    grids = []
    while (year, month) <= (plan.last_date.year, plan.last_date.month):
        weeks = []
        for week in calendar.Calendar(0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                kind, label = _shade(plan, day)
                cells.append(Day(day, day.month == month, kind, label, tuple(by_day.get(day, ()))))
            weeks.append(tuple(cells))
        grids.append(Month(date(year, month, 1).strftime("%B %Y"), tuple(weeks)))
        if count is not None and len(grids) == count:
            break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return grids


def next_event(plan: Plan, today: date) -> Event | None:
    """The first event on or after ``today``."""
    return next((e for e in plan.events if e.date >= today), None)


def qr_svg(text: str, size: int = 200) -> str:
    """``text`` as a QR code, an inline SVG drawn by reportlab's own QR widget."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(text, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return str(svg[svg.index("<svg"):])
