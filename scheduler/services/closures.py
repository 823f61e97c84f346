"""Clinic closures for everyone at once: preview every affected plan, then record one change
per plan (author and reason pointing back to the closure); revert them all together.

A closure stored in the registry sits beside the site file (which keeps holidays and
standing closures). One closed for a resource (``linac``) moves only that resource's events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from scheduler.core import history
from scheduler.core.adjust import Closed, to_record
from scheduler.core.diff import PlanDiff, compare
from scheduler.core.errors import InputError, SchedulerError
from scheduler.core.expand import expand
from scheduler.core.history import check_reason
from scheduler.registry import Registry
from scheduler.registry import follow as store
from scheduler.services import derived, worklist
from scheduler.services.patients import check_author, request_of

MAX_DAYS = 62
"""The longest closure, in days."""


@dataclass(frozen=True)
class Affected:
    """One plan a closure changes, and how."""

    patient_key: str
    diff: PlanDiff


@dataclass(frozen=True)
class Preview:
    """What adding (or reverting) a closure does; ``number`` is None for a dry run."""

    number: int | None
    closed: Closed
    affected: list[Affected]
    resources: frozenset[str] = frozenset()
    """The resources the active plans' templates use (``linac``): a closure for any other
    moves nothing, which a shell says in so many words."""

    @property
    def unused_resource(self) -> bool:
        """The closure is for a resource no active plan uses."""
        return self.closed.resource is not None and self.closed.resource not in self.resources

    def soon(self, now: datetime) -> list[tuple[str, str]]:
        """(patient key, reference) of the moves whose old or new date falls within 48 hours
        of ``now``: the patient must be told directly."""
        limit = (now + timedelta(hours=48)).date()
        found = []
        for item in self.affected:
            for move in item.diff.moved:
                if any(now.date() <= d <= limit for d in (move.before.date, move.after.date)):
                    found.append((item.patient_key, move.after.ref))
            for gone in item.diff.removed:
                if now.date() <= gone.date <= limit:
                    found.append((item.patient_key, gone.ref))
        return found


def _check(start: date, end: date, resource: str | None) -> None:
    if end < start:
        raise InputError(f"closure {start.isoformat()}..{end.isoformat()}: the end is before the start")
    if (end - start).days + 1 > MAX_DAYS:
        raise InputError(f"closure {start.isoformat()}..{end.isoformat()}: at most {MAX_DAYS} days "
                         "at once (longer closures belong in the site file)")
    if resource is not None and not resource.replace("-", "").replace("_", "").isalnum():
        raise InputError("give a resource id such as linac", field="resource", value=repr(resource))


def add(registry: Registry, start: date, end: date, resource: str | None, reason: str, author: str,
        now: datetime, dry_run: bool = False) -> Preview:
    """Close the clinic (or ``resource``) from ``start`` to ``end``: every active plan whose
    events it moves gets one change; with ``dry_run``, nothing is written (the preview)."""
    _check(start, end, resource)
    reason = check_reason(reason)
    author = check_author(author)
    with registry.transaction():
        number = 0 if dry_run else store.add_closure(registry, start, end, resource, reason, author, now)
        closed = Closed(start, end, resource, reason, number)
        histories = registry.histories()
        affected: list[tuple[int, Affected]] = []
        resources: set[str] = set()
        for stored in registry.plans():
            changes = histories.get(stored.id, [])
            if history.ended(changes) is not None:
                continue
            in_force = history.adjustments(changes)
            before = expand(request_of(stored, in_force))
            resources |= before.template.resources()
            if not any(start <= e.date <= end for e in before.events):
                continue
            try:
                after = expand(request_of(stored, (*in_force, closed)))
            except SchedulerError as error:
                raise InputError(f"the closure cannot be applied to {stored.patient_key}'s plan: "
                                 f"{error}; nothing was recorded") from None
            diff = compare(before, after)
            if not diff.empty:
                affected.append((stored.id, Affected(stored.patient_key, diff)))
        if not affected:  # a closure that moves nothing, of days already closed: a duplicate
            _not_closed_already(registry, start, end, resource, number)
        if not dry_run:
            kind, fields = to_record(closed)
            for plan_id, _ in affected:
                registry.add_change(plan_id, kind, fields, author, now)
                derived.refresh(registry, plan_id, request_of)
    return Preview(None if dry_run else number, closed, [a for _, a in affected], frozenset(resources))


def _not_closed_already(registry: Registry, start: date, end: date, resource: str | None,
                        number: int) -> None:
    """InputError when closures in force (other than ``number``, the one being added) already
    close every one of those days, for the whole clinic or for ``resource``: called when the
    new one moves nothing, so a second closure would only clutter the list. (A plan
    registered after a closure is not moved by it: a new closure of the same days moves it.)"""
    covering = [c for c in store.closures(registry) if c.reverted_at is None and c.id != number
                and c.resource in (None, resource)]
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    by_day = {day: next((c for c in covering if c.start <= day.isoformat() <= c.end), None) for day in days}
    if all(by_day.values()):
        numbers = sorted({c.id for c in by_day.values() if c is not None})
        what = f" for {resource}" if resource else ""
        span = start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"
        raise InputError(f"closure {span}: closed{what} already by closure "
                         f"{', '.join(str(n) for n in numbers)} (revert that one first to change its reason)")


class Reverted(NamedTuple):
    """What taking a closure back did."""

    keys: list[str]
    """The patients whose plans it changed back."""
    soon: list[tuple[str, str]]
    """(patient key, reference) of the events it moved back within the next 48 hours: urgent,
    as the closure's own moves were."""


def revert(registry: Registry, number: int, reason: str, author: str, now: datetime) -> Reverted:
    """Revert closure ``number``: a revert of its change on every plan it changed (ended plans
    keep theirs)."""
    reason = check_reason(reason)
    author = check_author(author)
    with registry.transaction():
        found = store.closure(registry, number)
        if found.reverted_at is not None:
            raise InputError(f"closure {number} was already reverted ({found.reverted_at} by "
                             f"{found.reverted_by})")
        keys = []
        histories = registry.histories()
        for stored in registry.plans():
            changes = histories.get(stored.id, [])
            if history.ended(changes) is not None:
                continue
            undone = history.reverted(changes)
            for change in changes:
                if (change.kind == "closure" and change.fields.get("closure") == number
                        and change.number not in undone):
                    registry.add_change(stored.id, "revert", {
                        "change": change.number, "reason": f"closure {number} reverted: {reason}"},
                        author, now)
                    derived.refresh(registry, stored.id, request_of)
                    keys.append(stored.patient_key)
        store.revert_closure(registry, number, reason, author, now)
    around = worklist.worklist(registry, (now - timedelta(days=1)).date(), 4, now)
    moved = set(keys)
    return Reverted(keys, [(i.patient_key, i.ref) for i in around
                           if i.urgent and i.patient_key in moved and i.changed_at == now.isoformat()])


def affected_counts(registry: Registry) -> dict[int, int]:
    """Closure number -> how many plans it changed."""
    counts: dict[int, int] = {}
    for changes in registry.histories().values():
        for change in changes:
            if change.kind == "closure":
                number = int(change.fields["closure"])
                counts[number] = counts.get(number, 0) + 1
    return counts


def urgent_line(soon: list[tuple[str, str]]) -> str:
    """The line that tells the coordinator whom to tell directly ('' when no one)."""
    if not soon:
        return ""
    return (f"Urgent: {len(soon)} move(s) within 48 hours; tell these patients directly: "
            + ", ".join(sorted({key for key, _ in soon})))


def preview_text(preview: Preview, now: datetime) -> str:
    """The preview (or the outcome) in lines for a terminal."""
    closed = preview.closed
    head = (f"Closure {preview.number}: " if preview.number else "Dry run: ") + \
        closed.describe().replace(f" (closure {closed.closure})", "")
    lines = [head, f"{len(preview.affected)} plan(s) affected"]
    if preview.unused_resource:
        in_use = ", ".join(sorted(preview.resources)) or "none"
        lines.append(f"No active plan uses the resource '{closed.resource}' (resources in use: {in_use}).")
    for item in preview.affected:
        lines.append(f"  {item.patient_key}:")
        for move in item.diff.moved:
            lines.append(f"    {move.after.ref}: {move.before.date.isoformat()} -> "
                         f"{move.after.date.isoformat()} ({move.days:+d} d)")
        for gone in item.diff.removed:
            lines.append(f"    {gone.ref}: {gone.date.isoformat()} left out")
    if urgent := urgent_line(preview.soon(now)):
        lines.append(urgent)
    return "\n".join(lines) + "\n"
