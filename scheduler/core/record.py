"""What actually happened to an event: given, done, missed or not given.

Pure. A record is one more input of the expansion, like a delay (see :mod:`adjust`), so the
plan is always recomputed from its template and its history:

- ``given``/``done`` on the planned day marks the event;
- on another day, the events of the same visit (the drugs of one regimen, cycle and day)
  move with it to that day; a cycle's day 1 given on another day is recorded with a
  :class:`~scheduler.core.adjust.Delay` of the cycle, which re-anchors the cycles that follow;
- ``missed``/``not-given`` mark the event, which stays in the plan (cancelled in a calendar).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

STATUSES = ("given", "done", "missed", "not-given")
NEEDS_REASON = ("missed", "not-given")


@dataclass(frozen=True)
class Record:
    """``ref`` was ``status`` on ``on`` (at ``at``, HH:MM), planned for ``planned``.

    ``component`` is the event's component (so that a hold or stop check finds it);
    ``together`` the references of the events that move with it (the same visit);
    ``window`` the event's window, if it has one, and ``tolerance`` its drug's day tolerance.
    """

    ref: str
    status: str
    component: str
    planned: date
    on: date
    reason: str = ""
    at: str | None = None
    together: tuple[str, ...] = ()
    cycle_shift: tuple[str, int, int] | None = None
    """(regimen, cycle, days) when the record re-anchors its cycle: a cycle's day 1 given on
    another day (a delay of that many days goes into the expansion beside the record)."""
    window: tuple[date, date] | None = None

    @property
    def days_off(self) -> int:
        """Days after (+) or before (-) the planned day."""
        return (self.on - self.planned).days

    @property
    def outside_window(self) -> int:
        """Days outside the event's window (0 when inside it, or when it has none)."""
        if self.window is None:
            return 0
        low, high = self.window
        if self.on < low:
            return (self.on - low).days
        if self.on > high:
            return (self.on - high).days
        return 0

    def when(self) -> str:
        """``on 2026-04-22, 2 days after the plan`` (or ``on the planned day``)."""
        days = self.days_off
        if days == 0:
            return f"on {self.on.isoformat()}, the planned day"
        side = "after" if days > 0 else "before"
        plural = "s" if abs(days) != 1 else ""
        return f"on {self.on.isoformat()}, {abs(days)} day{plural} {side} the plan"

    def describe(self) -> str:
        """One line for histories: ``immunochemo/c3/d1/pd1 given on 2026-04-22, 2 days after
        the plan``."""
        if self.status in NEEDS_REASON:
            return f"{self.ref} {self.status}: {self.reason}"
        text = f"{self.ref} {self.status} {self.when()}"
        if self.at:
            text += f" at {self.at}"
        if self.outside_window:
            text += f", {abs(self.outside_window)} days outside its window"
        return text + (f": {self.reason}" if self.reason else "")


def to_fields(record: Record) -> dict[str, Any]:
    """JSON-able fields for storage."""
    fields = dict(record.__dict__)
    fields["planned"] = record.planned.isoformat()
    fields["on"] = record.on.isoformat()
    fields["together"] = list(record.together)
    fields["window"] = [d.isoformat() for d in record.window] if record.window else None
    fields["cycle_shift"] = list(record.cycle_shift) if record.cycle_shift else None
    return fields


def from_fields(fields: dict[str, Any]) -> Record:
    """The inverse of :func:`to_fields`."""
    values = dict(fields)
    values["planned"] = date.fromisoformat(values["planned"])
    values["on"] = date.fromisoformat(values["on"])
    values["together"] = tuple(values.get("together", ()))
    window = values.get("window")
    values["window"] = (date.fromisoformat(window[0]), date.fromisoformat(window[1])) if window else None
    shift = values.get("cycle_shift")
    values["cycle_shift"] = (str(shift[0]), int(shift[1]), int(shift[2])) if shift else None
    return Record(**values)


def apply(events: Sequence[Any], records: Sequence[Record]) -> tuple[Any, ...]:
    """``events`` (with references) with each record applied, in order: statuses set, and
    the events of a visit given or done on another day moved there (unless a delay already
    moved them); sorted again by date and time."""
    if not records:
        return tuple(events)
    result = list(events)
    index = {e.ref: i for i, e in enumerate(result)}
    for record in records:
        position = index.get(record.ref)
        if position is None:  # a later change (stop, hold) left the event out
            continue
        event = result[position]
        if record.status in NEEDS_REASON:
            note = f"{record.status.replace('-', ' ')}: {record.reason}"
            result[position] = event._replace(status=record.status, status_note=note)
            continue
        if record.cycle_shift is None and event.date != record.on:
            shift = record.on - event.date
            why = f"{'Given' if record.status == 'given' else 'Done'} {record.when()}"
            for ref in (record.ref, *record.together):
                at = index.get(ref)
                if at is not None:
                    result[at] = _moved(result[at], shift, why)
            event = result[position]
        if record.at is not None and event.start is not None and event.end is not None:
            start = datetime.combine(event.date, time.fromisoformat(record.at), tzinfo=event.start.tzinfo)
            event = event._replace(start=start, end=start + (event.end - event.start))
        note = f"{record.status} {record.when()}" + (f": {record.reason}" if record.reason else "")
        result[position] = event._replace(status=record.status, status_note=note)
    return tuple(sorted(result, key=lambda e: e.sort_key))


def _moved(event: Any, shift: timedelta, why: str) -> Any:
    """``event`` moved by ``shift`` days (its clock time kept), with the reason."""
    start = end = None
    if event.start is not None and event.end is not None:
        zone = event.start.tzinfo
        start = datetime.combine(event.date + shift, event.start.timetz().replace(tzinfo=None), tzinfo=zone)
        end = start + (event.end - event.start)
    return event._replace(date=event.date + shift, start=start, end=end,
                          moved_from=event.moved_from or event.date, reason=why,
                          plan_day=event.plan_day + shift.days)
