"""What a change does to a plan: the events it moves, adds and removes (pure).

Used to preview a change before it is recorded: events are matched by UID, which stays the
same for the same cycle, day, fraction or visit whatever its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scheduler.core.components import Capped, OpenEnded
from scheduler.core.event import Event
from scheduler.core.plan import Plan
from scheduler.core.protocol import Regimen
from scheduler.core.units import Span


@dataclass(frozen=True)
class Moved:
    """One event whose date or time changes."""

    before: Event
    after: Event

    @property
    def days(self) -> int:
        """By how many days it moves (negative: earlier)."""
        return (self.after.date - self.before.date).days


@dataclass(frozen=True)
class PlanDiff:
    """The events a change moves, adds and removes, and those it pushes out of their window."""

    moved: tuple[Moved, ...]
    added: tuple[Event, ...]
    removed: tuple[Event, ...]
    out_of_window: tuple[Event, ...]

    @property
    def empty(self) -> bool:
        """True when the change moves, adds and removes nothing."""
        return not (self.moved or self.added or self.removed)


def compare(before: Plan, after: Plan) -> PlanDiff:
    """The difference between two plans of the same patient, in date order."""
    old = {e.uid: e for e in before.events}
    new = {e.uid: e for e in after.events}
    moved = tuple(Moved(old[e.uid], e) for e in after.events
                  if e.uid in old and (old[e.uid].date, old[e.uid].start) != (e.date, e.start))
    was_outside = {e.uid for e in before.events if e.outside_window}
    return PlanDiff(
        moved=moved,
        added=tuple(e for e in after.events if e.uid not in old),
        removed=tuple(e for e in before.events if e.uid not in new),
        out_of_window=tuple(e for e in after.events if e.outside_window and e.uid not in was_outside),
    )


@dataclass(frozen=True)
class Kept:
    """Events a delay leaves where they were, for one reason."""

    why: str
    """``recorded`` (what happened to them is recorded), ``before`` (before the delayed cycle's
    day 1), ``already`` (they follow the delayed cycles but are where the change puts them
    already: their day had been moved past closed days before, or they are anchored to what
    does not move), ``not-anchored`` (a
    component that does not follow the regimen: ``component``)."""
    events: tuple[Event, ...]
    component: str | None = None
    """The component's display name, for ``not-anchored``."""


@dataclass(frozen=True)
class Limited:
    """An event a delay takes away or brings back at the plan's end, and the limit that does it."""

    event: Event
    limit: str
    """``horizon`` (continuation doses are planned up to the plan's horizon) or ``cap`` (a dose
    cap's stated end)."""
    until: date
    """The day the limit ends: continuation doses and capped cycles start before it."""
    span: Span
    """The limit as the template or plan states it (``12 months``, ``2 years``)."""


@dataclass(frozen=True)
class DelayEffects:
    """What a delay of cycle ``cycle`` of ``regimen`` leaves where it was and what the plan's
    horizon or a dose cap cuts off (``cut``) or adds (``added``)."""

    regimen: str
    cycle: int
    day1: date | None
    """The delayed cycle's day 1 before the delay."""
    kept: tuple[Kept, ...]
    cut: tuple[Limited, ...]
    added: tuple[Limited, ...]


def delay_effects(before: Plan, after: Plan, regimen: str, cycle: int) -> DelayEffects:
    """What delaying ``cycle`` of ``regimen`` leaves and what the plan's end does to it, from
    the plan before the delay and after it (pure)."""
    template = after.template
    new = {e.uid: e for e in after.events}
    unchanged = [e for e in before.events
                 if e.uid in new and (new[e.uid].date, new[e.uid].start) == (e.date, e.start)]
    day1 = min((e.date for e in before.events if e.regimen == regimen and e.cycle == cycle), default=None)
    needs = template.dependencies()
    follows = {regimen}
    grew = True
    while grew:  # the components anchored, directly or not, to the regimen
        found = {c for c, deps in needs.items() if deps & follows} - follows
        follows |= found
        grew = bool(found)
    owner = {}
    names = {}
    for component in template.components:
        owner[component.id] = component.id
        names[component.id] = component.name
        if isinstance(component, Regimen):
            owner.update({d.id: component.id for d in component.drugs})
            owner.update({d.at_end.id: component.id for d in component.drugs if d.at_end is not None})
    recorded: list[Event] = []
    earlier: list[Event] = []
    already: list[Event] = []
    other: dict[str, list[Event]] = {}
    for event in unchanged:
        if event.status is not None:
            recorded.append(event)
        elif day1 is not None and event.date < day1:
            earlier.append(event)
        elif owner.get(event.component, event.component) not in follows:
            other.setdefault(owner.get(event.component, event.component), []).append(event)
        elif event.cycle is None or event.cycle >= cycle:
            already.append(event)  # follows the delayed cycles, yet stays: on the day the change
            # gives it already (moved past closed days before), or anchored to what did not move
    kept = [Kept("recorded", tuple(recorded)), Kept("before", tuple(earlier)),
            Kept("already", tuple(already))]
    kept += [Kept("not-anchored", tuple(events), names.get(component, component))
             for component, events in other.items()]
    old = {e.uid for e in before.events}
    return DelayEffects(
        regimen, cycle, day1, tuple(k for k in kept if k.events),
        tuple(x for e in before.events if e.uid not in new if (x := _limited(e, after)) is not None),
        tuple(x for e in after.events if e.uid not in old if (x := _limited(e, after)) is not None))


def _limited(event: Event, plan: Plan) -> Limited | None:
    """The limit that decides whether ``event`` (a regimen's dose) is in the plan, if one does."""
    for component in plan.template.components:
        if not isinstance(component, Regimen) or component.id != event.regimen:
            continue
        for drug in component.drugs:
            if drug.id != event.component:
                continue
            spec = drug.cycles if drug.cycles is not None else component.cycles
            if isinstance(spec, OpenEnded):
                return Limited(event, "horizon", plan.horizon_end, plan.request.horizon)
            if isinstance(spec, Capped) and spec.within is not None:
                first = min((e.date for e in plan.events if e.regimen == component.id and e.day == 1),
                            default=plan.start)
                return Limited(event, "cap", spec.within.after(first), spec.within)
    return None
