"""Visits (``kind: visit``): one visit at an anchor, a ``repeat`` series (visit k planned k *
interval after the first planned date, until ``count`` or the last on or before
``while_on``'s last event), or ``each_cycle`` (day D of each given cycle of a regimen from
``from_cycle``, counted from the actual day 1); each placed by the visit's rule, with its
window."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scheduler.core.errors import PlanError
from scheduler.core.protocol import Visit
from scheduler.core.workdays import Placement, place

from .rules import MAX_PLAN_YEARS
from .state import Expansion


def expand_visit(x: Expansion, visit: Visit) -> None:
    if visit.each_cycle is not None:
        each = visit.each_cycle
        for cycle, day1 in x.day1s.get(each.of, []):
            if cycle < each.from_cycle:
                continue
            planned = day1 + timedelta(days=each.day - 1)
            where = ("before cycle" if each.day < 1 else "cycle")
            title = (f"{visit.name} – {where} {cycle}" if each.day < 1
                     else f"{visit.name} – cycle {cycle}, day {each.day}")
            _one_visit(x, visit, planned, f"{visit.id}\x00c{cycle}", title, day1, cycle=cycle)
        return
    assert visit.at is not None
    first = x.anchor_date(visit.at)
    if visit.repeat is None:
        _one_visit(x, visit, first, visit.id, visit.name)
        return
    repeat = visit.repeat
    step = timedelta(days=x.value(repeat.every_days) if repeat.every_days is not None
                     else 7 * x.value(repeat.every_weeks or 1))
    count = x.value(repeat.count) if repeat.count is not None else None
    until = None
    if repeat.while_on is not None:
        if not x.days_of(repeat.while_on):
            x.notes.append(
                f"{visit.name}: none planned, because '{repeat.while_on}', which it repeats "
                "while on, has no events in this plan."
            )
            return
        until = x.last_date(repeat.while_on)
    number = 0
    while True:
        planned = first + step * number
        number += 1
        if until is not None and planned > until:  # language 3: none after the last event
            if number == 1:
                x.notes.append(f"{visit.name}: none planned, because its first date "
                               f"({planned.isoformat()}) is after the last event of "
                               f"'{repeat.while_on}' ({until.isoformat()}).")
            return
        if planned >= x.limit:
            raise PlanError(f"'{visit.id}' repeats past {x.limit.isoformat()}, more than "
                            f"{MAX_PLAN_YEARS} years after the start: check its 'repeat'")
        total = f" of {count}" if count is not None and until is None else ""
        _one_visit(x, visit, planned, f"{visit.id}\x00n{number}",
                   f"{visit.name} – {number}{total}")
        if count is not None and number >= count:
            return


def _one_visit(x: Expansion, visit: Visit, planned: date, identity: str, title: str,
               day1: date | None = None, **extra: Any) -> None:
    """One visit planned on ``planned``, placed by its rule, with its window; ``day1``: the
    day 1 of the cycle it belongs to (each_cycle)."""
    calendar = x.calendar.for_resource(visit.resource)
    when = place(planned, visit.on_non_working_day, calendar, title)
    assert when.date is not None  # a visit's rule never skips
    notes: list[str] = []
    limit = visit.previous_within_days
    if visit.on_non_working_day == "previous" and (planned - when.date).days > limit:
        before_it = when.date.isoformat()
        if day1 is not None and day1 >= planned:
            when = Placement(day1, planned, when.reason)
            instead = "on the morning of day 1 instead, before treatment"
        else:
            when = place(planned, "next", calendar, title)
            instead = "on the next working day instead"
        notes.append(f"The working day before is {before_it}, more than {limit} days before the "
                     f"planned {planned.isoformat()}: {instead}.")
    window: dict[str, Any] = {}
    note = None
    before, after = visit.bounds
    if before or after:
        low = planned - timedelta(days=before)
        high = planned + timedelta(days=after)
        window = {"window_start": low, "window_end": high}
        note = f"Window: {low.isoformat()} to {high.isoformat()}."
        assert when.date is not None
        if not low <= when.date <= high:
            note += " The visit is outside its window."
    x.emit(
        visit,
        identity=identity,
        kind="visit",
        component=visit.id,
        when=when,
        title=title,
        dose=visit.dose,
        note=" ".join([*([note] if note else []), *notes]) or None,
        **window,
        **extra,
    )
