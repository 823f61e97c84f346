"""The routes: read the request, call the library, render a page.

Every route is an ``async`` shell around a plain function that runs in Starlette's thread
pool (the registry's database calls block); see :func:`_route`. Errors a coordinator can fix
(:class:`~scheduler.core.errors.SchedulerError`) come back on the same page, in words.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from scheduler.core import history
from scheduler.core.diff import compare
from scheduler.core.errors import InputError, SchedulerError, TemplateError
from scheduler.core.files import MAX_TEMPLATE_BYTES
from scheduler.core.loader import load_template_text
from scheduler.core.protocol import Regimen
from scheduler.core.site import Site
from scheduler.export.links import links
from scheduler.export.outputs import OutputOptions
from scheduler.export.reminders import DEFAULT_REMINDERS
from scheduler.registry import StaleError, access
from scheduler.services import clinic_templates, patients, site_settings
from scheduler.services import feed as feeds
from scheduler.services.clients import calendar_client
from scheduler.services.options import (
    PlanOptions,
)
from scheduler.services.users import verify
from scheduler.web import datawords, forms, sessions
from scheduler.web.forms import in_web_words
from scheduler.web.i18n import _
from scheduler.web.security import safe_next
from scheduler.web.site import feed_headers, page, site_of
from scheduler.web.views import months, next_event, qr_svg

Handler = Callable[[Request, FormData | None], Response]
PAGE_SIZE = 50
TEMPLATE_UPLOAD_LIMIT = MAX_TEMPLATE_BYTES
"""An uploaded or pasted template: the same limit as a template file."""
DATABASE_INT_MAX = 2**31 - 1


def _route(handler: Handler) -> Callable[[Request], Any]:
    """An endpoint that reads the form (for a POST) and runs ``handler`` in the thread pool."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        try:
            return await run_in_threadpool(handler, request, form)
        finally:
            if form is not None:
                await form.close()

    return endpoint


def _flash(request: Request, message: str) -> None:
    request.session.setdefault("flash", []).append(message)


def _field(form: FormData | None, name: str, default: str = "") -> str:
    value = form.get(name) if form is not None else None
    return value.strip() if isinstance(value, str) else default


def _user(request: Request) -> str:
    user = request.scope.get("user")
    assert isinstance(user, str)
    return user


# --- the feed ---------------------------------------------------------------------------------

async def feed(request: Request) -> Response:
    """``GET``/``HEAD /feed/<token>.ics``: the patient's current plan (see :mod:`scheduler.services.feed`).

    Unlike the pages, this route runs on the event loop, and on SQLite the token's one read
    too: an indexed read of a local file in WAL mode, which never waits on a writer (0.03 ms;
    a hop to the thread pool and back cost 0.16 ms unloaded and 1-3 ms under load;
    benchmarks/serve.py). On PostgreSQL the read goes to the thread pool: on the loop it was
    a little faster (0.40-0.53x the bare app against 0.33-0.46x), but a table lock or a slow
    server held up every page (found in review). That one read brings the plan's stored
    document too (written with each change, :mod:`scheduler.services.feedstore`); fetch times
    are noted and written in batches (:mod:`scheduler.web.fetches`).
    """
    site = site_of(request)
    token = request.path_params["token"]
    try:
        if site.feed_states.on_event_loop:
            found = feeds.lookup(site.feed_states.read, token)
        else:
            found = await run_in_threadpool(feeds.lookup, site.feed_states.read, token)
    except site.feed_states.errors:  # the database is locked or away: calendars retry later
        return Response(b"Try again later\n", 503, media_type="text/plain",
                        headers={"Retry-After": "300"})
    if found is None:
        return Response(b"Not found\n", 404, media_type="text/plain")
    stored = found.current  # read with the token: the whole database work of a poll
    # the staff form, one event per drug, is not stored (most polls have no query to parse)
    if request.scope["query_string"] and request.query_params.get("per") == "event":
        document = await run_in_threadpool(feeds.document, site.registry(), found, True)
    elif stored is not None:
        document = feeds.Feed(stored.body, stored.etag, datetime.fromisoformat(stored.last_modified))
    else:  # stored feeds forgotten for a new release: rendered once, and kept
        document = await run_in_threadpool(feeds.stored_document, site.registry(), found)
    now = site.now()
    client = calendar_client(request.headers.get("user-agent"))
    if client is not None or feeds.fetch_to_record(found, now):
        site.fetches.note(found.token_id, now, client)  # written with others, at most once a second
    headers = feed_headers(document)
    if _matches(request.headers.get("if-none-match"), document.etag):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        return Response(b"", headers={**headers, "Content-Length": str(len(document.body))},
                        media_type="text/calendar; charset=utf-8")
    return Response(document.body, headers=headers, media_type="text/calendar; charset=utf-8")


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


# --- logging in -----------------------------------------------------------------------------


@_route
def login(request: Request, form: FormData | None) -> Response:
    """The login form, and logging in (throttled per name and per address: see
    :mod:`scheduler.web.sessions`)."""
    target = safe_next(request.query_params.get("next") or "/worklist")  # the day's work first
    if form is None:
        return page(request, "login.html", {"next": target, "name": ""})
    site = site_of(request)
    registry = site.registry()
    name = _field(form, "name")[:200]
    address = request.client.host if request.client else "unknown"
    now = site.now()
    wait = sessions.name_wait(registry, name, now)
    error = _("Too many wrong passwords for %(name)s: try again in %(minutes)s minutes.", name=name,
              minutes=-(-wait // 60))
    if not wait:
        wait = sessions.address_wait(registry, address, now)
        error = _("Too many failed logins from this computer: try again in %(minutes)s minutes.",
                  minutes=-(-wait // 60))
    if wait:
        return page(request, "login.html", {"next": target, "name": name, "error": error}, 429,
                    headers={"Retry-After": str(wait)})
    sessions.attempted(registry, name, address, now)
    password = form.get("password")
    found = registry.user(name)
    try:
        ok = isinstance(password, str) and site.hashing.run(lambda: verify(found, str(password)))
    except sessions.Busy:
        return page(request, "login.html", {"next": target, "name": name, "error":
                    _("The server is busy checking other logins: try again in a few seconds.")}, 503,
                    headers={"Retry-After": str(sessions.BUSY_RETRY_AFTER_S)})
    if ok:
        session_id = sessions.logged_in(registry, name, address, now)
        request.session.clear()  # a new session (and CSRF token) for the logged-in user
        request.session["sid"] = session_id
        return RedirectResponse(target, 303)
    return page(request, "login.html", {"next": target, "name": name,
                                        "error": _("Wrong user name or password.")}, 401)


@_route
def logout(request: Request, form: FormData | None) -> Response:
    """Log out: the session ends in the registry, for every server."""
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        site = site_of(request)
        access.end(site.registry(), session_id, site.now())
    request.session.clear()
    return RedirectResponse("/login", 303)


# --- patients -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the patient list."""

    key: str
    label: str
    template: str
    start: str
    next_event: Any
    version: int | None
    feed: Any
    ended: bool


@_route
def patient_list(request: Request, form: FormData | None) -> Response:
    """Patients, searchable, with what comes next for each."""
    site = site_of(request)
    registry = site.registry()
    query = request.query_params.get("q", "").strip()
    try:
        page_number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page_number = 1
    # The list's own columns for every plan (one query); the plan itself, its history and
    # its next event only for the page shown.
    plans = [p for p in registry.listing() if not query or query.lower() in
             " ".join([p.patient_key, p.label or "", p.template_id]).lower()]
    shown = plans[(page_number - 1) * PAGE_SIZE: page_number * PAGE_SIZE]
    tokens = registry.live_tokens()
    today = site.clock().date()
    rows = []
    for item in shown:
        now = patients.snapshot(registry, item.patient_key)
        rows.append(Row(item.patient_key, item.label or "", item.template_id, item.start,
                        None if item.ended else next_event(now.plan, today), item.version,
                        tokens.get(now.stored.id), item.ended))
    pages = max(1, -(-len(plans) // PAGE_SIZE))
    return page(request, "patients.html", {"rows": rows, "q": query, "page": page_number,
                                           "pages": pages, "total": len(plans)})


def _options(form: FormData | None, site_settings: Site | None = None) -> PlanOptions:
    """The plan options of the registration form (:func:`scheduler.web.forms.plan_options`);
    ``site_settings``: the site settings in force (the registry's), instead of a site file."""
    return dataclasses.replace(forms.plan_options(form), site_settings=site_settings)


def _registration(request: Request, form: FormData | None) -> dict[str, Any]:
    """The form's values and, when they make a plan, its preview."""
    context: dict[str, Any] = {"form": {k: _field(form, k) for k in (
        "key", "label", "template", "start", "holidays", "tz", "closed", "workdays", "parameters",
        "horizon", "shift_start", "lang", "reminders")}}
    offered, _folder = site_of(request).offered_templates()
    kept = {p.info.id: p for p in clinic_templates.published(site_of(request).registry())}
    context["templates"] = [p.info for p in kept.values()] + [
        info for info, _own in offered if info.id not in kept]
    if form is None or not _field(form, "start"):
        return context
    # Only the listed templates, by id: a path typed into the form is never read on the server.
    chosen = {info.id: str(info.path) if own else info.id for info, own in offered}.get(
        _field(form, "template"))
    published = kept.get(_field(form, "template"))
    if published is None and (chosen is None or (os.sep in chosen and Path(chosen).is_symlink())):
        given = _field(form, "template")[:40]
        context["error"] = (_("%(field)s: choose one of the listed protocols (%(value)s is not one)",
                              field=forms.label("template"), value=repr(given)) if given else
                            _("%(field)s: choose one of the listed protocols", field=forms.label("template")))
        return context
    try:
        key, label = _field(form, "key") or "PREVIEW", _field(form, "label") or None
        options = _options(form, site_settings.in_force(site_of(request).registry()))
        calendar = patients.CalendarSettings(_field(form, "lang") or "en",
                                             _field(form, "reminders") or DEFAULT_REMINDERS)
        if published is not None:  # the clinic's own, published in the registry
            prepared = clinic_templates.prepare_published(
                published, key, label, options, site_of(request).now(), _user(request), calendar)
        else:
            assert chosen is not None
            prepared = patients.prepare(key, label, chosen, options, site_of(request).now(),
                                        _user(request), calendar)
    except SchedulerError as error:
        context["error"] = in_web_words(error)
        return context
    context.update(plan=prepared.plan, stored=prepared.stored, months=months(prepared.plan, count=3),
                   defaults=prepared.defaults.notes(forms.the_field, site_path=False))
    return context


@_route
def register(request: Request, form: FormData | None) -> Response:
    """Register a patient's plan, with a preview of its first months before it is saved."""
    context = _registration(request, form)
    if form is None or _field(form, "action") != "save" or "plan" not in context:
        return page(request, "register.html", context, 200 if "error" not in context else 400)
    if not _field(form, "key"):
        context["error"] = _("Give the patient's key (a study number such as P017, not a name).")
        return page(request, "register.html", context, 400)
    try:
        patients.register(site_of(request).registry(), context["stored"])
    except SchedulerError as error:
        context["error"] = in_web_words(error)
        return page(request, "register.html", context, 409)
    key = context["stored"].patient_key
    _flash(request, _("Registered %(key)s: %(count)s events.", key=key, count=len(context["plan"].events)))
    return RedirectResponse(f"/patients/{key}", 303)


@_route
def register_preview(request: Request, form: FormData | None) -> Response:
    """The preview part of the registration page alone (for the page's live preview)."""
    return page(request, "_preview.html", _registration(request, form))


def _snapshot(request: Request) -> patients.Snapshot:
    try:
        return patients.snapshot(site_of(request).registry(), request.path_params["key"])
    except InputError:
        raise HTTPException(404) from None


@_route
def patient_page(request: Request, form: FormData | None) -> Response:
    """One patient: month view, events, history of changes, versions, feed."""
    from scheduler.services import moves
    from scheduler.web import timeline

    site = site_of(request)
    now = _snapshot(request)
    registry = site.registry()
    grids = months(now.plan)
    return page(request, "patient.html", {
        "now": now, "plan": now.plan, "months": grids,
        "timeline": timeline.split(now.plan, grids, site.clock().date()),
        "legend": timeline.legend(now.plan, grids),
        "reverted": history.reverted(now.changes), "token": (token := registry.live_token(now.stored.id)),
        "fetched_by": datawords.fetched_by(token.client, token.client_at, site.now()) if token else None,
        "plan_lang": patients.calendar_settings(now.stored).lang,
        "detail": history.feed_detail(now.changes), "next": next_event(now.plan, site.clock().date()),
        "components": _components(now),
        "newer": None if now.ended else moves.newer_version(registry, now.stored, now.changes)})


def _components(now: patients.Snapshot) -> list[tuple[str, str]]:
    """(id, name) of what can be held or stopped: components and the drugs of regimens."""
    items = []
    for component in now.plan.template.components:
        items.append((component.id, datawords.named(component)))
        if isinstance(component, Regimen):
            items += [(drug.id, _("%(drug)s (in %(component)s)", drug=datawords.named(drug),
                                  component=datawords.named(component))) for drug in component.drugs]
    return items


def _regimens(now: patients.Snapshot) -> list[tuple[str, str]]:
    return [(c.id, c.name) for c in now.plan.template.components if isinstance(c, Regimen)]


@_route
def change(request: Request, form: FormData | None) -> Response:
    """Record a delay, hold or stop: a form, a preview of what moves, then the commit."""
    now = _snapshot(request)
    kind = request.query_params.get("kind") or _field(form, "kind") or "delay"
    if kind not in ("delay", "hold", "stop"):
        raise HTTPException(404)
    context: dict[str, Any] = {"now": now, "kind": kind, "components": _components(now),
                               "regimens": _regimens(now), "form": {
                                   k: _field(form, k) for k in ("cycle", "days", "regimen", "component",
                                                                "from", "reason")},
                               "revision": now.revision}
    if form is None:
        return page(request, "change.html", context)
    return _preview_or_commit(request, form, context, lambda expected, record: patients.adjust(
        site_of(request).registry(), now.stored.patient_key, forms.adjustment(kind, form), _user(request),
        site_of(request).now(), expected_revision=expected, record=record))


def _show_change(outcome: patients.Outcome, context: dict[str, Any]) -> None:
    """What a change does, for change.html: the moves and what the delay leaves."""
    context["diff"] = compare(outcome.before, outcome.after)
    context["effects"] = outcome.effects()


def _preview_or_commit(request: Request, form: FormData, context: dict[str, Any],
                       act: Callable[[int | None, bool], Any], template: str = "change.html",
                       show: Callable[[Any, dict[str, Any]], None] = _show_change,
                       preview_without_reason: bool = False) -> Response:
    """Preview a change, or commit it if it was made from the plan as it still is; a change
    made from a stale page is refused and previewed again on the plan as it is now.

    ``act(expected_revision, record)`` makes the change (its outcome has ``before``,
    ``after`` and ``recorded``); ``show`` puts what it does into the page's context. With
    ``preview_without_reason``, a commit refused for want of a reason still shows what it
    would do."""
    key = context["now"].stored.patient_key
    try:
        expected = int(_field(form, "revision"))
    except ValueError:
        raise HTTPException(400) from None
    try:
        if _field(form, "action") == "commit":
            outcome = act(expected, True)
            assert outcome.recorded is not None
            from scheduler.web.words import what

            _flash(request, _("Recorded: %(what)s (change %(number)s).",
                              what=what(outcome.recorded, outcome.after.template),
                              number=outcome.recorded.number))
            return RedirectResponse(f"/patients/{key}", 303)
        outcome = act(expected, False)
    except StaleError as error:
        context["stale"] = _stale_words(request, key, expected) or in_web_words(error)
        try:
            outcome = act(None, False)
        except SchedulerError as again:
            context["error"] = in_web_words(again)
            return page(request, template, context, 409)
        context["revision"] = outcome_revision(request, key)
        show(outcome, context)
        return page(request, template, context, 409)
    except SchedulerError as error:
        context["error"] = in_web_words(error)
        if preview_without_reason and error.field == "reason":
            with contextlib.suppress(SchedulerError):
                show(act(None, False), context)
        return page(request, template, context, 400)
    show(outcome, context)
    context["revision"] = expected
    return page(request, template, context)


def _stale_words(request: Request, key: str, seen: int) -> str:
    """What others did to the plan since the page was opened at revision ``seen``, one
    sentence each (:func:`scheduler.web.words.said`)."""
    from scheduler.web import words

    fresh = patients.snapshot(site_of(request).registry(), key)
    return " ".join(words.said(change, fresh.plan.template, fresh.plan.request.timezone,
                               site_of(request).now()) for change in fresh.changes[seen:])


def outcome_revision(request: Request, key: str) -> int:
    """The plan's revision now."""
    return patients.snapshot(site_of(request).registry(), key).revision


@_route
def revert(request: Request, form: FormData | None) -> Response:
    """Undo a delay, hold or stop: what it would change, then the commit."""
    now = _snapshot(request)
    number = int(request.path_params["number"])
    try:
        target = history.check_revert(now.changes, number)
    except InputError as error:
        _flash(request, in_web_words(error))
        return RedirectResponse(f"/patients/{now.stored.patient_key}", 303)
    context: dict[str, Any] = {"now": now, "kind": "revert", "target": target, "revision": now.revision,
                               "form": {"reason": _field(form, "reason")}}
    if form is None:
        outcome = patients.revert(site_of(request).registry(), now.stored.patient_key, number,
                                  "preview", _user(request), site_of(request).now(), record=False)
        context["diff"] = compare(outcome.before, outcome.after)
        return page(request, "change.html", context)
    return _preview_or_commit(request, form, context, lambda expected, record: patients.revert(
        site_of(request).registry(), now.stored.patient_key, number, _field(form, "reason"),
        _user(request), site_of(request).now(), expected_revision=expected, record=record))


@_route
def end(request: Request, form: FormData | None) -> Response:
    """End a plan (treatment finished or patient withdrawn)."""
    key = request.path_params["key"]
    try:
        patients.end(site_of(request).registry(), key, _field(form, "reason"), _user(request),
                     site_of(request).now())
        _flash(request, _("The plan of %(key)s has ended; its feed no longer answers.", key=key))
    except SchedulerError as error:
        _flash(request, in_web_words(error))
    return RedirectResponse(f"/patients/{key}", 303)


@_route
def issue(request: Request, form: FormData | None) -> Response:
    """Issue the next version (.ics and PDF), kept in the registry for download."""
    site = site_of(request)
    key = request.path_params["key"]
    lang = _field(form, "lang") or "en"
    paper = _field(form, "paper") or "a4"
    if lang not in ("en", "zh", "en+zh") or paper not in ("a4", "letter"):
        raise HTTPException(400)
    output = OutputOptions(discreet=_field(form, "discreet") == "on", lang=lang,  # type: ignore[arg-type]
                           paper=paper)  # type: ignore[arg-type]
    if _field(form, "confirm") != "yes":
        last = _unchanged_since(site, key)
        if last is not None:  # nothing changed since the last version: ask before issuing again
            return page(request, "confirm_issue.html", {"key": key, "last": last, "fields": {
                name: _field(form, name) for name in ("lang", "paper", "discreet", "feed_url")}})
    try:
        issued = patients.issue(site.registry(), key, site.issue_dir / key, site.now(), output,
                                _user(request), feed_url=_field(form, "feed_url") or None,
                                plan_language=not _field(form, "lang"))  # else the form's choice
        revision = issued.revision
        _flash(request, _("Issued version %(version)s: %(changed)s changed, %(added)s new, %(cancelled)s "
                          "cancelled.", version=issued.version, changed=len(revision.changed),
                          added=len(revision.added), cancelled=len(revision.cancelled)))
    except SchedulerError as error:
        _flash(request, in_web_words(error))
    return RedirectResponse(f"/patients/{key}#versions", 303)


def _unchanged_since(site: Any, key: str) -> Any:
    """The plan's last issued version if no change was recorded after it, else None."""
    from datetime import datetime

    try:
        now = patients.snapshot(site.registry(), key)
    except SchedulerError:
        return None
    if not now.versions:
        return None
    last = now.versions[-1]
    issued = datetime.fromisoformat(last.issued_at)
    if any(datetime.fromisoformat(c.at) >= issued for c in now.changes):  # same second: changed
        return None
    return last


@_route
def download(request: Request, form: FormData | None) -> Response:
    """A file of an issued version, from the registry."""
    now = _snapshot(request)
    name = request.path_params["name"]
    version = int(request.path_params["version"])
    if not 1 <= version <= DATABASE_INT_MAX:  # a number no database column can hold: no such version
        raise HTTPException(404)
    files = site_of(request).registry().version_files(now.stored.id, version)
    if name not in files:
        raise HTTPException(404)
    media = "application/pdf" if name.endswith(".pdf") else "text/calendar; charset=utf-8"
    return Response(files[name], media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@_route
def fhir_bundle(request: Request, form: FormData | None) -> Response:
    """The patient's plan as a FHIR R4 Bundle of CarePlans (see :mod:`scheduler.services.careplan`)."""
    from scheduler.export import fhir
    from scheduler.services.careplan import care_plan_bundle

    now = _snapshot(request)
    body = fhir.dumps(care_plan_bundle(now, site_of(request).now(), fhir.DEFAULT_BASE))
    return Response(body.encode("utf-8"), media_type="application/fhir+json", headers={
        "Content-Disposition": f'attachment; filename="{now.stored.patient_key}_careplan.json"'})


@_route
def subscribe(request: Request, form: FormData | None) -> Response:
    """The patient's feed: make, rotate or revoke it; the address and its QR code are shown
    once, when made (only a hash of the token is kept)."""
    site = site_of(request)
    now = _snapshot(request)
    key = now.stored.patient_key
    context: dict[str, Any] = {"now": now, "detail": history.feed_detail(now.changes)}
    action = _field(form, "action")
    if form is not None:
        try:
            if action == "revoke":
                feeds.revoke(site.registry(), key, _user(request), site.now())
                _flash(request, _("The feed of %(key)s is revoked: its address no longer answers.", key=key))
                return RedirectResponse(f"/patients/{key}/subscribe", 303)
            token = feeds.create(site.registry(), key, _user(request), site.now(),
                                 rotate=action == "rotate", key=site.feed_key)
        except SchedulerError as error:
            context["error"] = in_web_words(error)
        else:
            context.update(fresh=True, url=site.base_url + feeds.feed_path(token))
    if "url" not in context:  # shown again from the sealed token, without rotating it
        context["url"] = feeds.address(site.registry(), key, site.base_url, site.feed_key)
    if context["url"]:
        context.update(links=links(context["url"]), qr=qr_svg(context["url"]))
    context["token"] = site.registry().live_token(now.stored.id)
    context["lang"] = patients.calendar_settings(now.stored).lang
    return page(request, "subscribe.html", context, 400 if "error" in context else 200)


@_route
def handout(request: Request, form: FormData | None) -> Response:
    """The one-page handout of the patient's feed, in the plan's language (404 without an
    address that can be shown again)."""
    from scheduler.export.pdf.handout import to_handout

    site = site_of(request)
    now = _snapshot(request)
    key = now.stored.patient_key
    url = feeds.address(site.registry(), key, site.base_url, site.feed_key)
    if url is None:
        raise HTTPException(404)
    body = to_handout(url, patients.calendar_settings(now.stored).lang, now.stored.label)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{key}_calendar_handout.pdf"',
        "Cache-Control": "no-store"})


@_route
def feed_detail(request: Request, form: FormData | None) -> Response:
    """Switch detail in the patient's feed on or off."""
    key = request.path_params["key"]
    try:
        feeds.set_detail(site_of(request).registry(), key, _field(form, "detail") == "on",
                         _field(form, "reason"), _user(request), site_of(request).now())
        _flash(request, _("Feed detail for %(key)s is now on.", key=key) if _field(form, "detail") == "on"
               else _("Feed detail for %(key)s is now off.", key=key))
    except SchedulerError as error:
        _flash(request, in_web_words(error))
    return RedirectResponse(f"/patients/{key}/subscribe", 303)


# --- templates ------------------------------------------------------------------------------


@_route
def template_list(request: Request, form: FormData | None) -> Response:
    """The shipped and the clinic's templates with their components' ids (what hold and stop
    name), and the clinic's files that are not valid templates, with their problems."""
    from scheduler.core.loader import load_template_file

    offered, folder = site_of(request).offered_templates()
    items = []
    for info, own in offered:
        try:
            items.append((info, load_template_file(info.path, follow_links=not own), own))
        except SchedulerError:  # a file of the folder replaced since it was listed
            continue
    return page(request, "templates.html", {"items": items, "folder": folder,
                                            "Regimen": Regimen})


@_route
def validate(request: Request, form: FormData | None) -> Response:
    """Check an uploaded (or pasted) template: valid, or every problem with its line."""
    context: dict[str, Any] = {"text": ""}
    if form is None:
        return page(request, "validate.html", context)
    upload = form.get("file")
    name = _("pasted text")
    if isinstance(upload, UploadFile) and upload.filename:
        name = upload.filename
        raw = upload.file.read(TEMPLATE_UPLOAD_LIMIT + 1)
        if len(raw) > TEMPLATE_UPLOAD_LIMIT:
            context["problems"] = [_("%(name)s: larger than %(limit)s bytes, the limit for a template",
                                     name=name, limit=format(TEMPLATE_UPLOAD_LIMIT, ","))]
            return page(request, "validate.html", context, 400)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            context["problems"] = [_("%(name)s: not UTF-8 text (bad byte at offset %(offset)s)", name=name,
                                     offset=error.start)]
            return page(request, "validate.html", context, 400)
    else:
        text = _field(form, "text")
        if len(text.encode("utf-8", "surrogatepass")) > TEMPLATE_UPLOAD_LIMIT:
            context["problems"] = [_("%(name)s: larger than %(limit)s bytes, the limit for a template",
                                     name=name, limit=format(TEMPLATE_UPLOAD_LIMIT, ","))]
            return page(request, "validate.html", context, 400)
    context["text"] = text
    try:
        template = load_template_text(text, name)
    except SchedulerError as error:
        context["problems"] = (error.located if isinstance(error, TemplateError)
                               else str(error).splitlines())
        return page(request, "validate.html", context, 400)
    context["valid"] = template
    context["name"] = name
    return page(request, "validate.html", context)


# --- errors ---------------------------------------------------------------------------------


async def not_found(request: Request, exc: Exception) -> Response:
    """404 as a page (the feed answers its own 404s, which say nothing)."""
    if request.url.path.startswith("/feed/"):
        return Response(b"Not found\n", 404, media_type="text/plain")
    return page(request, "error.html", {"title": _("Not found"),
                                        "message": _("There is no such page or patient.")}, 404)


async def not_allowed(request: Request, exc: Exception) -> Response:
    """405 as a page."""
    return page(request, "error.html", {"title": _("Not allowed"),
                                        "message": _("That cannot be done here.")}, 405)

