"""The language-3 templates of the library (issue 22), checked to the day over a US and a CN
start; `bep` is never refused for a working-day start."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scheduler.core.workdays import make_calendar

from .conftest import make_plan

SITES = [("US", "America/New_York"), ("CN", "Asia/Shanghai")]


@pytest.mark.parametrize(("region", "zone"), SITES)
def test_bep_is_never_refused_for_a_working_day_start(region, zone):
    calendar = make_calendar(region)
    day, made = date(2026, 1, 1), 0
    while day < date(2027, 1, 1):
        if calendar.is_working_day(day):
            plan = make_plan("bep", day.isoformat(), holidays=region, tz=zone)
            assert len([e for e in plan.events if e.component == "bleomycin"]) == 9
            assert len([e for e in plan.events if e.component == "cisplatin"]) == 15
            made += 1
        day += timedelta(days=1)
    assert made > 240
