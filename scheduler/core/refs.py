"""Readable, stable references for a plan's events: ``immunochemo/c3/d1/pd1``, ``rt/f12``.

Pure. A reference names an event by what it is in the template (regimen, cycle, day, drug;
radiotherapy fraction; the n-th visit or daily dose), never by its date, so it is the same
in every recomputation of the plan, before and after a delay, hold or recorded dose:

- a drug: ``REGIMEN/cCYCLE/dDAY/DRUG`` (``immunochemo/c3/d1/pd1``);
- the end of an infusion: ``REGIMEN/cCYCLE/END`` (``folfox/c2/pump-off``);
- a fraction: ``COMPONENT/fN`` (``rt/f12``);
- a visit once per cycle: ``COMPONENT/cCYCLE`` (``labs/c2``); a repeated visit:
  ``COMPONENT/N``, N its number in the series (``ct-scan/3``); a single visit: ``COMPONENT``;
- a daily dose: ``COMPONENT/dN``, N its day in the course (``dex/d3``).

Several events with one reference (a drug or daily dose given at several times a day) get
``/t1``, ``/t2``... in time order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scheduler.core.event import Event
from scheduler.core.protocol import Regimen, Template, Visit

_DAILY_NUMBER = re.compile(r" – day (\d+) of \d+")
_VISIT_NUMBER = re.compile(r" – (\d+)(?: of \d+)?$")


def _cycle_visits(template: Template) -> set[str]:
    """Ids of visits planned once per cycle (``each_cycle``)."""
    return {c.id for c in template.components if isinstance(c, Visit) and c.each_cycle is not None}


def _repeated_visits(template: Template) -> set[str]:
    """Ids of visits repeated from a first one (``repeat``)."""
    return {c.id for c in template.components if isinstance(c, Visit) and c.repeat is not None}


def _end_events(template: Template) -> set[str]:
    """Ids of the events at the end of an infusion (``at_end``)."""
    return {d.at_end.id for c in template.components if isinstance(c, Regimen)
            for d in c.drugs if d.at_end is not None}


def base_ref(event: Event, cycle_visits: set[str], end_events: set[str],
             repeated: frozenset[str] | set[str] = frozenset()) -> str:
    """An event's reference before duplicates are told apart."""
    if event.kind == "drug":
        return f"{event.regimen}/c{event.cycle}/d{event.day}/{event.component}"
    if event.kind == "fraction":
        return f"{event.component}/f{event.fraction}"
    if event.kind == "daily":
        found = _DAILY_NUMBER.search(event.title)
        return f"{event.component}/d{found.group(1) if found else event.plan_day}"
    if event.component in end_events:
        return f"{event.regimen}/c{event.cycle}/{event.component}"
    if event.component in cycle_visits:
        return f"{event.component}/c{event.cycle}"
    if event.component in repeated:
        found = _VISIT_NUMBER.search(event.title)
        return f"{event.component}/{found.group(1) if found else event.plan_day}"
    return event.component


def with_refs(events: Sequence[Event], template: Template) -> tuple[Event, ...]:
    """``events`` (sorted) with ``ref`` set on each, unique within the plan."""
    cycle_visits, end_events = _cycle_visits(template), _end_events(template)
    repeated = _repeated_visits(template)
    bases = [base_ref(e, cycle_visits, end_events, repeated) for e in events]
    counts: dict[str, int] = {}
    for base in bases:
        counts[base] = counts.get(base, 0) + 1
    seen: dict[str, int] = {}
    result = []
    for event, base in zip(events, bases, strict=True):
        ref = base
        if counts[base] > 1:
            seen[base] = seen.get(base, 0) + 1
            ref = f"{base}/t{seen[base]}"
        result.append(event._replace(ref=ref))
    return tuple(result)
