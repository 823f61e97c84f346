"""The one record every exporter reads: a dated event of a treatment plan."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, NamedTuple

EventKind = Literal["drug", "fraction", "daily", "visit"]

Day = date
"""``date`` under another name, for annotations in a class that has a field called ``date``."""


class Style(NamedTuple):
    """How the events of one component look; one instance is shared by all of them."""

    name: str
    code: str
    location: str | None
    category: str | None
    colour: str | None
    reminder_minutes: int | None
    discreet_title: str
    order: int
    """The component's position in the template, for a stable sort."""


class Event(NamedTuple):
    """One dated event. ``start``/``end`` are aware datetimes, or both None for all-day.

    Immutable; a NamedTuple rather than a frozen dataclass because a plan makes hundreds
    of these and a frozen dataclass is three times slower to build on Python 3.11.

    ``moved_from`` is the date the template's rule pointed to before a non-working day
    moved it, with ``reason`` naming the holiday, weekend day or closure. ``open_ended``
    marks a continuation dose past the planned minimum ("until progression").
    """

    uid: str
    date: date
    start: datetime | None
    end: datetime | None
    kind: EventKind
    component: str
    style: Style
    title: str
    dose: str
    plan_day: int
    regimen: str | None = None
    cycle: int | None = None
    day: int | None = None
    cycle_days: int | None = None
    fraction: int | None = None
    fractions_total: int | None = None
    fraction_gy: str | None = None
    cumulative_gy: str | None = None
    total_gy: str | None = None
    moved_from: Day | None = None
    reason: str | None = None
    note: str | None = None
    open_ended: bool = False
    window_start: Day | None = None
    window_end: Day | None = None
    clock_note: str | None = None
    """Set when the clock time does not exist or happens twice on that date (a daylight
    saving change) and says which instant was taken: see :func:`scheduler.core.expand.wall_time`."""

    @property
    def all_day(self) -> bool:
        """True for an event with no clock time."""
        return self.start is None

    @property
    def cycle_code(self) -> str:
        """``C2D3`` for day 3 of cycle 2, ``C2`` for a visit of cycle 2 with no day of its
        own (the blood tests before each cycle), ``""`` for an event outside any cycle."""
        if self.cycle is None:
            return ""
        return f"C{self.cycle}" if self.day is None else f"C{self.cycle}D{self.day}"

    @property
    def outside_window(self) -> bool:
        """True when the event has a window and its date falls outside it."""
        if self.window_start is None or self.window_end is None:
            return False
        return not self.window_start <= self.date <= self.window_end

    @property
    def sort_key(self) -> tuple[Day, int, datetime | None, int, int, int]:
        """Date, all-day first, then time, template order, cycle/fraction, day."""
        timed = 0 if self.start is None else 1
        return (
            self.date,
            timed,
            self.start,
            self.style.order,
            self.cycle or self.fraction or 0,
            self.day or 0,
        )
