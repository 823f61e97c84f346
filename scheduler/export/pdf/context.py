"""What the pages share: the context of one PDF, and what each event says (its time, its
place in the plan, its notes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from scheduler.core.event import Event
from scheduler.core.plan import Plan
from scheduler.core.protocol import OpenEnded
from scheduler.export.pdf.notes import _Change
from scheduler.export.pdf.shapes import Shape
from scheduler.export.pdf.style import MARK_CANCELLED, MARK_CHANGED, MARK_CONTINUATION, MARK_MOVED
from scheduler.export.pdf.words import WEEKDAYS_EN, WEEKDAYS_ZH_SHORT, Pair, _cat, _Words


@dataclass(frozen=True)
class _Context:
    """Everything the pages share."""

    plan: Plan
    words: _Words
    patient: str | None
    generated: datetime
    version: int
    replaces: tuple[int, date] | None
    changed: frozenset[str]
    cancelled: tuple[Event, ...]
    week_start: int
    daily_position: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_day: dict[date, list[Event]] = field(default_factory=dict)
    """The plan's events by date."""
    moved_away: dict[date, list[Event]] = field(default_factory=dict)
    """Moved events by the date they were moved from."""
    running: dict[date, list[Event]] = field(default_factory=dict)
    """Infusions still running on a day after the one they start on (see :func:`_running`)."""
    changes: tuple[_Change, ...] = ()
    """The plan's holds and stops, as the pages show them."""
    shapes: dict[str, Shape] = field(default_factory=dict)
    """Component id -> the shape of its mark."""
    feed_url: str | None = None
    """The patient's live calendar feed, printed as a QR code on page 1."""
    layout: Literal["compact", "full"] = "compact"
    """Compact: months with few treatment days listed, several to a page; full: a grid for
    every month."""

    def shape(self, event: Event) -> Shape:
        """The shape of an event's mark (its component's)."""
        return self.shapes.get(event.component, "circle")

    def changes_on(self, day: date) -> list[_Change]:
        """The holds covering ``day`` and the stops from ``day``."""
        return [c for c in self.changes
                if (c.start == day if c.end is None else c.start <= day <= c.end)]

    @property
    def previous(self) -> int:
        """The version the changed/cancelled marks compare with."""
        return self.replaces[0] if self.replaces else max(self.version - 1, 1)

    def until(self, component: str) -> Pair | None:
        """The "until ..." text of an open-ended drug (English, Chinese), from the template."""
        try:
            display = self.plan.template.display_of(component)
        except KeyError:
            return None
        cycles = getattr(display, "cycles", None)
        if not isinstance(cycles, OpenEnded):
            return None
        return cycles.until, cycles.translations.get("zh", cycles.until)


def _day_status(day: date, words: _Words) -> tuple[str, str | None]:
    """How a day cell looks: ("closed"|"holiday"|"weekend"|"workday"|"plain", label); worked
    out once per day and document (the cell, the legend and the month list all ask)."""
    status = words.status_cache.get(day)
    if status is None:
        status = words.status_cache[day] = _work_out_status(day, words)
    return status


def _work_out_status(day: date, words: _Words) -> tuple[str, str | None]:
    """See :func:`_day_status`."""
    calendar = words.calendar
    if day in calendar.closures:
        return "closed", f"{words.t('closed')}: {calendar.closures[day]}"
    working = calendar.is_working_day(day)
    holiday = words.holiday(day)
    if holiday is not None:
        if working:
            return "workday", f"{holiday} ({words.t('makeup')})"
        return "holiday", holiday
    if day.weekday() in calendar.weekend:
        if working:
            return "workday", calendar.workdays.get(day) or words.t("makeup")
        return "weekend", None
    if not working:
        return "weekend", calendar.closed_because(day)
    if day in calendar.workdays:
        return "workday", calendar.workdays[day]
    return "plain", None


def _daily_positions(events: Iterable[Event]) -> dict[str, tuple[int, int]]:
    """Daily medication: uid -> (n, total), its place in the component's run of days."""
    by_component: dict[str, list[Event]] = {}
    for event in events:
        if event.kind == "daily":
            by_component.setdefault(event.component, []).append(event)
    return {
        event.uid: (number, len(run))
        for run in by_component.values()
        for number, event in enumerate(run, start=1)
    }


def _by_date(events: Iterable[Event], key: Callable[[Event], date | None]) -> dict[date, list[Event]]:
    """Events grouped by a date of theirs (those without one are left out)."""
    groups: dict[date, list[Event]] = {}
    for event in events:
        day = key(event)
        if day is not None:
            groups.setdefault(day, []).append(event)
    return groups


def _last_day(event: Event) -> date | None:
    """The last day a timed event runs on: the day of its end, or the day before when it
    ends at 00:00 (None for an all-day event)."""
    if event.start is None or event.end is None:
        return None
    return (event.end - timedelta(microseconds=1)).date() if event.end > event.start else event.start.date()


def _running(events: Iterable[Event]) -> dict[date, list[Event]]:
    """Events that run past their first day (a drug's infusion of up to 7 days), on each
    later day they still run: from the day after their start through the day of their end,
    from their own ``start`` and ``end``."""
    days: dict[date, list[Event]] = {}
    for event in events:
        last = _last_day(event)
        if event.kind != "drug" or event.start is None or last is None:
            continue  # an overnight visit is no infusion: it shows on the day it starts
        day = event.start.date() + timedelta(days=1)
        while day <= last:
            days.setdefault(day, []).append(event)
            day += timedelta(days=1)
    return days


def _until_pair(event: Event, words: _Words, with_date: bool) -> Pair:
    """When a multi-day event ends: ("Wed 10:30", "周三 10:30"), or with its date
    ("Wed 2026-03-04 10:30", "2026-03-04（周三）10:30")."""
    assert event.end is not None
    end = event.end
    if with_date:
        return _cat(words.day_pair(end.date()), (f" {end:%H:%M}", f"{end:%H:%M}"))
    weekday = end.weekday()
    return f"{WEEKDAYS_EN[weekday][:3]} {end:%H:%M}", f"{WEEKDAYS_ZH_SHORT[weekday]} {end:%H:%M}"


def _clock(event: Event, words: _Words) -> str:
    """"10:30–13:30", "10:30" (ends after midnight) or "all day"."""
    if event.start is None:
        return words.t("all_day")
    if event.end is None or event.end.date() != event.start.date():
        return f"{event.start:%H:%M}"
    return f"{event.start:%H:%M}–{event.end:%H:%M}"


def _position(event: Event, ctx: _Context) -> str:
    """Cycle and day (the cycle alone for a visit of each cycle), fraction n of N with the
    cumulative dose, or day n of N of a daily span."""
    words = ctx.words
    if event.cycle is not None and event.day is None:  # a visit of each cycle (blood tests)
        return words.say("cycle", c=event.cycle)
    if event.cycle is not None:
        return words.say("cycle_day", c=event.cycle, d=event.day)
    if event.fraction is not None:
        return words.say(
            "fraction", n=event.fraction, total=event.fractions_total, cum=event.cumulative_gy,
            gy=event.total_gy,
        )
    if event.uid in ctx.daily_position:
        number, total = ctx.daily_position[event.uid]
        return words.say("daily_day", n=number, total=total)
    return ""


def _moved_pair(event: Event, words: _Words) -> Pair:
    """"» Moved from Mon 2026-02-16: Chinese New Year's Eve", in both languages."""
    assert event.moved_from is not None
    return _cat(f"{MARK_MOVED} ", words.fmt(
        "moved", date=words.day_pair(event.moved_from),
        reason=words.reason_pair(event.moved_from, event.reason),
    ))


def _note_pairs(event: Event, ctx: _Context, cancelled: bool = False) -> list[Pair]:
    """An event's notes, each led by its mark where it has one: cancelled, the end of an
    infusion on a later day, moved, continuation, changed; then a dose kept on a non-working
    day, a radiotherapy course extended past closures, a visit's window."""
    words = ctx.words
    notes = []
    if cancelled:
        notes.append(_cat(f"{MARK_CANCELLED} ", words.fmt("cancelled")))
    if (event.kind == "drug" and event.start is not None and event.end is not None
            and event.end.date() != event.start.date()):
        notes.append(words.fmt("runs_until", until=_until_pair(event, words, with_date=True)))
    if event.moved_from is not None:
        notes.append(_moved_pair(event, words))
    if event.open_ended:
        until = ctx.until(event.component)
        text = words.fmt("continuation", until=until) if until else words.fmt("continuation_plain")
        notes.append(_cat(f"{MARK_CONTINUATION} ", text))
    if event.uid in ctx.changed and not cancelled:
        notes.append(_cat(f"{MARK_CHANGED} ", words.fmt("changed", n=ctx.previous)))
    calendar = words.calendar
    if event.kind in ("drug", "visit") and event.moved_from is None and not calendar.is_working_day(
        event.date
    ):
        reason = words.reason_pair(event.date, calendar.closed_because(event.date))
        notes.append(words.fmt("kept", reason=reason))
    if event.kind == "fraction" and event.note:
        notes.append(words.fmt("extended"))
    if event.window_start is not None and event.window_end is not None:
        if not event.window_start <= event.date <= event.window_end:
            notes.append(words.fmt("outside_window"))
        elif event.kind == "visit":
            window = words.fmt("window", a=event.window_start.isoformat(), b=event.window_end.isoformat())
            notes.append(window)
    return notes


def _notes(event: Event, ctx: _Context, cancelled: bool = False) -> list[str]:
    """The list's notes for an event in the output language."""
    return [ctx.words.pick(note, "\n") for note in _note_pairs(event, ctx, cancelled)]
