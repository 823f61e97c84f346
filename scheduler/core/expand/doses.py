"""Where a regimen's drug dose falls (language 3): each day by its own non-working-day rule,
or a block of consecutive days together (``on: working_days``, ``on: any_day``); and the
collision rule: a dose that lands on a date already holding a dose of the same drug is the
later planned one, and it moves to the next free working day. A plan is never refused for a
collision."""

from __future__ import annotations

from datetime import date, timedelta

from scheduler.core.errors import PlanError
from scheduler.core.protocol import Drug
from scheduler.core.workdays import MAX_SEARCH_DAYS, Placement, WorkCalendar, place

Block = tuple[int, date, str | None]
"""The dose before in a block: its day number, its date, the reason the block moved."""


def place_dose(calendar: WorkCalendar, drug: Drug, what: str, day: int, base: date,
               before: Block | None) -> tuple[Placement, Block | None]:
    """The placement of day ``day`` of ``drug`` (planned on ``base``), and what the next day
    of its block needs to know. ``before``: the dose of the day before, in a block."""
    if drug.on == "any_day":
        return place(base, "keep", calendar, what), None
    in_block = drug.on == "working_days" and before is not None and before[0] == day - 1
    if in_block and before is not None and before[1] >= base:
        moved = before[1] + timedelta(days=1)
        while not calendar.is_working_day(moved):
            moved += timedelta(days=1)
        reason = calendar.closed_because(base) or (
            f"the block moved past {before[2]}" if before[2]
            else "the block is given on consecutive working days")
        when = Placement(moved, base, reason)
    elif calendar.is_working_day(base):
        when = Placement(base)
    else:
        when = place(base, drug.on_non_working_day, calendar, what)
    if drug.on != "working_days" or when.date is None:
        return when, None
    cause = None
    if when.moved_from is not None and when.moved_from == base and not in_block:
        cause = f"{base.isoformat()} ({calendar.closed_because(base)})"
    elif when.moved_from is not None:
        cause = f"{base.isoformat()} ({when.reason})" if calendar.closed_because(base) else None
    if in_block and before is not None and cause is None:
        cause = before[2]
    return when, (day, when.date, cause)


def avoid_collision(calendar: WorkCalendar, when: Placement, base: date, taken: dict[date, str],
                    what: str) -> tuple[Placement, str | None]:
    """``when`` itself, or, when its date already holds a dose of the drug (``taken``: date ->
    which dose), the next working day holding none, with a note saying why."""
    assert when.date is not None
    if when.date not in taken:
        return when, None
    held = when.date
    moved = held
    for _ in range(MAX_SEARCH_DAYS):
        moved += timedelta(days=1)
        if calendar.is_working_day(moved) and moved not in taken:
            note = (f"Moved to the next working day: {held.isoformat()} already holds "
                    f"{taken[held]}.")
            reason = when.reason or f"{held.isoformat()} already holds {taken[held]}"
            return Placement(moved, when.moved_from or base, reason), note
    raise PlanError(f"{what}: no free working day within {MAX_SEARCH_DAYS} days after "
                    f"{held.isoformat()}")
