"""The seed protocol NCT06478355 expanded at several start dates, checked to the day.

Every expected date below was worked out by hand from the protocol text and the public
holiday calendars (China 2026 Spring Festival: 16-23 Feb off, Saturdays 14 and 28 Feb
worked; US 2026: Thanksgiving 26 Nov, Christmas 25 Dec, New Year 1 Jan 2027).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scheduler.core.errors import PlanError

from .conftest import dates, make_plan

SEED = "nct06478355"


class TestStartMonday5January2026China:
    """C3 day 1 and the start of radiotherapy fall on Chinese New Year's Eve."""

    @pytest.fixture(scope="class")
    @classmethod
    def plan(cls):
        return make_plan(SEED, "2026-01-05", holidays="CN", tz="Asia/Shanghai")

    def test_chemotherapy_day_1_and_day_8(self, plan):
        assert dates(plan.events, "nab-paclitaxel") == [
            "2026-01-05", "2026-01-12",  # C1
            "2026-01-26", "2026-02-02",  # C2
            "2026-02-24", "2026-03-03",  # C3: day 1 moved from 16 Feb past the festival
            "2026-03-17", "2026-03-24",  # C4: 21 days after the actual C3 day 1
        ]
        assert dates(plan.events, "cisplatin") == [
            "2026-01-05", "2026-01-26", "2026-02-24", "2026-03-17",
        ]

    def test_moved_cycle_names_the_holiday(self, plan):
        c3 = [e for e in plan.events if e.cycle == 3 and e.day == 1]
        assert {e.component for e in c3} == {"pd1", "nab-paclitaxel", "cisplatin"}
        for event in c3:
            assert event.moved_from == date(2026, 2, 16)
            assert event.reason == "Chinese New Year's Eve"

    def test_day_8_is_seven_days_after_actual_day_1(self, plan):
        by_cycle = {}
        for e in plan.events:
            if e.component == "nab-paclitaxel":
                by_cycle.setdefault(e.cycle, {})[e.day] = e.date
        for days in by_cycle.values():
            assert days[8] - days[1] == timedelta(days=7)

    def test_radiotherapy_starts_after_the_festival_and_keeps_30_fractions(self, plan):
        fractions = [e for e in plan.events if e.component == "rt"]
        assert [e.fraction for e in fractions] == list(range(1, 31))
        got = [e.date.isoformat() for e in fractions]
        expected = (
            ["2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28"]
            + [f"2026-03-{d:02d}" for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19,
                                            20, 23, 24, 25, 26, 27, 30, 31)]
            + ["2026-04-01", "2026-04-02", "2026-04-03"]
        )
        assert got == expected
        assert fractions[0].moved_from == date(2026, 2, 16)
        assert fractions[-1].cumulative_gy == "60.0"
        assert fractions[11].cumulative_gy == "24.0"

    def test_make_up_saturday_is_a_working_day(self, plan):
        saturday = [e for e in plan.events if e.date == date(2026, 2, 28)]
        assert [e.fraction for e in saturday] == [5]

    def test_course_past_week_12_is_said(self, plan):
        assert any("ends on 2026-04-03, in week 13" in note for note in plan.notes)

    def test_immunotherapy_planned_then_continuation(self, plan):
        planned = dates(plan.events, "pd1", open_ended=False)
        continuation = dates(plan.events, "pd1", open_ended=True)
        assert planned == [
            "2026-01-05", "2026-01-26", "2026-02-24", "2026-03-17", "2026-04-07",
            "2026-04-28", "2026-05-19", "2026-06-09", "2026-06-30",
        ]
        assert continuation == [
            "2026-07-21", "2026-08-11", "2026-09-01", "2026-09-22", "2026-10-13",
            "2026-11-03", "2026-11-24", "2026-12-15",
        ]
        assert "until progression, intolerance or withdrawal" in plan.events[-1].note

    def test_default_parameter_is_reported(self, plan):
        (parameter,) = plan.parameters
        assert (parameter.name, parameter.value, parameter.is_default) == ("chemo_cycles", 4, True)
        assert any("chemo_cycles = 4 is the template default" in n for n in plan.notes)

    def test_event_count_and_order(self, plan):
        assert len(plan.events) == 17 + 8 + 4 + 30
        keys = [e.sort_key for e in plan.events]
        assert keys == sorted(keys)
        assert len({e.uid for e in plan.events}) == len(plan.events)

    def test_times_carry_the_zone_offset(self, plan):
        first = plan.events[0]
        assert first.start.isoformat() == "2026-01-05T08:30:00+08:00"
        assert first.end.isoformat() == "2026-01-05T09:30:00+08:00"


def test_spring_festival_during_radiotherapy():
    """Start 22 Dec 2025: radiotherapy (from 2 Feb) runs through the 2026 Spring Festival."""
    plan = make_plan(SEED, "2025-12-22", holidays="CN", tz="Asia/Shanghai")
    fractions = [e for e in plan.events if e.component == "rt"]
    assert len(fractions) == 30
    assert [e.date.isoformat() for e in fractions] == (
        [f"2026-02-{d:02d}" for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]
        + [f"2026-02-{d:02d}" for d in (24, 25, 26, 27, 28)]
        + [f"2026-03-{d:02d}" for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20)]
    )
    # Saturday 14 Feb is a working day, but that week already has 5 fractions.
    assert date(2026, 2, 14) not in {e.date for e in fractions}
    resumed = fractions[10]
    assert resumed.date == date(2026, 2, 24)
    assert "2026-02-16 to 2026-02-23" in resumed.note
    assert "Chinese New Year (Spring Festival)" in resumed.note
    # Cycle 4 day 1 (planned 23 Feb, a day off) moves to 24 Feb; day 8 follows it.
    assert dates(plan.events, "nab-paclitaxel", cycle=4) == ["2026-02-24", "2026-03-03"]
    c4 = next(e for e in plan.events if e.component == "cisplatin" and e.cycle == 4)
    assert c4.moved_from == date(2026, 2, 23)
    assert c4.reason == "Day off (substituted from 2026-02-28)"


class TestThursdayStartThroughThanksgiving:
    """Start Thursday 15 Oct 2026 with US holidays: day 43 is Thanksgiving."""

    @pytest.fixture(scope="class")
    @classmethod
    def plan(cls):
        return make_plan(SEED, "2026-10-15", holidays="US", tz="America/New_York")

    def test_chemotherapy(self, plan):
        assert dates(plan.events, "nab-paclitaxel") == [
            "2026-10-15", "2026-10-22",
            "2026-11-05", "2026-11-12",
            "2026-11-27", "2026-12-04",  # C3 day 1 moved off Thanksgiving
            "2026-12-18", "2026-12-28",  # C4 day 8 moved off Christmas Day
        ]
        c4d8 = [e for e in plan.events if e.component == "nab-paclitaxel" and e.cycle == 4][1]
        assert (c4d8.moved_from, c4d8.reason) == (date(2026, 12, 25), "Christmas Day")
        c3d1 = next(e for e in plan.events if e.component == "cisplatin" and e.cycle == 3)
        assert (c3d1.moved_from, c3d1.reason) == (date(2026, 11, 26), "Thanksgiving Day")

    def test_radiotherapy(self, plan):
        got = dates(plan.events, "rt")
        assert len(got) == 30
        assert got[0] == "2026-11-27"
        assert got[16:25] == [
            "2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24",  # not the 25th
            "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31",  # not 1 Jan
            "2027-01-04",
        ]
        assert got[-1] == "2027-01-11"

    def test_immunotherapy(self, plan):
        assert dates(plan.events, "pd1", open_ended=False) == [
            "2026-10-15", "2026-11-05", "2026-11-27", "2026-12-18", "2027-01-08",
            "2027-01-29", "2027-02-19", "2027-03-12", "2027-04-02",
        ]
        continuation = dates(plan.events, "pd1", open_ended=True)
        assert continuation[0] == "2027-04-23"
        assert continuation[-1] == "2027-10-08"  # last before the 12-month horizon
        assert len(continuation) == 9

    def test_new_york_offsets_follow_daylight_saving(self, plan):
        first = plan.events[0]
        assert first.start.isoformat() == "2026-10-15T08:30:00-04:00"
        december = next(e for e in plan.events if e.date == date(2026, 12, 4) and e.start)
        assert december.start.utcoffset() == timedelta(hours=-5)


def test_parameter_override_changes_cycle_count():
    plan = make_plan(SEED, "2026-01-05", holidays="CN", sets={"chemo_cycles": 2})
    assert dates(plan.events, "cisplatin") == ["2026-01-05", "2026-01-26"]
    assert plan.parameters[0].is_default is False
    assert not any("template default" in n for n in plan.notes)


def test_horizon_bounds_continuation_but_never_planned_doses():
    six = make_plan(SEED, "2026-01-05", holidays="CN", horizon="3m")
    assert len(dates(six.events, "pd1", open_ended=False)) == 9
    assert dates(six.events, "pd1", open_ended=True) == []
    eighteen = make_plan(SEED, "2026-01-05", holidays="CN", horizon="18m")
    assert dates(eighteen.events, "pd1", open_ended=True)[-1] == "2027-06-22"


def test_start_on_a_holiday_is_an_error_unless_shifted():
    with pytest.raises(PlanError, match=r"2026-02-17 \(Tuesday\) is not a working day: "
                                        r"Chinese New Year \(Spring Festival\).*2026-02-24"):
        make_plan(SEED, "2026-02-17", holidays="CN")
    plan = make_plan(SEED, "2026-02-17", holidays="CN", shift_start=True)
    assert plan.start == date(2026, 2, 24)
    assert plan.events[0].date == date(2026, 2, 24)
    assert plan.events[0].plan_day == 1
    assert any("Start moved from 2026-02-17" in n for n in plan.notes)


def test_site_closure_moves_day_8_and_says_why():
    plan = make_plan(SEED, "2026-01-05", holidays="CN", closed=("2026-01-12=Pharmacy audit",))
    c1 = [e for e in plan.events if e.component == "nab-paclitaxel" and e.cycle == 1]
    assert [e.date.isoformat() for e in c1] == ["2026-01-05", "2026-01-13"]
    assert (c1[1].moved_from, c1[1].reason) == (date(2026, 1, 12), "Pharmacy audit")
    # cycle 2 is anchored on day 1, not on the moved day 8
    assert dates(plan.events, "cisplatin")[1] == "2026-01-26"


def test_extra_workday_is_used_by_radiotherapy():
    # Without holidays a Saturday is closed; --workday opens it (week not yet full).
    plan = make_plan(SEED, "2026-01-07", holidays="none", tz="UTC",
                     workdays=("2026-02-21=Saturday clinic",))
    fractions = dates(plan.events, "rt")
    # Day 43 is Wednesday 18 Feb: Wed-Fri give 3 fractions, Saturday the 4th.
    assert fractions[:5] == ["2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-23"]


def test_uids_are_stable_and_patient_specific():
    one = make_plan(SEED, "2026-01-05", holidays="CN", patient="A")
    again = make_plan(SEED, "2026-01-05", holidays="CN", patient="A")
    other = make_plan(SEED, "2026-01-05", holidays="CN", patient="B")
    assert [e.uid for e in one.events] == [e.uid for e in again.events]
    assert not {e.uid for e in one.events} & {e.uid for e in other.events}
