"""The working-day calendar: weekends, public holidays, site closures and extra working days.

A day is a working day unless it is closed. In order of precedence:

1. a site closure (``--closed``) is never a working day;
2. a site working day (``--workday``) always is;
3. otherwise the ``holidays`` package decides for the region: public holidays are closed,
   weekend days are closed unless they are official make-up working days (China's
   ``weekend_workdays``, e.g. Saturday 2026-02-14);
4. with no region (``--holidays none``), Saturday and Sunday are closed.

Every closed day has a reason, which the expansion writes next to the events it moves.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal, NamedTuple

import holidays as holidays_lib

from scheduler.core.errors import InputError, PlanError

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_SEARCH_DAYS = 60
"""How far ``next``/``previous`` look for a working day before giving up."""


_AMERICAN_DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")

SET_EACH_YEAR = frozenset({"CN"})
"""Countries whose days off around a festival and make-up working days are set by a
government notice each year (China's State Council publishes the next year's in the
autumn). The ``holidays`` package keeps the notices it knows as ``special_public_holidays``;
for a later year it has the festivals but only estimated days off and no make-up days, and
the plan says so."""


@dataclass(frozen=True)
class WorkCalendar:
    """Which days a clinic works, and why it does not on the others."""

    region: str = "none"
    public: holidays_lib.HolidayBase | None = None
    closures: Mapping[date, str] = field(default_factory=lambda: MappingProxyType({}))
    workdays: Mapping[date, str] = field(default_factory=lambda: MappingProxyType({}))
    resource_closures: Mapping[str, Mapping[date, str]] = field(
        default_factory=lambda: MappingProxyType({}))
    """Closures of one resource (``linac``): closed only for the components that name it."""
    _memo: dict[date, bool] = field(default_factory=dict, compare=False, repr=False)
    _names: dict[date, str | None] = field(default_factory=dict, compare=False, repr=False)
    _gaps: dict[int, str | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def weekend(self) -> frozenset[int]:
        """Weekday numbers (Monday 0) that are weekend days in this region."""
        return frozenset(self.public.weekend) if self.public is not None else frozenset({5, 6})

    def for_resource(self, resource: str | None) -> WorkCalendar:
        """The calendar of the components that use ``resource``: this one, plus the
        resource's own closures (which win over extra working days, like any closure)."""
        scoped = self.resource_closures.get(resource or "")
        if not scoped:
            return self
        closures = {**self.closures, **{d: r for d, r in scoped.items() if d not in self.closures}}
        workdays = {d: r for d, r in self.workdays.items() if d not in scoped}
        return make_calendar(self.region, closures, workdays)

    def is_working_day(self, day: date) -> bool:
        """True when the clinic works on ``day`` (memoised: the answer never changes)."""
        known = self._memo.get(day)
        if known is None:
            known = self._memo[day] = self._decide(day)
        return known

    def _decide(self, day: date) -> bool:
        if day in self.closures:
            return False
        if day in self.workdays:
            return True
        if self.public is not None:
            self._fill(day.year)
            return self.public.is_working_day(day)
        return day.weekday() not in (5, 6)

    def _fill(self, year: int) -> None:
        """Fill the holiday table of ``year`` once, keeping what ``holidays`` warns about it
        (India's lunar holidays, for one, are known only to 2035) and whether the year's
        official arrangement is missing (see :data:`SET_EACH_YEAR`)."""
        if year in self._gaps or self.public is None:
            return
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.public.get(date(year, 1, 1))  # fills the whole year
        gaps = sorted({str(w.message) for w in caught})
        if self.region.partition("-")[0] in SET_EACH_YEAR:
            published = getattr(self.public, "special_public_holidays", None) or {}
            last = max(published, default=None)
            if last is not None and year > last:
                gaps.append(f"it has the official arrangement of days off and make-up working "
                            f"days only up to {last}; {year} follows the usual rules")
        self._gaps[year] = "; ".join(gaps) or None

    def coverage_gaps(self, first: date, last: date) -> dict[int, str]:
        """Years from ``first`` to ``last`` whose public holidays the ``holidays`` package
        knows only in part, with its words."""
        gaps: dict[int, str] = {}
        for year in range(first.year, last.year + 1):
            self._fill(year)
            gap = self._gaps.get(year)
            if gap:
                gaps[year] = gap
        return gaps

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on ``day``, if any (several are joined with '; ')."""
        if self.public is None:
            return None
        if day not in self._names:
            self._fill(day.year)
            name = self.public.get(day)
            if name and self._american_dates:
                name = _AMERICAN_DATE.sub(r"\3-\1-\2", name)
            self._names[day] = name
        return self._names[day]

    @functools.cached_property
    def _american_dates(self) -> bool:
        """True when the ``holidays`` package writes dates in names as 02/14/2026 (its
        American English, for China's "Day off (substituted from ...)"); they are given as
        ISO dates instead, like every other date the tool prints."""
        date_format = getattr(self.public, "substituted_date_format", None)
        return self.public is not None and isinstance(date_format, str) and bool(date_format) \
            and self.public.tr(date_format) == "%m/%d/%Y"

    def closed_because(self, day: date) -> str | None:
        """Why ``day`` is not a working day ("Saturday", a holiday, a closure), or None."""
        if self.is_working_day(day):
            return None
        if day in self.closures:
            return self.closures[day]
        return self.holiday_name(day) or WEEKDAY_NAMES[day.weekday()]

    def is_weekend_only(self, day: date) -> bool:
        """True for a plain weekend day: closed, and neither a holiday nor a site closure."""
        return (
            not self.is_working_day(day)
            and day not in self.closures
            and self.holiday_name(day) is None
        )


def make_calendar(
    region: str | None,
    closures: Mapping[date, str] | None = None,
    workdays: Mapping[date, str] | None = None,
    resource_closures: Mapping[str, Mapping[date, str]] | None = None,
) -> WorkCalendar:
    """Build a calendar for ``"CN"``, ``"US-CA"`` or ``"none"`` plus site changes.

    Raises InputError for an unknown country or subdivision, or a date given both as a
    closure and as a working day. Calendars are cached by their arguments: a cohort of
    patients at one site shares one (and its filled holiday tables). ``resource_closures``
    (resource -> date -> reason) close a day for the components using that resource only.
    """
    closure_items = tuple(sorted((closures or {}).items()))
    workday_items = tuple(sorted((workdays or {}).items()))
    scoped = tuple(sorted((name, tuple(sorted(days.items())))
                          for name, days in (resource_closures or {}).items() if days))
    if not scoped:
        return _calendar(region, closure_items, workday_items)
    return _scoped(region, closure_items, workday_items, scoped)


@functools.lru_cache(maxsize=64)
def _scoped(
    region: str | None,
    closure_items: tuple[tuple[date, str], ...],
    workday_items: tuple[tuple[date, str], ...],
    scoped: tuple[tuple[str, tuple[tuple[date, str], ...]], ...],
) -> WorkCalendar:
    calendar = _calendar(region, closure_items, workday_items)
    return WorkCalendar(
        region=calendar.region,
        public=calendar.public,
        closures=calendar.closures,
        workdays=calendar.workdays,
        resource_closures=MappingProxyType(
            {name: MappingProxyType(dict(days)) for name, days in scoped}),
    )


@functools.lru_cache(maxsize=64)
def _calendar(
    region: str | None,
    closure_items: tuple[tuple[date, str], ...],
    workday_items: tuple[tuple[date, str], ...],
) -> WorkCalendar:
    closures = dict(closure_items)
    workdays = dict(workday_items)
    both = sorted(set(closures) & set(workdays))
    if both:
        raise InputError(f"{both[0]} is given both as closed and as a working day")
    code = (region or "none").strip()
    public = None
    if code.lower() != "none":
        country, _, subdivision = code.partition("-")
        probe = None
        try:
            probe = holidays_lib.country_holidays(country.upper())
            default = probe.default_language or ""
            language = default if default.startswith("en") else (
                "en_US" if "en_US" in probe.supported_languages else None
            )
            subdivisions = probe.subdivisions
            if subdivision and subdivision not in subdivisions and subdivision.upper() in subdivisions:
                subdivision = subdivision.upper()  # gb-eng -> GB-ENG
            public = holidays_lib.country_holidays(
                country.upper(), subdiv=subdivision or None, language=language
            )
        except NotImplementedError:
            which = (f"the holidays package knows no country {country.upper()!r}" if probe is None
                     else f"{country.upper()} has no subdivision {subdivision!r}")
            raise InputError(
                f"unknown country or subdivision '{code}' ({which}); "
                "use an ISO code like CN, US-CA or GB, or 'none'", "holidays"
            ) from None
        code = country.upper() + (f"-{subdivision}" if subdivision else "")
    return WorkCalendar(
        region=code if public is not None else "none",
        public=public,
        closures=MappingProxyType(closures),
        workdays=MappingProxyType(workdays),
    )


Day = date
"""``date`` under another name, for annotations in a class that has a field called ``date``."""


class Placement(NamedTuple):
    """Where a date ended up under a non-working-day rule, and why it moved."""

    date: Day | None
    moved_from: Day | None = None
    reason: str | None = None


def place(
    day: date,
    rule: Literal["next", "previous", "keep", "skip", "error"],
    calendar: WorkCalendar,
    what: str,
) -> Placement:
    """Apply a non-working-day rule to ``day``.

    ``next``/``previous``: the nearest working day after/before; ``keep``: the day itself;
    ``skip``: no date; ``error``: PlanError naming ``what`` and the reason.
    """
    if calendar.is_working_day(day):
        return Placement(day)
    reason = calendar.closed_because(day)
    if rule == "keep":
        return Placement(day, reason=reason)
    if rule == "skip":
        return Placement(None, reason=reason)
    if rule == "error":
        raise PlanError(
            f"{what} falls on {day.isoformat()} ({reason}), a non-working day, and the "
            f"template says 'error': choose another start date, make {day.isoformat()} an extra "
            "working day, or change on_non_working_day"
        )
    step = timedelta(days=1 if rule == "next" else -1)
    moved = day
    for _ in range(MAX_SEARCH_DAYS):
        moved += step
        if calendar.is_working_day(moved):
            return Placement(moved, moved_from=day, reason=reason)
    raise PlanError(
        f"{what}: no working day within {MAX_SEARCH_DAYS} days "
        f"{'after' if rule == 'next' else 'before'} {day.isoformat()}"
    )
