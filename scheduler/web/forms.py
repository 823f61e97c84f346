"""The web forms as typed requests, and the library's fields as the forms' labels.

Each form builds the request the library takes (:class:`~scheduler.services.options.PlanOptions`,
an :class:`~scheduler.core.adjust.Adjustment`) from its own inputs, naming each value's field
(``closed[2]`` for the third line of Closures); an error of the library names its field as
data, and :func:`in_web_words` says it with the form's label from :data:`LABELS`.
"""

from __future__ import annotations

from starlette.datastructures import FormData

from scheduler.core.adjust import Adjustment, Delay, Hold, Stop
from scheduler.core.errors import (
    InputError,
    Note,
    SchedulerError,
    field_index,
    field_key,
    field_root,
    said,
    worded,
)
from scheduler.services.options import (
    PlanOptions,
    parse_assignment,
    parse_date,
    parse_date_range,
    parse_horizon,
)
from scheduler.web.i18n import N_, _

LABELS = {
    "start": N_("Start"), "holidays": N_("Public holidays"), "timezone": N_("Time zone"),
    "closed": N_("Closures"), "workdays": N_("Extra working days"), "parameters": N_("Parameters"),
    "horizon": N_("Schedule continuation doses for"),
    "shift_start": N_("If the start is not a working day, start on the next one"),
    "key": N_("Patient key"), "label": N_("Label"), "template": N_("Protocol template"),
    "from": N_("From"), "to": N_("To"), "days": N_("Days"), "cycle": N_("Cycle"), "reason": N_("Reason"),
    "regimen": N_("Regimen"), "component": N_("Component"), "arm": N_("Arm"),
    "reminders": N_("Reminders before each visit"), "lang": N_("Language"), "resource": N_("Resource"),
    "time": N_("Time"), "status": N_("Status"), "on": N_("On"), "name": N_("User name"), "role": N_("Role"),
    "password": N_("Password"), "new password": N_("New password"), "subdivision": N_("Subdivision"),
    "version": N_("Template version"),
}
"""The library's fields (:mod:`scheduler.core.errors`) as the forms label them: the one
table from which every error and note on a page says its field."""

REMEDIES = {
    "shift_start": N_(", or tick \"If the start is not a working day, start on the next one\" to start on "
                      "the next one, {value}"),
    "parameters": N_("to change it, write under Parameters: {key}=N"),
    "force": N_("it was kept as it is"),
    "events": N_("the patient's page lists them"),
    "notify_smtp": N_("set the mail server and the address"),
    "init": N_("the server's operator creates it"),
    "closures": N_("the Closures page lists them"),
    "feed_key": N_("the server's operator makes one"),
    "feed_create": N_("the patient's Calendar page makes one and shows it"),
}
"""What to do in a form to resolve a problem whose remedy is that field."""


def label(field: str) -> str:
    """``timezone`` -> ``Time zone``; ``parameters.cycles`` -> ``Parameters: cycles``;
    ``closed[2]`` -> ``Closures, line 3``."""
    root = field_root(field)
    name = _(LABELS[root]) if root in LABELS else root
    key, index = field_key(field), field_index(field)
    if key:
        return f"{name}: {key}"
    return _("%(name)s, line %(line)s", name=name, line=index + 1) if index is not None else name


def the_field(field: str) -> str:
    """``holidays`` -> ``the Public holidays field``, for a sentence."""
    return _("the %(field)s field", field=label(field))


def in_web_words(error: SchedulerError | str) -> str:
    """An error or note of the library as the web app's forms say it, in the page's language
    (:func:`scheduler.web.datawords.library`)."""
    from scheduler.web.datawords import library

    remedies = {field: _(phrase) for field, phrase in REMEDIES.items()}
    if isinstance(error, SchedulerError | Note):
        return library(said(library(error.message), error.field, error.remedy, error.value, label, remedies))
    return library(worded(error, label, remedies))


def field(form: FormData | None, name: str, default: str = "") -> str:
    """A form input as text ('' when absent or not text)."""
    value = form.get(name, default) if form is not None else default
    return value.strip() if isinstance(value, str) else default


def lines(text: str) -> list[str]:
    """The non-empty lines of a text area."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def plan_options(form: FormData | None) -> PlanOptions:
    """The registration form's request: each input parsed as the value of its field."""
    return PlanOptions(
        start=parse_date(field(form, "start"), "start"),
        holidays=field(form, "holidays") or None,
        closed=tuple(parse_date_range(line, f"closed[{i}]")
                     for i, line in enumerate(lines(field(form, "closed")))),
        workdays=tuple(parse_date_range(line, f"workdays[{i}]")
                       for i, line in enumerate(lines(field(form, "workdays")))),
        sets=tuple(parse_assignment(line, f"parameters[{i}]")
                   for i, line in enumerate(lines(field(form, "parameters")))),
        horizon=parse_horizon(field(form, "horizon") or "12m"),
        timezone=field(form, "tz") or None,
        shift_start=field(form, "shift_start") == "on",
    )


def _number(form: FormData | None, name: str, low: int, high: int) -> int:
    text = field(form, name)
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"'{text}' is not a whole number", name) from None
    if not low <= value <= high:
        raise InputError(f"give a number from {low} to {high}", name)
    return value


def adjustment(kind: str, form: FormData | None) -> Adjustment:
    """The change form's request: a delay, a hold or a stop."""
    reason = field(form, "reason")
    if kind == "delay":
        days = _number(form, "days", -60, 365)
        if days == 0:
            raise InputError("a delay of 0 days changes nothing", "days")
        return Delay(field(form, "regimen"), _number(form, "cycle", 1, 999), days, reason)
    if kind == "hold":
        return Hold(field(form, "component"), parse_date(field(form, "from"), "from"),
                    _number(form, "days", 1, 366), reason)
    return Stop(field(form, "component"), parse_date(field(form, "from"), "from"), reason)
