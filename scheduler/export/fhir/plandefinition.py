"""A template as a FHIR R4 PlanDefinition (:func:`plan_definition_bundle`).

A ``collection`` Bundle of one PlanDefinition and one ActivityDefinition per drug, radiotherapy
course, daily medication and visit. As in the New Zealand Cancer Control Agency regimen guide,
the top action of a regimen is its cycle and the child actions (one per drug and cycle day)
reference the ActivityDefinitions; offsets between actions are ``relatedAction``
``offsetDuration`` (``offsetRange`` for a visit window), as in the HL7 Vulcan Schedule of
Activities guide. A top action anchored on a plan day has ``timingDuration``: the offset from
the plan's start (cycle 1 day 1). Counts the protocol leaves open (parameters, open-ended
cycles) are stated in text, never given a number.

The constructs of template language 2 are exported the same way: a prescription of a total
dose in a number of fractions that do not divide evenly keeps the total and the count, and
states the rounded dose per fraction in text only (no ``doseQuantity``); a dose cap ("up to
18 doses or 2 years") is ``count`` 1 to ``countMax`` N and a ``boundsDuration``; a visit in
each cycle repeats with the cycle's period from its offset in the cycle; a repeated visit is
``timingTiming`` (its first date in text); a medication on the days of another component is
``concurrent`` with it; the end event of a multi-day infusion (a pump disconnection) is its
own ActivityDefinition and child action, ``after-end`` of the infusion, whose ``duration`` is
given; a regimen that continues another's cycle numbers says so.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING

from scheduler.core.protocol import (
    Anchor,
    Capped,
    Daily,
    Drug,
    Hours,
    OpenEnded,
    Radiotherapy,
    Regimen,
    Template,
    Visit,
)
from scheduler.core.units import Span

if TYPE_CHECKING:
    pass
from scheduler.export.fhir.common import (
    CODEXRT_FRACTIONS,
    DEFAULT_BASE,
    PLAN_TYPE,
    UCUM,
    Canon,
    Definable,
    Json,
    concept,
    entry,
    fhir_id,
    kind_of,
)

# --- small builders -----------------------------------------------------------------------------


def _days(value: int) -> Json:
    return {"value": value, "unit": "days", "system": UCUM, "code": "d"}


def _gray(value: Decimal) -> Json:
    return {"value": _number(value), "unit": "Gy", "system": UCUM, "code": "Gy"}


def _number(value: Decimal) -> int | float:
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)



def _anchor_text(anchor: Anchor) -> str:
    if anchor.after is not None:
        if anchor.from_ == "last_day1":
            return f"{anchor.gap_days} days after the actual day 1 of the last cycle of {anchor.after}"
        if anchor.from_ == "first_event":
            return f"{anchor.gap_days} days after the first event of {anchor.after}"
        return f"{anchor.gap_days} days after the last event of {anchor.after}"
    if anchor.week is not None:
        return f"week {anchor.week}"
    if isinstance(anchor.day, int) and anchor.day < 1:
        return f"day {anchor.day} ({1 - anchor.day} days before day 1)"
    return f"day {anchor.day}"


RULE_TEXT = {
    "next": "moves to the next working day",
    "previous": "moves to the previous working day",
    "keep": "is kept",
    "skip": "is left out",
    "error": "is refused (the plan is not made)",
}
"""What happens to a date that is not a working day (README, "Non-working days")."""


def _count_text(count: int | str | OpenEnded | Capped | None, template: Template) -> str:
    if isinstance(count, OpenEnded):
        return f"for at least {count.minimum}, then until {count.until}"
    if isinstance(count, Capped):
        text = f"up to {count.up_to} cycles"
        if isinstance(count.up_to, str):
            parameter = template.parameters.get(count.up_to[1:])
            default = f", template default {parameter.default}" if parameter else ""
            text += f" (a parameter the protocol leaves open{default})"
        if count.within is not None:
            text += f" or {count.within} from the first day 1, whichever comes first"
        return text + (f", ended sooner by {count.until}" if count.until else "")
    if isinstance(count, str):
        name = count[1:]
        parameter = template.parameters.get(name)
        default = f" (template default {parameter.default})" if parameter else ""
        return f"{count} cycles, a parameter the protocol leaves open{default}"
    return f"{count} cycles" if count is not None else "cycles not stated"


# --- template -> PlanDefinition -------------------------------------------------------------------


def _span_duration(span: Span) -> Json | None:
    """A span as a Duration when it is whole years, months or days; None when mixed."""
    if span.months and not span.days:
        if span.months % 12 == 0:
            return {"value": span.months // 12, "unit": "years", "system": UCUM, "code": "a"}
        return {"value": span.months, "unit": "months", "system": UCUM, "code": "mo"}
    if span.days and not span.months:
        return _days(span.days)
    return None


def _cycle_repeat(period: int, count: int | str | OpenEnded | Capped | None) -> Json:
    """A cycle's ``repeat``: its period, with the count only where the protocol gives one
    (a cap: at least one, at most N, within its bound)."""
    repeat: Json = {"period": period, "periodUnit": "d"}
    if isinstance(count, int):
        repeat["count"] = count
    elif isinstance(count, Capped):
        if isinstance(count.up_to, int):  # a parameter: stated in text only
            repeat["count"] = 1
            repeat["countMax"] = count.up_to
        bound = _span_duration(count.within) if count.within is not None else None
        if bound is not None:
            repeat["boundsDuration"] = bound
    return repeat


def _clock(value: time | None) -> str:
    """A clock time as FHIR ``time`` (``times`` never holds None: the protocol checks it)."""
    assert value is not None
    return value.strftime("%H:%M:%S")


def _times_text(times: tuple[time | None, ...]) -> str:
    return ", at " + ", ".join(_clock(t)[:5] for t in times) if times else ""


def _activity_definition(canon: Canon, component: Definable) -> Json:
    resource: Json = {
        "resourceType": "ActivityDefinition",
        "id": canon.activity_id(component.id),
        "url": canon.activity(component.id),
        "version": canon.version,
        "name": _computable(f"{canon.template.id}_{component.id}"),
        "title": component.name,
        "status": "active",
        "kind": kind_of(component),
        "code": concept(component),
    }
    if component.dose:
        resource["description"] = component.dose
    if isinstance(component, Drug | Daily):
        resource["productCodeableConcept"] = concept(component)
        dosage: Json = {"text": component.dose or component.name}
        if isinstance(component, Daily) and component.on_days_of is not None:
            dosage["text"] += f" (on the days of {component.on_days_of} only)"
        if isinstance(component, Daily) and component.on_non_working_day == "keep":
            repeat: Json = {"frequency": len(component.times) or 1, "period": 1, "periodUnit": "d"}
            if isinstance(component.days, int):
                repeat["count"] = component.days * (len(component.times) or 1)
            dosage["timing"] = {"repeat": repeat}  # every day; 'skip' leaves out holidays: text
        if component.times:  # several doses a day, at these clock times
            timing = dosage.setdefault("timing", {})
            timing.setdefault("repeat", {})["timeOfDay"] = [_clock(t) for t in component.times]
        resource["dosage"] = [dosage]
    if isinstance(component, Radiotherapy):
        resource.update(_radiotherapy_definition(component))
    return resource


def _per_fraction(component: Radiotherapy) -> str:
    """The dose per fraction in words: as prescribed, or total / fractions rounded."""
    if component.dose_per_fraction_gy is not None:
        return f"fractions of {_number(component.dose_per_fraction_gy)} Gy"
    return (f"fractions of about {component.per_fraction_text()} Gy (the prescription is the "
            f"total and the number of fractions; the dose per fraction is not given exactly)")


def _radiotherapy_definition(component: Radiotherapy) -> Json:
    fractions = component.fraction_count
    total = _number(component.total_dose_gy)
    dosage: Json = {
        "timing": {"repeat": {"count": fractions, "frequency": component.fractions_per_week,
                              "period": 1, "periodUnit": "wk"}},
        "maxDosePerLifetime": _gray(component.total_dose_gy),
    }
    if component.dose_per_fraction_gy is not None:
        per = _number(component.dose_per_fraction_gy)
        dosage["text"] = f"{per} Gy per fraction, {fractions} fractions, total {total} Gy"
        dosage["doseAndRate"] = [{"doseQuantity": _gray(component.dose_per_fraction_gy)}]
    else:
        dosage["text"] = (f"{total} Gy in {fractions} fractions (about "
                          f"{component.per_fraction_text()} Gy per fraction, rounded)")
    return {
        "description": f"{total} Gy in {fractions} {_per_fraction(component)}, at most "
                       f"{component.fractions_per_week} a week, on working days"
                       + _gap_text(component),
        "extension": [{"url": CODEXRT_FRACTIONS, "valuePositiveInt": fractions}],
        "dosage": [dosage],
    }


def _gap_text(component: Radiotherapy) -> str:
    return f", at least {component.min_gap_days} days apart" if component.min_gap_days > 1 else ""


def _computable(text: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return name if name[:1].isalpha() else f"T{name}"


def _top(template: Template, ident: str) -> str:
    """The id of the top action of a component, or of the regimen a drug (or its end event)
    belongs to."""
    for component in template.components:
        if isinstance(component, Regimen) and any(
                ident in (d.id, d.at_end.id if d.at_end else None) for d in component.drugs):
            return fhir_id(component.id)
    return fhir_id(ident)


def _anchored(action: Json, anchor: Anchor, template: Template, window: tuple[int, int] = (0, 0),
              timing: bool = True) -> Json:
    """Place a top action: an offset from the plan's start (unless ``timing`` is False: the
    action has a ``timingTiming`` of its own, the first offset is then in its text), or after
    another action."""
    before, after = window
    if anchor.after is not None:
        gap = int(anchor.gap_days) if isinstance(anchor.gap_days, int) else None
        related: Json = {"actionId": _top(template, anchor.after),
                         "relationship": "after-end" if anchor.from_ == "last_event" else "after-start"}
        if gap is None or anchor.from_ == "last_day1":
            pass  # a parameter, or counted from the last cycle's day 1: stated in the text only
        elif before or after:
            related["offsetRange"] = {"low": _days(max(gap - before, 0)), "high": _days(gap + after)}
        else:
            related["offsetDuration"] = _days(gap)
        action.setdefault("relatedAction", []).append(related)
        return action
    day: int | None = None
    if isinstance(anchor.week, int):
        day = 7 * (anchor.week - 1) + 1
    elif isinstance(anchor.day, int):
        day = anchor.day
    if day is None or not timing:
        return action
    if before or after:
        low = day - 1 - before if day < 1 else max(day - 1 - before, 0)  # before day 1: negative
        action["timingRange"] = {"low": _days(low), "high": _days(day - 1 + after)}
    else:
        action["timingDuration"] = _days(day - 1)
    return action


def _in_phases(template: Template) -> set[str]:
    """Drug ids written in more than one regimen (a drug in two phases of one numbering)."""
    seen: set[str] = set()
    twice: set[str] = set()
    for component in template.components:
        if isinstance(component, Regimen):
            for drug in component.drugs:
                (twice if drug.id in seen else seen).add(drug.id)
    return twice


def _drug_actions(canon: Canon, regimen: Regimen, drug: Drug, prefix: str) -> list[Json]:
    count = drug.cycles if drug.cycles is not None else regimen.cycles
    found: list[Json] = []
    for day in drug.days:
        repeat = _cycle_repeat(regimen.cycle_days, count)
        clock = ""
        if drug.at_end is not None and drug.time is not None:  # a (multi-day) infusion's length
            clock = f", from {drug.time.strftime('%H:%M')}"
            if drug.duration:
                repeat["duration"] = drug.duration
                repeat["durationUnit"] = "min"
                clock += f" for {_minutes_text(drug.duration)}"
        times = _times_text(drug.times)
        window = f"; window ±{drug.window_days} days" if drug.window_days else ""
        ident = fhir_id(f"{prefix}{drug.id}-day{day}")
        found.append({
            "id": ident,
            "title": f"{drug.name}, day {day}",
            "description": f"{drug.dose or drug.name}; day {day} of each "
                           f"{regimen.cycle_days}-day cycle{clock}{times}, "
                           f"{_count_text(count, canon.template)}{window}; "
                           f"{_dose_rule_text(drug)}",
            "definitionCanonical": canon.versioned(canon.activity(drug.id)),
            "timingTiming": {"repeat": repeat},
            "relatedAction": [_day_offset(regimen.id, day)],
        })
        if drug.at_end is not None:
            end = drug.at_end
            found.append({
                "id": fhir_id(f"{prefix}{end.id}-day{day}"),
                "title": f"{end.name}, day {day}",
                "description": f"{end.dose or end.name}; when the {drug.name} infusion of day {day} "
                               f"ends ({_minutes_text(drug.duration)} after it starts), in each cycle it "
                               f"is given",
                "definitionCanonical": canon.versioned(canon.activity(end.id)),
                "relatedAction": [{"actionId": ident, "relationship": "after-end"}],
            })
    return found


def _dose_rule_text(drug: Drug) -> str:
    """What a closed day does to a dose (language 3: a block of consecutive days)."""
    if drug.on == "working_days":
        return ("days given as a block on consecutive working days: a non-working day moves the "
                "rest of the block past it, in order")
    if drug.on == "any_day":
        return "days given as a block whatever the day (inpatient)"
    return f"a dose on a non-working day {RULE_TEXT[drug.on_non_working_day]}"


def _minutes_text(minutes: int | None) -> str:
    if minutes is None:
        return "its duration"
    return f"{minutes // 60} hours" if minutes % 60 == 0 else f"{minutes} minutes"


def _day_offset(regimen: str, day: int) -> Json:
    """Day ``day`` of a cycle of ``regimen``: after its start, or before it (day 0 is the
    day before day 1)."""
    if day >= 1:
        return {"actionId": fhir_id(regimen), "relationship": "after-start",
                "offsetDuration": _days(day - 1)}
    return {"actionId": fhir_id(regimen), "relationship": "before-start",
            "offsetDuration": _days(1 - day)}


def _regimen_action(canon: Canon, regimen: Regimen) -> Json:
    twice = _in_phases(canon.template)
    children: list[Json] = []
    for drug in regimen.drugs:
        prefix = f"{regimen.id}-" if drug.id in twice else ""
        children.extend(_drug_actions(canon, regimen, drug, prefix))
    if regimen.reschedule == "original_grid":
        grid = (f"cycle k is planned (k-1) x {regimen.cycle_days} days after cycle 1's planned "
                f"day 1, so a moved day 1 does not move the next")
    else:
        grid = f"a cycle starts {regimen.cycle_days} days after the actual day 1 of the one before"
    numbering = ""
    if regimen.continue_numbering is not None:
        numbering = (f"; its cycles are numbered on from those of {regimen.continue_numbering} "
                     f"(its first cycle has the number after their last)")
    action: Json = {
        "id": fhir_id(regimen.id),
        "title": regimen.name,
        "description": f"{regimen.cycle_days}-day cycles from {_anchor_text(regimen.start)}; {grid}; "
                       f"a day 1 on a non-working day {RULE_TEXT[regimen.on_non_working_day]}"
                       f"{numbering}",
        "groupingBehavior": "logical-group",
        "action": children,
    }
    if regimen.continue_numbering is not None and regimen.start.after != regimen.continue_numbering:
        action["relatedAction"] = [{"actionId": fhir_id(regimen.continue_numbering),
                                    "relationship": "after"}]
    return _anchored(action, regimen.start, canon.template)


def _course_action(canon: Canon, component: Radiotherapy | Daily | Visit | Hours) -> Json:
    template = canon.template
    action: Json = {
        "id": fhir_id(component.id),
        "title": component.name,
        "definitionCanonical": canon.versioned(canon.activity(component.id)),
    }
    if isinstance(component, Hours):
        return _hours_action(action, component, template)
    if isinstance(component, Radiotherapy):
        action["description"] = (
            f"{_number(component.total_dose_gy)} Gy in {component.fraction_count} "
            f"{_per_fraction(component)}, at most {component.fractions_per_week} "
            f"a week on working days{_gap_text(component)}, from {_anchor_text(component.start)}")
        return _anchored(action, component.start, template)
    if isinstance(component, Daily):
        return _daily_action(action, component, template)
    return _visit_action(action, component, template)


def _daily_action(action: Json, component: Daily, template: Template) -> Json:
    times = _times_text(component.times)
    if component.on_days_of is not None:
        action["description"] = (f"{component.dose or component.name}; on each date of "
                                 f"{component.on_days_of} only{times} (a day without "
                                 f"{component.on_days_of} is a day without it)")
        action["relatedAction"] = [{"actionId": _top(template, component.on_days_of),
                                    "relationship": "concurrent"}]
        return action
    assert component.start is not None  # the protocol's check: 'start' or 'on_days_of'
    until = (f"for {component.days} days" if component.days is not None
             else f"through the last event of {component.through}")
    action["description"] = (f"{component.dose or component.name}; daily from "
                             f"{_anchor_text(component.start)}, {until}{times}; a non-working day "
                             f"{RULE_TEXT[component.on_non_working_day]}")
    _anchored(action, component.start, template)
    if component.through is not None:
        action.setdefault("relatedAction", []).append(
            {"actionId": _top(template, component.through), "relationship": "concurrent-with-end"})
    return action


def _hours_action(action: Json, component: Hours, template: Template) -> Json:
    """Language 3: a series at hours after the start of each dose of a drug, in elapsed time."""
    of = component.after_start_of
    if component.hours:
        listed = ", ".join(str(h) for h in sorted(component.hours))
        when = f"at {listed} hours after the start of each {of} dose"
        repeat: Json = {"count": len(component.hours)}
    else:
        when = (f"every {component.every_hours} hours for {component.doses} doses from "
                f"{component.first_hours} hours after the start of each {of} dose")
        repeat = {"count": component.doses, "period": component.every_hours, "periodUnit": "h"}
    action["description"] = (f"{component.dose or component.name}; {when}, in elapsed time, "
                             "whatever the day")
    action["timingTiming"] = {"repeat": repeat}
    first = min(component.offsets())
    action["relatedAction"] = [{
        "actionId": _top(template, of), "relationship": "after-start",
        "offsetDuration": {"value": first, "unit": "hours", "system": UCUM, "code": "h"}}]
    return action


def _window_text(component: Visit) -> str:
    before, after = component.bounds
    if before == after:
        return f", window ±{before} days" if before else ""
    return f", window {before} days before to {after} days after"


def _visit_action(action: Json, component: Visit, template: Template) -> Json:
    rule = f"a date on a non-working day {RULE_TEXT[component.on_non_working_day]}"
    if component.on_non_working_day == "previous":
        rule += (f", at most {component.previous_within_days} days earlier (further: "
                 + ("the morning of day 1)" if component.each_cycle is not None
                    and component.each_cycle.day < 1 else "the next working day)"))
    dose = component.dose or component.name
    if component.each_cycle is not None:
        each = component.each_cycle
        regimen = next(c for c in template.components
                       if isinstance(c, Regimen) and c.id == each.of)
        day = (f"day {each.day}" if each.day >= 1 else
               f"{1 - each.day} day{'s' if each.day < 0 else ''} before day 1")
        start = f", from cycle {each.from_cycle}" if each.from_cycle > 1 else ""
        cycles = (_count_text(regimen.cycles, template) if regimen.cycles is not None
                  else "for as long as its cycles run")
        action["description"] = (f"{dose}; {day} of each cycle of {each.of} (counted from the "
                                 f"cycle's actual day 1){start}, "
                                 f"{cycles}{_window_text(component)}; {rule}")
        repeat = _cycle_repeat(regimen.cycle_days, regimen.cycles)
        if isinstance(regimen.cycles, int):
            repeat["count"] = max(regimen.cycles - each.from_cycle + 1, 1)
        elif each.from_cycle > 1:
            repeat.pop("count", None)  # a cap counts from cycle 1: stated in text
            repeat.pop("countMax", None)
        action["timingTiming"] = {"repeat": repeat}
        related = _day_offset(each.of, each.day + (each.from_cycle - 1) * regimen.cycle_days)
        action["relatedAction"] = [related]
        return action
    assert component.at is not None  # the protocol's check: 'at' or 'each_cycle'
    if component.repeat is None:
        action["description"] = (f"{dose}; {_anchor_text(component.at)}"
                                 f"{_window_text(component)}; {rule}")
        return _anchored(action, component.at, template, component.bounds)
    again = component.repeat
    every = (f"every {again.every_days} days" if again.every_days is not None
             else f"every {again.every_weeks} weeks")
    ends = []
    if again.count is not None:
        ends.append(f"after {again.count} visits")
    if again.while_on is not None:
        ends.append(f"with the last visit on or before the last event of {again.while_on}")
    action["description"] = (f"{dose}; first {_anchor_text(component.at)}, then {every} on the "
                             f"plan's calendar; it ends {' or '.join(ends)}"
                             f"{', whichever comes first' if len(ends) > 1 else ''}"
                             f"{_window_text(component)}; {rule}")
    period, unit = ((again.every_days, "d") if again.every_days is not None
                    else (again.every_weeks, "wk"))
    every_repeat: Json = {}
    if isinstance(period, int):  # a parameter: stated in text only
        every_repeat = {"period": period, "periodUnit": unit}
    if isinstance(again.count, int) and again.while_on is None:
        every_repeat["count"] = again.count
    elif isinstance(again.count, int):
        every_repeat["count"] = 1
        every_repeat["countMax"] = again.count
    if every_repeat:
        action["timingTiming"] = {"repeat": every_repeat}
    if again.while_on is not None:
        action["relatedAction"] = [{"actionId": _top(template, again.while_on),
                                    "relationship": "concurrent"}]
    return _anchored(action, component.at, template, component.bounds, timing=False)


def _definitions(template: Template) -> list[Definable]:
    """Each drug (once, when it is written in two phases), its end event, and each other
    component."""
    found: list[Definable] = []
    seen: set[str] = set()
    for component in template.components:
        if isinstance(component, Regimen):
            for drug in component.drugs:
                if drug.id in seen:
                    continue
                seen.add(drug.id)
                found.append(drug)
                if drug.at_end is not None:
                    found.append(drug.at_end)
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


def plan_definition_bundle(template: Template, version: str, base: str = DEFAULT_BASE) -> Json:
    """A ``collection`` Bundle: the PlanDefinition, then its ActivityDefinitions."""
    canon = Canon(template, version, base)
    entries = [entry(plan_definition(canon), canon.plan_definition)]
    entries += [entry(_activity_definition(canon, c), canon.activity(c.id)) for c in _definitions(template)]
    return {
        "resourceType": "Bundle",
        "id": fhir_id(f"{template.id}-{version}"),
        "type": "collection",
        "entry": entries,
    }

