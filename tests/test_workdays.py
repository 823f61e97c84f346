"""The working-day calendar: weekends, holidays by region, closures, extra workdays."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.core.errors import InputError
from scheduler.core.workdays import make_calendar, place


def test_china_make_up_saturday_and_spring_festival():
    cn = make_calendar("CN")
    assert cn.is_working_day(date(2026, 2, 14))  # Saturday, official make-up working day
    assert cn.is_working_day(date(2026, 2, 28))
    assert not cn.is_working_day(date(2026, 2, 21))  # an ordinary Saturday
    for day in (16, 17, 18, 19, 20, 23):
        assert not cn.is_working_day(date(2026, 2, day))
    assert cn.closed_because(date(2026, 2, 17)) == "Chinese New Year (Spring Festival)"
    assert cn.closed_because(date(2026, 2, 21)) == "Saturday"
    assert cn.closed_because(date(2026, 2, 24)) is None


def test_us_subdivision_adds_state_holidays():
    assert make_calendar("US").is_working_day(date(2026, 11, 27))
    california = make_calendar("US-CA")
    assert california.region == "US-CA"
    assert california.closed_because(date(2026, 11, 27)) == "Day After Thanksgiving"


def test_none_means_weekends_only():
    plain = make_calendar("none")
    assert plain.is_working_day(date(2026, 12, 25))
    assert not plain.is_working_day(date(2026, 12, 26))


def test_closures_and_workdays_override_the_region():
    cal = make_calendar(
        "CN",
        closures={date(2026, 3, 2): "Linac service"},
        workdays={date(2026, 2, 17): "Emergency clinic"},
    )
    assert not cal.is_working_day(date(2026, 3, 2))
    assert cal.closed_because(date(2026, 3, 2)) == "Linac service"
    assert cal.is_working_day(date(2026, 2, 17))


def test_unknown_region_and_conflicting_dates():
    with pytest.raises(InputError, match="unknown country or subdivision 'XX'"):
        make_calendar("XX")
    with pytest.raises(InputError, match="unknown country or subdivision 'US-ZZ'"):
        make_calendar("US-ZZ")
    with pytest.raises(InputError, match="2026-03-02 is given both as closed and as a working"):
        make_calendar("none", {date(2026, 3, 2): "x"}, {date(2026, 3, 2): "y"})


def test_place_next_and_previous_cross_a_long_closure():
    cn = make_calendar("CN")
    moved = place(date(2026, 2, 16), "next", cn, "x")
    assert (moved.date, moved.moved_from, moved.reason) == (
        date(2026, 2, 24), date(2026, 2, 16), "Chinese New Year's Eve")
    back = place(date(2026, 2, 23), "previous", cn, "x")
    assert back.date == date(2026, 2, 14)  # the make-up Saturday
    assert place(date(2026, 2, 17), "skip", cn, "x").date is None


def test_a_year_the_holidays_package_knows_only_in_part_is_named_in_the_notes():
    """India's lunar holidays are known only to 2035: a plan into 2036 says so in its notes
    (and in the PDF and CLI that print them), instead of a Python warning on stderr."""
    import warnings

    from .conftest import make_plan

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plan = make_plan("nct06478355", "2035-09-03", holidays="IN", tz="Asia/Kolkata")
    assert plan.events[-1].date.year == 2036
    gaps = [note for note in plan.notes if note.startswith("Public holidays for IN")]
    assert gaps == [
        "Public holidays for IN in 2036 are incomplete (the holidays package: Requested "
        "Holidays are available only from 2001 to 2035); check the dates in 2036 against "
        "the clinic's own calendar."
    ]
    within = make_plan("nct06478355", "2026-01-05", holidays="IN", tz="Asia/Kolkata")
    assert not [note for note in within.notes if "incomplete" in note]


def test_a_chinese_year_without_its_official_arrangement_is_named_in_the_notes():
    """China's days off and make-up working days are set by the State Council each year; the
    holidays package (0.109) has them up to 2026, and for 2027 only estimates (9-10 February
    as observed days, no make-up Saturdays). A plan into 2027 says so (found by a
    coordinator's acceptance test)."""
    from .conftest import make_plan

    plan = make_plan("nct06478355", "2026-11-30", holidays="CN", tz="Asia/Shanghai")
    gaps = [note for note in plan.notes if note.startswith("Public holidays for CN")]
    assert gaps == [
        "Public holidays for CN in 2027 are incomplete (the holidays package: it has the "
        "official arrangement of days off and make-up working days only up to 2026; 2027 "
        "follows the usual rules); check the dates in 2027 against the clinic's own calendar."
    ]
    within = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai")
    assert not [note for note in within.notes if "incomplete" in note]
    us = make_plan("cross", "2026-11-02", holidays="US", tz="America/New_York", horizon="24m")
    assert not [note for note in us.notes if "incomplete" in note]  # set by rule, not by notice
