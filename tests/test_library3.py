"""The language-3 templates of the library (issue 22), checked to the day over a US and a CN
start; `bep` is never refused for a working-day start."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

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


def rt_days(plan) -> list[str]:
    return [e.date.isoformat() for e in plan.events if e.component == "rt"]


def weekdays(first: str, last: str) -> list[str]:
    """Monday-to-Friday ISO dates from ``first`` to ``last``."""
    one, two = date.fromisoformat(first), date.fromisoformat(last)
    return [(one + timedelta(days=n)).isoformat() for n in range((two - one).days + 1)
            if (one + timedelta(days=n)).weekday() < 5]


def test_durvalumab_after_crt_us_across_the_dst_change():
    plan = make_plan("durvalumab-after-crt", "2026-03-02", holidays="US", tz="America/New_York")
    weekly = ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30", "2026-04-06"]
    assert [e.date.isoformat() for e in plan.events if e.component == "paclitaxel"] == weekly
    ptx = [e for e in plan.events if e.component == "paclitaxel"]
    # 09:00 in New York: EST on 2 March, EDT from 8 March
    assert ptx[0].start.astimezone(UTC).hour == 14 and ptx[1].start.astimezone(UTC).hour == 13
    assert rt_days(plan) == weekdays("2026-03-02", "2026-04-10")
    assert [e.date.isoformat() for e in plan.events if e.component == "durvalumab"] == [
        "2026-04-24", "2026-05-22", "2026-06-22", "2026-07-20", "2026-08-17", "2026-09-14",
        "2026-10-13", "2026-11-10", "2026-12-08", "2027-01-05", "2027-02-02", "2027-03-02",
        "2027-03-30"]  # 14 days after the last fraction; Juneteenth, Columbus Day
    # every 12 weeks from the first dose (24 April), while on durvalumab: none after 30 March
    assert [e.date.isoformat() for e in plan.events if e.component == "ct-scan"] == [
        "2026-07-17", "2026-10-09", "2027-01-04", "2027-03-26"]


def test_durvalumab_after_crt_cn_across_the_spring_festival():
    plan = make_plan("durvalumab-after-crt", "2026-02-09", holidays="CN", tz="Asia/Shanghai")
    assert [e.date.isoformat() for e in plan.events if e.component == "carboplatin"] == [
        "2026-02-09", "2026-02-24", "2026-03-03", "2026-03-10", "2026-03-17", "2026-03-24"]
    assert rt_days(plan) == (weekdays("2026-02-09", "2026-02-13") + weekdays(
        "2026-02-24", "2026-02-27") + ["2026-02-28"] + weekdays("2026-03-02", "2026-03-27"))
    assert [e.date.isoformat() for e in plan.events if e.component == "durvalumab"] == [
        "2026-04-10", "2026-05-08", "2026-06-05", "2026-07-03", "2026-07-31", "2026-08-28",
        "2026-09-28", "2026-10-26", "2026-11-23", "2026-12-21", "2027-01-18", "2027-02-15",
        "2027-03-15"]  # 25 September 2026 is the Mid-Autumn Festival
    assert [e.date.isoformat() for e in plan.events if e.component == "ct-scan"] == [
        "2026-07-03", "2026-09-28", "2026-12-18", "2027-03-12"]


def test_prostate_60_20_adt_us_across_the_dst_change():
    plan = make_plan("prostate-60-20-adt", "2026-01-05", holidays="US", tz="America/New_York")
    assert [e.date.isoformat() for e in plan.events if e.component == "adt"] == [
        "2026-01-05", "2026-03-30"]
    assert rt_days(plan) == weekdays("2026-03-02", "2026-03-27")  # from week 9
    rt = [e for e in plan.events if e.component == "rt"]
    assert [e.start.astimezone(UTC).hour for e in rt[4:6]] == [16, 15]  # 11:00 EST, then EDT
    assert rt[-1].cumulative_gy == "60"


def test_prostate_60_20_adt_cn_across_the_spring_festival():
    plan = make_plan("prostate-60-20-adt", "2025-12-22", holidays="CN", tz="Asia/Shanghai")
    assert [e.date.isoformat() for e in plan.events if e.component == "adt"] == [
        "2025-12-22", "2026-03-16"]
    # week 9 begins on 16 February, in the Spring Festival: the course starts on the 24th and
    # uses the make-up working Saturday, 28 February
    assert rt_days(plan) == [*weekdays("2026-02-24", "2026-02-27"), "2026-02-28",
                             *weekdays("2026-03-02", "2026-03-20")]


def test_hd_mtx_us_across_the_end_of_daylight_saving():
    plan = make_plan("hd-mtx", "2026-10-30", holidays="US", tz="America/New_York")
    assert [e.date.isoformat() for e in plan.events if e.component == "methotrexate"] == [
        "2026-10-30", "2026-11-13", "2026-11-27", "2026-12-11"]
    lv = [e.start.astimezone(UTC) for e in plan.events
          if e.component == "leucovorin" and e.cycle == 1 and e.start is not None]
    assert lv[0] == datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # 24 h after 10:00 EDT
    assert [b - a for a, b in itertools.pairwise(lv)] == [timedelta(hours=6)] * 9
    levels = [e.start.isoformat() for e in plan.events
              if e.component == "mtx-level" and e.cycle == 1 and e.start is not None]
    assert levels == ["2026-10-31T10:00:00-04:00", "2026-11-01T09:00:00-05:00",
                      "2026-11-02T09:00:00-05:00"]
    assert len([e for e in plan.events if e.component == "leucovorin"]) == 40


def test_hd_mtx_cn_across_the_spring_festival():
    plan = make_plan("hd-mtx", "2026-02-09", holidays="CN", tz="Asia/Shanghai")
    # cycle 2 is planned on Monday 23 February, a day off: it starts on the 24th
    assert [e.date.isoformat() for e in plan.events if e.component == "methotrexate"] == [
        "2026-02-09", "2026-02-24", "2026-03-10", "2026-03-24"]
    assert [e.date.isoformat() for e in plan.events
            if e.component == "mtx-level" and e.cycle == 2] == [
        "2026-02-25", "2026-02-26", "2026-02-27"]
