"""The one record every exporter reads: a dated event of a treatment plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

EventKind = Literal["drug", "fraction", "daily", "visit"]


@dataclass(frozen=True, slots=True)
class Event:
    """One dated event. ``start``/``end`` are aware datetimes, or both None for all-day.

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
    component_name: str
    code: str
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
    moved_from: date | None = None
    reason: str | None = None
    note: str | None = None
    open_ended: bool = False
    window_start: date | None = None
    window_end: date | None = None
    location: str | None = None
    category: str | None = None
    colour: str | None = None
    reminder_minutes: int | None = None
    discreet_title: str = "Hospital appointment"
    order: int = 0

    @property
    def all_day(self) -> bool:
        """True for an event with no clock time."""
        return self.start is None

    @property
    def sort_key(self) -> tuple[date, int, datetime | None, int, int, int]:
        """Date, all-day first, then time, template order, cycle/fraction, day."""
        timed = 0 if self.start is None else 1
        return (
            self.date,
            timed,
            self.start,
            self.order,
            self.cycle or self.fraction or 0,
            self.day or 0,
        )
