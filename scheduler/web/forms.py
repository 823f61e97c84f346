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
    SchedulerError,
    field_index,
    field_key,
    field_root,
    worded,
)
from scheduler.services.options import (
    PlanOptions,
    parse_assignment,
    parse_date,
    parse_date_range,
    parse_horizon,
)

LABELS = {
    "start": "Start", "holidays": "Public holidays", "timezone": "Time zone",
    "closed": "Closures", "workdays": "Extra working days", "parameters": "Parameters",
    "horizon": "Schedule continuation doses for",
    "shift_start": "If the start is not a working day, start on the next one",
    "key": "Patient key", "label": "Label", "template": "Protocol template",
    "from": "From", "days": "Days", "cycle": "Cycle", "reason": "Reason", "regimen": "Regimen",
    "component": "Component", "arm": "Arm", "reminders": "Reminders before each visit",
    "lang": "Language", "resource": "Resource", "time": "Time", "status": "Status", "on": "On",
}
"""The library's fields (:mod:`scheduler.core.errors`) as the forms label them: the one
table from which every error and note on a page says its field."""

REMEDIES = {
    "shift_start": ", or tick \"If the start is not a working day, start on the next one\" to start on "
                   "the next one, {value}",
    "parameters": "to change it, write under Parameters: {key}=N",
    "force": "it was kept as it is",
    "events": "the patient's page lists them",
    "notify_smtp": "set the mail server and the address",
    "init": "the server's operator creates it",
    "closures": "the Closures page lists them",
    "feed_key": "the server's operator makes one",
    "feed_create": "the patient's Calendar page makes one and shows it",
}
"""What to do in a form to resolve a problem whose remedy is that field."""


def label(field: str) -> str:
    """``timezone`` -> ``Time zone``; ``parameters.cycles`` -> ``Parameters: cycles``;
    ``closed[2]`` -> ``Closures, line 3``."""
    name = LABELS.get(field_root(field), field_root(field))
    key, index = field_key(field), field_index(field)
    if key:
        return f"{name}: {key}"
    return f"{name}, line {index + 1}" if index is not None else name


def the_field(field: str) -> str:
    """``holidays`` -> ``the Public holidays field``, for a sentence."""
    return f"the {label(field)} field"


def in_web_words(error: SchedulerError | str) -> str:
    """An error or note of the library as the web app's forms say it."""
    if isinstance(error, SchedulerError):
        return error.worded(label, REMEDIES)
    return worded(error, label, REMEDIES)


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
