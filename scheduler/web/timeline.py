"""The patient page in time order from today: what is next first, the past folded; and the
month grid's legend (the PDF's, in the page's words). Presentation only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.core.event import Event
from scheduler.core.plan import Plan
from scheduler.web.i18n import N_
from scheduler.web.views import Month

SHADES = (("weekend", N_("Weekend")), ("holiday", N_("Public holiday")), ("closed", N_("Closed")),
          ("workday", N_("Extra working day")))


@dataclass(frozen=True)
class Timeline:
    """A plan's months and events split at today."""

    past_months: list[Month]
    months: list[Month]
    """The current month and those after it."""
    past_events: list[Event]
    events: list[Event]
    """Events on or after today."""


RECENT_DAYS = 14
"""Events of the last two weeks stay in the open list: what was just given or missed is what
a coordinator records (the Record… link of each)."""


def split(plan: Plan, months: list[Month], today: date) -> Timeline:
    """``months`` (the plan's grids) split at ``today``'s month, events at :data:`RECENT_DAYS`
    before ``today``."""
    first = date(today.year, today.month, 1)

    def starts(month: Month) -> date:
        return next(day.date for week in month.weeks for day in week if day.in_month)

    past = [m for m in months if starts(m) < first]
    past_events = [e for e in plan.events if e.date < today - timedelta(days=RECENT_DAYS)]
    return Timeline(past, months[len(past):], past_events, list(plan.events[len(past_events):]))


@dataclass(frozen=True)
class Legend:
    """What the grid's colours, codes and marks mean: components in template order, the day
    shadings the shown months use, and the marks the events use."""

    components: list[tuple[str, str | None, str]]
    """(code, colour, name)."""
    shades: list[tuple[str, str]]
    """(css class, words)."""
    moved: bool
    tentative: bool


def legend(plan: Plan, months: list[Month]) -> Legend:
    """The legend of ``months`` of ``plan``."""
    seen: dict[str, tuple[str, str | None, str]] = {}
    for event in sorted(plan.events, key=lambda e: e.style.order):
        seen.setdefault(event.component, (event.style.code, event.style.colour, event.style.name))
    kinds = {day.kind for month in months for week in month.weeks for day in week if day.in_month}
    return Legend(list(seen.values()), [(k, words) for k, words in SHADES if k in kinds],
                  any(e.moved_from is not None for e in plan.events),
                  any(e.open_ended for e in plan.events))

