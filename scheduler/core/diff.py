"""What a change does to a plan: the events it moves, adds and removes (pure).

Used to preview a change before it is recorded: events are matched by UID, which stays the
same for the same cycle, day, fraction or visit whatever its date.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.core.event import Event
from scheduler.core.plan import Plan


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
