"""Daily medication (scheduler/core/expand/daily.py), checked to the day.

CN 2026: the Spring Festival closes 15-23 February; Saturday 14 February is a make-up
working day. US: Presidents' Day is Monday 16 February 2026.
"""

from __future__ import annotations

import pytest

from scheduler.core.errors import PlanError

from .expand_helpers import plan_of

DEX = """components:
  - kind: daily
    id: dex
    name: Dexamethasone
    code: DEX
    dose: 8 mg
    start: {day: 2}
    days: 4
"""


def test_every_day_whatever_the_day_by_default():
    plan = plan_of(DEX, "2026-02-13", holidays="CN", tz="Asia/Shanghai")
    assert [(e.date.isoformat(), e.title) for e in plan.events] == [
        ("2026-02-14", "Dexamethasone – day 1 of 4"), ("2026-02-15", "Dexamethasone – day 2 of 4"),
        ("2026-02-16", "Dexamethasone – day 3 of 4"), ("2026-02-17", "Dexamethasone – day 4 of 4")]
    assert all(e.all_day and e.dose == "8 mg" and e.moved_from is None for e in plan.events)


def test_skip_leaves_out_closed_days_and_renumbers():
    plan = plan_of(DEX + "    on_non_working_day: skip\n", "2026-02-12",
                   holidays="US", tz="America/New_York")
    # Friday 13, (Saturday 14, Sunday 15 and Presidents' Day 16 left out)
    assert [(e.date.isoformat(), e.title) for e in plan.events] == [
        ("2026-02-13", "Dexamethasone – day 1 of 1")]


def test_several_times_a_day_in_the_clinic_zone():
    text = DEX.replace("days: 4", "days: 2") + "    times: ['08:00', '20:00']\n    duration: 5m\n"
    plan = plan_of(text, "2026-03-06", holidays="US", tz="America/New_York")
    assert [e.start.isoformat() for e in plan.events if e.start] == [
        "2026-03-07T08:00:00-05:00", "2026-03-07T20:00:00-05:00",
        "2026-03-08T08:00:00-04:00", "2026-03-08T20:00:00-04:00"]  # DST began 8 March
    assert plan.events[1].title == "Dexamethasone – day 1 of 2, 20:00"


def test_through_another_component_and_on_its_days():
    text = """components:
  - kind: radiotherapy
    id: rt
    name: Radiotherapy
    code: RT
    start: {day: 1}
    total_dose_gy: 6
    fractions: 3
  - kind: daily
    id: tmz
    name: Temozolomide
    code: TMZ
    dose: 75 mg/m2
    start: {day: 1}
    through: rt
  - kind: daily
    id: cream
    name: Skin cream
    code: SKN
    dose: thin layer
    on_days_of: rt
"""
    plan = plan_of(text, "2026-02-13", holidays="CN", tz="Asia/Shanghai")
    days = {c: [e.date.isoformat() for e in plan.events if e.component == c]
            for c in ("rt", "tmz", "cream")}
    assert days["rt"] == ["2026-02-13", "2026-02-14", "2026-02-24"]
    assert days["tmz"] == [f"2026-02-{d}" for d in range(13, 25)]
    assert days["cream"] == days["rt"]
    assert [e.note for e in plan.events if e.component == "cream"] == [
        "On the days of Radiotherapy only.", None, None]


def test_through_a_component_that_ends_first_is_refused():
    text = """components:
  - kind: visit
    id: consult
    name: Consultation
    code: CON
    at: {day: 1}
  - kind: daily
    id: dex
    name: Dexamethasone
    code: DEX
    dose: 8 mg
    start: {day: 3}
    through: consult
"""
    with pytest.raises(PlanError, match=r"'dex' would end \(2026-03-02\) before it starts "
                                        r"\(2026-03-04\)"):
        plan_of(text, "2026-03-02")
