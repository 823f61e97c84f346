"""What the patient's pages say about changes to the plan, in words: the notes of the overview,
the holds and stops on their days, and the names they use.

The plan's own ``notes`` are written for the coordinator (parameter names, ``--set`` and
``--shift-start``, component ids) and stay in the command line's output and the JSON; the
PDF says the same things from the plan's data, with the components' display names:
"Radiotherapy paused for 2 days, Mon 2026-03-02 to Tue 2026-03-03: machine maintenance".
The reasons are the coordinator's own words and are printed as given.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from scheduler.core.adjust import Delay, Hold, Stop
from scheduler.core.plan import Plan
from scheduler.core.protocol import Radiotherapy, Regimen
from scheduler.export.pdf.words import Pair, _Words

NOTE_LABELS: dict[str, Pair] = {
    "start_moved": (
        "The first day of treatment was moved from {a} ({reason}) to {b}.",
        "治疗开始日由{a}（{reason}）改为{b}。",
    ),
    "delayed": (
        "{name}: cycle {c} starts {n} later than first planned: {reason}.",
        "{name}：第{c}周期推迟{n}天开始：{reason}。",
    ),
    "brought_forward": (
        "{name}: cycle {c} starts {n} earlier than first planned: {reason}.",
        "{name}：第{c}周期提前{n}天开始：{reason}。",
    ),
    "held": (
        "{name} paused for {n}, {a} to {b}: {reason}.",
        "{name}暂停{n}天（{a}至{b}）：{reason}。",
    ),
    "held_rt": (
        "{name} paused for {n}, {a} to {b}: {reason}. All fractions are still given, after the pause.",
        "{name}暂停{n}天（{a}至{b}）：{reason}。暂停后继续，总次数不变。",
    ),
    "stopped": ("{name} stopped from {a}: {reason}.", "{name}自{a}起停止：{reason}。"),
    "rt_late": (
        "{name} ends on {a}, after the planned weeks {w1}–{w2}, because of holidays and "
        "closures; all {n} fractions are given.",
        "{name}因节假日或停诊顺延至{a}结束（原计划第{w1}–{w2}周），{n}次全部完成。",
    ),
    "holidays_unknown": (
        "Public holidays in {year} are not yet fully published: check the dates in {year} with "
        "your clinic.",
        "{year}年的法定节假日尚未完全公布，请向医院核对{year}年的日期。",
    ),
    "paused_cell": ("{code} paused", "{code}暂停"),
    "stopped_cell": ("{code} stopped", "{code}停止"),
}


def _days(n: int) -> Pair:
    """"1 day", "3 days" (the Chinese labels say 天 themselves)."""
    return (f"{n} day" if n == 1 else f"{n} days"), str(n)


def _fill(key: str, **values: Pair | str | int) -> Pair:
    """A note label filled in language by language."""
    en, zh = NOTE_LABELS[key]
    return (
        en.format(**{k: v[0] if isinstance(v, tuple) else v for k, v in values.items()}),
        zh.format(**{k: v[1] if isinstance(v, tuple) else v for k, v in values.items()}),
    )


def _name_pair(plan: Plan, component: str, words: _Words) -> Pair:
    """The display name of a component, drug or regimen in both languages (its id only when
    the template has no such component, which the expansion does not allow)."""
    for item in plan.template.components:
        if isinstance(item, Regimen) and item.id == component:
            translation = item.translations.get("zh")
            return item.name, translation.name if translation is not None else item.name
    try:
        display = plan.template.display_of(component)
    except KeyError:  # pragma: no cover - adjustments name components of the template
        return component, component
    translation = display.translations.get("zh")
    return display.name, translation.name if translation is not None else display.name


def _code(plan: Plan, component: str) -> str:
    """The short code of a component or drug (a regimen's: its drugs' codes joined by "+")."""
    for item in plan.template.components:
        if isinstance(item, Regimen) and item.id == component:
            return "+".join(drug.code for drug in item.drugs)
    try:
        return plan.template.display_of(component).code
    except KeyError:  # pragma: no cover
        return component


def _covers(adjustment_component: str, component: str, regimen: str | None) -> bool:
    """True when an adjustment of ``adjustment_component`` applies to ``component``."""
    return adjustment_component in (component, regimen)


class _Change(NamedTuple):
    """A hold or stop as the pages show it on its days."""

    start: date
    end: date | None
    """The last held day; None for a stop (from ``start`` on)."""
    component: str
    text: Pair
    """What the day cell says: "RT paused", "IO stopped"."""
    note: Pair
    """The whole sentence, with the dates and the reason."""


def _changes(plan: Plan, words: _Words) -> list[_Change]:
    """The plan's holds and stops, in the order they were made."""
    changes = []
    for adjustment in plan.request.adjustments:
        if isinstance(adjustment, Hold | Stop):
            changes.append(_change(plan, adjustment, words))
    return changes


def _change(plan: Plan, adjustment: Hold | Stop, words: _Words) -> _Change:
    """A hold or a stop in words."""
    name = _name_pair(plan, adjustment.component, words)
    code = _code(plan, adjustment.component)
    if isinstance(adjustment, Stop):
        return _Change(adjustment.start, None, adjustment.component, _fill("stopped_cell", code=code),
                       _fill("stopped", name=name, a=words.day_pair(adjustment.start),
                             reason=adjustment.reason))
    key = "held"
    component = next((c for c in plan.template.components if c.id == adjustment.component), None)
    if isinstance(component, Radiotherapy):
        key = "held_rt"
    note = _fill(key, name=name, n=_days(adjustment.days), a=words.day_pair(adjustment.start),
                 b=words.day_pair(adjustment.end), reason=adjustment.reason)
    return _Change(adjustment.start, adjustment.end, adjustment.component,
                   _fill("paused_cell", code=code), note)


def _stop_of(plan: Plan, component: str, regimen: str | None) -> Stop | None:
    """The first stop that applies to a component (or its regimen), if any."""
    stops = [a for a in plan.request.adjustments
             if isinstance(a, Stop) and _covers(a.component, component, regimen)]
    return min(stops, key=lambda s: s.start) if stops else None


def _patient_notes(plan: Plan, words: _Words) -> list[Pair]:
    """The overview's notes: a moved start, delays, holds and stops of components that have
    no events left (the summary shows the others'), radiotherapy that ends after its planned
    weeks, years whose holidays are not yet published."""
    notes: list[Pair] = []
    request = plan.request
    if plan.start != request.start:
        reason = words.reason_pair(request.start, request.calendar.closed_because(request.start))
        notes.append(_fill("start_moved", a=words.day_pair(request.start), reason=reason,
                           b=words.day_pair(plan.start)))
    for adjustment in request.adjustments:
        if isinstance(adjustment, Delay):
            key = "delayed" if adjustment.days >= 0 else "brought_forward"
            notes.append(_fill(key, name=_name_pair(plan, adjustment.regimen, words), c=adjustment.cycle,
                               n=_days(abs(adjustment.days)), reason=adjustment.reason))
        elif isinstance(adjustment, Hold | Stop) and not any(
                _covers(adjustment.component, e.component, e.regimen) for e in plan.events):
            notes.append(_change(plan, adjustment, words).note)  # not in the summary
    notes += _late_radiotherapy(plan, words)
    if plan.events:
        for year in request.calendar.coverage_gaps(plan.events[0].date, plan.events[-1].date):
            notes.append(_fill("holidays_unknown", year=year))
    return notes


def _late_radiotherapy(plan: Plan, words: _Words) -> list[Pair]:
    """Radiotherapy courses that end after their planned weeks (non-working days)."""
    values = {p.name: p.value for p in plan.parameters}
    notes = []
    for component in plan.template.components:
        if not isinstance(component, Radiotherapy) or component.planned_weeks is None:
            continue
        fractions = [e for e in plan.events if e.component == component.id]
        if not fractions:
            continue
        first_week, last_week = (
            w if isinstance(w, int) else values.get(str(w).lstrip("$"), 0) for w in component.planned_weeks
        )
        last = fractions[-1]
        if (last.date - plan.start).days // 7 + 1 > last_week:
            notes.append(_fill("rt_late", name=_name_pair(plan, component.id, words),
                               a=words.day_pair(last.date), w1=first_week, w2=last_week,
                               n=last.fractions_total or len(fractions)))
    return notes
