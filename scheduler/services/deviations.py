"""Deviations: what happened otherwise than planned, from the records in each plan's history.

- a visit done outside its window (by how many days);
- a dose given off its planned day, beyond its drug's ``day_tolerance`` (any day off when
  the template states none);
- an event missed or not given, with its reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scheduler.core import history
from scheduler.core.history import Change
from scheduler.core.protocol import Regimen, Template
from scheduler.core.record import NEEDS_REASON, Record, from_fields
from scheduler.registry import Registry, StoredPlan
from scheduler.services.patients import current_template


@dataclass(frozen=True)
class Deviation:
    """One deviation of one patient's plan."""

    patient_key: str
    ref: str
    kind: str
    """``outside-window``, ``off-day`` or the status (``missed``, ``not-given``)."""
    planned: str
    on: str | None
    days: int
    """Days off the planned day (off-day) or outside the window (outside-window); 0 otherwise."""
    text: str
    reason: str
    change: int
    author: str
    at: str

    def record(self) -> dict[str, Any]:
        """As JSON values."""
        return dict(self.__dict__)


def tolerances(template: Template) -> dict[str, int]:
    """Drug id -> its day tolerance, for the drugs that state one."""
    return {d.id: d.day_tolerance for c in template.components if isinstance(c, Regimen)
            for d in c.drugs if d.day_tolerance is not None}


def _of(key: str, change: Change, made: Record, tolerance: dict[str, int]) -> Deviation | None:
    common: dict[str, Any] = {"patient_key": key, "ref": made.ref, "planned": made.planned.isoformat(),
              "reason": made.reason, "change": change.number, "author": change.author, "at": change.at}
    if made.status in NEEDS_REASON:
        return Deviation(kind=made.status, on=None, days=0,
                         text=f"{made.status.replace('-', ' ')} (planned {made.planned.isoformat()})",
                         **common)
    outside = made.outside_window
    if made.window is not None and outside:
        side = "after" if outside > 0 else "before"
        return Deviation(kind="outside-window", on=made.on.isoformat(), days=outside,
                         text=f"{made.status} {abs(outside)} day{'s' if abs(outside) != 1 else ''} "
                              f"{side} its window ({made.window[0].isoformat()} to "
                              f"{made.window[1].isoformat()})", **common)
    allowed = tolerance.get(made.component, 0)
    if made.window is None and abs(made.days_off) > allowed:
        within = f" (tolerance ±{allowed} days)" if made.component in tolerance else ""
        return Deviation(kind="off-day", on=made.on.isoformat(), days=made.days_off,
                         text=f"{made.status} {made.when()}{within}", **common)
    return None


def of_plan(stored: StoredPlan, changes: list[Change]) -> list[Deviation]:
    """The deviations recorded in one plan's history (records in force), in order."""
    undone = history.reverted(changes)
    tolerance = tolerances(current_template(stored, changes))
    found = []
    for change in changes:
        if change.kind == "record" and change.number not in undone:
            deviation = _of(stored.patient_key, change, from_fields(change.fields), tolerance)
            if deviation is not None:
                found.append(deviation)
    return found


def deviations(registry: Registry, patient_key: str | None = None) -> list[Deviation]:
    """The deviations of one patient, or of every patient in the registry (by key)."""
    if patient_key is not None:
        stored = registry.plan(patient_key)
        return of_plan(stored, registry.history(stored.id))
    histories = registry.histories()
    return [d for stored in registry.plans() for d in of_plan(stored, histories.get(stored.id, []))]


def to_json(found: list[Deviation]) -> str:
    """As a JSON array."""
    return json.dumps([d.record() for d in found], indent=1, ensure_ascii=False) + "\n"


def to_text(found: list[Deviation]) -> str:
    """As lines for a terminal."""
    if not found:
        return "No deviations recorded.\n"
    lines = [f"{len(found)} deviation(s):"]
    for d in found:
        why = f": {d.reason}" if d.reason else ""
        lines.append(f"  {d.patient_key}  {d.ref}  {d.text}{why} (change {d.change}, {d.author})")
    return "\n".join(lines) + "\n"
