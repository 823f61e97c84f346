"""Turn a shell's values into a :class:`~scheduler.core.plan.PlanRequest`.

The layer around the pure core: it reads template and site files and the clock, and decides
precedence. For the working-day calendar and the time zone, what the user gives wins over a
site file (else the default site file, :func:`~scheduler.core.site.default_site_file`), which
wins over the template's ``calendar:`` defaults; the zone falls back to this machine's local
zone. What was taken by default is returned as :class:`Defaults`, for the user to see.

The parsers take the *field* their value is for (``start``, ``closed[2]``, ...) and raise
:class:`~scheduler.core.errors.InputError` naming it; each shell says the field its own way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.core.errors import InputError, Namer, SchedulerError, field_root
from scheduler.core.loader import resolve_template
from scheduler.core.plan import DEFAULT_HORIZON, PlanRequest, plan_key
from scheduler.core.protocol import MAX_DETAIL, MAX_LABEL, Template
from scheduler.core.site import MAX_RANGE_DAYS, DefaultSite, Site, default_site_file, load_site
from scheduler.core.text import shown, text_problem
from scheduler.core.units import Span, parse_span
from scheduler.core.workdays import make_calendar

MAX_HORIZON_MONTHS = 60
EARLIEST_START = date(1990, 1, 1)
LATEST_START = date(2099, 12, 31)

RESOURCE = re.compile(r"[a-z][a-z0-9_-]{0,39}")


class DateRange(NamedTuple):
    """A closed day or range, or extra working days, with its reason, and for a closure the
    resource it is scoped to (``2026-03-04@linac=Linac service``)."""

    first: date
    last: date
    reason: str | None
    resource: str | None = None

MAX_PLAN_KEY = 200


def parse_text(text: str, field: str, max_length: int = MAX_LABEL) -> str:
    """A free-text value (a patient label, an author, a reason): at most ``max_length``
    characters, valid UTF-8, no control characters (:mod:`scheduler.core.text`)."""
    problem = text_problem(text, max_length)
    if problem:
        raise InputError(problem, field)
    return text


def parse_date(text: str, field: str = "start") -> date:
    """A strict YYYY-MM-DD date within 1990-2099."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise InputError(f"{shown(text)} is not a date in the form YYYY-MM-DD", field)
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{shown(text)} is not a real date", field) from None
    if not EARLIEST_START <= value <= LATEST_START:
        raise InputError(f"{value.isoformat()} is outside 1990-01-01 to 2099-12-31", field)
    return value


def parse_date_range(text: str, field: str) -> DateRange:
    """``2026-03-02``, ``2026-03-02..2026-03-04``, either with ``=reason``; a closure (field
    ``closed``) may be scoped to one resource: ``2026-03-04@linac=Linac service``."""
    spec, _, reason = text.partition("=")
    spec, at, resource = spec.partition("@")
    if at:
        if field_root(field) != "closed":
            raise InputError(f"'{text}': an extra working day is for the whole site; "
                             "only a closure may name a resource", field)
        if not RESOURCE.fullmatch(resource.strip()):
            raise InputError(f"'{text}': '{resource}' is not a resource name like "
                             "linac (lower case, digits, - or _)", field)
    first_text, dots, last_text = spec.partition("..")
    first = parse_date(first_text, field)
    last = parse_date(last_text, field) if dots else first
    if last < first:
        raise InputError(f"{shown(spec)} ends before it starts", field)
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InputError(f"{shown(spec)} spans more than {MAX_RANGE_DAYS} days", field)
    problem = text_problem(reason.strip(), MAX_DETAIL)
    if problem:
        raise InputError(f"the reason {problem}", field)
    return DateRange(first, last, reason.strip() or None, resource.strip() if at else None)


def parse_assignment(text: str, field: str = "parameters") -> tuple[str, int]:
    """``chemo_cycles=6`` -> ("chemo_cycles", 6); an error names ``parameters.chemo_cycles``
    once the name is known (``field`` may carry an index: ``parameters[1]``)."""
    name, equals, value = text.partition("=")
    if not equals or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name.strip()):
        raise InputError(f"{shown(text)} is not NAME=VALUE, like chemo_cycles=6", field)
    named = f"parameters.{name.strip()}"
    if not re.fullmatch(r"-?[0-9]+", value.strip()):
        raise InputError(f"{shown(value)} is not a whole number", named)
    if len(value.strip().lstrip("-")) > 9:
        raise InputError("the number has more than 9 digits", named)
    return name.strip(), int(value)


def parse_horizon(text: str, field: str = "horizon") -> Span:
    """How far open-ended treatment is scheduled: ``12m``, ``18 months``, ``2y``; at most 5y."""
    try:
        span = parse_span(text)
    except ValueError as error:
        raise InputError(str(error), field) from None
    if span.months + span.days / 30.44 > MAX_HORIZON_MONTHS:
        raise InputError(f"{shown(text)} is longer than {MAX_HORIZON_MONTHS // 12} years", field)
    return span


NOT_CLINIC_ZONES = frozenset({"localtime", "Factory", "posixrules", "posix", "right"})
"""Names in the zone database that are not places: this machine's setting ('localtime'), a
placeholder with the abbreviation '-00' ('Factory'), a rules template ('posixrules'), and
the copies under 'posix/' and 'right/' (the latter counts leap seconds)."""


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA zone such as ``Asia/Shanghai`` or ``America/Los_Angeles``."""
    if name.split("/", 1)[0] in NOT_CLINIC_ZONES:
        raise InputError(f"{shown(name)} is not a clinic time zone; use an IANA name like "
                         "Asia/Shanghai, Europe/Amsterdam or America/New_York", "timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InputError(
            f"unknown time zone '{name}'; use an IANA name like Asia/Shanghai, "
            "Europe/Amsterdam or America/New_York", "timezone"
        ) from None


def resolve_now(text: str | None) -> datetime:
    """The generation time: ``text`` (the field ``now``), else ``SOURCE_DATE_EPOCH``, else
    the clock (UTC)."""
    if text:
        refused = InputError(
            f"{shown(text)} is not an ISO 8601 time with an offset, like 2026-01-01T08:00:00Z", "now"
        )
        if not re.search(r"(Z|[+-]\d{2}:?\d{2})$", text.strip()):
            raise refused
        import pendulum  # here, not at the top: only --now needs it (15-25 ms of every start)

        try:
            parsed = pendulum.parse(text, strict=True)
        except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
            raise refused from None
        if not isinstance(parsed, datetime) or parsed.tzinfo is None:
            raise refused
        return _in_range(parsed.timestamp(), "now", text)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        if not re.fullmatch(r"[0-9]+", epoch):  # ASCII digits only: int() takes '١٧' too
            raise InputError(f"{shown(epoch)} is not a whole number of seconds", "SOURCE_DATE_EPOCH")
        return _in_range(int(epoch) if len(epoch) <= 30 else -1, "SOURCE_DATE_EPOCH", epoch)
    return datetime.now(UTC).replace(microsecond=0)


def _in_range(seconds: float, name: str, text: str) -> datetime:
    """A generation time between 1970 and 2999, in UTC."""
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, ValueError, OSError):
        moment = None
    if moment is None or not 1970 <= moment.year <= 2999:
        raise InputError(f"{shown(text)} is not a time between 1970 and 2999", name)
    return moment


def _local_zone_name() -> str:
    from pendulum.tz.local_timezone import get_local_timezone

    try:
        name = str(get_local_timezone().name)
    except Exception:  # pragma: no cover - depends on the machine
        return "UTC"
    return "UTC" if name.split("/", 1)[0] in NOT_CLINIC_ZONES else name


@dataclass(frozen=True)
class PlanOptions:
    """A plan request as a shell gives it: the plan options of ``show`` and ``generate``, a
    registration form, a cohort file's row. Each attribute is the field of the same name."""

    start: date
    holidays: str | None = None
    closed: tuple[DateRange, ...] = ()
    workdays: tuple[DateRange, ...] = ()
    site: Path | None = None
    sets: tuple[tuple[str, int], ...] = ()
    horizon: Span = DEFAULT_HORIZON
    timezone: str | None = None
    shift_start: bool = False
    plan_key: str | None = None
    site_settings: Site | None = None
    """The site settings kept in the registry (the web app's), instead of any site file."""


def _expand_ranges(
    ranges: tuple[DateRange, ...], default_reason: str, resource: str | None = None
) -> dict[date, str]:
    """The days of the ranges scoped to ``resource`` (None: the whole site) -> reason."""
    days: dict[date, str] = {}
    for first, last, reason, scope in ranges:
        if scope != resource:
            continue
        for offset in range((last - first).days + 1):
            days[first + timedelta(days=offset)] = reason or default_reason
    return days


def _resource_closures(
    template: Template, ranges: tuple[DateRange, ...], site_closures: dict[str, dict[date, str]]
) -> dict[str, dict[date, str]]:
    """Resource -> closed day -> reason, from the site file and the user's closures (which
    win). A closure naming a resource no component uses is an error (field ``closed[i]``)."""
    used = template.resources()
    scoped = {name: dict(days) for name, days in site_closures.items()}
    for index, scope in enumerate(r.resource for r in ranges):
        if scope is not None and scope not in used:
            raise InputError(
                f"no component of template '{template.id}' uses "
                f"resource '{scope}' (its resources: {', '.join(sorted(used)) or 'none'})",
                f"closed[{index}]")
    for resource in sorted({r.resource for r in ranges if r.resource is not None}):
        scoped.setdefault(resource, {}).update(
            _expand_ranges(ranges, f"{resource} closed", resource))
    return scoped


def load_default_site() -> tuple[DefaultSite | None, Site | None]:
    """The default site file and what it says, or (None, None) when there is none; its
    errors say that it is the default site file (a coordinator may not know it is read)."""
    default = default_site_file()
    if default is None:
        return None, None
    try:
        return default, load_site(default.path)
    except SchedulerError as error:
        raise InputError(f"the default site file (from {default.origin}): {error}") from None


@dataclass(frozen=True)
class Defaults:
    """What a plan took by default because nothing named it: the default site file read, no
    holidays region (weekends only), this machine's zone. :meth:`notes` says so in words."""

    site_file: DefaultSite | None = None
    no_holidays: bool = False
    machine_zone: str | None = None

    def notes(self, name: Namer = lambda field: field, site_path: bool = True) -> tuple[str, ...]:
        """One sentence for each default, naming the fields ``holidays`` and ``timezone`` by
        ``name``, as the shell names them (a flag, a form's label, a cohort file's column).
        ``site_path=False`` names the default site file without its folder (the web app's
        pages do not show the server's paths)."""
        holidays_option, zone_option = name("holidays"), name("timezone")
        notes = []
        if self.site_file is not None:
            shown = self.site_file.path if site_path else self.site_file.path.name
            notes.append(f"using the default site file {shown} (from {self.site_file.origin}).")
        if self.no_holidays:
            notes.append(f"no holidays region given ({holidays_option}, a site file or the "
                         "template's calendar:); only weekends are days off.")
        if self.machine_zone is not None:
            notes.append(f"no time zone given ({zone_option}, a site file or the template's "
                         f"calendar:); times are in this machine's zone, {self.machine_zone}.")
        return tuple(notes)


@dataclass(frozen=True)
class Resolved:
    """The request the expansion takes, and the defaults it was assembled with."""

    request: PlanRequest
    defaults: Defaults


def build_request(template_ref: str, options: PlanOptions, patient: str | None) -> Resolved:
    """Load the template (and site file) and assemble the request the expansion takes."""
    template, _ = resolve_template(template_ref)
    return request_for(template, options, patient)


def request_for(template: Template, options: PlanOptions, patient: str | None) -> Resolved:
    """Assemble the request for a loaded template: reads the site file of ``options`` (or the
    site settings kept in the registry), else the default site file if there is one; says in
    :class:`Defaults` what nothing named."""
    default_site: DefaultSite | None
    site: Site | None
    if options.site_settings is not None:
        default_site, site = None, options.site_settings
    else:
        default_site, site = (None, load_site(options.site)) if options.site else load_default_site()
    scoped = _resource_closures(template, options.closed,
                                site.resource_closures() if site else {})
    closures = site.closures() if site else {}
    workdays = site.extra_workdays() if site else {}
    cli_closed = _expand_ranges(options.closed, "Site closure")
    cli_workdays = _expand_ranges(options.workdays, "Site working day")
    for day in cli_closed:  # the user's days win over the site file's
        workdays.pop(day, None)
    for day in cli_workdays:
        closures.pop(day, None)
    closures.update(cli_closed)
    workdays.update(cli_workdays)
    region = options.holidays or (site.holidays if site else None) or template.calendar.holidays
    named_zone = options.timezone or (site.timezone if site else None) or template.calendar.timezone
    zone = named_zone or _local_zone_name()
    seen: dict[str, int] = {}
    for name, value in options.sets:
        if name in seen:
            raise InputError("is given twice", f"parameters.{name}")
        seen[name] = value
    request = PlanRequest(
        template=template,
        start=options.start,
        calendar=make_calendar(region, closures, workdays, scoped),
        timezone=parse_timezone(zone),
        plan_key=plan_key(template.id, options.start, patient, options.plan_key),
        parameters=seen,
        horizon=options.horizon,
        shift_start=options.shift_start,
    )
    return Resolved(request, Defaults(default_site, region is None,
                                      None if named_zone else zone))
