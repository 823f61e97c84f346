"""The order of work (scheduler/core/expand/run.py): every component kind has an expander,
components anchored to others wait for them, and no module or class of the package grows
past the size the architecture allows."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

from scheduler.core import expand as package
from scheduler.core.errors import PlanError
from scheduler.core.expand import KINDS
from scheduler.core.protocol import Component

from .expand_helpers import plan_of


def test_every_component_kind_of_the_template_language_has_an_expander():
    union = typing.get_args(typing.get_args(Component)[0])
    assert set(union) == set(KINDS)


def test_a_component_listed_first_waits_for_the_one_it_is_anchored_to():
    text = """components:
  - kind: visit
    id: follow-up
    name: Follow-up
    code: FU
    at: {after: rt, gap_days: 28}
  - kind: radiotherapy
    id: rt
    name: Radiotherapy
    code: RT
    start: {day: 1}
    total_dose_gy: 10
    fractions: 5
"""
    plan = plan_of(text, "2026-11-23", holidays="US", tz="America/New_York")
    # Thanksgiving (26 Nov) moves the 4th and 5th fractions to 27 and 30 Nov
    assert [e.date.isoformat() for e in plan.events if e.component == "rt"] == [
        "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27", "2026-11-30"]
    assert [e.date.isoformat() for e in plan.events if e.component == "follow-up"] == [
        "2026-12-28"]


def test_a_start_on_a_closed_day_is_refused_or_shifted():
    text = """components:
  - kind: visit
    id: consult
    name: Consultation
    code: CON
    at: {day: 1}
"""
    with pytest.raises(PlanError, match=r"start date 2026-11-26 \(Thursday\) is not a working "
                                        r"day: Thanksgiving Day"):
        plan_of(text, "2026-11-26", holidays="US", tz="America/New_York")
    plan = plan_of(text, "2026-11-26", holidays="US", tz="America/New_York", shift_start=True)
    assert plan.start.isoformat() == "2026-11-27"
    assert plan.events[0].date.isoformat() == "2026-11-27"


@pytest.mark.parametrize("module", sorted(Path(package.__file__).parent.glob("*.py")),
                         ids=lambda p: p.name)
def test_no_module_over_600_lines_and_no_class_over_300(module: Path):
    text = module.read_text()
    assert len(text.splitlines()) <= 600
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            assert (node.end_lineno or 0) - node.lineno + 1 <= 300, node.name
