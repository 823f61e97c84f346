"""The page "New template from a registry record": paste a record, see the draft beside the
words each value was read from (the open values marked), edit it, validate it, preview its
dates, and download it.

The draft is made by :mod:`scheduler.draft` (the same as ``scheduler draft``); the edited YAML
is checked by the loader and planned by the expansion, as ``validate`` and ``show`` do.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from scheduler.core.errors import SchedulerError, TemplateError
from scheduler.web.forms import in_web_words, the_field
from scheduler.web.i18n import _
from scheduler.web.site import page, site_of

MAX_RECORD_CHARS = 200_000
MAX_YAML_CHARS = 256 * 1024


@dataclass(frozen=True)
class Piece:
    """A stretch of the record's text, and the drafted values read from it (by number)."""

    text: str
    marks: tuple[int, ...]
    status: str


def pieces(text: str, provenance: list[dict[str, Any]]) -> list[Piece]:
    """The record's text cut at every span's ends; each piece knows the values read there."""
    spans = [(i, *entry["span"]) for i, entry in enumerate(provenance) if "span" in entry]
    spans += [(i, *more["span"]) for i, entry in enumerate(provenance) for more in entry.get("also", ())]
    cuts = sorted({0, len(text), *(s for _, s, _ in spans), *(e for _, _, e in spans)})
    found = []
    for start, end in itertools.pairwise(cuts):
        marks = tuple(i for i, s, e in spans if s <= start and end <= e)
        statuses = {provenance[i]["status"] for i in marks}
        status = "inferred" if statuses == {"inferred"} else ("open" if statuses == {"not stated"}
                                                              else "stated")
        found.append(Piece(text[start:end], marks, status))
    return found


def _field(form: FormData | None, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


def _drafted(record: str, arm: str | None) -> dict[str, Any]:
    """The draft of a record, with what the page shows of it."""
    from scheduler.core.loader import parse_yaml_text
    from scheduler.draft.drafter import OPEN, draft
    from scheduler.draft.reader import read_record
    from scheduler.draft.writer import count_open, flow, to_yaml

    read = read_record(record)
    result = draft(read, arm or None)
    yaml_text = to_yaml(result)
    data, _ = parse_yaml_text(yaml_text, "draft")
    provenance = data["provenance"]
    for entry in provenance:
        value = entry["value"]
        entry["shown"] = flow(value)
        entry["fill"] = value == OPEN or (isinstance(value, dict) and OPEN in value.values())
    return {"yaml": yaml_text, "provenance": provenance, "pieces": pieces(read.text, provenance),
            "open_count": count_open(result), "arms": [a.label for a in read.arms],
            "arm_label": result.arm}


def _checked(yaml_text: str, form: FormData) -> dict[str, Any]:
    """The edited draft, validated; and with a start date, its plan's first months."""
    from scheduler.core.expand import expand
    from scheduler.core.loader import load_template_text
    from scheduler.services.options import PlanOptions, parse_date, request_for
    from scheduler.web.views import months

    try:
        template = load_template_text(yaml_text, "draft")
    except TemplateError as error:
        return {"problems": error.located}
    except SchedulerError as error:
        return {"problems": str(error).splitlines()}
    context: dict[str, Any] = {"valid": template}
    if not _field(form, "start").strip():
        return context
    try:
        options = PlanOptions(start=parse_date(_field(form, "start").strip(), "start"),
                              holidays=_field(form, "holidays").strip() or None,
                              timezone=_field(form, "tz").strip() or None)
        resolved = request_for(template, options, None)
        plan = expand(resolved.request)
    except SchedulerError as error:
        context["error"] = in_web_words(error)
        return context
    context.update(plan=plan, months=months(plan, count=3),
                   defaults=resolved.defaults.notes(the_field, site_path=False))
    return context


def _download_name(yaml_text: str) -> str:
    match = re.search(r"^id:\s*([a-z][a-z0-9_-]{0,39})\s*(#.*)?$", yaml_text, re.MULTILINE)
    return f"{match.group(1) if match else 'draft'}.yaml"


def _handle(request: Request, form: FormData | None) -> Response:
    context: dict[str, Any] = {"record": "", "arm": "", "start": "", "holidays": "", "tz": ""}
    if form is None:
        return page(request, "drafting.html", context)
    for name in ("record", "arm", "start", "holidays", "tz"):
        context[name] = _field(form, name)
    action = _field(form, "action")
    record = context["record"]
    if len(record) > MAX_RECORD_CHARS or len(_field(form, "yaml")) > MAX_YAML_CHARS:
        context["record_error"] = _("The record or the draft is too long for this page.")
        return page(request, "drafting.html", context, 400)
    if action == "download":
        yaml_text = _field(form, "yaml").replace("\r\n", "\n")
        return Response(yaml_text.encode("utf-8"), media_type="application/x-yaml", headers={
            "Content-Disposition": f'attachment; filename="{_download_name(yaml_text)}"'})
    if action == "save":
        return _save(request, form, context)
    if not record.strip():
        context["record_error"] = _("Paste the record first: its page text or its JSON.")
        return page(request, "drafting.html", context, 400)
    try:
        context.update(_drafted(record, context["arm"]))
    except SchedulerError as error:
        context["record_error"] = in_web_words(error)
        return page(request, "drafting.html", context, 400)
    if action == "check":
        context["yaml"] = _field(form, "yaml").replace("\r\n", "\n")
        context.update(_checked(context["yaml"], form))
        context["checked"] = True
    status = 400 if context.get("problems") or context.get("error") else 200
    return page(request, "drafting.html", context, status)


def _save(request: Request, form: FormData, context: dict[str, Any]) -> Response:
    """Save the edited draft as a draft version of a clinic template: an admin reviews it
    (another admin approves it) on the clinic's templates page before it is offered."""
    from scheduler.services import clinic_templates
    from scheduler.web.pages import _flash, _user

    yaml_text = _field(form, "yaml").replace("\r\n", "\n")
    if context["record"].strip():  # the record beside the draft again, should the save be refused
        with contextlib.suppress(SchedulerError):
            context.update(_drafted(context["record"], context["arm"]))
    if request.scope.get("role") != "admin":
        context.update(yaml=yaml_text, checked=True,
                       error=_("Only an admin saves a clinic template; download it and give it to one."))
        return page(request, "drafting.html", context, 403)
    site = site_of(request)
    try:
        saved = clinic_templates.draft(site.registry(), yaml_text, _user(request), site.now())
    except TemplateError as error:
        context.update(yaml=yaml_text, checked=True, problems=error.located)
        return page(request, "drafting.html", context, 400)
    except SchedulerError as error:
        context.update(yaml=yaml_text, checked=True, error=in_web_words(error))
        return page(request, "drafting.html", context, 400)
    _flash(request, _("Saved %(id)s version %(version)s as a draft: a second admin approves it here before "
                      "it is offered at registration.", id=saved.template_id, version=saved.version))
    return RedirectResponse("/admin/templates", status_code=303)


async def new_from_record(request: Request) -> Response:
    """GET: the form; POST: draft, check (validate and preview), download the draft or save
    it as a draft clinic template for review."""
    form = await request.form() if request.method == "POST" else None
    try:
        return await run_in_threadpool(_handle, request, form)
    finally:
        if form is not None:
            await form.close()
