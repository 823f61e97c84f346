"""How the pages show times: in the site's zone, never bare UTC.

:func:`install` adds the ``local`` filter to the pages' Jinja environment:
``{{ change.at|local }}`` is the stored UTC moment in the site's zone (the default site file's
``timezone``, else this machine's), ``{{ change.at|local(plan.request.timezone) }}`` in a
plan's, each written ``2026-03-02 17:02``; the ``site_zone`` global names the zone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from jinja2 import Environment


def site_zone() -> ZoneInfo:
    """The site's zone: the default site file's, else this machine's (UTC if unknown)."""
    from scheduler.core.errors import SchedulerError
    from scheduler.services.options import _local_zone_name, load_default_site

    try:
        _, site = load_default_site()
    except SchedulerError:
        site = None
    name = site.timezone if site is not None and site.timezone else _local_zone_name()
    return ZoneInfo(name)


def local_time(value: str | datetime | None, zone: tzinfo) -> str:
    """``value`` (ISO text or an aware datetime, in any zone) as ``YYYY-MM-DD HH:MM`` in ``zone``."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def install(env: Environment, zone: Callable[[], tzinfo] = site_zone, seconds: float = 60) -> None:
    """Add the ``local`` filter and the ``site_zone`` global to ``env``; ``zone`` is asked
    again after ``seconds`` (a site file edited while the server runs is followed)."""
    kept: list[tuple[float, tzinfo]] = []

    def current() -> tzinfo:
        now = time.monotonic()
        if not kept or now - kept[0][0] > seconds:
            kept[:] = [(now, zone())]
        return kept[0][1]

    env.filters["local"] = lambda value, in_zone=None: local_time(value, in_zone or current())
    env.globals["site_zone"] = lambda: str(current())
