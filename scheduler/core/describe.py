"""A template in words, for ``scheduler template show`` and ``scheduler templates --search``.

A coordinator needs the ids that ``hold``/``stop``/``delay`` take and what each rule means
without reading YAML; every line here is built from the validated model, never from the
file's text.
"""

from __future__ import annotations

from scheduler.core.protocol import (
    Anchor,
    Capped,
    Daily,
    Display,
    Drug,
    Hours,
    OpenEnded,
    Radiotherapy,
    Regimen,
    Template,
    Visit,
)


def search_text(template: Template) -> str:
    """Everything ``--search`` looks in: id, name, source, description, component and drug
    ids and names, dose texts."""
    parts = [template.id, template.name, template.source, template.description or ""]
    for component in template.components:
        parts += [component.id, component.name]
        if isinstance(component, Regimen):
            for drug in component.drugs:
                parts += [drug.id, drug.name, drug.dose]
        else:
            parts.append(component.dose)
    return " ".join(parts).lower()


def matches(template: Template, query: str) -> bool:
    """True when every word of ``query`` occurs in the template's :func:`search_text`."""
    text = search_text(template)
    return all(word in text for word in query.lower().split())


def _num(value: int | str) -> str:
    """``4`` -> ``4``; ``$cycles`` -> ``<cycles>`` (the parameter's value)."""
    return f"<{value[1:]}>" if isinstance(value, str) else str(value)


def _anchor(anchor: Anchor) -> str:
    if anchor.day is not None:
        return f"day {_num(anchor.day)}"
    if anchor.week is not None:
        return f"week {_num(anchor.week)}"
    base = {"last_day1": "the actual day 1 of the last cycle of",
            "first_event": "the first event of"}.get(anchor.from_, "the last event of")
    return f"{_num(anchor.gap_days)} days after {base} '{anchor.after}'"


def _clock(display: Display) -> str:
    times = getattr(display, "times", ())
    if times:
        return " at " + " and ".join(t.strftime("%H:%M") for t in times if t is not None)
    if display.time is None:
        return " (all day)"
    hours, minutes = divmod(display.duration or 0, 60)
    length = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")
    return f" at {display.time.strftime('%H:%M')} for {length}"


def _count(spec: object) -> str:
    if isinstance(spec, OpenEnded):
        return f"for at least {spec.minimum}, then until {spec.until}"
    if isinstance(spec, Capped):
        within = f" or {spec.within}, whichever comes first" if spec.within else ""
        until = f" (until {spec.until})" if spec.until else ""
        return f"up to {_num(spec.up_to)} cycles{within}{until}"
    return f"{_num(spec)} cycles" if isinstance(spec, str | int) else f"{spec} cycles"


def _drug(drug: Drug, regimen: Regimen) -> list[str]:
    days = ", ".join(str(d) for d in drug.days)
    spec = drug.cycles if drug.cycles is not None else regimen.cycles
    lines = [f"    {drug.id}: {drug.name} ({drug.code}) – day {days} of each cycle, "
             f"{_count(spec)}{_clock(drug)}; non-working day: {drug.on_non_working_day}"]
    if drug.dose:
        lines.append(f"      {drug.dose}")
    if drug.at_end is not None:
        lines.append(f"    {drug.at_end.id}: {drug.at_end.name} ({drug.at_end.code}) – when the "
                     f"{drug.name} ends, whatever the day (a note when that is a "
                     "non-working day)")
    return lines


def describe(template: Template) -> list[str]:
    """The template as lines of text: header, parameters, then each component and its rules."""
    lines = [f"{template.id}: {template.name}", f"Source: {template.source}"]
    if template.reference:
        lines.append(f"Reference: {template.reference}")
    if template.parameters:
        lines.append("Parameters (--set NAME=N):")
        for name, spec in template.parameters.items():
            lines.append(f"  {name} = {spec.default} ({spec.minimum}–{spec.maximum}): "
                         f"{spec.description.strip()}")
    lines.append("Components (ids for hold, stop and delay; <name> is a parameter's value):")
    for component in template.components:
        if isinstance(component, Regimen):
            lines.append(f"  {component.id}: {component.name} – regimen of {component.cycle_days}-day "
                         f"cycles from {_anchor(component.start)}; day 1 on a non-working day: "
                         f"{component.on_non_working_day}")
            if component.reschedule == "original_grid":
                lines.append("    rescheduling: original grid (a moved dose does not move the next)")
            else:
                lines.append("    rescheduling: carry forward (each cycle counts from the actual "
                             "day 1 of the one before)")
            if component.continue_numbering:
                lines.append(f"    cycle numbers continue those of '{component.continue_numbering}'")
            for drug in component.drugs:
                lines += _drug(drug, component)
        elif isinstance(component, Radiotherapy):
            lines.append(
                f"  {component.id}: {component.name} ({component.code}) – {component.total_dose_gy} Gy "
                f"in {component.fraction_count} fractions of {component.per_fraction_text()} Gy, "
                f"at most {component.fractions_per_week} a week"
                + (f", at least {component.min_gap_days} days apart" if component.min_gap_days > 1 else "")
                + f", from {_anchor(component.start)}, working days only{_clock(component)}"
            )
        elif isinstance(component, Daily):
            if component.on_days_of is not None:
                when = f"on the days of '{component.on_days_of}' only"
            else:
                assert component.start is not None
                end = (f"for {_num(component.days)} days" if component.days is not None
                       else f"through the last event of '{component.through}'")
                when = f"every day from {_anchor(component.start)} {end}"
            lines.append(f"  {component.id}: {component.name} ({component.code}) – {when}"
                         f"{_clock(component)}")
        elif isinstance(component, Visit):
            if component.each_cycle is not None:
                each = component.each_cycle
                offset = (f"day {each.day}" if each.day >= 1 else
                          f"{1 - each.day} day{'s' if each.day < 0 else ''} before day 1")
                when = (f"{offset} of each cycle of '{each.of}' (counted from its actual "
                        f"day 1), from cycle {each.from_cycle}")
            else:
                assert component.at is not None
                when = _anchor(component.at)
                if component.repeat is not None:
                    r = component.repeat
                    every = (f"{_num(r.every_weeks)} weeks" if r.every_weeks is not None
                             else f"{_num(r.every_days or 1)} days")
                    ends = []
                    if r.count is not None:
                        ends.append(f"{_num(r.count)} visits")
                    if r.while_on is not None:
                        ends.append(f"none after the last event of '{r.while_on}'")
                    when = f"every {every} from {when}, {' or '.join(ends)}"
            before, after = component.bounds
            window = f"; window −{before}/+{after} days" if before or after else ""
            lines.append(f"  {component.id}: {component.name} ({component.code}) – {when}{window}; "
                         f"non-working day: {component.on_non_working_day}")
        elif isinstance(component, Hours):
            listed = ", ".join(str(h) for h in component.offsets())
            lines.append(f"  {component.id}: {component.name} ({component.code}) – at {listed} "
                         f"hours after the start of each '{component.after_start_of}' dose "
                         "(elapsed time), whatever the day")
        if component.resource:
            lines.append(f"    resource: {component.resource} (closed by --closed DATE@"
                         f"{component.resource})")
    return lines
