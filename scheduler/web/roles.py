"""Who may do what, decided in one place: :func:`permitted`, asked by :class:`Roles` for every
request before any route runs.

- ``admin``: everything (people, templates, site settings under ``/admin/``, and patients);
- ``coordinator``: everything outside ``/admin/``;
- ``viewer``: reads everything outside ``/admin/``; every POST is refused, except logging out
  and changing their own password (:data:`OWN_POSTS`: their own session and account, nothing
  of the registry's patients, people, templates or settings).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from scheduler.registry import Registry
from scheduler.web import i18n
from scheduler.web.security import PUBLIC_PREFIXES, ASGIApp, Receive, Scope, Send

ADMIN_PREFIX = "/admin"
OWN_POSTS = frozenset({"/logout", "/account"})
READS = frozenset({"GET", "HEAD"})


def permitted(role: str | None, method: str, path: str) -> bool:
    """May a person with ``role`` (None: not a known, active user) send ``method`` to ``path``?"""
    if role is None:
        return False
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        return role == "admin"
    if method in READS or path in OWN_POSTS:
        return True
    return role in ("admin", "coordinator")


def role_of(registry: Registry, name: str) -> tuple[str | None, str | None]:
    """The role of active user ``name`` (None for an unknown or disabled one) and the
    language they chose (None: their browser's)."""
    person = registry.user(name)
    if person is None or not person.active:
        return None, None
    return person.role, person.language


class Roles:
    """Refuses what :func:`permitted` refuses (403, a page in words), puts the role in the
    request's scope (``scope["role"]``, for the navigation) and sets the request's language
    (:mod:`scheduler.web.i18n`). Runs after the login guard, so a
    request reaching it either has a user or is the login page's or a public one."""

    def __init__(self, app: ASGIApp, registry: Callable[[], Registry]) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        user = scope.get("user")
        accept = Headers(scope=scope).get("accept-language")
        if not isinstance(user, str) or scope["path"].startswith(PUBLIC_PREFIXES):
            i18n.current.set(i18n.choose(None, accept))
            await self.app(scope, receive, send)
            return
        role, language = await run_in_threadpool(role_of, self.registry(), user)
        i18n.current.set(i18n.choose(language, accept))
        scope["role"] = role
        if permitted(role, scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        from scheduler.web.site import page

        what = (i18n._("Only an admin can open this page.") if scope["path"].startswith(ADMIN_PREFIX)
                else i18n._("You are a viewer: you can read every page but change nothing. Ask an "
                            "admin if you need to."))
        response: Response = page(Request(scope, receive), "error.html",
                                  {"title": i18n._("Not allowed"), "message": what}, 403)
        await response(scope, receive, send)
