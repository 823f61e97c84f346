"""People in the browser: the admin's page (add, role, disable, enable, password link), each
person's own account page (change their password), and the one-time password link's page.

Every action calls :mod:`scheduler.services.people`, as the command line does; who may open
these pages is decided by :func:`scheduler.web.roles.permitted` (``/admin/`` is for admins).
A password link is shown once, on the page that made it, never put in the session cookie.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from scheduler.core.errors import InputError, SchedulerError
from scheduler.registry import people as store
from scheduler.services import people
from scheduler.web.forms import in_web_words
from scheduler.web.i18n import _
from scheduler.web.pages import _field, _flash, _route, _user
from scheduler.web.site import page, site_of

RECENT_CHANGES = 30


def _people_page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    registry = site_of(request).registry()
    recent = store.changes(registry)[-RECENT_CHANGES:][::-1]
    return page(request, "admin_people.html", {"people": registry.users(), "roles": people.ROLES,
                                               "changes": recent, "form": {}, **context}, status)


def _link(request: Request, name: str, link: people.Link) -> dict[str, Any]:
    return {"link": {"name": name, "url": site_of(request).base_url + link.path(),
                     "expires": link.expires}}


@_route
def people_page(request: Request, form: FormData | None) -> Response:
    """The people who may log in, their roles, and recent changes; add a person (who gets a
    one-time link to set their own password: the admin never knows it)."""
    if form is None:
        return _people_page(request, {})
    site = site_of(request)
    name, role = _field(form, "name"), _field(form, "role")
    try:
        person = people.new(name, secrets.token_urlsafe(32), role, _user(request), site.now())
        registry = site.registry()
        with registry.transaction():
            people.add(registry, person)
            link = people.issue_reset(registry, name, _user(request), site.now())
    except SchedulerError as error:
        return _people_page(request, {"error": in_web_words(error), "form": {"name": name, "role": role}},
                            400)
    return _people_page(request, {"done": _("Added %(role)s %(name)s.", role=_(role), name=name),
                                  **_link(request, name, link)})


@_route
def person_action(request: Request, form: FormData | None) -> Response:
    """One action on one person: role, disable, enable or a new password link."""
    site = site_of(request)
    name = request.path_params["name"]
    action = _field(form, "action")
    registry, author, now = site.registry(), _user(request), site.now()
    try:
        if action == "role":
            role = _field(form, "role")
            people.set_role(registry, name, role, author, now)
            done = _("%(name)s is now %(role)s.", name=name, role=_(role))
        elif action == "disable":
            people.disable(registry, name, author, now)
            done = _("Disabled %(name)s: they can no longer log in.", name=name)
        elif action == "enable":
            people.enable(registry, name, author, now)
            done = _("Enabled %(name)s: they can log in again with their password.", name=name)
        elif action == "reset":
            link = people.issue_reset(registry, name, author, now)
            return _people_page(request, {"done": _("A new password link for %(name)s.", name=name),
                                          **_link(request, name, link)})
        else:
            return _people_page(request, {"error": _("Choose an action.")}, 400)
    except SchedulerError as error:
        return _people_page(request, {"error": in_web_words(error)}, 400)
    _flash(request, done)
    return RedirectResponse("/admin/people", 303)


@_route
def account(request: Request, form: FormData | None) -> Response:
    """A person's own account: the language of the pages, and their password."""
    site = site_of(request)
    person = site.registry().user(_user(request))
    context: dict[str, Any] = {"setting": person.language if person is not None else None}
    if form is None:
        return page(request, "account.html", context)
    try:
        if _field(form, "action") == "language":
            people.set_language(site.registry(), _user(request), _field(form, "language") or None,
                                site.now())
            return RedirectResponse("/account", 303)
        new = _field(form, "new")
        if new != _field(form, "repeat"):
            raise InputError(_("new password: the two entries differ"))
        people.change_password(site.registry(), _user(request), _field(form, "current"), new, site.now())
    except SchedulerError as error:
        return page(request, "account.html", {**context, "error": in_web_words(error)}, 400)
    _flash(request, _("Your password is changed."))
    return RedirectResponse("/account", 303)


@_route
def reset(request: Request, form: FormData | None) -> Response:
    """A one-time password link: set a new password (no login needed; the link is the key)."""
    site = site_of(request)
    token = request.path_params["token"]
    try:
        name = people.reset_holder(site.registry(), token, site.now())
    except SchedulerError as error:
        return page(request, "reset.html", {"refused": in_web_words(error)}, 410)
    if form is None:
        return page(request, "reset.html", {"name": name})
    new = _field(form, "new")
    try:
        if new != _field(form, "repeat"):
            raise InputError(_("new password: the two entries differ"))
        people.use_reset(site.registry(), token, new, site.now())
    except SchedulerError as error:
        return page(request, "reset.html", {"name": name, "error": in_web_words(error)}, 400)
    request.session.clear()
    _flash(request, _("Your password is set, %(name)s: log in with it.", name=name))
    return RedirectResponse("/login", 303)
