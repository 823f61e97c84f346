"""A clinic's own templates in the browser: paste or upload one, see every problem located
as you type (as ``scheduler validate`` lists them), preview its dates for a start date, save
it as a draft; a second admin approves it, and registration offers it from then on.

The rules are :mod:`scheduler.services.clinic_templates`'; ``/admin/`` is for admins
(:func:`scheduler.web.roles.permitted`).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from scheduler.core.errors import SchedulerError, TemplateError
from scheduler.registry import clinic_templates as store
from scheduler.services import clinic_templates, patients
from scheduler.services.options import PlanOptions, parse_date
from scheduler.web.forms import in_web_words
from scheduler.web.i18n import _
from scheduler.web.pages import TEMPLATE_UPLOAD_LIMIT, _field, _flash, _route, _user
from scheduler.web.site import page, site_of
from scheduler.web.views import months

PREVIEW_MONTHS = 3


def _text(form: FormData | None) -> tuple[str, str]:
    """The template's text (an uploaded file, else the pasted text) and what to call it."""
    upload = form.get("file") if form is not None else None
    if isinstance(upload, UploadFile) and upload.filename:
        raw = upload.file.read(TEMPLATE_UPLOAD_LIMIT + 1)
        if len(raw) > TEMPLATE_UPLOAD_LIMIT:
            raise SchedulerError(f"{upload.filename}: larger than {TEMPLATE_UPLOAD_LIMIT // 1024} kB")
        try:
            return raw.decode("utf-8-sig"), upload.filename
        except UnicodeDecodeError as error:
            raise SchedulerError(f"{upload.filename}: not UTF-8 text (bad byte at offset "
                                 f"{error.start})") from None
    value = form.get("text") if form is not None else None
    return (value if isinstance(value, str) else ""), "pasted text"


def _checked(request: Request, form: FormData | None) -> dict[str, Any]:
    """The form's text checked, every problem located, and a preview of its first months
    for the start date given."""
    context: dict[str, Any] = {"text": "", "start": _field(form, "start")}
    if form is None:
        return context
    try:
        text, name = _text(form)
    except SchedulerError as error:
        context["problems"] = [in_web_words(error)]
        return context
    context["text"] = text
    if not text.strip():
        return context
    try:
        template = clinic_templates.check(text, name)
    except TemplateError as error:
        context["problems"] = error.located
        return context
    except SchedulerError as error:
        context["problems"] = str(error).splitlines()
        return context
    context["valid"] = template
    if context["start"]:
        try:
            options = PlanOptions(start=parse_date(context["start"], "start"))
            prepared = patients.prepare_loaded("PREVIEW", None, template, text.encode("utf-8"), name,
                                               options, site_of(request).now(), _user(request))
        except SchedulerError as error:
            context["problems"] = [in_web_words(str(error))]
            return context
        context.update(plan=prepared.plan, months=months(prepared.plan, count=PREVIEW_MONTHS))
    return context


def _list_page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    found = store.versions(site_of(request).registry())
    by_id: dict[str, list[store.TemplateVersion]] = {}
    for version in found:
        by_id.setdefault(version.template_id, []).append(version)
    return page(request, "admin_templates.html", {"by_id": by_id, **context}, status)


@_route
def templates_page(request: Request, form: FormData | None) -> Response:
    """The clinic's templates, each version with its author and approval; check, preview and
    save a draft."""
    context = _checked(request, form)
    if form is None or _field(form, "action") != "draft":
        return _list_page(request, context, 400 if context.get("problems") else 200)
    if "valid" not in context:
        return _list_page(request, {**context, "problems": context.get("problems") or [
            _("Paste or upload a template first.")]}, 400)
    site = site_of(request)
    try:
        saved = clinic_templates.draft(site.registry(), context["text"], _user(request), site.now())
    except SchedulerError as error:
        return _list_page(request, {**context, "problems": [in_web_words(error)]}, 400)
    _flash(request, _("Saved %(id)s version %(version)s as a draft: a second admin must approve it "
                      "before it is offered at registration.", id=saved.template_id, version=saved.version))
    return RedirectResponse("/admin/templates", 303)


@_route
def check_part(request: Request, form: FormData | None) -> Response:
    """The problems and the preview alone (the page asks for them as you type)."""
    return page(request, "_template_check.html", _checked(request, form))


@_route
def approve(request: Request, form: FormData | None) -> Response:
    """Approve a draft (an admin who is not its author): it is published."""
    site = site_of(request)
    template_id, version = request.path_params["template_id"], int(request.path_params["version"])
    try:
        clinic_templates.approve(site.registry(), template_id, version, _user(request), site.now())
    except SchedulerError as error:
        return _list_page(request, {"refused": in_web_words(error)}, 409)
    _flash(request, _("Published %(id)s version %(version)s: it is offered at registration.",
                      id=template_id, version=version))
    return RedirectResponse("/admin/templates", 303)
