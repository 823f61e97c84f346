"""The order of work: check the request, settle the start date, expand each component in
dependency order with the module of its kind (:data:`KINDS`), and collect the plan's notes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from scheduler.core.adjust import Delay
from scheduler.core.errors import InputError, PlanError
from scheduler.core.plan import ParameterValue, Plan, PlanRequest
from scheduler.core.protocol import Daily, Hours, Radiotherapy, Regimen, Template, Visit
from scheduler.core.workdays import WEEKDAY_NAMES, place

from .daily import expand_daily
from .hours import expand_hours
from .radiotherapy import expand_radiotherapy
from .regimen import expand_regimen
from .rules import MAX_PLAN_EVENTS, MAX_PLAN_YEARS, member_ids
from .state import Expansion
from .visit import expand_visit

KINDS: Mapping[type, Callable[[Expansion, Any], None]] = {
    Regimen: expand_regimen,
    Radiotherapy: expand_radiotherapy,
    Daily: expand_daily,
    Visit: expand_visit,
    Hours: expand_hours,
}
"""Each component model of :mod:`scheduler.core.protocol` -> the function that adds its
events to an :class:`Expansion`. A new kind is a new module here and one line in this table."""


def resolve_parameters(
    template: Template, overrides: Mapping[str, int]
) -> tuple[ParameterValue, ...]:
    """The template's parameters with the coordinator's overrides applied and checked."""
    unknown = sorted(set(overrides) - set(template.parameters))
    if unknown:
        known = ", ".join(template.parameters) or "none"
        raise InputError(
            f"--set {unknown[0]}: template '{template.id}' has no parameter '{unknown[0]}' "
            f"(its parameters: {known})"
        )
    values = []
    for name, spec in template.parameters.items():
        value = overrides.get(name, spec.default)
        if not spec.minimum <= value <= spec.maximum:
            raise InputError(
                f"--set {name}={value}: template '{template.id}' allows "
                f"{spec.minimum} to {spec.maximum}"
            )
        values.append(ParameterValue(name, value, name not in overrides, spec.description))
    return tuple(values)


def expand(request: PlanRequest) -> Plan:
    """Expand a plan request into a :class:`Plan` with events sorted by date and time."""
    template = request.template
    parameters = resolve_parameters(template, request.parameters)
    _check_adjustments(template, request.adjustments)
    notes: list[str] = []
    start = _actual_start(request, notes)
    expansion = Expansion(
        request=request,
        values={p.name: p.value for p in parameters},
        start=start,
        horizon_end=request.horizon.after(start),
        notes=notes,
    )
    for parameter in parameters:
        if parameter.is_default:
            notes.append(
                f"Parameter {parameter.name} = {parameter.value} is the template default "
                f"({parameter.description.strip()}); override with --set {parameter.name}=N."
            )
    notes.extend(f"Adjustment: {a.describe()}." for a in request.adjustments)
    for resource, days in sorted(request.calendar.resource_closures.items()):
        listed = ", ".join(f"{d.isoformat()} ({why})" for d, why in sorted(days.items()))
        notes.append(f"Closed for {resource} only: {listed}.")
    for component in _in_dependency_order(template):
        _add(expansion, component)
    for delay in request.adjustments:
        if isinstance(delay, Delay) and delay.cycle > expansion.cycles.get(delay.regimen, 0):
            raise PlanError(
                f"cannot delay cycle {delay.cycle} of '{delay.regimen}': the plan has "
                f"{expansion.cycles.get(delay.regimen, 0)} cycles"
            )
    events = tuple(sorted(expansion.events, key=lambda e: e.sort_key))
    notes.extend(f"Daylight saving: {note}." for note in expansion.clock_notes)
    if events and events[0].date < start:
        first = events[0]
        notes.append(f"The plan begins before day 1: {first.title} on {first.date.isoformat()}, "
                     f"{(start - first.date).days} days before day 1 ({start.isoformat()}).")
    if events:
        for year, why in request.calendar.coverage_gaps(events[0].date, events[-1].date).items():
            notes.append(
                f"Public holidays for {request.calendar.region} in {year} are incomplete (the "
                f"holidays package: {why.rstrip('.')}); check the dates in {year} against the "
                "clinic's own calendar."
            )
    return Plan(
        request=request,
        start=start,
        events=events,
        parameters=parameters,
        horizon_end=expansion.horizon_end,
        notes=tuple(notes),
    )


def _check_adjustments(template: Template, adjustments: tuple[Any, ...]) -> None:
    """Every adjustment names a component (or regimen) the template has."""
    regimens = {c.id for c in template.components if isinstance(c, Regimen)}
    known = set(regimens)
    for component in template.components:
        known.update(member_ids(component))
    for adjustment in adjustments:
        if isinstance(adjustment, Delay):
            if adjustment.regimen not in regimens:
                raise InputError(
                    f"'{adjustment.regimen}' is not a regimen of template '{template.id}' "
                    f"(its regimens: {', '.join(sorted(regimens)) or 'none'})"
                )
        elif adjustment.component not in known:
            raise InputError(
                f"'{adjustment.component}' is not a component of template '{template.id}' "
                f"(its components: {', '.join(sorted(known))})"
            )



def _actual_start(request: PlanRequest, notes: list[str]) -> date:
    calendar, start = request.calendar, request.start
    if calendar.is_working_day(start):
        return start
    reason = calendar.closed_because(start)
    moved = place(start, "next", calendar, "The start date").date
    assert moved is not None
    weekday = WEEKDAY_NAMES[start.weekday()]
    if not request.shift_start:
        raise PlanError(
            f"start date {start.isoformat()} ({weekday}) is not a working day: {reason}. "
            f"Choose a working day, or pass --shift-start to start on the next one, "
            f"{moved.isoformat()} ({WEEKDAY_NAMES[moved.weekday()]})."
        )
    notes.append(
        f"Start moved from {start.isoformat()} ({reason}) to {moved.isoformat()} "
        "with --shift-start: day 1 of the plan is the new date."
    )
    return moved


def _in_dependency_order(template: Template) -> list[Any]:
    """Template order, except that a component comes after those it is anchored to."""
    needs = template.dependencies()
    done: set[str] = set()
    ordered: list[Any] = []
    pending = list(template.components)
    while pending:
        for component in pending:
            if needs[component.id] <= done:
                ordered.append(component)
                done.add(component.id)
                pending.remove(component)
                break
        else:  # pragma: no cover - Template.problems() rejects loops
            raise PlanError("components depend on each other in a loop")
    return ordered


def _add(expansion: Expansion, component: Regimen | Radiotherapy | Daily | Visit | Hours) -> None:
    """Expand one component with its kind's module and record its span for components
    anchored to it."""
    before = len(expansion.events)
    KINDS[type(component)](expansion, component)
    new = expansion.events[before:]
    if not new:
        return
    expansion.spans[component.id] = (min(e.date for e in new), max(e.date for e in new))
    if expansion.spans[component.id][1] >= expansion.limit:
        raise PlanError(
            f"component '{component.id}' runs past {expansion.limit.isoformat()}, more than "
            f"{MAX_PLAN_YEARS} years after the start: check its counts and parameters"
        )
    if len(expansion.events) > MAX_PLAN_EVENTS:
        raise PlanError(
            f"component '{component.id}' brings the plan to {len(expansion.events):,} events, more "
            f"than {MAX_PLAN_EVENTS:,}, the most a plan may have: check its counts, times and parameters"
        )
