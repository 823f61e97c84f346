"""HL7 FHIR R4 export: a template as a PlanDefinition, a registered plan as CarePlans.

Pure apart from the validation against the R4B models of ``fhir.resources``: resources are
built as plain JSON values and every export is validated before it is returned, so an
invalid shape is a bug found here, never a file written.

- **Template -> PlanDefinition** (:func:`plan_definition_bundle`): a ``collection`` Bundle of
  one PlanDefinition and one ActivityDefinition per drug, radiotherapy course, daily
  medication and visit. As in the New Zealand Cancer Control Agency regimen guide, the top
  action of a regimen is its cycle and the child actions (one per drug and cycle day)
  reference the ActivityDefinitions; offsets between actions are ``relatedAction``
  ``offsetDuration`` (``offsetRange`` for a visit window), as in the HL7 Vulcan Schedule of
  Activities guide. A top action anchored on a plan day has ``timingDuration``: the offset from
  the plan's start (cycle 1 day 1). Counts the protocol leaves open (parameters, open-ended
  cycles) are stated in text, never given a number.
- **Registered plan -> CarePlans** (:func:`care_plan_bundle`): one CarePlan per issued version,
  plus one for the current plan when a change was made after the last issue; each
  ``replaces`` the one before, which is ``revoked``. An activity per event with its exact
  date and time, and the events the adjustments took away as ``on-hold`` (a hold),
  ``stopped`` (a stop) or ``cancelled`` (a delay).

Codes only where they are certain (RxNorm ingredients of the shipped templates' drugs, SNOMED
CT for radiotherapy); everything else is text.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from scheduler import history
from scheduler.adjust import Adjustment, Delay, Hold, Stop
from scheduler.event import Event
from scheduler.expand import expand
from scheduler.export.table import event_from_record
from scheduler.protocol import Anchor, Daily, Drug, OpenEnded, Radiotherapy, Regimen, Template, Visit

if TYPE_CHECKING:
    from scheduler.history import Change
    from scheduler.patients import Snapshot
    from scheduler.registry import StoredPlan

Json = dict[str, Any]

DEFAULT_BASE = "http://scheduler.invalid/fhir"
"""Canonical base of the exported definitions; ``.invalid`` until a site gives its own."""

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
CODEXRT_FRACTIONS = ("http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/"
                     "codexrt-radiotherapy-fractions-planned")

RXNORM_INGREDIENTS: dict[str, tuple[str, str]] = {
    "carboplatin": ("40048", "carboplatin"),
    "cisplatin": ("2555", "cisplatin"),
    "paclitaxel": ("56946", "paclitaxel"),
    "temozolomide": ("37776", "temozolomide"),
}
"""RxNorm ingredient codes, by the name a component must have exactly (case aside, a
parenthesised remark removed). Albumin-bound paclitaxel and "PD-1 inhibitor" are not coded."""

RADIOTHERAPY_CODE = (SNOMED, "108290001", "Radiation oncology AND/OR radiotherapy")

ACTIVITY_STATUSES = ("scheduled", "on-hold", "cancelled", "stopped")


def fhir_id(text: str) -> str:
    """A FHIR id (letters, digits, '-', '.'; at most 64) from one of our ids."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", text)[:64]


def template_version(raw: bytes) -> str:
    """The version of a template's definitions: the first 12 hex digits of its SHA-256, so a
    CarePlan names the exact text it was made from."""
    return hashlib.sha256(raw).hexdigest()[:12]


@dataclass(frozen=True)
class Canon:
    """Canonical URLs of one template's definitions."""

    template: Template
    version: str
    base: str = DEFAULT_BASE

    @property
    def plan_definition(self) -> str:
        """The PlanDefinition's canonical URL."""
        return f"{self.base.rstrip('/')}/PlanDefinition/{fhir_id(self.template.id)}"

    def activity_id(self, component: str) -> str:
        """The ActivityDefinition id of a component or drug."""
        return fhir_id(f"{self.template.id}-{component}")

    def activity(self, component: str) -> str:
        """The ActivityDefinition's canonical URL of a component or drug."""
        return f"{self.base.rstrip('/')}/ActivityDefinition/{self.activity_id(component)}"

    def versioned(self, url: str) -> str:
        """``url|version``."""
        return f"{url}|{self.version}"


# --- small builders -----------------------------------------------------------------------------


def _days(value: int) -> Json:
    return {"value": value, "unit": "days", "system": UCUM, "code": "d"}


def _gray(value: Decimal) -> Json:
    return {"value": _number(value), "unit": "Gy", "system": UCUM, "code": "Gy"}


def _number(value: Decimal) -> int | float:
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


def _ingredient(name: str) -> tuple[str, str] | None:
    key = re.sub(r"\s*\(.*\)\s*", "", name).strip().lower()
    return RXNORM_INGREDIENTS.get(key)


def _concept(component: Drug | Radiotherapy | Daily | Visit) -> Json:
    """The coded concept of a component: RxNorm or SNOMED CT when certain, else text."""
    concept: Json = {"text": component.name}
    if isinstance(component, Radiotherapy):
        system, code, display = RADIOTHERAPY_CODE
        concept["coding"] = [{"system": system, "code": code, "display": display}]
    elif isinstance(component, Drug | Daily):
        found = _ingredient(component.name)
        if found:
            concept["coding"] = [{"system": RXNORM, "code": found[0], "display": found[1]}]
    return concept


def _kind(component: Drug | Radiotherapy | Daily | Visit) -> str:
    if isinstance(component, Drug | Daily):
        return "MedicationRequest"
    if isinstance(component, Radiotherapy):
        return "ServiceRequest"
    return "Appointment"


def _anchor_text(anchor: Anchor) -> str:
    if anchor.after is not None:
        return f"{anchor.gap_days} days after the last event of {anchor.after}"
    if anchor.week is not None:
        return f"week {anchor.week}"
    return f"day {anchor.day}"


RULE_TEXT = {
    "next": "moves to the next working day",
    "previous": "moves to the previous working day",
    "keep": "is kept",
    "skip": "is left out",
    "error": "is refused (the plan is not made)",
}
"""What happens to a date that is not a working day (README, "Non-working days")."""


def _count_text(count: int | str | OpenEnded | None, template: Template) -> str:
    if isinstance(count, OpenEnded):
        return f"for at least {count.minimum}, then until {count.until}"
    if isinstance(count, str):
        name = count[1:]
        parameter = template.parameters.get(name)
        default = f" (template default {parameter.default})" if parameter else ""
        return f"{count} cycles, a parameter the protocol leaves open{default}"
    return f"{count} cycles" if count is not None else "cycles not stated"


# --- template -> PlanDefinition -------------------------------------------------------------------


def _activity_definition(canon: Canon, component: Drug | Radiotherapy | Daily | Visit) -> Json:
    resource: Json = {
        "resourceType": "ActivityDefinition",
        "id": canon.activity_id(component.id),
        "url": canon.activity(component.id),
        "version": canon.version,
        "name": _computable(f"{canon.template.id}_{component.id}"),
        "title": component.name,
        "status": "active",
        "kind": _kind(component),
        "code": _concept(component),
    }
    if component.dose:
        resource["description"] = component.dose
    if isinstance(component, Drug | Daily):
        resource["productCodeableConcept"] = _concept(component)
        dosage: Json = {"text": component.dose or component.name}
        if isinstance(component, Daily) and component.on_non_working_day == "keep":
            repeat: Json = {"frequency": 1, "period": 1, "periodUnit": "d"}
            if isinstance(component.days, int):
                repeat["count"] = component.days
            dosage["timing"] = {"repeat": repeat}  # every day; 'skip' leaves out holidays: text
        resource["dosage"] = [dosage]
    if isinstance(component, Radiotherapy):
        fractions = component.fraction_count
        resource["description"] = (
            f"{_number(component.total_dose_gy)} Gy in {fractions} fractions of "
            f"{_number(component.dose_per_fraction_gy)} Gy, at most "
            f"{component.fractions_per_week} a week, on working days")
        resource["extension"] = [{"url": CODEXRT_FRACTIONS, "valuePositiveInt": fractions}]
        resource["dosage"] = [{
            "text": f"{_number(component.dose_per_fraction_gy)} Gy per fraction, "
                    f"{fractions} fractions, total {_number(component.total_dose_gy)} Gy",
            "timing": {"repeat": {"count": fractions, "frequency": component.fractions_per_week,
                                  "period": 1, "periodUnit": "wk"}},
            "doseAndRate": [{"doseQuantity": _gray(component.dose_per_fraction_gy)}],
            "maxDosePerLifetime": _gray(component.total_dose_gy),
        }]
    return resource


def _computable(text: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return name if name[:1].isalpha() else f"T{name}"


def _anchored(action: Json, anchor: Anchor, window: int = 0) -> Json:
    """Place a top action: an offset from the plan's start, or after another action."""
    if anchor.after is not None:
        gap = int(anchor.gap_days) if isinstance(anchor.gap_days, int) else None
        related: Json = {"actionId": fhir_id(anchor.after), "relationship": "after-end"}
        if gap is None:
            pass  # a parameter: stated in the description only
        elif window:
            related["offsetRange"] = {"low": _days(max(gap - window, 0)), "high": _days(gap + window)}
        else:
            related["offsetDuration"] = _days(gap)
        action["relatedAction"] = [related]
        return action
    day: int | None = None
    if isinstance(anchor.week, int):
        day = 7 * (anchor.week - 1) + 1
    elif isinstance(anchor.day, int):
        day = anchor.day
    if day is not None and window:
        action["timingRange"] = {"low": _days(max(day - 1 - window, 0)), "high": _days(day - 1 + window)}
    elif day is not None:
        action["timingDuration"] = _days(day - 1)
    return action


def _regimen_action(canon: Canon, regimen: Regimen) -> Json:
    children: list[Json] = []
    for drug in regimen.drugs:
        count = drug.cycles if drug.cycles is not None else regimen.cycles
        for day in drug.days:
            repeat: Json = {"period": regimen.cycle_days, "periodUnit": "d"}
            if isinstance(count, int):
                repeat["count"] = count
            children.append({
                "id": fhir_id(f"{drug.id}-day{day}"),
                "title": f"{drug.name}, day {day}",
                "description": f"{drug.dose or drug.name}; day {day} of each "
                               f"{regimen.cycle_days}-day cycle, {_count_text(count, canon.template)}; "
                               f"a dose on a non-working day {RULE_TEXT[drug.on_non_working_day]}",
                "definitionCanonical": canon.versioned(canon.activity(drug.id)),
                "timingTiming": {"repeat": repeat},
                "relatedAction": [{"actionId": fhir_id(regimen.id), "relationship": "after-start",
                                   "offsetDuration": _days(day - 1)}],
            })
    action: Json = {
        "id": fhir_id(regimen.id),
        "title": regimen.name,
        "description": f"{regimen.cycle_days}-day cycles from {_anchor_text(regimen.start)}; a cycle "
                       f"starts {regimen.cycle_days} days after the actual day 1 of the one before; "
                       f"a day 1 on a non-working day {RULE_TEXT[regimen.on_non_working_day]}",
        "groupingBehavior": "logical-group",
        "action": children,
    }
    return _anchored(action, regimen.start)


def _course_action(canon: Canon, component: Radiotherapy | Daily | Visit) -> Json:
    action: Json = {
        "id": fhir_id(component.id),
        "title": component.name,
        "definitionCanonical": canon.versioned(canon.activity(component.id)),
    }
    if isinstance(component, Radiotherapy):
        action["description"] = (
            f"{_number(component.total_dose_gy)} Gy in {component.fraction_count} fractions of "
            f"{_number(component.dose_per_fraction_gy)} Gy, at most {component.fractions_per_week} "
            f"a week on working days, from {_anchor_text(component.start)}")
        return _anchored(action, component.start)
    if isinstance(component, Daily):
        until = (f"for {component.days} days" if component.days is not None
                 else f"through the last event of {component.through}")
        action["description"] = (f"{component.dose or component.name}; daily from "
                                 f"{_anchor_text(component.start)}, {until}; a non-working day "
                                 f"{RULE_TEXT[component.on_non_working_day]}")
        _anchored(action, component.start)
        if component.through is not None:
            action.setdefault("relatedAction", []).append(
                {"actionId": fhir_id(component.through), "relationship": "concurrent-with-end"})
        return action
    window = f", window ±{component.window_days} days" if component.window_days else ""
    action["description"] = (f"{component.dose or component.name}; {_anchor_text(component.at)}"
                             f"{window}; a date on a non-working day "
                             f"{RULE_TEXT[component.on_non_working_day]}")
    return _anchored(action, component.at, component.window_days)


def _definitions(template: Template) -> list[Drug | Radiotherapy | Daily | Visit]:
    found: list[Drug | Radiotherapy | Daily | Visit] = []
    for component in template.components:
        if isinstance(component, Regimen):
            found.extend(component.drugs)
        else:
            found.append(component)
    return found


def plan_definition(canon: Canon) -> Json:
    """The template as one PlanDefinition (its actions reference the ActivityDefinitions)."""
    template = canon.template
    description = template.description or template.name
    if template.parameters:
        stated = "; ".join(
            f"{name}: {p.description.strip()} (template default {p.default}, {p.minimum} to {p.maximum})"
            for name, p in sorted(template.parameters.items()))
        description += f"\n\nLeft open by the protocol, set per patient: {stated}"
    resource: Json = {
        "resourceType": "PlanDefinition",
        "id": fhir_id(template.id),
        "url": canon.plan_definition,
        "version": canon.version,
        "name": _computable(template.id),
        "title": template.name,
        "type": {"coding": [{"system": PLAN_TYPE, "code": "clinical-protocol",
                             "display": "Clinical Protocol"}]},
        "status": "active",
        "description": description,
        "relatedArtifact": [_citation(template)],
        "action": [
            _regimen_action(canon, c) if isinstance(c, Regimen) else _course_action(canon, c)
            for c in template.components
        ],
    }
    return resource


def _citation(template: Template) -> Json:
    artifact: Json = {"type": "citation", "label": template.source}
    if template.reference:
        artifact["url"] = template.reference
    return artifact


def _entry(resource: Json, full_url: str) -> Json:
    return {"fullUrl": full_url, "resource": resource}


def plan_definition_bundle(template: Template, version: str, base: str = DEFAULT_BASE) -> Json:
    """A ``collection`` Bundle: the PlanDefinition, then its ActivityDefinitions."""
    canon = Canon(template, version, base)
    entries = [_entry(plan_definition(canon), canon.plan_definition)]
    entries += [_entry(_activity_definition(canon, c), canon.activity(c.id)) for c in _definitions(template)]
    return {
        "resourceType": "Bundle",
        "id": fhir_id(f"{template.id}-{version}"),
        "type": "collection",
        "entry": entries,
    }


# --- registered plan -> CarePlans -----------------------------------------------------------------


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
    from scheduler.patients import request_of

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
        status = {Hold: "on-hold", Stop: "stopped", Delay: "cancelled"}[type(by)]
        found.append(Activity(event, status, by.describe(), tuple(moved.get(uid, ()))))
    return sorted(found, key=lambda a: (a.event.sort_key, a.event.uid))


def _period(event: Event) -> Json:
    if event.start is not None and event.end is not None:
        return {"start": event.start.isoformat(), "end": event.end.isoformat()}
    return {"start": event.date.isoformat(), "end": event.date.isoformat()}


def _activity(canon: Canon, activity: Activity) -> Json:
    event = activity.event
    component = canon.template.display_of(event.component)
    assert isinstance(component, Drug | Radiotherapy | Daily | Visit)
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
        "kind": _kind(component),
        "instantiatesCanonical": [canon.versioned(canon.activity(event.component))],
        "code": {**_concept(component), "text": event.title},
        "status": activity.status,
        "scheduledPeriod": _period(event),
        "description": "\n".join(lines),
    }
    if activity.reason:
        detail["statusReason"] = {"text": activity.reason}
    if event.style.location:
        detail["location"] = {"display": event.style.location}
    if isinstance(component, Drug | Daily):
        detail["productCodeableConcept"] = _concept(component)
    return {"id": event.uid, "detail": detail}


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


def _stage_activities(stored: StoredPlan, stage: _Stage) -> list[Activity]:
    """The plan replayed with the changes made before the stage; for an issued version, what
    it issued instead if the replay differs (a change recorded with a ``--now`` earlier than
    an issue it followed)."""
    found = activities(stored, history.adjustments(stage.changes))
    if stage.issued is None:
        return found
    replayed = {(a.event.uid, _when(a.event)) for a in found if a.status == "scheduled"}
    return found if replayed == _issued(stage.issued) else _issued_activities(stage.issued)


def _issued(entries: dict[str, Any]) -> set[tuple[str, str]]:
    """(UID, start or date) of the events a version issued (not those it cancelled)."""
    return {(uid, e["record"]["start"] or e["record"]["date"])
            for uid, e in entries.items() if not e["cancelled"]}


def _care_plan(canon: Canon, stored: StoredPlan, stage: _Stage, status: str,
               replaces: str | None) -> Json:
    found = _stage_activities(stored, stage)
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
            and _issued(snap.versions[-1].entries) == {(e.uid, _when(e)) for e in snap.plan.events}:
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
    canon = Canon(snap.plan.template, template_version(stored.template_text.encode("utf-8")), base)
    entries: list[Json] = []
    if with_definitions:
        entries += plan_definition_bundle(canon.template, canon.version, base)["entry"]
    previous: str | None = None
    plan_stages = stages(snap, now)
    for index, stage in enumerate(plan_stages):
        status = _final_status(snap) if index == len(plan_stages) - 1 else "revoked"
        full_url = _full_url(stored, stage.name)
        entries.append(_entry(_care_plan(canon, stored, stage, status, previous), full_url))
        previous = full_url
    return {
        "resourceType": "Bundle",
        "id": fhir_id(f"{stored.plan_key}-careplans"),
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": entries,
    }


# --- checking and writing --------------------------------------------------------------------------


def validated(resource: Json) -> Json:
    """``resource`` unchanged, after parsing it with the R4B model of its type (ValueError if
    it does not fit, or if a status code is not one FHIR defines)."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    _check_codes(resource)
    return resource


def _check_codes(resource: Json) -> None:
    """The value sets fhir.resources does not check: statuses and kinds we write."""
    for entry in resource.get("entry", []):
        _check_codes(entry["resource"])
    if resource["resourceType"] == "CarePlan":
        if resource["status"] not in ("draft", "active", "on-hold", "revoked", "completed",
                                      "entered-in-error", "unknown"):
            raise ValueError(f"CarePlan status {resource['status']!r}")
        for activity in resource.get("activity", []):
            if activity["detail"]["status"] not in ACTIVITY_STATUSES:
                raise ValueError(f"activity status {activity['detail']['status']!r}")


def dumps(resource: Json) -> str:
    """Validated JSON with sorted keys, two-space indents and a final newline: the same input
    always gives the same bytes."""
    return json.dumps(validated(resource), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
