"""The site's settings kept in the registry: holidays (region and subdivision), time zone,
closures for the whole site or one resource, extra (reopened) working days.

The same model as a site file (:class:`scheduler.core.site.Site`), saved as a site file's
text, each save a new version with its author, time and reason; the newest is in force for
plans registered in the web app. The command line keeps its site file (``--site``, the
default site file); ``settings_text`` of a version is such a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from pydantic import ValidationError

from scheduler.core.errors import InputError
from scheduler.core.history import check_reason
from scheduler.core.site import Site
from scheduler.core.workdays import make_calendar
from scheduler.registry import Registry
from scheduler.registry import site_settings as store
from scheduler.services.options import DateRange, parse_date_range, parse_timezone


@dataclass(frozen=True)
class Fields:
    """The settings as the form gives them."""

    name: str = ""
    region: str = ""
    subdivision: str = ""
    timezone: str = ""
    closed: tuple[str, ...] = ()
    """One a line: ``2026-03-04=Linac service``, ``2026-04-13..2026-04-14=Department move``,
    ``2026-03-05@linac=Linac service`` (one resource)."""
    workdays: tuple[str, ...] = ()


def _entry(found: DateRange) -> dict[str, Any]:
    entry: dict[str, Any] = ({"date": found.first.isoformat()} if found.first == found.last else
                             {"from": found.first.isoformat(), "to": found.last.isoformat()})
    if found.reason:
        entry["reason"] = found.reason
    if found.resource:
        entry["resource"] = found.resource
    return entry


def site_of(fields: Fields) -> Site:
    """The fields as a site, checked as a plan would use it (known holidays region and
    subdivision, a clinic time zone, no day both closed and reopened); InputError naming the
    field otherwise."""
    region, subdivision = fields.region.strip().upper(), fields.subdivision.strip().upper()
    if subdivision and not region:
        raise InputError("holidays subdivision: give the region (country) too, e.g. US with CA")
    holidays = f"{region}-{subdivision}" if subdivision else region or None
    if fields.timezone.strip():
        parse_timezone(fields.timezone.strip())  # an InputError names the field "timezone"
    data: dict[str, Any] = {
        "name": fields.name.strip() or None, "holidays": holidays,
        "timezone": fields.timezone.strip() or None,
        "closed": [_entry(parse_date_range(line, f"closed[{i}]")) for i, line in enumerate(fields.closed)],
        "workdays": [_entry(parse_date_range(line, f"workdays[{i}]"))
                     for i, line in enumerate(fields.workdays)],
    }
    try:
        site = Site.model_validate({k: v for k, v in data.items() if v not in (None, [])})
    except ValidationError as error:
        raise InputError("; ".join(str(e["msg"]).removeprefix("Value error, ")
                                   for e in error.errors())) from None
    make_calendar(holidays, site.closures(), site.extra_workdays(), site.resource_closures())
    return site


def settings_text(site: Site) -> str:
    """``site`` as the text of a site file."""
    data = site.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def fields_of(site: Site) -> Fields:
    """A site as the form shows it."""
    region, _, subdivision = (site.holidays or "").partition("-")

    def line(entry: Any) -> str:
        spec = (entry.date_.isoformat() if entry.date_ is not None
                else f"{entry.from_.isoformat()}..{entry.to.isoformat()}")
        return spec + (f"@{entry.resource}" if entry.resource else "") + (
            f"={entry.reason}" if entry.reason else "")

    return Fields(site.name or "", region, subdivision, site.timezone or "",
                  tuple(line(e) for e in site.closed), tuple(line(e) for e in site.workdays))


def save(registry: Registry, site: Site, reason: str, author: str, now: datetime) -> int:
    """Save ``site`` as the next version, in force from now; its number."""
    reason = check_reason(reason)
    text = settings_text(site)
    with registry.transaction():
        current = store.newest(registry)
        if current is not None and current.settings == text:
            raise InputError(f"these are the settings in force already (version {current.version}): "
                             "nothing to save")
        return store.add(registry, text, author, now.isoformat(), reason)


def in_force(registry: Registry) -> Site | None:
    """The newest saved settings, if any."""
    found = store.newest(registry)
    return Site.model_validate(yaml.safe_load(found.settings) or {}) if found is not None else None
