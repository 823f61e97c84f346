"""The inputs of an expansion and its result."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from zoneinfo import ZoneInfo

from scheduler.core.adjust import Adjustment
from scheduler.core.event import Event
from scheduler.core.protocol import Template
from scheduler.core.units import Span, parse_span
from scheduler.core.workdays import WorkCalendar

DEFAULT_HORIZON = parse_span("12 months")


def plan_key(
    template_id: str, start: date, patient: str | None = None, secret: str | None = None
) -> str:
    """A stable, opaque key for a plan; event UIDs derive from it.

    A hash, so no patient label or identifier appears in any UID; the label is part of the
    hash so that two patients on the same template and start date get different UIDs. Without
    a ``secret``, someone who can guess the template, start date and label (a study number
    like CHN-042) can match UIDs to them; with one (``--plan-key``), they cannot. Registered
    plans use a random key.
    """
    text = f"scheduler-plan\x00{template_id}\x00{start.isoformat()}\x00{patient or ''}"
    if secret:
        text += f"\x00{secret}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class PlanRequest:
    """Everything the pure expansion needs; the same request always gives the same plan."""

    template: Template
    start: date
    calendar: WorkCalendar
    timezone: ZoneInfo
    plan_key: str
    parameters: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    horizon: Span = DEFAULT_HORIZON
    shift_start: bool = False
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class ParameterValue:
    """A parameter as used: its value and whether it is the template's default."""

    name: str
    value: int
    is_default: bool
    description: str


@dataclass(frozen=True)
class Plan:
    """The expansion's result: sorted events plus what a reader must know about them."""

    request: PlanRequest
    start: date
    events: tuple[Event, ...]
    parameters: tuple[ParameterValue, ...]
    horizon_end: date
    notes: tuple[str, ...] = ()

    @property
    def template(self) -> Template:
        """The template the plan was expanded from."""
        return self.request.template

    @property
    def first_date(self) -> date:
        """The date of the first event (the start when there are none)."""
        return self.events[0].date if self.events else self.start

    @property
    def last_date(self) -> date:
        """The date of the last event (the start when there are none)."""
        return self.events[-1].date if self.events else self.start
