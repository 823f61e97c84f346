"""CROSS and Stupp expanded and checked to the day, plus each non-working-day rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scheduler.core.errors import PlanError

from .conftest import DATA, dates, make_plan


def test_cross_through_us_thanksgiving():
    plan = make_plan("cross", "2026-11-02", holidays="US", tz="America/New_York")
    weekly = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]
    assert dates(plan.events, "paclitaxel") == weekly
    assert dates(plan.events, "carboplatin") == weekly
    rt = [e for e in plan.events if e.component == "rt"]
    assert [e.date.isoformat() for e in rt] == [
        "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06",
        "2026-11-09", "2026-11-10", "2026-11-12", "2026-11-13",  # 11 Nov Veterans Day
        "2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20",
        "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27",  # 26 Nov Thanksgiving
        "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04",
    ]
    assert rt[-1].cumulative_gy == "41.4"
    assert rt[-1].fractions_total == 23
    assert "Thanksgiving Day" in rt[17].note
    (surgery,) = [e for e in plan.events if e.component == "surgery"]
    assert surgery.date == date(2027, 1, 8)  # 35 days after the last fraction
    assert (surgery.window_start, surgery.window_end) == (date(2027, 1, 1), date(2027, 1, 15))
    assert surgery.all_day


def test_cross_weekly_dose_moved_by_a_holiday_moves_the_following_weeks():
    # Start Monday 12 Jan 2026: week 2 falls on Martin Luther King Jr. Day.
    plan = make_plan("cross", "2026-01-12", holidays="US", tz="America/New_York")
    assert dates(plan.events, "paclitaxel") == [
        "2026-01-12", "2026-01-20", "2026-01-27", "2026-02-03", "2026-02-10",
    ]


def test_stupp_in_england():
    plan = make_plan("stupp", "2026-03-02", holidays="GB-ENG", tz="Europe/London")
    rt = dates(plan.events, "rt")
    assert len(rt) == 30
    assert rt[20:] == [
        "2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02",  # Good Friday 3 Apr
        "2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10",  # Easter Monday 6 Apr
        "2026-04-13", "2026-04-14",
    ]
    concurrent = dates(plan.events, "tmz-concurrent")
    first, last = date(2026, 3, 2), date(2026, 4, 14)
    assert concurrent == [(first + timedelta(days=i)).isoformat() for i in range(44)]
    assert date(2026, 4, 3).isoformat() in concurrent  # taken at home on Good Friday
    adjuvant = [e for e in plan.events if e.component == "tmz"]
    starts = [e.date.isoformat() for e in adjuvant if e.day == 1]
    assert starts == ["2026-05-12", "2026-06-09", "2026-07-07", "2026-08-04",
                      "2026-09-01", "2026-09-29"]
    assert starts[0] == (last + timedelta(days=28)).isoformat()
    assert len(adjuvant) == 30
    assert dates(plan.events, "tmz", cycle=1) == [
        "2026-05-12", "2026-05-13", "2026-05-14", "2026-05-15", "2026-05-16",
    ]
    assert all(e.all_day for e in adjuvant)


def test_stupp_adjuvant_start_moves_off_a_bank_holiday():
    # Start Tue 27 Jan 2026: the 30th fraction is Mon 9 Mar, and 28 days later is
    # Easter Monday 6 Apr 2026, so adjuvant cycle 1 starts on Tue 7 Apr.
    plan = make_plan("stupp", "2026-01-27", holidays="GB-ENG", tz="Europe/London")
    last_fraction = dates(plan.events, "rt")[-1]
    assert last_fraction == "2026-03-09"
    first = next(e for e in plan.events if e.component == "tmz")
    assert first.date == date(2026, 4, 7)
    assert (first.moved_from, first.reason) == (date(2026, 4, 6), "Easter Monday")


RULES = DATA / "templates" / "rules.yaml"


@pytest.fixture(scope="module")
def rules_plan():
    # Start Monday 2 Mar 2026, no holidays; day 6 is Saturday 7 Mar, day 7 Sunday 8 Mar.
    return make_plan(str(RULES), "2026-03-02", holidays="none", tz="UTC")


def test_rule_next(rules_plan):
    assert dates(rules_plan.events, "next-drug") == ["2026-03-09"]


def test_rule_previous(rules_plan):
    (event,) = [e for e in rules_plan.events if e.component == "previous-drug"]
    assert (event.date, event.moved_from, event.reason) == (date(2026, 3, 6), date(2026, 3, 7),
                                                           "Saturday")


def test_rule_keep(rules_plan):
    (event,) = [e for e in rules_plan.events if e.component == "keep-drug"]
    assert event.date == date(2026, 3, 8)
    assert event.moved_from is None
    assert "non-working day (Sunday)" in event.note


def test_rule_skip_weekdays_only(rules_plan):
    assert dates(rules_plan.events, "skip-drug") == [
        "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06",
        "2026-03-09", "2026-03-10",
    ]


def test_rule_error_names_the_date():
    with pytest.raises(PlanError, match=r"Strict drug, cycle 1 day 6 falls on 2026-03-07 "
                                        r"\(Saturday\)"):
        make_plan(str(DATA / "templates" / "rule_error.yaml"), "2026-03-02",
                  holidays="none", tz="UTC")


def test_fixed_offset_day_does_not_follow_a_moved_day_1():
    # Start Fri 27 Feb 2026, 8-day cycles: cycle 2 day 1 is planned Sat 7 Mar and moves
    # to Mon 9 Mar. 'anchored-drug' (follows_day1: false) keeps day 3 on the planned
    # cycle's day 3 (Mon 9 Mar); 'following-drug' day 3 goes to Wed 11 Mar.
    plan = make_plan(str(DATA / "templates" / "follow.yaml"), "2026-02-27",
                     holidays="none", tz="UTC")
    assert dates(plan.events, "following-drug") == ["2026-02-27", "2026-03-02",
                                                    "2026-03-09", "2026-03-11"]
    assert dates(plan.events, "anchored-drug") == ["2026-03-02", "2026-03-09"]


def test_start_on_29_february():
    """Found by the nightly property run: 29 Feb + 10 years has no 29 Feb."""
    plan = make_plan("cross", "2028-02-29", holidays="none", tz="UTC")
    assert dates(plan.events, "paclitaxel")[:2] == ["2028-02-29", "2028-03-07"]
