"""The rules every component kind shares: the plan's limits, wall-clock times on daylight
saving days, an event's look, and the wording of moves and closed days in notes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from scheduler.core.event import EventKind, Style
from scheduler.core.protocol import Daily, Display, Hours, Radiotherapy, Regimen, Visit
from scheduler.core.units import Span

MAX_PLAN_YEARS = 10
MAX_PLAN_DAYS = 366 * MAX_PLAN_YEARS
PLAN_LIMIT = Span(months=12 * MAX_PLAN_YEARS, text=f"{MAX_PLAN_YEARS} years")
MAX_PLAN_EVENTS = 5_000
"""The most events a plan may have: a year of twice-daily tablets with weekly visits is under
1,000; 5,000 keeps a patient's page, PDF and feed to a few hundred kilobytes."""

DISCREET_TITLES: dict[EventKind, str] = {
    "drug": "Treatment visit",
    "fraction": "Hospital appointment",
    "daily": "Medication reminder",
    "visit": "Hospital appointment",
}


def wall_time(day: date, clock: time, zone: tzinfo) -> tuple[datetime, str | None]:
    """The instant a template's clock time means on ``day`` in the clinic's ``zone``, and a
    note when a daylight saving change makes that a choice. The one rule, RFC 5545's
    (3.3.5), used for every event, so the table, JSON, ``.ics`` and PDF agree:

    - a time that does not exist (clocks go forward over it) is read with the UTC offset
      from before the change, which lands as far past the change as the time was past its
      start: 02:30 on the US spring-forward day is 03:30 EDT;
    - a time that happens twice (clocks go back over it) is the first of the two: 01:30 on
      the US fall-back day is 01:30 EDT (UTC-04:00), not 01:30 EST.

    >>> from zoneinfo import ZoneInfo
    >>> wall_time(date(2026, 3, 8), time(2, 30), ZoneInfo("America/New_York"))[0].isoformat()
    '2026-03-08T03:30:00-04:00'
    """
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, None
    actual = first.astimezone(UTC).astimezone(zone)
    if actual.replace(tzinfo=None) != naive:
        return actual, (f"{clock:%H:%M} does not exist on {day.isoformat()} in {zone} (the clocks go "
                        f"forward), so events at {clock:%H:%M} that day are at "
                        f"{actual:%H:%M} {actual.tzname()}")
    return first, (f"{clock:%H:%M} happens twice on {day.isoformat()} in {zone} (the clocks go "
                   f"back), so events at {clock:%H:%M} that day are at the first, "
                   f"{clock:%H:%M} {first.tzname()} (UTC{_offset(first)})")


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def member_ids(component: Regimen | Radiotherapy | Daily | Visit | Hours) -> list[str]:
    """The ids a hold or stop of ``component`` reaches: a regimen's drugs and their
    ``at_end`` events, or the component itself."""
    if not isinstance(component, Regimen):
        return [component.id]
    ids = []
    for drug in component.drugs:
        ids.append(drug.id)
        if drug.at_end is not None:
            ids.append(drug.at_end.id)
    return ids


def minutes_text(minutes: int) -> str:
    """``2760`` -> ``46h``; ``90`` -> ``1h30m``; ``45`` -> ``45m``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h" + (f"{rest:02d}m" if rest else "")


def style_of(display: Display, kind: EventKind, order: int) -> Style:
    """The look shared by every event of a component."""
    return Style(
        name=display.name,
        code=display.code,
        location=display.location,
        category=display.category,
        colour=display.colour,
        reminder_minutes=display.reminder,
        discreet_title=display.discreet_title or DISCREET_TITLES[kind],
        order=order,
    )


def day_list(days: list[date]) -> str:
    """``2026-02-16`` or ``2026-02-16 to 2026-02-23`` for a run of closed days."""
    first, last = days[0], days[-1]
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()} to {last.isoformat()}"


def reasons(closed: list[tuple[date, str]]) -> str:
    """Distinct reasons for the closed days, in date order."""
    distinct: list[str] = []
    for _, reason in closed:
        if reason and reason not in distinct:
            distinct.append(reason)
    return "; ".join(distinct)
