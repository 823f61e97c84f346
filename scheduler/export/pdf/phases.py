"""The treatment summary of the overview page: each phase of the plan with its dates
(cycles and their days, open-ended drugs, radiotherapy, daily medication, visits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from scheduler.core.event import Event
from scheduler.core.protocol import Daily, Hours, OpenEnded, Radiotherapy, Regimen, Visit
from scheduler.export.pdf.context import _Context, _moved_pair, _note_pairs
from scheduler.export.pdf.notes import _stop_of
from scheduler.export.pdf.shapes import Shape
from scheduler.export.pdf.words import COLON, COMMA, SEMICOLON, Pair, _cat, _join, _Words


def _day_runs(events: Sequence[Event], words: _Words) -> list[Pair]:
    """A cycle's days in short: "day 1 Tue 2026-02-24: IO, nP, DDP", and runs of consecutive
    days with the same drugs as "days 1–5 Tue 2026-05-12 to Sat 2026-05-16: TMZ5"."""
    by_day: dict[int, list[Event]] = {}
    for event in events:
        assert event.day is not None
        by_day.setdefault(event.day, []).append(event)
    runs: list[list[tuple[int, list[Event]]]] = []
    for number in sorted(by_day):
        group = by_day[number]
        codes = [e.style.code for e in group]
        if runs:
            last_number, last_group = runs[-1][-1]
            if (last_number == number - 1 and [e.style.code for e in last_group] == codes
                    and last_group[0].date + timedelta(days=1) == group[0].date):
                runs[-1].append((number, group))
                continue
        runs.append([(number, group)])
    texts = []
    for run in runs:
        (a, first), (b, last) = run[0], run[-1]
        if a == b:
            text = words.fmt("day_run", a=a, first=words.day_pair(first[0].date))
        else:
            text = words.fmt("days_run", a=a, b=b, first=words.day_pair(first[0].date),
                             last=words.day_pair(last[0].date))
        code_pairs = [(code, code) for code in dict.fromkeys(e.style.code for e in first)]
        text = _cat(text, COLON, _join(code_pairs, COMMA))
        moved = next((e for _, group in run for e in group if e.moved_from), None)
        if moved is not None:
            text = _cat(text, " ", _moved_pair(moved, words))
        texts.append(text)
    return texts


MAX_LISTED = 40
"""Dates or day runs written out on one line of the summary; past it the line ends with an
ellipsis (the count beside it, and the list pages, give them all), so no line outgrows a page."""


def _at_most(items: list[Any], ellipsis: Any) -> list[Any]:
    return items if len(items) <= MAX_LISTED else [*items[:MAX_LISTED], ellipsis]


class _Phase(NamedTuple):
    """One entry of the treatment summary: its codes/shapes, name and lines of dates."""

    swatches: tuple[tuple[Shape, str | None, str], ...]
    name: str
    lines: tuple[str, ...]
    emphasis: str | None = None


def _regimen_phases(regimen: Regimen, ctx: _Context) -> list[_Phase]:
    """A regimen: a line per cycle with its day 1 and drugs; open-ended drugs on their own,
    with their planned and continuation doses and what they continue until."""
    words = ctx.words
    events = [e for e in ctx.plan.events if e.regimen == regimen.id]
    if not events:
        return []
    open_ids = {d.id for d in regimen.drugs if isinstance(d.cycles, OpenEnded)}
    open_ids |= {e.component for e in events if e.open_ended}
    swatches = tuple(dict.fromkeys((ctx.shape(e), e.style.colour, e.style.code) for e in events))
    lines = []
    for cycle in sorted({e.cycle for e in events if e.cycle is not None}):
        in_cycle = [e for e in events if e.cycle == cycle]
        if all(e.component in open_ids for e in in_cycle):
            continue
        runs = _join(_at_most(_day_runs(in_cycle, words), ("…", "…")), SEMICOLON)
        lines.append(words.pick(_cat(words.fmt("cycle", c=cycle), COLON, runs), "\n"))
    phases = []
    if lines:
        drugs = dict.fromkeys((e.style.code, e.component, e.style) for e in events)
        names = [_cat(f"{code} ", words.name_pair(component, style)) for code, component, style in drugs]
        lines.insert(0, words.pick(_cat(words.fmt("drugs"), COLON, _join(names, COMMA)), "\n"))
        translation = regimen.translations.get("zh")
        name = words.pick((regimen.name, translation.name if translation else regimen.name))
        for drug in regimen.drugs:
            if drug.id not in open_ids:
                lines += _change_lines(ctx, drug.id)
        lines += _change_lines(ctx, regimen.id)
        phases.append(_Phase(swatches, name, tuple(dict.fromkeys(lines))))
    for drug in regimen.drugs:
        doses = [e for e in events if e.component == drug.id]
        if drug.id not in open_ids or not doses:
            continue
        planned = [e.date.isoformat() for e in doses if not e.open_ended]
        more = [e.date.isoformat() for e in doses if e.open_ended]
        drug_lines = []
        if planned:
            drug_lines.append(words.say("planned_doses", n=len(planned),
                                        dates=", ".join(_at_most(planned, "…"))))
        stop = _stop_of(ctx.plan, drug.id, regimen.id)
        if more and stop is None:
            drug_lines.append(words.say(
                "cont_doses", end=ctx.plan.horizon_end.isoformat(), n=len(more),
                dates=", ".join(_at_most(more, "…"))
            ))
        elif more:
            drug_lines.append(words.say("cont_doses_given", n=len(more), dates=", ".join(more)))
        drug_lines += _change_lines(ctx, drug.id, regimen.id, holds_only=True)
        until = ctx.until(drug.id)
        style = doses[0].style
        if stop is not None:
            emphasis: str | None = _stop_text(ctx, stop.component)
        else:
            emphasis = words.say("continues", until=until) if until else None
        phases.append(_Phase(
            ((ctx.shape(doses[0]), style.colour, style.code),),
            words.component_name(drug.id, style),
            tuple(drug_lines),
            emphasis,
        ))
    return phases


def _change_lines(ctx: _Context, component: str, regimen: str | None = None, *,
                  holds_only: bool = False) -> list[str]:
    """The holds (and unless ``holds_only``, stops) of a component or its regimen, in words."""
    return [
        ctx.words.pick(change.note, "\n") for change in ctx.changes
        if change.component in (component, regimen) and not (holds_only and change.end is None)
    ]


def _stop_text(ctx: _Context, stopped: str) -> str | None:
    """The sentence of the stop of ``stopped`` ("PD-1 inhibitor stopped from ...")."""
    for change in ctx.changes:
        if change.end is None and change.component == stopped:
            return ctx.words.pick(change.note, "\n")
    return None


def _phases(ctx: _Context) -> list[_Phase]:
    """The treatment summary, in template order."""
    words = ctx.words
    phases: list[_Phase] = []
    for component in ctx.plan.template.components:
        if isinstance(component, Regimen):
            phases.extend(_regimen_phases(component, ctx))
            continue
        events = [e for e in ctx.plan.events if e.component == component.id]
        if not events:
            continue
        first, last = events[0], events[-1]
        swatch = ((ctx.shape(first), first.style.colour, first.style.code),)
        name = words.component_name(component.id, first.style)
        if isinstance(component, Radiotherapy):
            lines = [words.say(
                "rt_summary", n=len(events), per=first.fraction_gy, gy=first.total_gy,
                first=words.day_pair(first.date), last=words.day_pair(last.date),
            )]
            if first.moved_from is not None:
                lines.append(words.pick(_moved_pair(first, words), "\n"))
        elif isinstance(component, Daily):
            how = words.fmt("working_days" if component.on_non_working_day == "skip" else "every_day")
            lines = [words.say("daily_summary", how=how, first=words.day_pair(first.date),
                               last=words.day_pair(last.date), n=len(events))]
        elif isinstance(component, Visit | Hours):
            lines = []
            for visit in events:
                parts = [words.day_pair(visit.date), *_note_pairs(visit, ctx)]
                lines.append(words.pick(_join(parts, SEMICOLON), "\n"))
        else:  # pragma: no cover - the template schema has no other kind
            continue
        lines += _change_lines(ctx, component.id)
        phases.append(_Phase(swatch, name, tuple(lines)))
    return phases
