"""Moving patients to a new version of a clinic template, in the browser: the version's page
lists the plans on earlier versions with what would move (or why they cannot); a patient's
move is previewed, then recorded, refused from a page the plan has changed since (as a delay
is). The rules are :mod:`scheduler.services.moves`'."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from scheduler.core.errors import SchedulerError
from scheduler.registry import clinic_templates as store
from scheduler.services import moves
from scheduler.web.forms import in_web_words
from scheduler.web.pages import _field, _preview_or_commit, _route, _snapshot, _user
from scheduler.web.site import page, site_of

PREVIEW_REASON = "preview"
"""The reason a preview is computed with before one is typed (nothing is recorded with it)."""


@_route
def version_patients(request: Request, form: FormData | None) -> Response:
    """The plans on earlier versions of a clinic template than this one, each with what moving
    it would do, or why it cannot move."""
    site = site_of(request)
    template_id, version = request.path_params["template_id"], int(request.path_params["version"])
    registry = site.registry()
    found = next((v for v in store.versions(registry, template_id) if v.version == version), None)
    if found is None:
        raise HTTPException(404)
    context: dict[str, Any] = {"template_id": template_id, "version": found}
    try:
        context["candidates"] = moves.candidates(registry, template_id, version, site.now())
    except SchedulerError as error:
        context["error"] = in_web_words(error)
        context["candidates"] = []
    return page(request, "template_patients.html", context)


@_route
def move(request: Request, form: FormData | None) -> Response:
    """Move one patient to a version of their clinic template: what it does, then the commit."""
    site = site_of(request)
    now = _snapshot(request)
    key = now.stored.patient_key
    try:
        version = int(_field(form, "version") or request.query_params.get("version", ""))
    except ValueError:
        raise HTTPException(400) from None
    reason = _field(form, "reason")
    context: dict[str, Any] = {"now": now, "version": version, "reason": reason,
                               "on": moves.version_of(now.stored, now.changes), "revision": now.revision}

    begun = _begun(_field(form, "begun")) if form is not None and "begun" in form else None

    def act(expected: int | None, record: bool) -> moves.Moving:
        return moves.move(site.registry(), key, version, reason or ("" if record else PREVIEW_REASON),
                          _user(request), site.now(), expected_revision=expected, record=record,
                          expected_begun=begun if record else None)

    if form is None:
        try:
            _show_move(act(None, False), context)
        except SchedulerError as error:
            context["error"] = in_web_words(error)
            return page(request, "move.html", context, 400)
        return page(request, "move.html", context)
    return _preview_or_commit(request, form, context, act, "move.html", _show_move,
                              preview_without_reason=True)


def _show_move(moving: moves.Moving, context: dict[str, Any]) -> None:
    context["moving"] = moving
    context["begun"] = " ".join(sorted(f"{regimen}:{cycle}" for regimen, cycle in
                                       moves.begun_kept(moving.realigned)))


def _begun(text: str) -> frozenset[tuple[str, int]]:
    """The cycles a preview kept where they began, as its form carried them
    (``regimen:cycle`` separated by spaces)."""
    found = set()
    for item in text.split():
        regimen, _, cycle = item.rpartition(":")
        if not regimen or not cycle.isdigit():
            raise HTTPException(400)
        found.add((regimen, int(cycle)))
    return frozenset(found)
