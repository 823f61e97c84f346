"""A registered plan as FHIR R4 CarePlans (:func:`care_plan_bundle`).

One CarePlan per issued version, plus one for the current plan when a change was made after the
last issue; each ``replaces`` the one before, which is ``revoked``. An activity per event with
its exact date and time, and the events the adjustments took away as ``on-hold`` (a hold),
``stopped`` (a stop) or ``cancelled`` (a delay).

A service, not an exporter: it replays the registry's history of a plan, so it sits above
the registry; the resources it builds are those of :mod:`scheduler.export.fhir`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from scheduler.core import history
from scheduler.core.adjust import Adjustment, Hold, Move, Stop
from scheduler.core.event import Event
from scheduler.core.expand import expand
from scheduler.core.protocol import (
    Daily,
    Drug,
    EndEvent,
    Hours,
    Radiotherapy,
    Visit,
)
from scheduler.export.table import event_from_record
from scheduler.export.visits import calendar_plan

if TYPE_CHECKING:
    from scheduler.core.history import Change
    from scheduler.registry import StoredPlan
    from scheduler.services.patients import Snapshot
from scheduler.export.fhir.common import (
    DEFAULT_BASE,
    EVENT_REFERENCE,
    Canon,
    Json,
    concept,
    entry,
    fhir_id,
    kind_of,
    template_version,
)
from scheduler.export.fhir.plandefinition import plan_definition_bundle


@dataclass(frozen=True)
class Activity:
    """One event as a CarePlan activity: scheduled, or taken away by an adjustment."""

    event: Event
    status: str
    reason: str | None = None
    """Why the status is not ``scheduled``."""
    moved_by: tuple[str, ...] = ()
    """The adjustments that moved the event, described."""


def activities(stored: StoredPlan, adjustments: Sequence[Adjustment]) -> list[Activity]:
    """The plan with ``adjustments``, event by event, plus the events they took away.

    The plan is expanded once without adjustments and once more after each, in order: an
    event whose date or time changes in a step was moved by that adjustment; an event that
    is gone after a step and does not come back was taken away by it (on-hold by a hold,
    stopped by a stop, cancelled by a delay), with the date it had before.
    """
    from scheduler.services.patients import request_of

    steps = [expand(request_of(stored, tuple(adjustments[:i]))).events
             for i in range(len(adjustments) + 1)]
    moved: dict[str, list[str]] = {}
    last_seen: dict[str, tuple[int, Event]] = {}
    for index, events in enumerate(steps):
        before = {e.uid: e for e in steps[index - 1]} if index else {}
        for event in events:
            old = before.get(event.uid)
            if old is not None and (old.date, old.start) != (event.date, event.start):
                moved.setdefault(event.uid, []).append(adjustments[index - 1].describe())
            last_seen[event.uid] = (index, event)
    final = steps[-1]
    kept = {e.uid for e in final}
    found = [Activity(e, "scheduled", None, tuple(moved.get(e.uid, ()))) for e in final]
    for uid, (index, event) in last_seen.items():
        if uid in kept:
            continue
        by = adjustments[index]
        status = {Hold: "on-hold", Stop: "stopped"}.get(type(by), "cancelled")
        found.append(Activity(event, status, by.describe(), tuple(moved.get(uid, ()))))
    return sorted(found, key=lambda a: (a.event.sort_key, a.event.uid))


def _period(event: Event) -> Json:
    if event.start is not None and event.end is not None:
        return {"start": event.start.isoformat(), "end": event.end.isoformat()}
    return {"start": event.date.isoformat(), "end": event.date.isoformat()}


def _activity(canon: Canon, activity: Activity) -> Json:
    event = activity.event
    component = canon.template.display_of(event.component)
    assert isinstance(component, Drug | Radiotherapy | Daily | Visit | EndEvent | Hours)
    lines = [event.title]
    if event.dose:
        lines.append(event.dose)
    if event.moved_from is not None:
        lines.append(f"Moved from {event.moved_from.isoformat()}: {event.reason}")
    lines.extend(f"Moved by a change: {text}" for text in activity.moved_by)
    if event.note:
        lines.append(event.note)
    if event.window_start is not None and event.window_end is not None:
        lines.append(f"Window {event.window_start.isoformat()} to {event.window_end.isoformat()}")
    detail: Json = {
        "kind": kind_of(component),
        "instantiatesCanonical": [canon.versioned(canon.activity(event.component))],
        "code": {**concept(component), "text": event.title},
        "status": activity.status,
        "scheduledPeriod": _period(event),
        "description": "\n".join(lines),
    }
    if activity.reason:
        detail["statusReason"] = {"text": activity.reason}
    if event.style.location:
        detail["location"] = {"display": event.style.location}
    if isinstance(component, Drug | Daily):
        detail["productCodeableConcept"] = concept(component)
    reference = {"url": EVENT_REFERENCE,
                 "valueIdentifier": {"system": canon.event_refs, "value": event.ref}}
    return {"id": event.uid, "extension": [reference], "detail": detail}


def _subject(patient_key: str) -> Json:
    """``Patient/<key>``: the pseudonymous key only, never a name or label."""
    if re.fullmatch(r"[A-Za-z0-9.-]{1,64}", patient_key):
        return {"reference": f"Patient/{patient_key}"}
    return {"type": "Patient", "identifier": {"value": patient_key}}


def _full_url(stored: StoredPlan, name: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"scheduler:{stored.plan_key}:{name}"))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class _Stage:
    """One CarePlan to write: an issued version, or the current plan (``issued`` None)."""

    name: str
    changes: list[Change]
    created: str
    version: int | None = None
    issued: dict[str, Any] | None = None
    """The version's stored entries: UID -> {"record", "cancelled", ...}."""


def _issued_activities(entries: dict[str, Any]) -> list[Activity]:
    """A version's activities exactly as issued: its events, and those it cancelled."""
    found = [Activity(event_from_record(e["record"]), "cancelled" if e["cancelled"] else "scheduled",
                      "cancelled in an issued version" if e["cancelled"] else None)
             for e in entries.values()]
    return sorted(found, key=lambda a: (a.event.sort_key, a.event.uid))


def _when(event: Event) -> str:
    return event.start.isoformat() if event.start is not None else event.date.isoformat()


def _stage_activities(stored: StoredPlan, stage: _Stage,
                      every_change: Sequence[Change] = ()) -> list[Activity]:
    """The plan replayed with the changes made before the stage; for an issued version, what
    it issued instead if the replay differs (a change recorded with a ``--now`` earlier than
    an issue it followed): the replay of the first changes that gives what it issued, one
    entry per event or per visit (:mod:`scheduler.export.visits`), else its own records."""
    found = activities(stored, history.adjustments(stage.changes))
    if stage.issued is None:
        return found
    issued = _issued(stage.issued)
    if _gives(stored, history.adjustments(stage.changes), issued):
        return found
    for count in range(len(every_change) + 1):
        adjustments = history.adjustments(list(every_change[:count]))
        if _gives(stored, adjustments, issued):
            return activities(stored, adjustments)
    return _issued_activities(stage.issued)


def _gives(stored: StoredPlan, adjustments: Sequence[Adjustment], issued: set[tuple[str, str]]) -> bool:
    """True when the plan with ``adjustments`` is what a version issued (its UIDs and times),
    written one entry per event or one per visit."""
    from scheduler.services.patients import request_of

    plan = expand(request_of(stored, tuple(adjustments)))
    return any(issued == {(e.uid, _when(e)) for e in form.events}
               for form in (plan, calendar_plan(plan)))


def _issued(entries: dict[str, Any]) -> set[tuple[str, str]]:
    """(UID, start or date) of the events a version issued (not those it cancelled)."""
    return {(uid, e["record"]["start"] or e["record"]["date"])
            for uid, e in entries.items() if not e["cancelled"]}


def _care_plan(canon: Canon, stored: StoredPlan, stage: _Stage, status: str,
               replaces: str | None, every_change: Sequence[Change] = ()) -> Json:
    found = _stage_activities(stored, stage, every_change)
    scheduled = [a.event for a in found if a.status == "scheduled"]
    start = date.fromisoformat(stored.start)
    end = max([start, *(e.date for e in scheduled)])
    title = canon.template.name + (f", version {stage.version}" if stage.version else ", current plan")
    resource: Json = {
        "resourceType": "CarePlan",
        "id": fhir_id(f"{stored.plan_key}-{stage.name}"),
        "instantiatesCanonical": [canon.versioned(canon.plan_definition)],
        "status": status,
        "intent": "plan",
        "title": title,
        "subject": _subject(stored.patient_key),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "created": stage.created,
        "activity": [_activity(canon, a) for a in found],
    }
    if replaces:
        resource["replaces"] = [{"reference": replaces}]
    notes = [{"time": c.at, "text": f"Change {c.number}: {c.describe()}"} for c in stage.changes
             if c.kind != "feed-detail"]
    if notes:
        resource["note"] = notes
    return resource


def _made_by(changes: list[Change], moment: datetime) -> list[Change]:
    """The changes recorded up to ``moment``: the longest prefix, since changes are in order."""
    made: list[Change] = []
    for change in changes:
        if _instant(change.at) > moment:
            break
        made.append(change)
    return made


def stages(snap: Snapshot, now: datetime) -> list[_Stage]:
    """One stage per issued version (with the changes made before it was issued), and the
    current plan when it differs from the last issued version, or a change was made since
    (or nothing was issued)."""
    found = []
    for version in snap.versions:
        before = _made_by(snap.changes, _instant(version.issued_at))
        found.append(_Stage(f"v{version.version}", before, version.issued_at, version.version,
                            version.entries))
    if found and all(c.kind == "feed-detail" for c in snap.changes[len(found[-1].changes):]) \
            and _issued(snap.versions[-1].entries) in (
                {(e.uid, _when(e)) for e in form.events}
                for form in (snap.plan, calendar_plan(snap.plan))):
        return found  # nothing that changes the plan since the last issue
    found.append(_Stage("current", list(snap.changes), now.isoformat(), None))
    return found


def _final_status(snap: Snapshot) -> str:
    ended = snap.ended
    if ended is None:
        return "active"
    when = _instant(ended.at).astimezone(snap.plan.request.timezone).date()
    return "completed" if snap.plan.last_date <= when else "revoked"


def care_plan_bundle(snap: Snapshot, now: datetime, base: str = DEFAULT_BASE,
                     with_definitions: bool = True) -> Json:
    """A ``collection`` Bundle of a registered plan's CarePlans (oldest first, the last one in
    force, each replacing the one before), preceded by the PlanDefinition and its
    ActivityDefinitions when ``with_definitions``."""
    stored = snap.stored
    moved = [a for a in history.adjustments(snap.changes) if isinstance(a, Move)]
    text = moved[-1].text if moved else stored.template_text  # the version the plan is on now
    canon = Canon(snap.plan.template, template_version(text.encode("utf-8")), base)
    entries: list[Json] = []
    if with_definitions:
        entries += plan_definition_bundle(canon.template, canon.version, base)["entry"]
    previous: str | None = None
    plan_stages = stages(snap, now)
    for index, stage in enumerate(plan_stages):
        status = _final_status(snap) if index == len(plan_stages) - 1 else "revoked"
        full_url = _full_url(stored, stage.name)
        care_plan = _care_plan(canon, stored, stage, status, previous, snap.changes)
        entries.append(entry(care_plan, full_url))
        previous = full_url
    return {
        "resourceType": "Bundle",
        "id": fhir_id(f"{stored.plan_key}-careplans"),
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": entries,
    }

