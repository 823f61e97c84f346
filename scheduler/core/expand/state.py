"""The state of one expansion and the one way an event is made (:meth:`Expansion.emit`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from scheduler.core.adjust import Hold, Stop
from scheduler.core.errors import PlanError
from scheduler.core.event import Event, EventKind, Style
from scheduler.core.plan import PlanRequest
from scheduler.core.protocol import Anchor, Display, Regimen
from scheduler.core.workdays import Placement, WorkCalendar

from .rules import MAX_PLAN_DAYS, PLAN_LIMIT, member_ids, style_of, wall_time


@dataclass
class Expansion:
    """The state of one expansion, which every component kind reads and adds to: the events
    so far, each component's first/last date, and the regimens' cycles."""

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
            ids = member_ids(component)
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
        if anchor.from_ == "first_event":
            return self.first_date(anchor.after) + gap
        return self.last_date(anchor.after) + gap

    def first_date(self, component: str) -> date:
        """The date of a component's (or a drug's) first actual event (language 3)."""
        found = self.days_of(component)
        if not found:
            raise PlanError(
                f"a component starts from the first event of '{component}', which has no events "
                "in this plan (was it stopped before it began?)"
            )
        return found[0]

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
            style = self.styles[component] = style_of(display, kind, self.positions[component])
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

    def days_of(self, component: str) -> list[date]:
        """The dates of a component's (or drug's, or a regimen's drugs') events, in order."""
        members = {component}
        for c in self.request.template.components:
            if c.id == component:
                members = set(member_ids(c))
        return sorted({e.date for e in self.events if e.component in members})

    def name_of(self, component: str) -> str:
        """A component's (or drug's) name, for notes."""
        for c in self.request.template.components:
            if c.id == component:
                return c.name
        try:
            return self.request.template.display_of(component).name
        except KeyError:  # pragma: no cover - the template checks its references
            return component
