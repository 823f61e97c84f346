"""Clinic closures recorded in a plan's history: days closed for everyone, or for one
resource (``linac``), added to the plan's calendar before it is expanded.

Pure. A :class:`~scheduler.core.adjust.Closed` in a request's adjustments is folded into its
calendar by :func:`applied`; the expansion then moves the events of those days by their own
working-day rules, as it does for a closure in the site file.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from scheduler.core.adjust import Closed
from scheduler.core.plan import PlanRequest
from scheduler.core.workdays import make_calendar


def days(closed: Closed) -> list[date]:
    """Every day of the closure."""
    return [closed.start + timedelta(days=i) for i in range((closed.end - closed.start).days + 1)]


def applied(request: PlanRequest) -> PlanRequest:
    """``request`` with its closures in its calendar and out of its adjustments (itself when
    it has none)."""
    found = [a for a in request.adjustments if isinstance(a, Closed)]
    if not found:
        return request
    calendar = request.calendar
    closures = dict(calendar.closures)
    workdays = dict(calendar.workdays)
    scoped = {name: dict(closed) for name, closed in calendar.resource_closures.items()}
    for closed in found:
        why = f"{closed.reason} (closure {closed.closure})"
        for day in days(closed):
            if closed.resource is None:
                closures.setdefault(day, why)
                workdays.pop(day, None)
            else:
                scoped.setdefault(closed.resource, {}).setdefault(day, why)
    return replace(request, calendar=make_calendar(calendar.region, closures, workdays, scoped),
                   adjustments=tuple(a for a in request.adjustments if not isinstance(a, Closed)))
