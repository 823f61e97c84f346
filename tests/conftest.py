"""Shared helpers: build plans from shipped templates the way the CLI does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scheduler.event import Event
from scheduler.expand import expand
from scheduler.options import PlanOptions, build_request, parse_date_range
from scheduler.plan import Plan

DATA = Path(__file__).parent / "data"


def make_plan(
    template: str,
    start: str,
    *,
    holidays: str | None = None,
    tz: str | None = None,
    closed: tuple[str, ...] = (),
    workdays: tuple[str, ...] = (),
    sets: dict[str, int] | None = None,
    horizon: str | None = None,
    shift_start: bool = False,
    patient: str | None = None,
) -> Plan:
    """Expand a template (shipped id or path) exactly as `scheduler show` would."""
    from scheduler.options import parse_horizon

    options = PlanOptions(
        start=date.fromisoformat(start),
        holidays=holidays,
        closed=tuple(parse_date_range(c, "--closed") for c in closed),
        workdays=tuple(parse_date_range(w, "--workday") for w in workdays),
        sets=tuple((sets or {}).items()),
        timezone=tz,
        shift_start=shift_start,
        **({"horizon": parse_horizon(horizon)} if horizon else {}),
    )
    return expand(build_request(template, options, patient))


def dates(events: list[Event] | tuple[Event, ...], component: str, **match: object) -> list[str]:
    """ISO dates of one component's events (optionally those matching attributes)."""
    return [
        e.date.isoformat()
        for e in events
        if e.component == component and all(getattr(e, k) == v for k, v in match.items())
    ]


@pytest.fixture
def data_dir() -> Path:
    """The folder of test data files."""
    return DATA
