"""The files a plan is handed out as (.ics and PDF), with the options they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from scheduler.core.event import Event
from scheduler.core.plan import Plan
from scheduler.export import ics
from scheduler.export.reissue import Revision
from scheduler.export.reminders import Reminder
from scheduler.export.visits import entry_uids


@dataclass(frozen=True)
class OutputOptions:
    """How to render: shared by ``generate``, ``issue`` and ``batch``."""

    discreet: bool = False
    paper: Literal["a4", "letter"] = "a4"
    week_start: Literal["monday", "sunday"] = "monday"
    lang: Literal["en", "zh", "en+zh"] = "en"
    layout: Literal["compact", "full"] = "compact"
    per_event: bool = False
    """One VEVENT per event (the staff form) rather than one per clinic visit."""


def render(
    plan: Plan,
    stamp: datetime,
    patient: str | None,
    options: OutputOptions,
    revision: Revision | None = None,
    version: int = 1,
    replaces: tuple[int, date] | None = None,
    feed_url: str | None = None,
    reminders: tuple[Reminder, ...] | None = None,
) -> dict[str, bytes]:
    """File suffix -> bytes for one plan: the .ics and the printable PDF (with a QR code of
    ``feed_url``, the patient's live calendar, when there is one). A ``revision`` is of the
    calendar's entries (:func:`scheduler.export.visits.calendar_plan`); the PDF marks the
    events of a changed entry as changed."""
    from scheduler.export.pdf import to_pdf  # reportlab is slow to import; only here

    cancelled: tuple[Event, ...] = ()
    changed: frozenset[str] = frozenset()
    if revision is not None:
        owner = entry_uids(plan, options.per_event, options.lang)
        changed = frozenset(uid for uid, entry in owner.items() if entry in revision.changed)
        cancelled = revision.cancelled_events(plan.request.timezone, only_new=True)
    return {
        ".ics": ics.to_ics(plan, stamp=stamp, patient=patient, discreet=options.discreet,
                           revision=revision, per_event=options.per_event, lang=options.lang,
                           reminders=reminders),
        ".pdf": to_pdf(plan, generated=stamp, patient=patient, paper=options.paper,
                       week_start=options.week_start, lang=options.lang, version=version,
                       replaces=replaces, changed_uids=changed, cancelled=cancelled,
                       feed_url=feed_url, layout=options.layout),
    }
