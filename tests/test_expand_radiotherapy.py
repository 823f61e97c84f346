"""Radiotherapy courses (scheduler/core/expand/radiotherapy.py), checked to the day.

CN 2026: the Spring Festival closes 15-23 February; Saturdays 14 and 28 February are make-up
working days. Expected dates are written out by hand from that calendar.
"""

from __future__ import annotations

import pytest

from scheduler.core.errors import PlanError

from .expand_helpers import plan_of

COURSE = """components:
  - kind: radiotherapy
    id: rt
    name: Radiotherapy
    code: RT
    start: {day: 1}
    total_dose_gy: 20
    fractions: 10
"""


def test_a_course_waits_out_the_spring_festival_and_uses_the_make_up_saturdays():
    plan = plan_of(COURSE, "2026-02-13", holidays="CN", tz="Asia/Shanghai")
    rt = [e for e in plan.events if e.component == "rt"]
    assert [e.date.isoformat() for e in rt] == [
        "2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25", "2026-02-26",
        "2026-02-27", "2026-02-28", "2026-03-02", "2026-03-03", "2026-03-04"]
    assert [e.cumulative_gy for e in rt] == [str(2 * n) for n in range(1, 11)]
    assert [e.title for e in rt][:2] == ["Radiotherapy – fraction 1 of 10",
                                         "Radiotherapy – fraction 2 of 10"]
    assert rt[2].note is not None and rt[2].note.startswith("No radiotherapy on 2026-02-1")
    assert rt[2].note.endswith("The course is extended so that all 10 fractions are given.")
    assert [e.note for e in rt].count(None) == 9


def test_at_most_five_a_week_counts_monday_to_sunday():
    # Start Saturday 28 February (a CN make-up working day): that week has one fraction.
    plan = plan_of(COURSE.replace("fractions: 10", "fractions: 7"), "2026-02-28",
                   holidays="CN", tz="Asia/Shanghai")
    assert [e.date.isoformat() for e in plan.events] == [
        "2026-02-28", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06",
        "2026-03-09"]


def test_a_first_fraction_moved_by_a_holiday_says_from_where():
    plan = plan_of(COURSE.replace("{day: 1}", "{day: 4}"), "2026-02-13",
                   holidays="CN", tz="Asia/Shanghai")
    first = plan.events[0]
    assert first.date.isoformat() == "2026-02-24"
    assert first.moved_from is not None and first.moved_from.isoformat() == "2026-02-16"
    assert first.reason == "Chinese New Year's Eve"


def test_planned_weeks_overrun_is_noted_and_every_fraction_kept():
    text = COURSE + "    planned_weeks: [1, 2]\n"
    plan = plan_of(text, "2026-02-13", holidays="CN", tz="Asia/Shanghai")
    assert ("Radiotherapy ends on 2026-03-04, in week 3, after the planned weeks 1–2, because "
            "of non-working days; all 10 fractions are kept.") in plan.notes


def test_a_course_that_cannot_fit_is_refused():
    # 14 days planned + 90: the search gives up 105 days after the first planned fraction
    closed = ("2026-03-04..2026-07-31",)
    with pytest.raises(PlanError, match=r"only 0 of 10 fractions fit between 2026-03-04 and "
                                        r"2026-06-17 \(the course may run at most 90 days"):
        plan_of(COURSE.replace("{day: 1}", "{day: 3}"), "2026-03-02", closed=closed)
