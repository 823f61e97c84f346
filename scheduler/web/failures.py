"""Every failure answers a page in words, never a bare "Internal Server Error".

:class:`Failures` wraps the app (inside :class:`~scheduler.web.security.PageHeaders`, so its
pages carry the same security headers as any other): the database away, locked or out of disk
space is a 503 with Retry-After; a number too large for the database is a 404 (no such thing
exists); anything else is a 500 page that says the change was not made, and the traceback goes
to the log only. The feed keeps its own terse plain-text answers (a calendar, not a browser,
reads them).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from jinja2 import Environment
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from scheduler.web.i18n import N_, _
from scheduler.web.security import ASGIApp, Message, Receive, Scope, Send

RETRY_AFTER_S = 30
"""The Retry-After of a 503 while the database is away or busy."""

log = logging.getLogger("scheduler.web")


def error_page(templates: Environment, status: int, title: str, message: str,
               headers: dict[str, str] | None = None) -> Response:
    """An error page (no session needed: it is shown to anyone)."""
    body = templates.get_template("error.html").render(
        title=title, message=message, user=None, csrf="", flashed=[])
    return HTMLResponse(body, status, headers=headers)


def _plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text.encode("ascii") + b"\n", status, headers=headers, media_type="text/plain")


def answer_for(error: BaseException, templates: Environment, path: str) -> Response:
    """The page for an exception that reached the top of the app."""
    feed = path.startswith("/feed/")
    retry = {"Retry-After": str(RETRY_AFTER_S)}
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError) or (
            isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated):
        if feed:
            return _plain(503, "Try again later", retry)
        return error_page(templates, 503, _("Try again in a minute"),
                          _("The patient registry cannot be reached just now (the database is away, "
                            "busy or out of space). Nothing was changed. Try again in a minute."), retry)
    if isinstance(error, OverflowError | sa.exc.DataError):
        if feed:
            return _plain(404, "Not found")
        return error_page(templates, 404, _("Not found"), _("There is no such page or patient."))
    if isinstance(error, MultiPartException):
        return error_page(templates, 400, _("Not a form this site can read"),
                          _("What was sent could not be read as a form (%(why)s).", why=error.message))
    if feed:
        return _plain(500, "Server error")
    return error_page(templates, 500, _("Something went wrong"),
                      _("The server could not finish this request, and nothing was changed. Try again; "
                        "if it happens again, tell your administrator the time it happened."))


class Failures:
    """Turns an exception into a page (see the module docstring), if nothing was sent yet."""

    def __init__(self, app: ASGIApp, templates: Environment) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            expected = isinstance(error, sa.exc.OperationalError | OverflowError | MultiPartException)
            log.log(logging.WARNING if expected else logging.ERROR, "%s %s failed: %s",
                    scope.get("method"), _route_of(scope), type(error).__name__,
                    exc_info=not expected)
            scope["failure"] = type(error).__name__
            if started:
                raise
            await answer_for(error, self.templates, scope["path"])(scope, receive, send)


def _route_of(scope: Scope) -> Any:
    route = scope.get("route")
    return getattr(route, "path", None) or "(no route)"


TITLES = {400: N_("Not understood"), 403: N_("Not allowed"), 404: N_("Not found"), 405: N_("Not allowed"),
          413: N_("Too large")}


async def http_error(request: Request, exc: Exception) -> Response:
    """An HTTP error raised by a route or by Starlette (a form it cannot read: 400), as a page."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if request.url.path.startswith("/feed/"):
        return _plain(status, "Not found" if status == 404 else "Bad request")
    environment = request.app.state.site.templates.env
    return error_page(environment, status, _(TITLES.get(status, "Not understood")),
                      _("This site could not understand that request. Go back, reload the page and try "
                        "again.") if status != 404 else _("There is no such page or patient."))
