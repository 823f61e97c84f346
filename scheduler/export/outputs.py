"""The files a plan is handed out as (.ics and PDF), with the options they share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from scheduler.core.event import Event
from scheduler.core.plan import Plan
from scheduler.export import ics
from scheduler.export.reissue import Revision


@dataclass(frozen=True)
class OutputOptions:
    """How to render: shared by ``generate``, ``issue`` and ``batch``."""

    discreet: bool = False
    paper: Literal["a4", "letter"] = "a4"
    week_start: Literal["monday", "sunday"] = "monday"
    lang: Literal["en", "zh", "en+zh"] = "en"
    layout: Literal["compact", "full"] = "compact"


def render(
    plan: Plan,
    stamp: datetime,
    patient: str | None,
    options: OutputOptions,
    revision: Revision | None = None,
    version: int = 1,
    replaces: tuple[int, date] | None = None,
    feed_url: str | None = None,
) -> dict[str, bytes]:
    """File suffix -> bytes for one plan: the .ics and the printable PDF (with a QR code of
    ``feed_url``, the patient's live calendar, when there is one)."""
    from scheduler.export.pdf import to_pdf  # reportlab is slow to import; only here

    cancelled: tuple[Event, ...] = ()
    changed: frozenset[str] = frozenset()
    if revision is not None:
        changed = revision.changed
        cancelled = revision.cancelled_events(plan.request.timezone, only_new=True)
    return {
        ".ics": ics.to_ics(plan, stamp=stamp, patient=patient, discreet=options.discreet,
                           revision=revision),
        ".pdf": to_pdf(plan, generated=stamp, patient=patient, paper=options.paper,
                       week_start=options.week_start, lang=options.lang, version=version,
                       replaces=replaces, changed_uids=changed, cancelled=cancelled,
                       feed_url=feed_url, layout=options.layout),
    }
