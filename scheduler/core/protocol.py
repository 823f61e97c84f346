"""The protocol template schema: frozen, validated models of a YAML template.

A template is data. It names its components (drug regimens in cycles, radiotherapy courses,
daily home medication, visits), when each starts, and what happens when a date is not a
working day. The exact meaning of every field is in README.md ("Template language"); this
module only states the shapes and checks them. Loading YAML files lives in
:mod:`scheduler.core.loader`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
    model_validator,
)

from scheduler.core.components import (
    DISPLAY_DEFAULT_FIELDS,
    Anchor,
    Capped,
    ClockList,
    Component,
    CycleCount,
    Daily,
    Defaults,
    Display,
    Drug,
    EachCycle,
    EndEvent,
    HourCount,
    Hours,
    Language,
    OpenEnded,
    Parameter,
    Radiotherapy,
    Regimen,
    Repeat,
    Translation,
    Visit,
    Window,
    WindowDays,
)
from scheduler.core.fieldtypes import (
    EARLIEST_DAY,
    EARLIEST_DRUG_DAY,
    MAX_DESCRIPTION,
    MAX_DETAIL,
    MAX_GRAY,
    MAX_INFUSION_MINUTES,
    MAX_LABEL,
    MAX_NAME,
    MAX_REFERENCE,
    MAX_REMINDER_DAYS,
    ClockTime,
    Colour,
    CycleStartRule,
    DayList,
    Detail,
    Gray,
    Id,
    Label,
    Minutes,
    Name,
    Offset,
    Paragraph,
    PlanDay,
    PositiveCount,
    Reminder,
    Rule,
    SpanField,
    Strict,
    _text,
)

__all__ = [
    "DISPLAY_DEFAULT_FIELDS",
    "EARLIEST_DAY",
    "EARLIEST_DRUG_DAY",
    "MAX_DESCRIPTION",
    "MAX_DETAIL",
    "MAX_GRAY",
    "MAX_INFUSION_MINUTES",
    "MAX_LABEL",
    "MAX_NAME",
    "MAX_REFERENCE",
    "MAX_REMINDER_DAYS",
    "Anchor",
    "Capped",
    "ClockList",
    "ClockTime",
    "Colour",
    "Component",
    "CycleCount",
    "CycleStartRule",
    "Daily",
    "DayList",
    "Defaults",
    "Detail",
    "Display",
    "Drug",
    "EachCycle",
    "EndEvent",
    "Gray",
    "HourCount",
    "Hours",
    "Id",
    "Label",
    "Language",
    "Minutes",
    "Name",
    "Offset",
    "OpenEnded",
    "Paragraph",
    "Parameter",
    "PlanDay",
    "PositiveCount",
    "Radiotherapy",
    "Regimen",
    "Reminder",
    "Repeat",
    "Rule",
    "SpanField",
    "Strict",
    "Translation",
    "Visit",
    "Window",
    "WindowDays",
]


class CalendarDefaults(Strict):
    """The working-day calendar a protocol's site uses, unless the command line says otherwise."""

    holidays: str | None = None
    timezone: str | None = None


def with_defaults(data: Any) -> Any:
    """Template data with its ``defaults`` copied into every displayed component that does
    not set the field."""
    if not isinstance(data, dict) or not isinstance(data.get("defaults"), dict):
        return data
    inherited = {k: v for k, v in data["defaults"].items() if k in DISPLAY_DEFAULT_FIELDS}
    components = data.get("components")
    if not inherited or not isinstance(components, list):
        return data

    def merged(item: Any) -> Any:
        return {**inherited, **item} if isinstance(item, dict) else item

    new_components = []
    for item in components:
        if isinstance(item, dict) and item.get("kind") == "cycles":
            drugs = item.get("drugs")
            if isinstance(drugs, list):
                item = {**item, "drugs": [merged(d) for d in drugs]}
            new_components.append(item)
        else:
            new_components.append(merged(item))
    return {**data, "components": new_components}


class Template(Strict):
    """A whole protocol template."""

    id: Id
    name: Name = Field(min_length=1)
    source: Name = Field(min_length=1)
    reference: Annotated[str, _text(MAX_REFERENCE)] | None = None
    description: Paragraph | None = None
    review: Paragraph | None = None
    """Who checked the template, when, against which sources (free text; shown by ``template
    show`` and on the Templates page). A clinician must review a template before use."""
    calendar: CalendarDefaults = CalendarDefaults()
    parameters: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")], Parameter] = {}
    defaults: Defaults = Defaults()
    components: list[Component] = Field(min_length=1)
    translations: dict[Language, Translation] = {}
    """The protocol's display name in other languages (``{zh: {name: ...}}``), for the
    patient's calendar and the printed one."""
    provenance: list[dict[str, Any]] = []
    """Where a drafted template's values came from (``scheduler draft``); not used to plan."""

    @model_validator(mode="before")
    @classmethod
    def _inherit_defaults(cls, data: Any) -> Any:
        return with_defaults(data)

    # --- cross-field checks, each located by a field path -----------------------------------

    def problems(self, unjudged: frozenset[str] = frozenset()) -> list[tuple[tuple[str | int, ...], str]]:
        """Checks that span fields: ids, references, ranges. Empty when the template is sound.
        References to the ``unjudged`` ids (of components left out because they are invalid
        themselves) are not checked."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        seen: dict[str, tuple[str | int, ...]] = {}
        for where, ident in self._ids():
            if ident in seen and not self._same_drug_in_phases(seen[ident], where):
                hint = ""
                if "drugs" in where and "drugs" in seen[ident]:
                    hint = (" (one drug may be written in two regimens only with the same "
                            "fields, in a regimen that continues the other's cycle numbers)")
                found.append(((*where, "id"), f"id '{ident}' is used twice{hint}"))
            seen[ident] = where
        for where, ref in self._param_refs():
            if ref[1:] not in self.parameters:
                known = ", ".join(f"${n}" for n in self.parameters) or "none"
                found.append((where, f"unknown parameter '{ref}' (defined: {known})"))
        for index, component in enumerate(self.components):
            found.extend(self._component_problems(index, component, seen, unjudged))
            found.extend(language3_problems(self, index, component))
        cycle = self._dependency_cycle()
        if cycle:
            found.append((("components",), "components depend on each other in a loop: "
                          + " -> ".join(cycle)))
        return found

    def _same_drug_in_phases(
        self, first: tuple[str | int, ...], second: tuple[str | int, ...]
    ) -> bool:
        """True when an id names the same drug (every field equal) in two regimens, the
        second continuing the first's cycle numbers: pegfilgrastim on day 2 of AC cycles 1-4
        and of paclitaxel cycles 5-8. Each dose keeps its own cycle number."""
        if first[-1:] == ("at_end",) and second[-1:] == ("at_end",):
            first, second = first[:-1], second[:-1]  # the same drug's end event
        if len(first) != 4 or len(second) != 4 or first[2] != "drugs" or second[2] != "drugs":
            return False
        one, two = self.components[int(first[1])], self.components[int(second[1])]
        if not isinstance(one, Regimen) or not isinstance(two, Regimen) or one is two:
            return False
        if one.drugs[int(first[3])] != two.drugs[int(second[3])]:
            return False
        return two.continue_numbering == one.id or one.continue_numbering == two.id

    def _ids(self) -> list[tuple[tuple[str | int, ...], str]]:
        ids: list[tuple[tuple[str | int, ...], str]] = []
        for i, component in enumerate(self.components):
            ids.append((("components", i), component.id))
            if isinstance(component, Regimen):
                for j, drug in enumerate(component.drugs):
                    ids.append((("components", i, "drugs", j), drug.id))
                    if drug.at_end is not None:
                        ids.append((("components", i, "drugs", j, "at_end"), drug.at_end.id))
        return ids

    def _param_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        refs: list[tuple[tuple[str | int, ...], str]] = []

        def walk(value: Any, where: tuple[str | int, ...]) -> None:
            if isinstance(value, str) and value.startswith("$"):
                refs.append((where, value))
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    walk(getattr(value, name), (*where, name))
            elif isinstance(value, list | tuple):
                for j, item in enumerate(value):
                    walk(item, (*where, j))

        walk(self.components, ("components",))
        return refs

    def _component_problems(
        self, index: int, component: Any, ids: dict[str, tuple[str | int, ...]], unjudged: frozenset[str]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        where: tuple[str | int, ...] = ("components", index)
        found: list[tuple[tuple[str | int, ...], str]] = []
        regimens = {c.id for c in self.components if isinstance(c, Regimen)}
        anchor_field = "at" if isinstance(component, Visit) else "start"
        anchor = getattr(component, anchor_field)
        if anchor is not None and anchor.after is not None and anchor.after not in unjudged:
            if anchor.after not in ids:
                found.append(((*where, anchor_field, "after"), f"no component with id '{anchor.after}'"))
            elif anchor.after == component.id:
                found.append(((*where, anchor_field, "after"), "a component cannot start after itself"))
            elif anchor.from_ == "last_day1" and anchor.after not in regimens:
                found.append(((*where, anchor_field, "from"),
                              f"'from: last_day1' counts from a regimen's last cycle; "
                              f"'{anchor.after}' is not a regimen (kind: cycles)"))

        def reference(field: tuple[str, ...], target: str | None, what: str,
                      allowed: set[str] | None = None) -> None:
            if target is None or target in unjudged:
                return
            if target not in ids:
                found.append(((*where, *field), f"no component with id '{target}'"))
            elif target == component.id:
                found.append(((*where, *field), f"a component cannot {what} itself"))
            elif allowed is not None and target not in allowed:
                found.append(((*where, *field), f"'{target}' is not a regimen (kind: cycles)"))

        if isinstance(component, Daily):
            reference(("through",), component.through, "run through")
            reference(("on_days_of",), component.on_days_of, "be given on the days of")
        if isinstance(component, Visit):
            if component.each_cycle is not None:
                reference(("each_cycle", "of"), component.each_cycle.of, "follow", regimens)
                of = next((c for c in self.components if isinstance(c, Regimen)
                           and c.id == component.each_cycle.of), None)
                if of is not None and component.each_cycle.day > of.cycle_days:
                    found.append(((*where, "each_cycle", "day"),
                                  f"day {component.each_cycle.day} is past the end of a "
                                  f"{of.cycle_days}-day cycle of '{of.id}'"))
            if component.repeat is not None:
                reference(("repeat", "while_on"), component.repeat.while_on, "repeat while on")
        if isinstance(component, Regimen):
            reference(("continue_numbering",), component.continue_numbering,
                      "continue the numbering of", regimens)
            for j, drug in enumerate(component.drugs):
                if drug.cycles is None and component.cycles is None:
                    found.append(((*where, "drugs", j, "cycles"),
                                  "missing: give 'cycles' here or on the regimen"))
                late = [d for d in drug.days if d > component.cycle_days]
                if late:
                    found.append(((*where, "drugs", j, "days"),
                                  f"day {late[0]} is past the end of a {component.cycle_days}-day cycle"))
        if isinstance(component, Radiotherapy):
            found.extend(_radiotherapy_problems(where, component))
        return found

    def resources(self) -> set[str]:
        """The resources the components and drugs name (``linac``)."""
        found: set[str] = set()
        for component in self.components:
            found.update({component.resource} if component.resource else set())
            if isinstance(component, Regimen):
                found.update(d.resource for d in component.drugs if d.resource)
        return found

    def display_of(self, component_id: str) -> Display:
        """The display fields of a component or drug, by id (KeyError if there is none)."""
        for component in self.components:
            if isinstance(component, Regimen):
                for drug in component.drugs:
                    if drug.id == component_id:
                        return drug
                    if drug.at_end is not None and drug.at_end.id == component_id:
                        return drug.at_end
            elif component.id == component_id:
                return component
        raise KeyError(component_id)

    def dependencies(self) -> dict[str, set[str]]:
        """Component id -> ids of components (or regimens) whose dates it needs first."""
        owner = {c.id: c.id for c in self.components}
        for c in self.components:
            if isinstance(c, Regimen):
                owner.update({d.id: c.id for d in c.drugs})
                owner.update({d.at_end.id: c.id for d in c.drugs if d.at_end is not None})
        needs: dict[str, set[str]] = {}
        for c in self.components:
            anchor = c.at if isinstance(c, Visit) else c.start
            refs = {anchor.after} if anchor is not None and anchor.after else set()
            if isinstance(c, Daily):
                refs.update(r for r in (c.through, c.on_days_of) if r)
            if isinstance(c, Visit):
                if c.each_cycle is not None:
                    refs.add(c.each_cycle.of)
                if c.repeat is not None and c.repeat.while_on:
                    refs.add(c.repeat.while_on)
            if isinstance(c, Regimen) and c.continue_numbering:
                refs.add(c.continue_numbering)
            if isinstance(c, Hours):
                refs.add(c.after_start_of)
            needs[c.id] = {owner[r] for r in refs if r in owner}
        return needs

    def _dependency_cycle(self) -> list[str]:
        needs = self.dependencies()
        state: dict[str, int] = {}
        path: list[str] = []

        def visit(node: str) -> list[str]:
            state[node] = 1
            path.append(node)
            for nxt in sorted(needs.get(node, ())):
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt):], nxt]
                if nxt not in state:
                    loop = visit(nxt)
                    if loop:
                        return loop
            path.pop()
            state[node] = 2
            return []

        for node in needs:
            if node not in state:
                loop = visit(node)
                if loop:
                    return loop
        return []


def _radiotherapy_problems(
    where: tuple[str | int, ...], rt: Radiotherapy
) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    if rt.dose_per_fraction_gy is None:
        if rt.fraction_count > 100:
            found.append(((*where, "fractions"), f"{rt.fraction_count} fractions is more than 100"))
        count = Decimal(rt.fraction_count)
    else:
        count = rt.total_dose_gy / rt.dose_per_fraction_gy
    if rt.dose_per_fraction_gy is None:
        pass
    elif count != count.to_integral_value():
        found.append(((*where, "dose_per_fraction_gy"),
                      f"{rt.total_dose_gy} Gy is not a whole number of {rt.dose_per_fraction_gy} Gy "
                      f"fractions ({count.normalize():f}); for a prescription that does not "
                      "divide evenly, give the number of 'fractions' and leave this out"))
    elif rt.fractions is not None and rt.fractions != int(count):
        found.append(((*where, "fractions"),
                      f"{rt.fractions} fractions of {rt.dose_per_fraction_gy} Gy do not make "
                      f"{rt.total_dose_gy} Gy ({int(count)} do)"))
    elif int(count) > 100:
        found.append(((*where, "total_dose_gy"), f"{int(count)} fractions is more than 100"))
    if rt.planned_weeks is not None:
        first, last = rt.planned_weeks
        if isinstance(first, int) and isinstance(last, int) and last < first:
            found.append(((*where, "planned_weeks"), f"week {last} is before week {first}"))
    return found


def language3_problems(template: Template, index: int, component: Any
                       ) -> list[tuple[tuple[str | int, ...], str]]:
    """The checks of template language 3's constructs (days before day 1, blocks, hours,
    fractions a day), for one component."""
    where: tuple[str | int, ...] = ("components", index)
    found: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(component, Hours):
        drugs = {d.id: d for c in template.components if isinstance(c, Regimen) for d in c.drugs}
        target = drugs.get(component.after_start_of)
        if target is None:
            found.append(((*where, "after_start_of"),
                          f"'{component.after_start_of}' is not a drug of a regimen"))
        elif target.time is None and not target.times:
            found.append(((*where, "after_start_of"),
                          f"'{component.after_start_of}' has no clock 'time': hours after the "
                          "start of a dose need the time it starts"))
    if isinstance(component, Regimen) and isinstance(component.start.day, int) \
            and component.start.day < 1:
        found.append(((*where, "start", "day"),
                      f"a regimen's cycle 1 day 1 cannot come before day 1 of the plan (got "
                      f"day {component.start.day}); give a drug days before day 1 instead "
                      "(days: [0, 1, 2]), or start the plan earlier"))
    return found
