"""Caches derived from a plan's history, and the one way to (re)build them.

``current_events`` (the worklist's table) holds, for every active plan, its events as its
history makes them now, plus the events a change took away (``status`` 'cancelled'), each
with the date it had before the last change that moved or cancelled it and that change's
time. Each plan's feed document (:mod:`scheduler.services.feedstore`) is rewritten with them.
:func:`rows` computes them from the stored plan and its history alone (a replay, as the
feed does), so :func:`refresh` (called in the transaction of every change), ``registry
upgrade`` and ``registry check --repair`` all write the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scheduler.core import history
from scheduler.core.adjust import Adjustment
from scheduler.core.errors import Note
from scheduler.core.event import Event
from scheduler.core.expand import expand
from scheduler.core.history import Change
from scheduler.core.plan import PlanRequest
from scheduler.core.protocol import Regimen, Template, Visit
from scheduler.core.record import NEEDS_REASON
from scheduler.registry import Registry, StoredPlan
from scheduler.registry import follow as store
from scheduler.services import feedstore

LAB_TERMS = ("blood", "lab", "haematology", "hematology", "chemistry")
"""A visit whose id, name or category holds one of these is a blood test (``labs-due``)."""


def resources(template: Template) -> dict[str, str | None]:
    """Component or drug id -> the resource it uses (a drug: its own, else its regimen's)."""
    found: dict[str, str | None] = {}
    for component in template.components:
        found[component.id] = component.resource
        if isinstance(component, Regimen):
            for drug in component.drugs:
                found[drug.id] = drug.resource or component.resource
    return found


def is_labs(template: Template, component: str) -> bool:
    """True for a blood test visit."""
    for item in template.components:
        if isinstance(item, Visit) and item.id == component:
            text = f"{item.id} {item.name} {item.category or ''}".lower()
            return any(word in text for word in LAB_TERMS) or (item.category or "").lower() == "tests"
    return False


def shown_time(event: Event) -> str:
    """The event's time as the worklist shows it, stored with the row (``time_text``) so a
    worklist does no per-row formatting: ``08:30-09:30`` (the wall clock of the plan's zone,
    as the event has it), ``all day``, or ``11:15-Wed 09:15`` for an end on another day."""
    if event.start is None or event.end is None:
        return "all day"
    if event.end.date() != event.start.date():  # a multi-day infusion: the end's weekday
        return f"{event.start:%H:%M}-{event.end:%a %H:%M}"
    return f"{event.start:%H:%M}-{event.end:%H:%M}"


def _row(event: Event, used: dict[str, str | None], template: Template, status: str | None,
         was: str | None, at: str | None) -> dict[str, Any]:
    return {
        "ref": event.ref, "date": event.date.isoformat(),
        "start": event.start.isoformat() if event.start else None,
        "end": event.end.isoformat() if event.end else None,
        "resource": used.get(event.component), "kind": event.kind, "status": status,
        "title": event.title, "location": event.style.location, "was_date": was,
        "changed_at": at,
        "flags": "labs" if is_labs(template, event.component) else "",
        "time_text": shown_time(event),
    }


Requests = Callable[[StoredPlan, tuple[Adjustment, ...]], PlanRequest]
""":func:`scheduler.services.patients.request_of`, passed in (patients calls this module)."""


def rows(stored: StoredPlan, changes: list[Change], request_of: Requests) -> list[dict[str, Any]]:
    """The current events of a plan with this history (none once it has ended), by reference."""
    if history.ended(changes) is not None:
        return []
    template = request_of(stored, ()).template
    used = resources(template)
    events = {e.ref: e for e in expand(request_of(stored, ())).events}
    moved: dict[str, tuple[str, str]] = {}  # ref -> (date before, time of the change)
    gone: dict[str, tuple[Event, str]] = {}
    for number, change in enumerate(changes, start=1):
        if change.kind in ("end", "feed-detail"):
            continue
        now = {e.ref: e for e in expand(request_of(stored, history.adjustments(changes[:number]))).events}
        for ref, event in now.items():
            before = events.get(ref) or (gone[ref][0] if ref in gone else None)
            gone.pop(ref, None)
            if before is None:
                continue
            cancelled = event.status in NEEDS_REASON and before.status not in NEEDS_REASON
            if (before.date, before.start) != (event.date, event.start) or cancelled:
                moved[ref] = (before.date.isoformat(), change.at)
        for ref, event in events.items():
            if ref not in now:
                gone[ref] = (event, change.at)
                moved[ref] = (event.date.isoformat(), change.at)
        events = now
    result = [_row(e, used, template, e.status, *moved.get(ref, (None, None)))
              for ref, e in events.items()]
    result += [_row(e, used, template, "cancelled", e.date.isoformat(), at)
               for ref, (e, at) in gone.items()]
    return sorted(result, key=lambda r: str(r["ref"]))


def refresh(registry: Registry, plan_id: int, request_of: Requests) -> None:
    """Rewrite one plan's current events and its feed document from its history (inside the
    change's transaction)."""
    stored = registry.plan_by_id(plan_id)
    changes = registry.history(plan_id)
    store.replace_events(registry, plan_id, len(changes), rows(stored, changes, request_of))
    feedstore.write(registry, stored, changes, request_of)


def rebuild(registry: Registry, request_of: Requests) -> int:
    """Rewrite every plan's current events and feed document from its history, and its
    worklist flags' inputs from its versions and feed tokens, in one transaction (``registry
    upgrade``, ``registry check --repair``); how many plans."""
    with registry.transaction():
        histories = registry.histories()
        plans = registry.plans()
        for stored in plans:
            changes = histories.get(stored.id, [])
            store.replace_events(registry, stored.id, len(changes), rows(stored, changes, request_of))
        feedstore.rebuild(registry, plans, histories, request_of)
        registry.refresh_plan_states()
    return len(plans)


def drifted(registry: Registry, request_of: Requests) -> list[str]:
    """Notes naming the patients whose stored current events, feed document or plan-wide
    worklist inputs differ from what their history, versions and feed tokens make."""
    found = store.stored_events(registry)
    histories = registry.histories()
    problems: list[str] = []
    for stored in registry.plans():
        changes = histories.get(stored.id, [])
        expected = rows(stored, changes, request_of)
        revision, actual = found.get(stored.id, (len(changes), []))
        if actual != expected or (expected and revision != len(changes)):
            problems.append(Note(f"{stored.patient_key}: its current events (the worklist's cache) "
                                 "differ from its history", remedy="repair"))
    problems += [Note(f"{key}: its last issue or feed state (the worklist's flags) differ from its "
                      "versions and feed tokens", remedy="repair") for key in registry.stale_plan_states()]
    return problems + feedstore.drifted(registry, registry.plans(), histories, request_of)
