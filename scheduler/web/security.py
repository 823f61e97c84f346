"""Who may do what: one middleware for "logged in?" and CSRF, and the login lock-out.

Every request passes :class:`Guard`: the feed (``/feed/...``), ``/login`` and ``/static/``
answer without a session; everything else needs a logged-in, active user (a GET is sent to
the login page, anything else is refused). Every POST, the login form's included, must carry
the session's CSRF token in its ``csrf`` field (a synchronizer token), or it is refused
before any route sees it.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PREFIXES = ("/feed/", "/static/", "/reset/")
"""Answered without a session: feeds, static files, one-time password links (the token is
the key; see :mod:`scheduler.web.admin`)."""
BODY_LIMIT = 2 * 1024 * 1024
"""The largest request body accepted (a template upload is far smaller)."""
LOCKOUT_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
"""After LOCKOUT_FAILURES wrong passwords for one user name within LOCKOUT_SECONDS, further
attempts for that name are refused until the oldest failure is that old."""


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


class Lockout:
    """Failed logins per user name, in this server process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, name: str) -> deque[float]:
        now = self.clock()
        failures = self.failures.setdefault(name, deque())
        while failures and now - failures[0] >= LOCKOUT_SECONDS:
            failures.popleft()
        return failures

    def wait(self, name: str) -> int:
        """Seconds until ``name`` may try again (0: now)."""
        with self.lock:
            failures = self._recent(name)
            if len(failures) < LOCKOUT_FAILURES:
                return 0
            return max(1, math.ceil(LOCKOUT_SECONDS - (self.clock() - failures[0])))

    def failed(self, name: str) -> None:
        """Count a wrong password for ``name``."""
        with self.lock:
            self._recent(name).append(self.clock())

    def succeeded(self, name: str) -> None:
        """Forget ``name``'s failures."""
        with self.lock:
            self.failures.pop(name, None)


class Guard:
    """Login required and CSRF checked, for every route (see the module docstring)."""

    def __init__(self, app: ASGIApp, is_active: Callable[[str], bool]) -> None:
        self.app = app
        self.is_active = is_active

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        session = scope["session"]
        expected = csrf_token(session)
        if scope["method"] not in ("GET", "HEAD"):
            body = await _read_body(receive)
            if body is None:
                await PlainTextResponse("Request too large", 413)(scope, receive, send)
                return
            form = await Request(scope, _replay(body)).form()
            sent = form.get("csrf")
            await form.close()
            if not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
                response: Response = PlainTextResponse(
                    "This form has expired or did not come from this site. Go back, reload the "
                    "page and try again.", 403)
                await response(scope, receive, send)
                return
            receive = _replay(body)
        user = session.get("user")
        if isinstance(user, str) and not await run_in_threadpool(self.is_active, user):
            session.clear()
            user = None
        if scope["path"] != "/login" and not isinstance(user, str):
            if scope["method"] in ("GET", "HEAD"):
                query = scope["query_string"].decode("latin-1")
                target = scope["path"] + (f"?{query}" if query else "")
                response = RedirectResponse(f"/login?next={quote(target)}", 303)
            else:
                response = PlainTextResponse("Log in first.", 403)
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
