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
from starlette.requests import Request
from starlette.responses import Response

from scheduler.registry import Registry
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


def role_of(registry: Registry, name: str) -> str | None:
    """The role of active user ``name``; None for an unknown or disabled one."""
    person = registry.user(name)
    return person.role if person is not None and person.active else None


class Roles:
    """Refuses what :func:`permitted` refuses (403, a page in words) and puts the role in the
    request's scope (``scope["role"]``, for the navigation). Runs after the login guard, so a
    request reaching it either has a user or is the login page's or a public one."""

    def __init__(self, app: ASGIApp, registry: Callable[[], Registry]) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user") if scope["type"] == "http" else None
        if not isinstance(user, str) or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        role = await run_in_threadpool(role_of, self.registry(), user)
        scope["role"] = role
        if permitted(role, scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        from scheduler.web.site import page

        what = ("Only an admin can open this page." if scope["path"].startswith(ADMIN_PREFIX)
                else f"You are a {role}: you can read every page but change nothing. Ask an admin "
                     "if you need to.")
        response: Response = page(Request(scope, receive), "error.html",
                                  {"title": "Not allowed", "message": what}, 403)
        await response(scope, receive, send)
