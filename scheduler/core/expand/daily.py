"""Daily medication (``kind: daily``): every day from its anchor for ``days`` or through
another component's last event, or (``on_days_of``) on exactly the dates of another
component's events; once per ``times`` entry."""

from __future__ import annotations

from datetime import time, timedelta

from scheduler.core.errors import PlanError
from scheduler.core.protocol import Daily
from scheduler.core.workdays import Placement

from .rules import MAX_PLAN_YEARS
from .state import Expansion


def expand_daily(x: Expansion, daily: Daily) -> None:
    calendar = x.calendar.for_resource(daily.resource)
    if daily.on_days_of is not None:
        days = x.days_of(daily.on_days_of)
        first = days[0] if days else x.start
    else:
        assert daily.start is not None
        first = x.anchor_date(daily.start)
        if daily.days is not None:
            last = first + timedelta(days=x.value(daily.days) - 1)
        else:
            assert daily.through is not None
            last = x.last_date(daily.through)
        if last < first:
            raise PlanError(
                f"'{daily.id}' would end ({last.isoformat()}) before it starts "
                f"({first.isoformat()}); check 'start' and 'through'"
            )
        if last >= x.limit:
            raise PlanError(
                f"'{daily.id}' runs past {x.limit.isoformat()}, more than {MAX_PLAN_YEARS} "
                "years after the start: check its 'days'"
            )
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        if daily.on_non_working_day == "skip":
            days = [d for d in days if calendar.is_working_day(d)]
    clocks: tuple[time | None, ...] = daily.times or (None,)
    for number, day in enumerate(days, start=1):
        for index, clock in enumerate(clocks):
            suffix = f", {clock.strftime('%H:%M')}" if daily.times and clock else ""
            x.emit(
                daily,
                identity=f"{daily.id}\x00d{(day - first).days + 1}"
                         + (f"\x00t{index}" if daily.times else ""),
                kind="daily",
                component=daily.id,
                when=Placement(day),
                title=f"{daily.name} – day {number} of {len(days)}{suffix}",
                dose=daily.dose,
                clock=clock,
                note=(f"On the days of {x.name_of(daily.on_days_of)} only."
                      if daily.on_days_of is not None and number == 1 else None),
            )
