"""What every route shares: the registry's engine, settings, clock and caches, and rendering."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from scheduler.core.loader import FolderTemplates, TemplateInfo, folder_templates, shipped_templates
from scheduler.registry import Location, Registry, access, feeddocs
from scheduler.registry.database import engine_for
from scheduler.registry.feedreads import FeedStates
from scheduler.services.feed import Feed
from scheduler.web.fetches import FetchBatch
from scheduler.web.forms import in_web_words
from scheduler.web.observe import Metrics
from scheduler.web.security import csrf_token
from scheduler.web.sessions import HashingGate

HERE = Path(__file__).parent
PAGE_DB_TIMEOUT_S = 10
"""PostgreSQL: how long a page's database call may wait to connect, and each statement to run
(a lock held elsewhere, a lost server), before the page answers 503 (SQLite waits up to its
busy timeout, ``BUSY_TIMEOUT_S``)."""


class Site:
    """What every route shares: the registry's engine, the settings, the clock, caches."""

    def __init__(self, location: Location, base_url: str, issue_dir: Path,
                 clock: Callable[[], datetime], templates_folder: Path | None = None) -> None:
        self.location = location
        self.templates_folder = templates_folder
        """A clinic's own templates, offered beside the shipped ones (``serve --templates``)."""
        options: dict[str, Any] = {}
        if not location.is_sqlite:
            options["connect_args"] = {"connect_timeout": PAGE_DB_TIMEOUT_S,
                                       "options": f"-c statement_timeout={PAGE_DB_TIMEOUT_S * 1000}"}
        self.engine = engine_for(location, **options)
        self.feed_states = FeedStates(location)
        self.base_url = base_url.rstrip("/")
        self.issue_dir = issue_dir
        self.clock = clock
        self.metrics = Metrics()
        self.hashing = HashingGate(on_change=self.metrics.hashing_waiting.set)
        self.fetches = FetchBatch(
            lambda fetched, clients: feeddocs.touch_tokens(self.registry(), fetched, clients))
        self.feed_key: Fernet | None = None
        """Seals feed tokens so their addresses can be shown again (services.sealing)."""
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals["today"] = lambda: self.clock().date()
        self.templates.env.filters["web_words"] = in_web_words  # a note with the form's labels

    def offered_templates(self) -> tuple[list[tuple[TemplateInfo, bool]], FolderTemplates | None]:
        """The templates a plan may be registered with, the clinic's own first (each with
        True), and the clinic's folder as read now (its files may change while the server
        runs)."""
        shipped = [(info, False) for info in shipped_templates()]
        if self.templates_folder is None:
            return shipped, None
        folder = folder_templates(self.templates_folder)
        return [(info, True) for info in folder.valid] + shipped, folder

    def registry(self) -> Registry:
        """The registry, for one request."""
        return Registry(self.location, self.engine)

    def now(self) -> datetime:
        """The current time (UTC, whole seconds)."""
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def session_user(self, session_id: str) -> str | None:
        """The user of a live session (see :mod:`scheduler.web.sessions`), else None."""
        found = access.find(self.registry(), session_id, self.now())
        return found.user if found is not None else None


def site_of(request: Request) -> Site:
    """The shared state of the app serving ``request``."""
    site: Site = request.app.state.site
    return site


def page(request: Request, name: str, context: dict[str, Any], status: int = 200,
         headers: dict[str, str] | None = None) -> Response:
    """Render a page with what every page needs (user, CSRF token, flashed messages)."""
    session = request.session
    flashed = session.pop("flash", []) if "flash" in session else []
    return site_of(request).templates.TemplateResponse(
        request, name, {"user": request.scope.get("user"), "csrf": csrf_token(session),
                        "flashed": flashed, **context}, status_code=status, headers=headers)


def feed_headers(found: Feed) -> dict[str, str]:
    """The headers of a feed response (200, 304 and HEAD alike)."""
    return {"ETag": found.etag, "Last-Modified": format_datetime(found.last_modified.astimezone(UTC),
                                                                 usegmt=True),
            "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
