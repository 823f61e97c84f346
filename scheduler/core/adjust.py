"""Changes to a plan after it was made: delay a cycle, hold a component, stop a component.

An adjustment never edits events; it is one more input of the expansion, so a plan is
always recomputed from its template, start date, calendar and ordered adjustments.

- ``Delay(regimen, cycle, days)``: cycle N's day 1 is planned ``days`` later (then placed by
  the regimen's working-day rule); later cycles follow because each cycle starts
  ``cycle_days`` after the actual day 1 of the one before; components anchored after the
  regimen follow too. Radiotherapy not anchored to it stays where it is.
- ``Hold(component, start, days)``: no treatment of the component on ``days`` calendar days
  from ``start``. Radiotherapy fractions resume afterwards and all fractions are kept;
  doses of a drug, daily medication or a visit in the span are left out (a held dose).
- ``Stop(component, start)``: the component's events on or after ``start`` are left out.
  The component may be a regimen id, which stops all its drugs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scheduler.core.record import Record, from_fields, to_fields


@dataclass(frozen=True)
class Delay:
    """Cycle ``cycle`` of regimen ``regimen`` (and all that follows it) moves ``days`` days."""

    regimen: str
    cycle: int
    days: int
    reason: str

    def shift(self) -> str:
        """What it does to the cycle, with its reason: ``delayed 1 day: neutropenia``,
        ``brought forward 2 days: patient travels`` (the moved events' reason too)."""
        days = abs(self.days)
        moved = "delayed" if self.days >= 0 else "brought forward"
        return f"{moved} {days} day{'' if days == 1 else 's'}: {self.reason}"

    def describe(self) -> str:
        """One line for notes and listings."""
        return f"cycle {self.cycle} of {self.regimen} {self.shift()}"


@dataclass(frozen=True)
class Hold:
    """No treatment of ``component`` on ``days`` calendar days from ``start``."""

    component: str
    start: date
    days: int
    reason: str

    @property
    def end(self) -> date:
        """The last held day."""
        return self.start + timedelta(days=self.days - 1)

    def covers(self, day: date) -> bool:
        """True when ``day`` is held."""
        return self.start <= day <= self.end

    def describe(self) -> str:
        """One line for notes and listings."""
        return (f"{self.component} held {self.start.isoformat()} to {self.end.isoformat()}: "
                f"{self.reason}")


@dataclass(frozen=True)
class Stop:
    """``component`` stops: its events on or after ``start`` are left out."""

    component: str
    start: date
    reason: str

    def describe(self) -> str:
        """One line for notes and listings."""
        return f"{self.component} stopped from {self.start.isoformat()}: {self.reason}"


@dataclass(frozen=True)
class Closed:
    """The clinic (or one ``resource``) closed from ``start`` to ``end``: closure number
    ``closure`` of the registry, applied to this plan (see :mod:`scheduler.core.closures`)."""

    start: date
    end: date
    resource: str | None
    reason: str
    closure: int

    def describe(self) -> str:
        """One line for notes and listings."""
        span = self.start.isoformat() if self.start == self.end else \
            f"{self.start.isoformat()} to {self.end.isoformat()}"
        scope = f" for {self.resource}" if self.resource else ""
        return f"closed{scope} {span} (closure {self.closure}): {self.reason}"


@dataclass(frozen=True)
class Move:
    """The plan moved to ``version`` of its template (a clinic template kept in the registry):
    from this change on it is expanded from ``text``, with its whole history re-applied.

    ``realign``: (regimen, cycle, days) delays that keep a cycle's day 1 where it was when the
    new version plans that cycle on another day: a recorded dose stays where it happened, and
    a cycle already begun before the move stays where it began. Only the newest move in force
    counts; a revert of it puts the plan back on the version before."""

    template: str
    version: int
    from_version: int | None
    text: str
    sha256: str
    source: str
    reason: str
    realign: tuple[tuple[str, int, int], ...] = ()

    def describe(self) -> str:
        """One line for notes and listings."""
        return f"moved to version {self.version} of {self.template}: {self.reason}"

    def delays(self) -> tuple[Delay, ...]:
        """The realigning delays, as the expansion takes them."""
        reason = f"day 1 kept where it was before the move to version {self.version}"
        return tuple(Delay(regimen, cycle, days, reason) for regimen, cycle, days in self.realign)


Adjustment = Delay | Hold | Stop | Record | Closed | Move
"""An input of the expansion recorded in a plan's history (a :class:`Record` says what
actually happened to an event: see :mod:`scheduler.core.record`; a :class:`Move` which
template text the plan is expanded from)."""

KINDS: dict[str, type[Delay] | type[Hold] | type[Stop] | type[Record] | type[Closed] | type[Move]] = {
    "delay": Delay, "hold": Hold, "stop": Stop, "record": Record, "closure": Closed, "template-move": Move,
}


def to_record(adjustment: Adjustment) -> tuple[str, dict[str, Any]]:
    """(kind, JSON-able fields) for storage."""
    if isinstance(adjustment, Record):
        return "record", to_fields(adjustment)
    if isinstance(adjustment, Move):
        return "template-move", {**adjustment.__dict__, "realign": [list(r) for r in adjustment.realign]}
    kind = {Delay: "delay", Hold: "hold", Stop: "stop", Closed: "closure"}[type(adjustment)]
    fields = dict(adjustment.__dict__)
    for name, value in fields.items():
        if isinstance(value, date):
            fields[name] = value.isoformat()
    return kind, fields


def from_record(kind: str, fields: dict[str, Any]) -> Adjustment:
    """The inverse of :func:`to_record`."""
    if kind == "record":
        return from_fields(fields)
    if kind == "template-move":
        return Move(**{**fields, "realign": tuple((str(r), int(c), int(d)) for r, c, d in fields["realign"])})
    values = dict(fields)
    for name in ("start", "end"):
        if name in values:
            values[name] = date.fromisoformat(values[name])
    return KINDS[kind](**values)
