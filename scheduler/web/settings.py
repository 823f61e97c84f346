"""The site settings in the browser: holidays region and subdivision, time zone, closures
(the whole site's or one resource's) and extra working days, each save a version kept with
its author, time and reason (:mod:`scheduler.services.site_settings`). Plans registered in
the web app use the settings in force; ``/admin/`` is for admins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from scheduler.core.errors import SchedulerError
from scheduler.registry import site_settings as store
from scheduler.services import site_settings
from scheduler.web.forms import in_web_words
from scheduler.web.forms import lines as _lines
from scheduler.web.i18n import _
from scheduler.web.pages import _field, _flash, _route, _user
from scheduler.web.present import site_zone
from scheduler.web.site import Site, page, site_of


def _fields(form: FormData | None) -> site_settings.Fields:
    return site_settings.Fields(_field(form, "name"), _field(form, "region"), _field(form, "subdivision"),
                                _field(form, "timezone"), tuple(_lines(_field(form, "closed"))),
                                tuple(_lines(_field(form, "workdays"))))


@_route
def settings_page(request: Request, form: FormData | None) -> Response:
    """The settings in force, a form to change them, and every saved version."""
    site = site_of(request)
    registry = site.registry()
    current = site_settings.in_force(registry)
    context: dict[str, Any] = {"versions": store.versions(registry)[::-1], "reason": ""}
    if form is None:
        context["fields"] = site_settings.fields_of(current) if current else site_settings.Fields()
        return page(request, "admin_settings.html", context)
    fields = _fields(form)
    context.update(fields=fields, reason=_field(form, "reason"))
    try:
        number = site_settings.save(registry, site_settings.site_of(fields), _field(form, "reason"),
                                    _user(request), site.now())
    except SchedulerError as error:
        context["error"] = in_web_words(error)
        return page(request, "admin_settings.html", context, 400)
    _flash(request, _("Saved the site settings as version %(version)s: plans registered from now on "
                      "use them.", version=number))
    return RedirectResponse("/admin/settings", 303)


def zone_of(site: Site) -> Callable[[], tzinfo]:
    """The site's time zone for the pages: the settings in force, else the site file's or
    this machine's (:func:`scheduler.web.present.site_zone`)."""

    def zone() -> tzinfo:
        found = site_settings.in_force(site.registry())
        return ZoneInfo(found.timezone) if found is not None and found.timezone else site_zone()

    return zone
