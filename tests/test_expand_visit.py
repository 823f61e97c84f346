"""Visits (scheduler/core/expand/visit.py): one, repeated, and before each cycle; checked to
the day. US 2026: Presidents' Day Monday 16 February; Memorial Day Monday 25 May."""

from __future__ import annotations

from .expand_helpers import plan_of

REGIMEN = """components:
  - kind: cycles
    id: chemo
    name: Chemotherapy
    cycle_days: 14
    cycles: 3
    drugs:
      - {id: drug, name: Drug, code: D, dose: 1 mg, days: [1]}
"""


def test_one_visit_moved_to_the_next_working_day_keeps_its_window():
    text = REGIMEN + """  - kind: visit
    id: scan
    name: CT scan
    code: CT
    at: {day: 15}
    window_days: 3
"""
    plan = plan_of(text, "2026-02-02", holidays="US", tz="America/New_York")
    (scan,) = [e for e in plan.events if e.component == "scan"]
    assert scan.date.isoformat() == "2026-02-17"  # day 15 is Presidents' Day
    assert scan.moved_from is not None and scan.moved_from.isoformat() == "2026-02-16"
    assert (scan.window_start.isoformat(), scan.window_end.isoformat()) == (  # type: ignore[union-attr]
        "2026-02-13", "2026-02-19")
    assert scan.note == "Window: 2026-02-13 to 2026-02-19."


def test_before_each_cycle_the_working_day_before():
    text = REGIMEN + """  - kind: visit
    id: bloods
    name: Blood test
    code: FBC
    each_cycle: {of: chemo, day: 0, from_cycle: 2}
    on_non_working_day: previous
"""
    plan = plan_of(text, "2026-02-03", holidays="US", tz="America/New_York")
    assert [e.date.isoformat() for e in plan.events if e.component == "drug"] == [
        "2026-02-03", "2026-02-17", "2026-03-03"]
    bloods = [e for e in plan.events if e.component == "bloods"]
    # the day before cycle 2 is Presidents' Day: the Friday before
    assert [(e.date.isoformat(), e.title, e.cycle) for e in bloods] == [
        ("2026-02-13", "Blood test – before cycle 2", 2),
        ("2026-03-02", "Blood test – before cycle 3", 3)]


def test_repeat_counts_on_the_plan_grid_not_from_a_moved_visit():
    text = """components:
  - kind: visit
    id: review
    name: Review
    code: REV
    at: {day: 1}
    repeat: {every_weeks: 2, count: 3}
"""
    plan = plan_of(text, "2026-02-02", holidays="US", tz="America/New_York")
    assert [(e.date.isoformat(), e.title) for e in plan.events] == [
        ("2026-02-02", "Review – 1 of 3"), ("2026-02-17", "Review – 2 of 3"),
        ("2026-03-02", "Review – 3 of 3")]


def test_repeat_while_on_with_none_to_repeat_over_is_noted():
    text = REGIMEN.replace("cycles: 3", "cycles: 0") + """  - kind: visit
    id: review
    name: Review
    code: REV
    at: {day: 1}
    repeat: {every_weeks: 2, while_on: chemo}
"""
    text = text.replace("cycles: 0", "cycles: $n").replace(
        "components:", "parameters:\n  n: {default: 1, description: cycles}\ncomponents:")
    plan = plan_of(text, "2026-05-18", holidays="US", tz="America/New_York")
    # one cycle: the first review is on or after its only dose, so the series ends there
    assert [(e.component, e.date.isoformat()) for e in plan.events] == [
        ("drug", "2026-05-18"), ("review", "2026-05-18")]
