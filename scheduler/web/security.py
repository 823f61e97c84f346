"""Who may do what: one middleware for "logged in?" and CSRF.

Every request passes :class:`Guard`: the feed (``/feed/...``), ``/login``, ``/static/`` and
the health and metrics paths answer without a session; everything else needs a live session (see
:mod:`scheduler.web.sessions`) of an active user (a GET is sent to
the login page, anything else is refused). Every POST, the login form's included, must carry
the session's CSRF token in its ``csrf`` field (a synchronizer token), or it is refused
before any route sees it.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from scheduler.web import i18n
from scheduler.web.i18n import _

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PREFIXES = ("/feed/", "/static/", "/reset/")
PUBLIC_PATHS = ("/healthz", "/readyz", "/metrics")
"""Answered without a session: feeds, static files, one-time password links (the token is
the key; see :mod:`scheduler.web.admin`), and health (``/metrics`` checks its own caller: see
:mod:`scheduler.web.health`)."""
BODY_LIMIT = 2 * 1024 * 1024
"""The largest request body accepted (a template upload is far smaller)."""


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


class Guard:
    """Login required and CSRF checked, for every route (see the module docstring)."""

    def __init__(self, app: ASGIApp, resolve: Callable[[str], str | None],
                 refuse: Callable[[Scope, int, str, str], Response]) -> None:
        self.app = app
        self.resolve = resolve
        """The user of a live session id, else None (reads the registry)."""
        self.refuse = refuse
        """An error page: (scope, status, title, message)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES) or (
                scope["path"] in PUBLIC_PATHS):
            await self.app(scope, receive, send)
            return
        # Refusals here come before the person is known: in the browser's language.
        i18n.current.set(i18n.choose(None, Headers(scope=scope).get("accept-language")))
        session = scope["session"]
        expected = csrf_token(session)
        if scope["method"] not in ("GET", "HEAD"):
            body = await _read_body(receive)
            if body is None:
                await self.refuse(scope, 413, _("Too large"), _(
                    "What was sent is larger than %(mib)s MiB, the most this site accepts.",
                    mib=BODY_LIMIT // (1024 * 1024)))(scope, receive, send)
                return
            try:
                form = await Request(scope, _replay(body)).form()
            except (MultiPartException, HTTPException) as error:
                problem = error.message if isinstance(error, MultiPartException) else error.detail
                await self.refuse(scope, 400, _("Not a form this site can read"), _(
                    "What was sent could not be read as a form (%(why)s). Go back, reload the page and "
                    "try again.", why=problem))(scope, receive, send)
                return
            sent = form.get("csrf")
            await form.close()
            if not isinstance(sent, str) or not secrets.compare_digest(
                    sent.encode("utf-8", "surrogatepass"), expected.encode("ascii")):
                await self.refuse(scope, 403, _("Form expired"), _(
                    "This form has expired or did not come from this site. Go back, reload the page "
                    "and try again."))(scope, receive, send)
                return
            receive = _replay(body)
        session_id = session.get("sid")
        user = await run_in_threadpool(self.resolve, session_id) if isinstance(session_id, str) else None
        if user is None and "sid" in session:
            session.clear()
        if scope["path"] != "/login" and not isinstance(user, str):
            if scope["method"] in ("GET", "HEAD"):
                query = scope["query_string"].decode("latin-1")
                target = scope["path"] + (f"?{query}" if query else "")
                response: Response = RedirectResponse(f"/login?next={quote(target)}", 303)
            else:
                response = self.refuse(scope, 403, _("Log in first"),
                                       _("Your session has ended. Log in and try again."))
            await response(scope, receive, send)
            return
        scope["user"] = user
        await self.app(scope, receive, send)


PAGE_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; "
     b"script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
]
"""What every page and static file is sent with: scripts, styles and images from this site
only (a month cell's colour is an inline style attribute), never in a frame, no address of
this site (a patient's key is in it) sent to another site as a referrer."""


class PageHeaders:
    """Adds :data:`PAGE_HEADERS` to every answer but the feed's (a calendar, not a page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/feed/"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *PAGE_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > BODY_LIMIT:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
