"""Radiotherapy courses (``kind: radiotherapy``): from the anchor, one fraction on each
working day, at most ``fractions_per_week`` per calendar week (Monday to Sunday) and at
least ``min_gap_days`` apart, until all fractions are given; the cumulative dose is
total * n / fractions (0.01 Gy), exactly the total at the last."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from scheduler.core.adjust import Hold, Stop
from scheduler.core.errors import PlanError
from scheduler.core.protocol import Radiotherapy
from scheduler.core.workdays import Placement

from .rules import day_list, reasons
from .state import Expansion

RT_SEARCH_DAYS = 90
"""How far past its planned length closures may push a radiotherapy course before the plan
is refused as implausible."""


def expand_radiotherapy(x: Expansion, rt: Radiotherapy) -> None:
    calendar = x.calendar.for_resource(rt.resource)
    anchor = x.anchor_date(rt.start)
    total = rt.fraction_count
    per_fraction, total_gy = rt.per_fraction_text(), str(rt.total_dose_gy)
    nominal_days = max(-(-total // rt.fractions_per_week) * 7, total * rt.min_gap_days)
    if rt.dose_per_fraction_gy is None and rt.total_dose_gy / total != Decimal(per_fraction):
        x.notes.append(
            f"{rt.name}: {total_gy} Gy in {total} fractions does not divide evenly; the dose "
            f"per fraction is shown rounded ({per_fraction} Gy) and the cumulative dose at "
            f"fraction {total} is exactly {total_gy} Gy."
        )
    dose = rt.dose or f"{per_fraction} Gy"
    one_day = timedelta(days=1)
    per_week: dict[int, int] = {}
    closed: list[tuple[date, str]] = []
    stops = [a.start for a, _ in x.left_out.get(rt.id, ()) if isinstance(a, Stop)]
    holds = [a for a, _ in x.left_out.get(rt.id, ()) if isinstance(a, Hold)]
    given = 0
    last = anchor
    day = anchor
    while given < total:
        if stops and day >= min(stops):
            break
        held = next((h for h in holds if h.covers(day)), None) if holds else None
        if held is not None:
            closed.append((day, f"held: {held.reason}"))
            day += one_day
            continue
        if (day - anchor).days > nominal_days + RT_SEARCH_DAYS:
            raise PlanError(
                f"{rt.name}: only {given} of {total} fractions fit between "
                f"{anchor.isoformat()} and {day.isoformat()} (the course may run at most "
                f"{RT_SEARCH_DAYS} days past its planned length); check the closures"
            )
        if not calendar.is_working_day(day):
            if not calendar.is_weekend_only(day):
                closed.append((day, calendar.closed_because(day) or ""))
            day += one_day
            continue
        week = (day.toordinal() - 1) // 7  # Monday-to-Sunday weeks
        if per_week.get(week, 0) >= rt.fractions_per_week:
            day += one_day
            continue
        if given and (day - last).days < rt.min_gap_days:
            day += one_day
            continue
        per_week[week] = per_week.get(week, 0) + 1
        given += 1
        when = Placement(day)
        if given == 1 and day != anchor:
            reason = (calendar.closed_because(anchor)
                      or (closed[0][1] if closed else None)
                      or f"at most {rt.fractions_per_week} fractions a week")
            when = Placement(day, anchor, reason)
        note = None
        if closed:
            note = (
                f"No radiotherapy on {day_list([d for d, _ in closed])}: "
                f"{reasons(closed)}. "
                f"The course is extended so that all {total} fractions are given."
            )
            closed = []
        x.emit(
            rt,
            identity=f"{rt.id}\x00f{given}",
            kind="fraction",
            component=rt.id,
            when=when,
            title=f"{rt.name} – fraction {given} of {total}",
            dose=dose,
            note=note,
            fraction=given,
            fractions_total=total,
            fraction_gy=per_fraction,
            cumulative_gy=rt.cumulative_gy(given),
            total_gy=total_gy,
        )
        last = day
        day += one_day
    if rt.planned_weeks is not None:
        first_week, last_week = (x.value(w) for w in rt.planned_weeks)
        week_of_last = (last - x.start).days // 7 + 1
        if week_of_last > last_week:
            x.notes.append(
                f"{rt.name} ends on {last.isoformat()}, in week {week_of_last}, after the "
                f"planned weeks {first_week}–{last_week}, because of non-working days; "
                f"all {total} fractions are kept."
            )
