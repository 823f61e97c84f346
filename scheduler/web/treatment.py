"""Pages that follow the treatment: record an event, the worklist, deviations, closures.

The same shells as :mod:`scheduler.web.pages`: read the request, call the library
(:mod:`scheduler.services.treatment`, :mod:`scheduler.services.worklist`), render a page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from scheduler.core.diff import compare
from scheduler.core.errors import InputError, SchedulerError
from scheduler.core.record import STATUSES
from scheduler.services import treatment
from scheduler.services import worklist as work
from scheduler.services.options import parse_date
from scheduler.web.forms import in_web_words
from scheduler.web.i18n import _, ngettext
from scheduler.web.pages import _field, _flash, _preview_or_commit, _route, _snapshot, _user
from scheduler.web.site import page, site_of


@_route
def record(request: Request, form: FormData | None) -> Response:
    """Record what happened to one event: a form, a preview of what moves, then the commit."""
    now = _snapshot(request)
    key = now.stored.patient_key
    ref = request.query_params.get("ref") or _field(form, "ref")
    event = next((e for e in now.plan.events if e.ref == ref), None)
    if event is None:
        raise HTTPException(404)
    fields = {k: _field(form, k) for k in ("status", "on", "time", "reason")}
    if form is None:
        fields.update(status="given" if event.kind != "visit" else "done", on=event.date.isoformat())
    context: dict[str, Any] = {"now": now, "event": event, "form": fields, "statuses": STATUSES,
                               "revision": now.revision}
    if form is None:
        return page(request, "record.html", context)
    site = site_of(request)

    def act(revision: int | None, commit: bool) -> Any:
        day = parse_date(fields["on"], "on") if fields["on"] else None
        return treatment.record(site.registry(), key, ref, fields["status"], day, fields["time"] or None,
                                fields["reason"], _user(request), site.now(),
                                expected_revision=revision, commit=commit)

    def show(outcome: Any, shown: dict[str, Any]) -> None:
        shown["diff"] = compare(outcome.before, outcome.after)
        shown["describe"] = next((e.status_note for e in outcome.after.events if e.ref == ref), None)
        shown["effects"] = outcome.effects()  # a day 1 given on another day: what the cycles after it do

    return _preview_or_commit(request, form, context, act, "record.html", show)


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 366:
        raise InputError(f"'{text}' is not a number from 1 to 366", "days")
    return int(text)


@_route
def worklist(request: Request, form: FormData | None) -> Response:
    """The worklist: every event of every active plan in a range of days, urgent first;
    ``format=csv`` or ``format=json`` to download it."""
    site = site_of(request)
    moment = site.now()
    query = request.query_params
    try:
        first = parse_date(query["from"], "from") if query.get("from") else moment.date()
        days = _days(query.get("days") or "1")
    except InputError as error:
        _flash(request, in_web_words(error))
        return RedirectResponse("/worklist", 303)
    resource = query.get("resource") or None
    context: dict[str, Any] = {"first": first, "days": days, "resource": resource or "",
                               "last": first + timedelta(days=days - 1)}
    try:
        items = work.worklist(site.registry(), first, days, moment, resource)
    except InputError as error:
        said = in_web_words(error)
        if query.get("format") in ("csv", "json"):
            return Response(said + "\n", status_code=400, media_type="text/plain; charset=utf-8")
        return page(request, "worklist.html", {**context, "items": [], "urgent": 0, "error": said}, 400)
    if query.get("format") == "csv":
        return Response(work.to_csv(items), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="worklist-{first.isoformat()}.csv"'})
    if query.get("format") == "json":
        return Response(work.to_json(items), media_type="application/json")
    return page(request, "worklist.html", {**context, "items": items, "urgent": sum(i.urgent for i in items)})


@_route
def deviations(request: Request, form: FormData | None) -> Response:
    """Deviations of one patient (``?key=``) or of the whole registry."""
    from scheduler.services import deviations as found

    key = request.query_params.get("key") or None
    try:
        listed = found.deviations(site_of(request).registry(), key)
    except InputError:
        raise HTTPException(404) from None
    if request.query_params.get("format") == "json":
        return Response(found.to_json(listed), media_type="application/json")
    return page(request, "deviations.html", {"items": listed, "key": key})


@_route
def closures(request: Request, form: FormData | None) -> Response:
    """Clinic closures: the list, and a form to add one (preview of every affected plan and
    move, then the commit)."""
    from scheduler.registry import follow as store
    from scheduler.services import closures as closing

    site = site_of(request)
    fields = {k: _field(form, k) for k in ("from", "to", "resource", "reason")}
    context: dict[str, Any] = {"form": fields}
    status = 200
    if form is not None:
        try:
            start = parse_date(fields["from"], "from")
            end = parse_date(fields["to"], "to") if fields["to"] else start
            commit = _field(form, "action") == "commit"
            preview = closing.add(site.registry(), start, end, fields["resource"] or None,
                                  fields["reason"], _user(request), site.now(), dry_run=not commit)
            if commit:
                _flash(request, ngettext("Closure %(number)s recorded: %(count)s plan changed.",
                                         "Closure %(number)s recorded: %(count)s plans changed.",
                                         len(preview.affected)) % {"number": preview.number,
                                                                   "count": len(preview.affected)})
                return RedirectResponse("/closures", 303)
            context["preview"] = preview
            context["soon"] = {key for key, _ in preview.soon(site.now())}
        except SchedulerError as error:
            context["error"] = in_web_words(error)
            status = 400
    registry = site.registry()
    context["closures"] = store.closures(registry)
    context["counts"] = closing.affected_counts(registry)
    return page(request, "closures.html", context, status)


@_route
def closure_revert(request: Request, form: FormData | None) -> Response:
    """Take a closure back on every plan it changed."""
    from scheduler.services import closures as closing

    site = site_of(request)
    number = int(request.path_params["number"])
    try:
        done = closing.revert(site.registry(), number, _field(form, "reason"), _user(request), site.now())
        said = ngettext("Reverted closure %(number)s on %(count)s plan.",
                        "Reverted closure %(number)s on %(count)s plans.", len(done.keys)) % {
            "number": number, "count": len(done.keys)}
        if done.soon:
            said += " " + _("Urgent: moves within 48 hours for %(keys)s: tell these patients directly.",
                            keys=", ".join(sorted({key for key, _ref in done.soon})))
        _flash(request, said)
    except SchedulerError as error:
        _flash(request, in_web_words(error))
    return RedirectResponse("/closures", 303)
