"""Build a plan from a template written in the test (YAML text), for the per-kind tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scheduler.core.expand import expand
from scheduler.core.loader import load_template_text
from scheduler.core.plan import Plan
from scheduler.services.options import PlanOptions, build_request, parse_date_range


def plan_of(text: str, start: str, *, holidays: str | None = None, tz: str | None = None,
            closed: tuple[str, ...] = (), shift_start: bool = False) -> Plan:
    """Expand the template ``text`` (its components) from ``start``, with the site options
    the CLI would take."""
    options = PlanOptions(
        start=date.fromisoformat(start),
        holidays=holidays,
        closed=tuple(parse_date_range(c, "--closed") for c in closed),
        timezone=tz,
        shift_start=shift_start,
    )
    request = build_request("cross", options, None).request
    template = load_template_text("id: t\nname: Test\nsource: test\n" + text, "t.yaml")
    return expand(replace(request, template=template))
