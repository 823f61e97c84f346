"""Regimen cycles (``kind: cycles``): each cycle's day 1, then each drug's days in it, the
end-of-infusion events, delays, and the notes on rescheduling policy and dose caps.

- Cycle 1 day 1 is the regimen's anchor; cycle k+1 day 1 is planned ``cycle_days`` after
  the *actual* day 1 of cycle k (or on the original grid with ``reschedule:
  original_grid``), then moved by the regimen's non-working-day rule.
- Day d of a drug that ``follows_day1`` is planned d-1 days after the actual day 1, then
  moved by the drug's own rule.
- Open-ended drugs (``minimum`` + ``until``) are planned in every cycle whose day 1 falls
  before first day 1 + minimum; later cycles, up to the horizon, are continuation doses.
- Dose caps (``up_to``/``within``): at most ``up_to`` cycles, each with day 1 before first
  day 1 + ``within``.
- ``continue_numbering`` numbers a regimen's cycles on from another's last cycle given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from scheduler.core.adjust import Delay
from scheduler.core.errors import PlanError
from scheduler.core.protocol import Capped, Drug, EndEvent, OpenEnded, Regimen
from scheduler.core.workdays import WEEKDAY_NAMES, Placement, place

from .doses import Block, avoid_collision, place_dose
from .rules import MAX_PLAN_YEARS, minutes_text
from .state import Expansion


def expand_regimen(x: Expansion, regimen: Regimen) -> None:
    calendar = x.calendar.for_resource(regimen.resource)
    counts: dict[str, int | OpenEnded | Capped] = {}
    for drug in regimen.drugs:
        spec = drug.cycles if drug.cycles is not None else regimen.cycles
        assert spec is not None
        counts[drug.id] = spec if isinstance(spec, OpenEnded | Capped) else x.value(spec)
    planned = grid = x.anchor_date(regimen.start)
    offset = 0
    if regimen.continue_numbering is not None:
        # after the last cycle given (a stopped regimen's later cycles are not given)
        given_cycles = x.day1s.get(regimen.continue_numbering)
        offset = (given_cycles[-1][0] if given_cycles
                  else x.cycles.get(regimen.continue_numbering, 0))
    x.first_cycle[regimen.id] = offset + 1
    x.day1s[regimen.id] = []
    minimum_ends: dict[str, tuple[date, str]] = {}
    cap_ends: dict[str, date | None] = {}
    previous: tuple[date, date] | None = None  # the cycle before: its day 1 and last dose
    delays = [a for a in x.request.adjustments
              if isinstance(a, Delay) and a.regimen == regimen.id]
    for delay_ in delays:
        if delay_.cycle <= offset:
            raise PlanError(
                f"cannot delay cycle {delay_.cycle} of '{regimen.id}': its cycles are "
                f"numbered from {offset + 1}"
            )
    if regimen.reschedule == "original_grid":
        x.notes.append(
            f"{regimen.name}: rescheduling policy 'original_grid': each cycle is planned on "
            f"the original grid, every {regimen.cycle_days} days from "
            f"{grid.isoformat()}; a moved or delayed dose does not move the next."
        )
    elif "reschedule" in regimen.model_fields_set:
        x.notes.append(
            f"{regimen.name}: rescheduling policy 'carry_forward': each cycle is planned "
            f"{regimen.cycle_days} days after the actual day 1 of the cycle before."
        )
    index = 0
    while True:
        index += 1
        cycle = offset + index
        if regimen.reschedule == "original_grid":
            planned = grid + timedelta(days=regimen.cycle_days * (index - 1))
        delayed = [d for d in delays if d.cycle == cycle]
        delay: tuple[date, str] | None = None
        if delayed:
            delay = (planned, "; ".join(d.shift() for d in delayed))
            planned += timedelta(days=sum(d.days for d in delayed))
        if calendar.is_working_day(planned):
            start_of_cycle = Placement(planned)
        else:
            what = f"{regimen.name}, cycle {cycle} day 1"
            start_of_cycle = place(planned, regimen.on_non_working_day, calendar, what)
        day1 = start_of_cycle.date
        assert day1 is not None
        pulled_back = day1 < planned or any(d.days < 0 for d in delayed)
        if previous is not None and day1 <= previous[1] and not pulled_back:
            start_of_cycle = after_the_cycle_before(x, regimen, cycle, planned, previous[1])
            day1 = start_of_cycle.date
            assert day1 is not None
        _check_cycle_order(x, regimen, cycle, day1, previous)
        if previous is not None and any(d.days < 0 for d in delayed):
            length = (day1 - previous[0]).days
            if length < regimen.cycle_days:
                x.notes.append(
                    f"{regimen.name}: cycle {cycle - 1} lasts {length} days, shorter than its "
                    f"{regimen.cycle_days}, because cycle {cycle} was brought forward "
                    f"({'; '.join(d.reason for d in delayed)})."
                )
        if index == 1:
            minimum_ends = _minimum_ends(counts, day1)
            cap_ends = {
                drug_id: spec.within.after(day1) if spec.within is not None else None
                for drug_id, spec in counts.items() if isinstance(spec, Capped)
            }
        active: list[tuple[Any, str | None]] = []
        for drug in regimen.drugs:
            spec = counts[drug.id]
            if isinstance(spec, OpenEnded):
                minimum_end, continuation = minimum_ends[drug.id]
                if day1 < minimum_end:
                    active.append((drug, None))
                elif day1 < x.horizon_end:
                    active.append((drug, continuation))
            elif isinstance(spec, Capped):
                cap_end = cap_ends[drug.id]
                if index <= x.value(spec.up_to) and (cap_end is None or day1 < cap_end):
                    active.append((drug, None))
            elif index <= spec:
                active.append((drug, None))
        if not active:
            x.cycles[regimen.id] = cycle - 1
            _cap_notes(x, regimen, counts, cap_ends)
            return
        if day1.year >= x.start.year + MAX_PLAN_YEARS:
            raise PlanError(
                f"'{regimen.id}' has cycles more than {MAX_PLAN_YEARS} years after the start"
            )
        given = len(x.events)
        for drug, continuing in active:
            _drug_days(x, regimen, drug, cycle, planned, start_of_cycle, continuing, delay)
        if len(x.events) > given:
            x.day1s[regimen.id].append((cycle, day1))
        previous = (day1, max((e.date for e in x.events[given:]), default=day1))
        planned = day1 + timedelta(days=regimen.cycle_days)


def _cap_notes(
    x: Expansion, regimen: Regimen, counts: Mapping[str, int | OpenEnded | Capped],
    cap_ends: Mapping[str, date | None],
) -> None:
    """A plan note per capped drug: the cap, how many doses it allows, which limit ends it."""
    for drug in regimen.drugs:
        spec = counts[drug.id]
        if not isinstance(spec, Capped):
            continue
        doses = [e for e in x.events if e.component == drug.id]
        cycles = sorted({e.cycle for e in doses if e.cycle is not None})
        up_to = x.value(spec.up_to)
        cap_end = cap_ends[drug.id]
        if len(cycles) >= up_to:
            reached = f"the {up_to}-cycle limit is reached first"
        elif cap_end is not None:
            reached = (f"the {spec.within} limit is reached first (no cycle may start on "
                       f"or after {cap_end.isoformat()})")
        else:  # pragma: no cover - a stop ends it early
            reached = "the plan ends it earlier"
        last = f", the last on {doses[-1].date.isoformat()}" if doses else ""
        until = f"; given until {spec.until}" if spec.until else ""
        within = f" or {spec.within}, whichever comes first" if spec.within else ""
        x.notes.append(
            f"{drug.name}: up to {up_to} cycles{within}{until}: "
            f"{len(cycles)} cycles planned{last}; {reached}."
        )


def after_the_cycle_before(x: Expansion, regimen: Regimen, cycle: int, planned: date,
                           last: date) -> Placement:
    """Language 3: when closed days pushed the cycle before's last dose (bleomycin day 15)
    onto or past this cycle's day 1, the cycle starts on the next working day after it,
    rather than the plan being refused."""
    calendar = x.calendar.for_resource(regimen.resource)
    day = last + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    x.notes.append(f"{regimen.name}: cycle {cycle} starts on {day.isoformat()}, the working day "
                   f"after cycle {cycle - 1}'s last dose ({last.isoformat()}), which closed days "
                   f"had moved onto or past its planned day 1 ({planned.isoformat()}).")
    return Placement(day, planned, f"after cycle {cycle - 1}'s last dose on {last.isoformat()}")


def _check_cycle_order(
    x: Expansion, regimen: Regimen, cycle: int, day1: date, previous: tuple[date, date] | None
) -> None:
    """A cycle starts after the last dose of the one before it (``previous``: its day 1
    and last dose), and not before the plan starts."""
    if day1 < x.start:
        raise PlanError(
            f"{regimen.name}: cycle {cycle} day 1 would fall on {day1.isoformat()}, before "
            f"the start date {x.start.isoformat()}: check the delays"
        )
    if previous is not None and day1 <= previous[1]:
        raise PlanError(
            f"{regimen.name}: cycle {cycle} day 1 would fall on {day1.isoformat()}, before "
            f"cycle {cycle - 1} is over (its last dose is on {previous[1].isoformat()}): a "
            "negative delay or the 'previous' rule moved it back too far"
        )


def _drug_days(
    x: Expansion,
    regimen: Regimen,
    drug: Any,
    cycle: int,
    planned_day1: date,
    start_of_cycle: Placement,
    continuation: str | None,
    delay: tuple[date, str] | None,
) -> None:
    """The events of one drug in one cycle; ``continuation`` is the note of a dose past
    an open-ended drug's planned minimum; ``delay`` the date and reason of a delayed
    cycle's day 1."""
    day1 = start_of_cycle.date
    assert day1 is not None
    calendar = x.calendar.for_resource(drug.resource or regimen.resource)
    block: Block | None = None
    for day in drug.days:
        base = (day1 if drug.follows_day1 else planned_day1) + timedelta(days=day - 1)
        what = f"{drug.name}, cycle {cycle} day {day}"
        when, block = place_dose(calendar, drug, what, day, base, block)
        if when.date is None:
            continue
        taken = x.drug_dates.setdefault(drug.id, {})
        when, collided = avoid_collision(calendar, when, base, taken, what)
        if block is not None and collided and when.date is not None:
            block = (day, when.date, block[2])
        if day == 1 and drug.follows_day1 and start_of_cycle.moved_from:
            when = Placement(when.date, start_of_cycle.moved_from, start_of_cycle.reason)
        if day == 1 and drug.follows_day1 and delay is not None:
            original, why = delay
            reason = why if when.reason is None else f"{why}; then {when.reason}"
            when = Placement(when.date, original, reason[:1].upper() + reason[1:])
        notes = [collided] if collided else []
        if when.moved_from is None and when.reason:
            notes.append(f"On a non-working day ({when.reason}), kept as the template says.")
        nominal = when.moved_from or base
        placed = when.date
        assert placed is not None
        window: dict[str, Any] = {}
        if drug.window_days:
            low = nominal - timedelta(days=drug.window_days)
            high = nominal + timedelta(days=drug.window_days)
            window = {"window_start": low, "window_end": high}
            if not low <= placed <= high:
                notes.append(f"Outside its window of ±{drug.window_days} days.")
        if continuation is not None:
            notes.append(continuation)
        ends = _infusion_end(x, drug, placed) if drug.time is not None else None
        if ends is not None and (drug.at_end is not None or ends.date() != when.date):
            notes.append(f"Infusion runs {minutes_text(drug.duration or 0)}, to "
                         f"{WEEKDAY_NAMES[ends.weekday()]} {ends.date().isoformat()} "
                         f"{ends.strftime('%H:%M')}.")
        emitted = False
        clocks: tuple[time | None, ...] = drug.times or (None,)
        for index, clock in enumerate(clocks):
            several = f"\x00t{index}" if drug.times else ""
            at = f", {clock.strftime('%H:%M')}" if drug.times and clock else ""
            emitted = x.emit(
                drug,
                identity=f"{drug.id}\x00c{cycle}\x00d{day}{several}",
                kind="drug",
                component=drug.id,
                when=when,
                title=f"{drug.name} – cycle {cycle}, day {day}{at}",
                dose=drug.dose,
                note=" ".join(notes) or None,
                clock=clock,
                regimen=regimen.id,
                cycle=cycle,
                day=day,
                cycle_days=regimen.cycle_days,
                open_ended=continuation is not None,
                **window,
            ) or emitted
        if emitted:  # a dose left out by a hold or stop does not take its date
            taken[placed] = f"cycle {cycle} day {day}"
        if emitted and drug.at_end is not None and ends is not None:
            _end_event(x, drug, drug.at_end, ends, regimen, cycle, day1)


def _infusion_end(x: Expansion, drug: Drug, day: date) -> datetime | None:
    """When a timed drug's infusion ends (its start plus its duration, in real time)."""
    if drug.time is None or drug.duration is None:
        return None
    start = datetime.combine(day, drug.time, tzinfo=x.request.timezone)
    return (start.astimezone(UTC) + timedelta(minutes=drug.duration)).astimezone(
        x.request.timezone)


def _end_event(
    x: Expansion, drug: Drug, end: EndEvent, instant: datetime, regimen: Regimen, cycle: int,
    day1: date,
) -> None:
    """The event at the end of an infusion (a pump disconnection), at its exact time. It
    does not wait for a working day; when it falls on a closed day the note says so."""
    day = instant.date()
    note = None
    reason = x.calendar.closed_because(day)
    if reason is not None:
        note = (f"On a non-working day ({reason}): the infusion ends then whatever the "
                "day; plan a home-nurse or ward visit, or move the cycle.")
    x.emit(
        end,
        identity=f"{end.id}\x00c{cycle}",
        kind="visit",
        component=end.id,
        when=Placement(day, reason=reason),
        title=f"{end.name} – cycle {cycle}",
        dose=end.dose or f"end of {drug.name} ({minutes_text(drug.duration or 0)})",
        note=note,
        instant=instant,
        regimen=regimen.id,
        cycle=cycle,
        day=(day - day1).days + 1,
        cycle_days=regimen.cycle_days,
    )


def _minimum_ends(
    counts: Mapping[str, int | OpenEnded | Capped], first_day1: date
) -> dict[str, tuple[date, str]]:
    """For each open-ended drug: the end of its planned minimum, and the continuation note."""
    ends = {}
    for drug_id, spec in counts.items():
        if isinstance(spec, OpenEnded):
            end = spec.minimum.after(first_day1)
            ends[drug_id] = (end, f"Continuation dose: given until {spec.until}; the planned "
                                  f"minimum ({spec.minimum}) ends {end.isoformat()}.")
    return ends
