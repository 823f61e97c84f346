"""The web app's words in the reader's language, through gettext catalogs.

The pages' text is marked for translation (``{% trans %}`` and ``_()`` in the templates,
:func:`_` in Python); ``locale/<lang>/LC_MESSAGES/messages.po`` holds each language's words
and ``messages.mo`` their compiled form, read here with the standard library (``babel.cfg``
says what is extracted; ``tests/test_i18n.py`` checks every message is translated and every
``.mo`` is current). English is the source language: its words are the messages themselves.

The language of a request: the person's own setting (their account page), else the browser's
``Accept-Language``, else English. It is held in a context variable for the request, which
Starlette's thread pool carries into the route.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from scheduler.services import people

LOCALES = Path(__file__).parent / "locale"
LANGUAGES = dict(zip(people.LANGUAGES, ("English", "中文"), strict=True))
"""The languages the web app speaks, each in its own words."""
DEFAULT = "en"

current: ContextVar[str] = ContextVar("language", default=DEFAULT)


@cache
def catalog(language: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalog of ``language`` (English: the messages as written)."""
    if language == DEFAULT:
        return stdlib_gettext.NullTranslations()
    with (LOCALES / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        return stdlib_gettext.GNUTranslations(handle)


def gettext(message: str) -> str:
    """``message`` in the request's language."""
    return catalog(current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message in the request's language."""
    return catalog(current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """``message`` itself, marked for the catalog (translated where it is shown)."""
    return message


WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
          N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
STATUSES = (N_("given"), N_("done"), N_("missed"), N_("not-given"))
"""What a record says happened to an event (:mod:`scheduler.core.record`)."""
KINDS = (N_("admin"), N_("coordinator"), N_("viewer"), N_("cycles"), N_("radiotherapy"),
         N_("daily"), N_("visit"), N_("hours"))
"""Words shown from data: roles, and the kinds of a template's components."""


def weekdays() -> list[str]:
    """Monday to Sunday, short, in the request's language."""
    return [gettext(day) for day in WEEKDAYS]


def weekday_of(day: Any) -> str:
    """A date's weekday, short, in the request's language: ``Mon``, ``周一``."""
    short = gettext(WEEKDAYS[day.weekday()])
    return f"周{short}" if current.get() == "zh" else short


def month_title(month: Any) -> str:
    """A month grid's title (``March 2026``, ``2026年3月``) from its first day in the month."""
    first = next(day.date for week in month.weeks for day in week if day.in_month)
    return _("%(month)s %(year)s", month=gettext(MONTHS[first.month - 1]), year=first.year)


def _(message: str, **values: Any) -> str:
    """``message`` translated, then filled with ``values`` (``%(name)s`` placeholders)."""
    text = gettext(message)
    return text % values if values else text


def choose(setting: str | None, accept_language: str | None) -> str:
    """The language for a request: the person's setting, else the first of the browser's
    ``Accept-Language`` (by its q-values) that the app speaks, else English."""
    if setting in LANGUAGES:
        assert setting is not None
        return setting
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for quality, _position, language in sorted(ranked):
        if quality < 0 and language in LANGUAGES:
            return language
    return DEFAULT


def install(env: Environment) -> None:
    """Jinja's i18n extension over these catalogs (new-style: ``_("%(n)s events", n=3)``
    escapes and fills), and the ``language`` and ``languages`` globals."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["language"] = current.get
    env.globals["weekdays"] = weekdays
    env.globals["weekday_of"] = weekday_of
    env.globals["month_title"] = month_title
    env.globals["span_words"] = span_words
    env.globals["languages"] = LANGUAGES


def span_words(span: Any) -> str:
    """A span (:class:`scheduler.core.units.Span`) in the page's language: ``12 months``,
    ``2 years``, ``26 weeks``, ``90 days``."""
    months, days = span.months, span.days
    if months and not days and months % 12 == 0 and "y" in span.text.lower():
        return ngettext("%(num)s year", "%(num)s years", months // 12) % {"num": months // 12}
    if months and not days:
        return ngettext("%(num)s month", "%(num)s months", months) % {"num": months}
    if days % 7 == 0 and not months:
        return ngettext("%(num)s week", "%(num)s weeks", days // 7) % {"num": days // 7}
    if not months:
        return ngettext("%(num)s day", "%(num)s days", days) % {"num": days}
    return str(span)
