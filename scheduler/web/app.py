"""The Starlette app: one object, its routes, and the state they share.

Each route is a small function: it reads the request, calls one library function (the same
as the command line: :mod:`scheduler.services.patients`, :mod:`scheduler.services.feed`), and renders a page
from ``templates/``. Route functions are plain ``def``: Starlette runs them in its thread
pool, where the registry's blocking database calls belong.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from scheduler.core.errors import InputError
from scheduler.registry import State, feeddocs, locate
from scheduler.registry.database import state
from scheduler.services import feed as feeds
from scheduler.services import sealing
from scheduler.web import (
    admin,
    datawords,
    drafting,
    health,
    i18n,
    moving,
    pages,
    present,
    settings,
    templates_admin,
    treatment,
    words,
)
from scheduler.web.failures import Failures, error_page, http_error
from scheduler.web.observe import Observe
from scheduler.web.roles import Roles
from scheduler.web.security import ASGIApp, Guard, PageHeaders, Receive, Scope, Send
from scheduler.web.sessions import SESSION_LIFETIME
from scheduler.web.site import HERE, Site

SECRET_MIN_BYTES = 32
"""The shortest ``SCHEDULER_SECRET`` accepted (it signs the session cookies)."""


class FeedShortcut:
    """A calendar's poll (``GET``/``HEAD /feed/<token>.ics``) goes from the access log and
    metrics (:class:`~scheduler.web.observe.Observe`, outside) straight to the feed route, with
    its failures still answered in words (:class:`~scheduler.web.failures.Failures`): the
    pages' middleware has nothing to do for it (no session cookie to read, no login, role or
    language, no page headers), and cost about a fifth of a poll's time in the server
    (``benchmarks/serve.py``). Anything else, a feed path with another method included, takes
    the whole way."""

    def __init__(self, app: ASGIApp, route: Route, templates: Environment) -> None:
        self.app = app
        self.route = route
        self.feed = Failures(route.handle, templates=templates)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        # /feed/{token}.ics, as the route matches it (a token has no "/"), without its regex
        if path.startswith("/feed/") and path.endswith(".ics") and len(path) > 10 and (
                "/" not in path[6:-4] and scope["method"] in ("GET", "HEAD")):
            scope.update(endpoint=self.route.endpoint, path_params={"token": path[6:-4]}, route=self.route)
            await self.feed(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(db: str, base_url: str = "http://127.0.0.1:8000", issue_dir: Path | None = None,
               clock: Callable[[], datetime] = _utc_now, secret: str | None = None,
               https_only: bool | None = None, templates_folder: Path | None = None) -> Starlette:
    """The web app over the registry at ``db``, which must exist and be current.

    ``secret`` signs the session cookies (default: ``$SCHEDULER_SECRET``, else a random one
    per start, which logs everyone out when the server restarts). Cookies are marked Secure
    when ``base_url`` is https (or ``https_only``). ``templates_folder`` holds the clinic's own
    templates, offered beside the shipped ones (read anew on each page, so a file added or
    fixed there is offered without a restart).
    """
    import os

    location = locate(db)
    found = state(location)
    if found is not State.CURRENT:
        raise InputError(f"--db {location.shown}: no current registry there ({found.value}); "
                         "create it with 'scheduler registry init' or 'scheduler user add', or "
                         "upgrade it with 'scheduler registry upgrade'")
    if issue_dir is None:
        import platformdirs

        issue_dir = platformdirs.user_data_path("scheduler") / "issued"
    if templates_folder is not None and not templates_folder.is_dir():
        raise InputError(f"--templates {templates_folder}: not a folder")
    key = secret or os.environ.get("SCHEDULER_SECRET")
    if key is not None and len(key.encode("utf-8")) < SECRET_MIN_BYTES:
        raise InputError(f"SCHEDULER_SECRET: {len(key.encode('utf-8'))} bytes, too short to sign "
                         f"sessions; use at least {SECRET_MIN_BYTES} random bytes, e.g. the output of "
                         "'python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"'")
    site = Site(location, base_url, issue_dir, clock, templates_folder)
    # Feed tokens are sealed with the key file, else with the session secret (services.sealing).
    site.feed_key = sealing.server_key({**os.environ, **({"SCHEDULER_SECRET": secret} if secret else {})})
    present.install(site.templates.env, settings.zone_of(site))
    i18n.install(site.templates.env)
    datawords.install(site.templates.env)
    site.templates.env.globals["change_what"] = words.what
    feeddocs.keep_only_from(site.registry(), feeds.rendering_code())  # another release's: rendered anew
    secure = base_url.startswith("https://") if https_only is None else https_only
    environment = site.templates.env

    def refuse(scope: Scope, status: int, title: str, message: str) -> Response:
        return error_page(environment, status, title, message)

    feed_route = Route("/feed/{token}.ics", pages.feed, methods=["GET", "HEAD"])
    middleware = [
        Middleware(Observe, metrics=site.metrics),
        Middleware(FeedShortcut, route=feed_route, templates=environment),
        Middleware(PageHeaders),
        Middleware(Failures, templates=environment),
        Middleware(SessionMiddleware, secret_key=key or secrets.token_urlsafe(32),
                   session_cookie="scheduler_session",
                   max_age=int(SESSION_LIFETIME.total_seconds()), same_site="strict",
                   https_only=secure),
        Middleware(Guard, resolve=site.session_user, refuse=refuse),
        Middleware(Roles, registry=site.registry),
    ]
    routes = [
        feed_route,
        Route("/healthz", health.healthz),
        Route("/readyz", health.readyz),
        Route("/metrics", health.metrics),
        Route("/login", pages.login, methods=["GET", "POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/", pages.patient_list),
        Route("/patients/new", pages.register, methods=["GET", "POST"]),
        Route("/patients/new/preview", pages.register_preview, methods=["POST"]),
        Route("/patients/{key}", pages.patient_page),
        Route("/patients/{key}/change", pages.change, methods=["GET", "POST"]),
        Route("/patients/{key}/revert/{number:int}", pages.revert, methods=["GET", "POST"]),
        Route("/patients/{key}/end", pages.end, methods=["POST"]),
        Route("/patients/{key}/issue", pages.issue, methods=["POST"]),
        Route("/patients/{key}/versions/{version:int}/{name}", pages.download),
        Route("/patients/{key}/fhir.json", pages.fhir_bundle),
        Route("/patients/{key}/subscribe", pages.subscribe, methods=["GET", "POST"]),
        Route("/patients/{key}/feed-detail", pages.feed_detail, methods=["POST"]),
        Route("/patients/{key}/handout.pdf", pages.handout),
        Route("/patients/{key}/record", treatment.record, methods=["GET", "POST"]),
        Route("/patients/{key}/move", moving.move, methods=["GET", "POST"]),
        Route("/worklist", treatment.worklist),
        Route("/deviations", treatment.deviations),
        Route("/closures", treatment.closures, methods=["GET", "POST"]),
        Route("/closures/{number:int}/revert", treatment.closure_revert, methods=["POST"]),
        Route("/templates", pages.template_list),
        Route("/validate", pages.validate, methods=["GET", "POST"]),
        Route("/templates/draft", drafting.new_from_record, methods=["GET", "POST"]),
        Route("/templates/{template_id}/{version:int}/patients", moving.version_patients),
        Route("/admin/people", admin.people_page, methods=["GET", "POST"]),
        Route("/admin/people/{name}", admin.person_action, methods=["POST"]),
        Route("/admin/templates", templates_admin.templates_page, methods=["GET", "POST"]),
        Route("/admin/templates/check", templates_admin.check_part, methods=["POST"]),
        Route("/admin/templates/{template_id}/{version:int}/approve", templates_admin.approve,
              methods=["POST"]),
        Route("/admin/settings", settings.settings_page, methods=["GET", "POST"]),
        Route("/account", admin.account, methods=["GET", "POST"]),
        Route("/reset/{token}", admin.reset, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={404: pages.not_found, 405: pages.not_allowed,
                                        HTTPException: http_error})
    app.state.site = site
    return app


