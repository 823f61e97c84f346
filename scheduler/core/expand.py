"""The expansion: a plan request -> the sorted, dated events of the whole plan.

Pure and deterministic: no I/O, no clock. Semantics (see README, "Template language"):

- Day 1 is the start date (cycle 1 day 1). Plan day N is start + N - 1; week N starts on
  day 7*(N-1)+1 (week 7 = day 43).
- Cycles: cycle 1 day 1 is the regimen's anchor; cycle k+1 day 1 is planned
  ``cycle_days`` after the *actual* day 1 of cycle k, then moved by the regimen's
  non-working-day rule. Day d of a drug that ``follows_day1`` is planned d-1 days after the
  actual day 1 (day 8 stays 7 days after day 1), then moved by the drug's own rule.
- Open-ended drugs (``minimum`` + ``until``) are planned in every cycle whose day 1 falls
  before first day 1 + minimum; cycles after that, up to the horizon, are continuation doses.
- Radiotherapy: from the anchor, one fraction on each working day, at most
  ``fractions_per_week`` per calendar week (Monday to Sunday), until all fractions are given.
- A ``moved_from`` date is the date a rule pointed to before a non-working day moved it.

Template language 2 (README, same headings):

- ``reschedule: original_grid``: cycle k is planned (k-1) * ``cycle_days`` after cycle 1's
  planned day 1 instead of after the actual day 1 before it.
- ``from: last_day1``: an ``after`` anchor counts from the actual day 1 of the regimen's last
  cycle given; ``continue_numbering`` numbers a regimen's cycles on from the last one given.
- Dose caps (``up_to``/``within``): at most ``up_to`` cycles, each with day 1 before first
  day 1 + ``within``.
- ``at_end``: an event at the exact end of a timed drug's infusion (start + duration, in real
  time), whatever the day, with a note when that day is closed.
- ``each_cycle``: a visit on day D of each given cycle from ``from_cycle``, counted from the
  actual day 1, then placed by the visit's rule. ``repeat``: visit k planned k * interval
  after the first planned date, until ``count`` or the first on or after ``while_on``'s last
  event.
- ``on_days_of``: a daily component on exactly the dates of another's events, once per
  ``times`` entry.
- Uneven fractions: cumulative dose total * n / fractions (0.01 Gy), exactly the total at
  the last; ``min_gap_days`` between fractions.
- ``resource``: a component is placed on its resource's calendar (site closures plus that
  resource's own).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from scheduler.core import closures
from scheduler.core.adjust import Delay, Hold, Stop
from scheduler.core.errors import InputError, PlanError
from scheduler.core.event import Event, EventKind, Style
from scheduler.core.plan import ParameterValue, Plan, PlanRequest
from scheduler.core.protocol import (
    Anchor,
    Capped,
    Daily,
    Display,
    Drug,
    EndEvent,
    OpenEnded,
    Radiotherapy,
    Regimen,
    Template,
    Visit,
)
from scheduler.core.record import Record
from scheduler.core.record import apply as apply_records
from scheduler.core.refs import with_refs
from scheduler.core.units import Span
from scheduler.core.workdays import WEEKDAY_NAMES, Placement, WorkCalendar, place

MAX_PLAN_YEARS = 10
MAX_PLAN_DAYS = 366 * MAX_PLAN_YEARS
PLAN_LIMIT = Span(months=12 * MAX_PLAN_YEARS, text=f"{MAX_PLAN_YEARS} years")
RT_SEARCH_DAYS = 90
"""How far past its planned length closures may push a radiotherapy course before the plan
is refused as implausible."""

DISCREET_TITLES: dict[EventKind, str] = {
    "drug": "Treatment visit",
    "fraction": "Hospital appointment",
    "daily": "Medication reminder",
    "visit": "Hospital appointment",
}


def resolve_parameters(
    template: Template, overrides: Mapping[str, int]
) -> tuple[ParameterValue, ...]:
    """The template's parameters with the coordinator's overrides applied and checked."""
    unknown = sorted(set(overrides) - set(template.parameters))
    if unknown:
        known = ", ".join(template.parameters) or "none"
        raise InputError(
            f"--set {unknown[0]}: template '{template.id}' has no parameter '{unknown[0]}' "
            f"(its parameters: {known})"
        )
    values = []
    for name, spec in template.parameters.items():
        value = overrides.get(name, spec.default)
        if not spec.minimum <= value <= spec.maximum:
            raise InputError(
                f"--set {name}={value}: template '{template.id}' allows "
                f"{spec.minimum} to {spec.maximum}"
            )
        values.append(ParameterValue(name, value, name not in overrides, spec.description))
    return tuple(values)


def expand(request: PlanRequest) -> Plan:
    """Expand a plan request into a :class:`Plan` with events sorted by date and time."""
    request = closures.applied(request)
    template = request.template
    parameters = resolve_parameters(template, request.parameters)
    _check_adjustments(template, request.adjustments)
    notes: list[str] = []
    start = _actual_start(request, notes)
    expansion = _Expansion(
        request=request,
        values={p.name: p.value for p in parameters},
        start=start,
        horizon_end=request.horizon.after(start),
        notes=notes,
    )
    for parameter in parameters:
        if parameter.is_default:
            notes.append(
                f"Parameter {parameter.name} = {parameter.value} is the template default "
                f"({parameter.description.strip()}); override with --set {parameter.name}=N."
            )
    notes.extend(f"Adjustment: {a.describe()}." for a in request.adjustments
                 if not isinstance(a, Record))
    for resource, days in sorted(request.calendar.resource_closures.items()):
        listed = ", ".join(f"{d.isoformat()} ({why})" for d, why in sorted(days.items()))
        notes.append(f"Closed for {resource} only: {listed}.")
    for component in _in_dependency_order(template):
        expansion.add(component)
    for delay in request.adjustments:
        if isinstance(delay, Delay) and delay.cycle > expansion.cycles.get(delay.regimen, 0):
            raise PlanError(
                f"cannot delay cycle {delay.cycle} of '{delay.regimen}': the plan has "
                f"{expansion.cycles.get(delay.regimen, 0)} cycles"
            )
    events = apply_records(with_refs(sorted(expansion.events, key=lambda e: e.sort_key), template),
                           [a for a in request.adjustments if isinstance(a, Record)])
    notes.extend(f"Daylight saving: {note}." for note in expansion.clock_notes)
    if events:
        for year, why in request.calendar.coverage_gaps(events[0].date, events[-1].date).items():
            notes.append(
                f"Public holidays for {request.calendar.region} in {year} are incomplete (the "
                f"holidays package: {why.rstrip('.')}); check the dates in {year} against the "
                "clinic's own calendar."
            )
    return Plan(
        request=request,
        start=start,
        events=events,
        parameters=parameters,
        horizon_end=expansion.horizon_end,
        notes=tuple(notes),
    )


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


def _check_adjustments(template: Template, adjustments: tuple[Any, ...]) -> None:
    """Every adjustment names a component (or regimen) the template has."""
    regimens = {c.id for c in template.components if isinstance(c, Regimen)}
    known = set(regimens)
    for component in template.components:
        known.update(_member_ids(component))
    for adjustment in adjustments:
        if isinstance(adjustment, Delay):
            if adjustment.regimen not in regimens:
                raise InputError(
                    f"'{adjustment.regimen}' is not a regimen of template '{template.id}' "
                    f"(its regimens: {', '.join(sorted(regimens)) or 'none'})"
                )
        elif adjustment.component not in known:
            raise InputError(
                f"'{adjustment.component}' is not a component of template '{template.id}' "
                f"(its components: {', '.join(sorted(known))})"
            )


def _member_ids(component: Regimen | Radiotherapy | Daily | Visit) -> list[str]:
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


def _actual_start(request: PlanRequest, notes: list[str]) -> date:
    calendar, start = request.calendar, request.start
    if calendar.is_working_day(start):
        return start
    reason = calendar.closed_because(start)
    moved = place(start, "next", calendar, "The start date").date
    assert moved is not None
    weekday = WEEKDAY_NAMES[start.weekday()]
    if not request.shift_start:
        raise PlanError(
            f"start date {start.isoformat()} ({weekday}) is not a working day: {reason}. "
            f"Choose a working day, or pass --shift-start to start on the next one, "
            f"{moved.isoformat()} ({WEEKDAY_NAMES[moved.weekday()]})."
        )
    notes.append(
        f"Start moved from {start.isoformat()} ({reason}) to {moved.isoformat()} "
        "with --shift-start: day 1 of the plan is the new date."
    )
    return moved


def _in_dependency_order(template: Template) -> list[Any]:
    """Template order, except that a component comes after those it is anchored to."""
    needs = template.dependencies()
    done: set[str] = set()
    ordered: list[Any] = []
    pending = list(template.components)
    while pending:
        for component in pending:
            if needs[component.id] <= done:
                ordered.append(component)
                done.add(component.id)
                pending.remove(component)
                break
        else:  # pragma: no cover - Template.problems() rejects loops
            raise PlanError("components depend on each other in a loop")
    return ordered


@dataclass
class _Expansion:
    """The state of one expansion: events so far and each component's first/last date."""

    request: PlanRequest
    values: dict[str, int]
    start: date
    horizon_end: date
    notes: list[str]
    events: list[Event] = field(default_factory=list)
    spans: dict[str, tuple[date, date]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    styles: dict[str, Style] = field(default_factory=dict)
    cycles: dict[str, int] = field(default_factory=dict)
    """Regimen id -> the number of its last cycle."""
    first_cycle: dict[str, int] = field(default_factory=dict)
    """Regimen id -> the number of its first cycle (above 1 when it continues another's)."""
    day1s: dict[str, list[tuple[int, date]]] = field(default_factory=dict)
    """Regimen id -> (cycle number, actual day 1) of each cycle with at least one event."""
    left_out: dict[str, list[tuple[Hold | Stop, str | None]]] = field(default_factory=dict)
    """Component id -> the holds and stops that leave some of its events out, each with the
    regimen it was recorded for (None: any), since a drug given in two phases (pegfilgrastim)
    has one id in both and a stop of the first phase must not stop the second."""
    clocks: dict[str, tuple[time | None, time | None, int]] = field(default_factory=dict)
    drug_dates: dict[str, dict[date, str]] = field(default_factory=dict)
    """Drug id -> the dates it is given on (no drug is given twice on one day)."""
    limit: date = date.max
    """No event may fall on or after this date (start + MAX_PLAN_YEARS)."""
    clock_notes: list[str] = field(default_factory=list)
    """What :func:`wall_time` said about clock times on daylight saving days, once each."""

    def __post_init__(self) -> None:
        self.limit = PLAN_LIMIT.after(self.start)
        members: dict[str, list[str]] = {}  # a regimen stands for all its drugs
        for component in self.request.template.components:
            ids = _member_ids(component)
            members[component.id] = ids
            for member in ids:
                members[member] = [member]
                self.positions[member] = len(self.positions)
        regimens = {c.id for c in self.request.template.components if isinstance(c, Regimen)}
        for adjustment in self.request.adjustments:
            if isinstance(adjustment, Hold | Stop):
                scope = adjustment.component if adjustment.component in regimens else None
                for member in members[adjustment.component]:
                    self.left_out.setdefault(member, []).append((adjustment, scope))

    def is_left_out(self, component: str, day: date, regimen: str | None = None) -> bool:
        """True when a hold or stop leaves out the component's event on ``day`` (in
        ``regimen``, for a drug)."""
        for adjustment, scope in self.left_out.get(component, ()):
            if scope is not None and scope != regimen:
                continue
            if isinstance(adjustment, Stop) and day >= adjustment.start:
                return True
            if isinstance(adjustment, Hold) and adjustment.covers(day):
                return True
        return False

    @property
    def calendar(self) -> WorkCalendar:
        return self.request.calendar

    def value(self, number: int | str, at_least: int = 1) -> int:
        """A number from the template, or the value of the ``$parameter`` it names; a value
        outside what the field allows (``at_least`` to 10 years of days) is a PlanError."""
        if not isinstance(number, str):
            return number
        value = self.values[number[1:]]
        if not at_least <= value <= MAX_PLAN_DAYS:
            raise PlanError(
                f"parameter {number[1:]} = {value} is not a possible value where the template "
                f"uses it (from {at_least} to {MAX_PLAN_DAYS})"
            )
        return value

    def anchor_date(self, anchor: Anchor) -> date:
        """The date an anchor points to (before any non-working-day rule)."""
        if anchor.day is not None:
            return self.start + timedelta(days=self.value(anchor.day) - 1)
        if anchor.week is not None:
            return self.start + timedelta(days=7 * (self.value(anchor.week) - 1))
        assert anchor.after is not None
        gap = timedelta(days=self.value(anchor.gap_days, 0))
        if anchor.from_ == "last_day1":
            day1s = self.day1s.get(anchor.after)
            if not day1s:
                raise PlanError(
                    f"a component starts after the last cycle of '{anchor.after}', which has "
                    "no cycles in this plan (was it stopped before it began?)"
                )
            return day1s[-1][1] + gap
        return self.last_date(anchor.after) + gap

    def last_date(self, component: str) -> date:
        """The date of a component's (or a drug's) last event, for what is anchored after or
        through it."""
        if component not in self.spans:
            drug_dates = [e.date for e in self.events if e.component == component]
            if drug_dates:
                return max(drug_dates)
            raise PlanError(
                f"a component starts after or runs through '{component}', which has no events "
                "in this plan (was it stopped before it began?)"
            )
        return self.spans[component][1]

    def add(self, component: Regimen | Radiotherapy | Daily | Visit) -> None:
        """Expand one component and record its span for components anchored to it."""
        before = len(self.events)
        if isinstance(component, Regimen):
            self._regimen(component)
        elif isinstance(component, Radiotherapy):
            self._radiotherapy(component)
        elif isinstance(component, Daily):
            self._daily(component)
        else:
            self._visit(component)
        new = self.events[before:]
        if not new:
            return
        self.spans[component.id] = (min(e.date for e in new), max(e.date for e in new))
        if self.spans[component.id][1] >= self.limit:
            raise PlanError(
                f"component '{component.id}' runs past {self.limit.isoformat()}, more than "
                f"{MAX_PLAN_YEARS} years after the start: check its counts and parameters"
            )

    # --- events -------------------------------------------------------------------------------

    def emit(
        self,
        display: Display,
        *,
        identity: str,
        kind: EventKind,
        component: str,
        when: Placement,
        title: str,
        dose: str,
        note: str | None = None,
        clock: time | None = None,
        instant: datetime | None = None,
        **extra: Any,
    ) -> bool:
        """Add one event unless a hold or stop leaves it out; True when it was added.
        ``clock`` overrides the component's time (one of several ``times``); ``instant``
        gives an exact start (the end of an infusion), its date being the event's."""
        day = when.date
        assert day is not None
        if component in self.left_out and self.is_left_out(component, day, extra.get("regimen")):
            return False
        style = self.styles.get(component)
        if style is None:
            style = self.styles[component] = _style(display, kind, self.positions[component])
        start: datetime | None = None
        end: datetime | None = None
        clock_note = None
        if instant is not None:  # an exact start (the end of an infusion)
            minutes = display.duration or 15
            start = instant
            end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(self.request.timezone)
            clock = None
        elif clock is not None:  # one of several times a day
            minutes = display.duration or 15
        else:
            clock, _finish, minutes = self.clocks.get(component) or self._clock(component, display)
        if clock is not None:
            start, clock_note = wall_time(day, clock, self.request.timezone)
            if clock_note and clock_note not in self.clock_notes:
                self.clock_notes.append(clock_note)
            # Real elapsed minutes, in the clinic's zone: right across midnight and across a
            # daylight saving change (a 1-hour dose from 01:30 on the spring-forward day ends
            # at 03:30 EDT, not at a 02:30 that does not exist).
            end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(self.request.timezone)
        key = f"{self.request.plan_key}\x00{identity}".encode()
        self.events.append(
            Event(
                uid=hashlib.sha256(key).hexdigest()[:32] + "@scheduler",
                date=day,
                start=start,
                end=end,
                kind=kind,
                component=component,
                style=style,
                title=title,
                dose=dose,
                plan_day=(day - self.start).days + 1,
                moved_from=when.moved_from,
                reason=when.reason if when.moved_from else None,
                note=note,
                clock_note=clock_note,
                **extra,
            )
        )
        return True

    def _clock(self, component: str, display: Display) -> tuple[time | None, time | None, int]:
        """Start time, end time (None if it crosses midnight) and minutes of a component."""
        if display.time is None or display.duration is None:
            result: tuple[time | None, time | None, int] = (None, None, 0)
        else:
            begin = display.time.hour * 60 + display.time.minute
            finish = begin + display.duration
            end = time(finish // 60, finish % 60) if finish < 24 * 60 else None
            result = (display.time, end, display.duration)
        self.clocks[component] = result
        return result

    def _regimen(self, regimen: Regimen) -> None:
        calendar = self.calendar.for_resource(regimen.resource)
        counts: dict[str, int | OpenEnded | Capped] = {}
        for drug in regimen.drugs:
            spec = drug.cycles if drug.cycles is not None else regimen.cycles
            assert spec is not None
            counts[drug.id] = spec if isinstance(spec, OpenEnded | Capped) else self.value(spec)
        planned = grid = self.anchor_date(regimen.start)
        offset = 0
        if regimen.continue_numbering is not None:
            # after the last cycle given (a stopped regimen's later cycles are not given)
            given_cycles = self.day1s.get(regimen.continue_numbering)
            offset = (given_cycles[-1][0] if given_cycles
                      else self.cycles.get(regimen.continue_numbering, 0))
        self.first_cycle[regimen.id] = offset + 1
        self.day1s[regimen.id] = []
        minimum_ends: dict[str, tuple[date, str]] = {}
        cap_ends: dict[str, date | None] = {}
        previous: tuple[date, date] | None = None  # the cycle before: its day 1 and last dose
        delays = [a for a in self.request.adjustments
                  if isinstance(a, Delay) and a.regimen == regimen.id]
        for delay_ in delays:
            if delay_.cycle <= offset:
                raise PlanError(
                    f"cannot delay cycle {delay_.cycle} of '{regimen.id}': its cycles are "
                    f"numbered from {offset + 1}"
                )
        if regimen.reschedule == "original_grid":
            self.notes.append(
                f"{regimen.name}: rescheduling policy 'original_grid': each cycle is planned on "
                f"the original grid, every {regimen.cycle_days} days from "
                f"{grid.isoformat()}; a moved or delayed dose does not move the next."
            )
        elif "reschedule" in regimen.model_fields_set:
            self.notes.append(
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
                delay = (planned, "; ".join(f"delayed {d.days} days: {d.reason}" for d in delayed))
                planned += timedelta(days=sum(d.days for d in delayed))
            if calendar.is_working_day(planned):
                start_of_cycle = Placement(planned)
            else:
                what = f"{regimen.name}, cycle {cycle} day 1"
                start_of_cycle = place(planned, regimen.on_non_working_day, calendar, what)
            day1 = start_of_cycle.date
            assert day1 is not None
            self._check_cycle_order(regimen, cycle, day1, previous)
            if previous is not None and any(d.days < 0 for d in delayed):
                length = (day1 - previous[0]).days
                if length < regimen.cycle_days:
                    self.notes.append(
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
                    elif day1 < self.horizon_end:
                        active.append((drug, continuation))
                elif isinstance(spec, Capped):
                    cap_end = cap_ends[drug.id]
                    if index <= self.value(spec.up_to) and (cap_end is None or day1 < cap_end):
                        active.append((drug, None))
                elif index <= spec:
                    active.append((drug, None))
            if not active:
                self.cycles[regimen.id] = cycle - 1
                self._cap_notes(regimen, counts, cap_ends)
                return
            if day1.year >= self.start.year + MAX_PLAN_YEARS:
                raise PlanError(
                    f"'{regimen.id}' has cycles more than {MAX_PLAN_YEARS} years after the start"
                )
            given = len(self.events)
            for drug, continuing in active:
                self._drug_days(regimen, drug, cycle, planned, start_of_cycle, continuing, delay)
            if len(self.events) > given:
                self.day1s[regimen.id].append((cycle, day1))
            previous = (day1, max((e.date for e in self.events[given:]), default=day1))
            planned = day1 + timedelta(days=regimen.cycle_days)

    def _cap_notes(
        self, regimen: Regimen, counts: Mapping[str, int | OpenEnded | Capped],
        cap_ends: Mapping[str, date | None],
    ) -> None:
        """A plan note per capped drug: the cap, how many doses it allows, which limit ends it."""
        for drug in regimen.drugs:
            spec = counts[drug.id]
            if not isinstance(spec, Capped):
                continue
            doses = [e for e in self.events if e.component == drug.id]
            cycles = sorted({e.cycle for e in doses if e.cycle is not None})
            up_to = self.value(spec.up_to)
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
            self.notes.append(
                f"{drug.name}: up to {up_to} cycles{within}{until}: "
                f"{len(cycles)} cycles planned{last}; {reached}."
            )

    def _check_cycle_order(
        self, regimen: Regimen, cycle: int, day1: date, previous: tuple[date, date] | None
    ) -> None:
        """A cycle starts after the last dose of the one before it (``previous``: its day 1
        and last dose), and not before the plan starts."""
        if day1 < self.start:
            raise PlanError(
                f"{regimen.name}: cycle {cycle} day 1 would fall on {day1.isoformat()}, before "
                f"the start date {self.start.isoformat()}: check the delays"
            )
        if previous is not None and day1 <= previous[1]:
            raise PlanError(
                f"{regimen.name}: cycle {cycle} day 1 would fall on {day1.isoformat()}, before "
                f"cycle {cycle - 1} is over (its last dose is on {previous[1].isoformat()}): a "
                "negative delay or the 'previous' rule moved it back too far"
            )

    def _drug_days(
        self,
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
        calendar = self.calendar.for_resource(drug.resource or regimen.resource)
        for day in drug.days:
            base = (day1 if drug.follows_day1 else planned_day1) + timedelta(days=day - 1)
            if calendar.is_working_day(base):
                when = Placement(base)
            else:
                what = f"{drug.name}, cycle {cycle} day {day}"
                when = place(base, drug.on_non_working_day, calendar, what)
            if when.date is None:
                continue
            taken = self.drug_dates.setdefault(drug.id, {})
            if when.date in taken:
                raise PlanError(
                    f"{drug.name}: cycle {cycle} day {day} would fall on {when.date.isoformat()}, "
                    f"the date of {taken[when.date]} too. For consecutive days, write "
                    "on_non_working_day: keep (taken anyway) or skip (left out)"
                )
            if day == 1 and drug.follows_day1 and start_of_cycle.moved_from:
                when = Placement(when.date, start_of_cycle.moved_from, start_of_cycle.reason)
            if day == 1 and drug.follows_day1 and delay is not None:
                original, why = delay
                reason = why if when.reason is None else f"{why}; then {when.reason}"
                when = Placement(when.date, original, reason[:1].upper() + reason[1:])
            notes = []
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
            ends = self._infusion_end(drug, placed) if drug.time is not None else None
            if ends is not None and (drug.at_end is not None or ends.date() != when.date):
                notes.append(f"Infusion runs {_minutes_text(drug.duration or 0)}, to "
                             f"{WEEKDAY_NAMES[ends.weekday()]} {ends.date().isoformat()} "
                             f"{ends.strftime('%H:%M')}.")
            emitted = False
            clocks: tuple[time | None, ...] = drug.times or (None,)
            for index, clock in enumerate(clocks):
                several = f"\x00t{index}" if drug.times else ""
                at = f", {clock.strftime('%H:%M')}" if drug.times and clock else ""
                emitted = self.emit(
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
                self._end_event(drug, drug.at_end, ends, regimen, cycle, day1)

    def _infusion_end(self, drug: Drug, day: date) -> datetime | None:
        """When a timed drug's infusion ends (its start plus its duration, in real time)."""
        if drug.time is None or drug.duration is None:
            return None
        start = datetime.combine(day, drug.time, tzinfo=self.request.timezone)
        return (start.astimezone(UTC) + timedelta(minutes=drug.duration)).astimezone(
            self.request.timezone)

    def _end_event(
        self, drug: Drug, end: EndEvent, instant: datetime, regimen: Regimen, cycle: int,
        day1: date,
    ) -> None:
        """The event at the end of an infusion (a pump disconnection), at its exact time. It
        does not wait for a working day; when it falls on a closed day the note says so."""
        day = instant.date()
        note = None
        reason = self.calendar.closed_because(day)
        if reason is not None:
            note = (f"On a non-working day ({reason}): the infusion ends then whatever the "
                    "day; plan a home-nurse or ward visit, or move the cycle.")
        self.emit(
            end,
            identity=f"{end.id}\x00c{cycle}",
            kind="visit",
            component=end.id,
            when=Placement(day, reason=reason),
            title=f"{end.name} – cycle {cycle}",
            dose=end.dose or f"end of {drug.name} ({_minutes_text(drug.duration or 0)})",
            note=note,
            instant=instant,
            regimen=regimen.id,
            cycle=cycle,
            day=(day - day1).days + 1,
        )

    def _radiotherapy(self, rt: Radiotherapy) -> None:
        calendar = self.calendar.for_resource(rt.resource)
        anchor = self.anchor_date(rt.start)
        total = rt.fraction_count
        per_fraction, total_gy = rt.per_fraction_text(), str(rt.total_dose_gy)
        nominal_days = max(-(-total // rt.fractions_per_week) * 7, total * rt.min_gap_days)
        if rt.dose_per_fraction_gy is None and rt.total_dose_gy / total != Decimal(per_fraction):
            self.notes.append(
                f"{rt.name}: {total_gy} Gy in {total} fractions does not divide evenly; the dose "
                f"per fraction is shown rounded ({per_fraction} Gy) and the cumulative dose at "
                f"fraction {total} is exactly {total_gy} Gy."
            )
        dose = rt.dose or f"{per_fraction} Gy"
        one_day = timedelta(days=1)
        per_week: dict[int, int] = {}
        closed: list[tuple[date, str]] = []
        stops = [a.start for a, _ in self.left_out.get(rt.id, ()) if isinstance(a, Stop)]
        holds = [a for a, _ in self.left_out.get(rt.id, ()) if isinstance(a, Hold)]
        given = 0
        last = anchor
        day = anchor
        while given < total:
            if stops and day >= min(stops):
                break
            held = next((h for h in holds if h.covers(day)), None) if holds else None
            if held is not None:
                closed.append((day, f"held: {held.reason}"))
                day += one_day
                continue
            if (day - anchor).days > nominal_days + RT_SEARCH_DAYS:
                raise PlanError(
                    f"{rt.name}: only {given} of {total} fractions fit between "
                    f"{anchor.isoformat()} and {day.isoformat()} (the course may run at most "
                    f"{RT_SEARCH_DAYS} days past its planned length); check the closures"
                )
            if not calendar.is_working_day(day):
                if not calendar.is_weekend_only(day):
                    closed.append((day, calendar.closed_because(day) or ""))
                day += one_day
                continue
            week = (day.toordinal() - 1) // 7  # Monday-to-Sunday weeks
            if per_week.get(week, 0) >= rt.fractions_per_week:
                day += one_day
                continue
            if given and (day - last).days < rt.min_gap_days:
                day += one_day
                continue
            per_week[week] = per_week.get(week, 0) + 1
            given += 1
            when = Placement(day)
            if given == 1 and day != anchor:
                reason = (calendar.closed_because(anchor)
                          or (closed[0][1] if closed else None)
                          or f"at most {rt.fractions_per_week} fractions a week")
                when = Placement(day, anchor, reason)
            note = None
            if closed:
                note = (
                    f"No radiotherapy on {_day_list([d for d, _ in closed])}: "
                    f"{_reasons(closed)}. "
                    f"The course is extended so that all {total} fractions are given."
                )
                closed = []
            self.emit(
                rt,
                identity=f"{rt.id}\x00f{given}",
                kind="fraction",
                component=rt.id,
                when=when,
                title=f"{rt.name} – fraction {given} of {total}",
                dose=dose,
                note=note,
                fraction=given,
                fractions_total=total,
                fraction_gy=per_fraction,
                cumulative_gy=rt.cumulative_gy(given),
                total_gy=total_gy,
            )
            last = day
            day += one_day
        if rt.planned_weeks is not None:
            first_week, last_week = (self.value(w) for w in rt.planned_weeks)
            week_of_last = (last - self.start).days // 7 + 1
            if week_of_last > last_week:
                self.notes.append(
                    f"{rt.name} ends on {last.isoformat()}, in week {week_of_last}, after the "
                    f"planned weeks {first_week}–{last_week}, because of non-working days; "
                    f"all {total} fractions are kept."
                )

    def _daily(self, daily: Daily) -> None:
        calendar = self.calendar.for_resource(daily.resource)
        if daily.on_days_of is not None:
            days = self._days_of(daily.on_days_of)
            first = days[0] if days else self.start
        else:
            assert daily.start is not None
            first = self.anchor_date(daily.start)
            if daily.days is not None:
                last = first + timedelta(days=self.value(daily.days) - 1)
            else:
                assert daily.through is not None
                last = self.last_date(daily.through)
            if last < first:
                raise PlanError(
                    f"'{daily.id}' would end ({last.isoformat()}) before it starts "
                    f"({first.isoformat()}); check 'start' and 'through'"
                )
            if last >= self.limit:
                raise PlanError(
                    f"'{daily.id}' runs past {self.limit.isoformat()}, more than {MAX_PLAN_YEARS} "
                    "years after the start: check its 'days'"
                )
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            if daily.on_non_working_day == "skip":
                days = [d for d in days if calendar.is_working_day(d)]
        clocks: tuple[time | None, ...] = daily.times or (None,)
        for number, day in enumerate(days, start=1):
            for index, clock in enumerate(clocks):
                suffix = f", {clock.strftime('%H:%M')}" if daily.times and clock else ""
                self.emit(
                    daily,
                    identity=f"{daily.id}\x00d{(day - first).days + 1}"
                             + (f"\x00t{index}" if daily.times else ""),
                    kind="daily",
                    component=daily.id,
                    when=Placement(day),
                    title=f"{daily.name} – day {number} of {len(days)}{suffix}",
                    dose=daily.dose,
                    clock=clock,
                    note=(f"On the days of {self._name_of(daily.on_days_of)} only."
                          if daily.on_days_of is not None and number == 1 else None),
                )

    def _days_of(self, component: str) -> list[date]:
        """The dates of a component's (or drug's, or a regimen's drugs') events, in order."""
        members = {component}
        for c in self.request.template.components:
            if c.id == component:
                members = set(_member_ids(c))
        return sorted({e.date for e in self.events if e.component in members})

    def _name_of(self, component: str) -> str:
        for c in self.request.template.components:
            if c.id == component:
                return c.name
        try:
            return self.request.template.display_of(component).name
        except KeyError:  # pragma: no cover - the template checks its references
            return component

    def _visit(self, visit: Visit) -> None:
        if visit.each_cycle is not None:
            each = visit.each_cycle
            for cycle, day1 in self.day1s.get(each.of, []):
                if cycle < each.from_cycle:
                    continue
                planned = day1 + timedelta(days=each.day - 1)
                where = ("before cycle" if each.day < 1 else "cycle")
                title = (f"{visit.name} – {where} {cycle}" if each.day < 1
                         else f"{visit.name} – cycle {cycle}, day {each.day}")
                self._one_visit(visit, planned, f"{visit.id}\x00c{cycle}", title, cycle=cycle)
            return
        assert visit.at is not None
        first = self.anchor_date(visit.at)
        if visit.repeat is None:
            self._one_visit(visit, first, visit.id, visit.name)
            return
        repeat = visit.repeat
        step = timedelta(days=self.value(repeat.every_days) if repeat.every_days is not None
                         else 7 * self.value(repeat.every_weeks or 1))
        count = self.value(repeat.count) if repeat.count is not None else None
        until = None
        if repeat.while_on is not None:
            if not self._days_of(repeat.while_on):
                self.notes.append(
                    f"{visit.name}: none planned, because '{repeat.while_on}', which it repeats "
                    "while on, has no events in this plan."
                )
                return
            until = self.last_date(repeat.while_on)
        number = 0
        while True:
            planned = first + step * number
            number += 1
            if planned >= self.limit:
                raise PlanError(f"'{visit.id}' repeats past {self.limit.isoformat()}, more than "
                                f"{MAX_PLAN_YEARS} years after the start: check its 'repeat'")
            total = f" of {count}" if count is not None and until is None else ""
            self._one_visit(visit, planned, f"{visit.id}\x00n{number}",
                            f"{visit.name} – {number}{total}", cycle=number)
            if count is not None and number >= count:
                return
            if until is not None and planned >= until:
                return

    def _one_visit(self, visit: Visit, planned: date, identity: str, title: str,
                   **extra: Any) -> None:
        """One visit planned on ``planned``, placed by its rule, with its window."""
        calendar = self.calendar.for_resource(visit.resource)
        when = place(planned, visit.on_non_working_day, calendar, title)
        assert when.date is not None  # a visit's rule never skips
        window: dict[str, Any] = {}
        note = None
        before, after = visit.bounds
        if before or after:
            low = planned - timedelta(days=before)
            high = planned + timedelta(days=after)
            window = {"window_start": low, "window_end": high}
            note = f"Window: {low.isoformat()} to {high.isoformat()}."
            if not low <= when.date <= high:
                note += " The visit is outside its window."
        self.emit(
            visit,
            identity=identity,
            kind="visit",
            component=visit.id,
            when=when,
            title=title,
            dose=visit.dose,
            note=note,
            **window,
            **extra,
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


def _minutes_text(minutes: int) -> str:
    """``2760`` -> ``46h``; ``90`` -> ``1h30m``; ``45`` -> ``45m``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h" + (f"{rest:02d}m" if rest else "")


def _style(display: Display, kind: EventKind, order: int) -> Style:
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


def _day_list(days: list[date]) -> str:
    """``2026-02-16`` or ``2026-02-16 to 2026-02-23`` for a run of closed days."""
    first, last = days[0], days[-1]
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()} to {last.isoformat()}"


def _reasons(closed: list[tuple[date, str]]) -> str:
    """Distinct reasons for the closed days, in date order."""
    reasons: list[str] = []
    for _, reason in closed:
        if reason and reason not in reasons:
            reasons.append(reason)
    return "; ".join(reasons)
