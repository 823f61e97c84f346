"""A plan's feed document rendered from the plan as registered and its history.

The rendering half of :mod:`scheduler.services.feed` (see its docstring for what a feed
holds), apart so that :mod:`scheduler.services.feedstore` can render a plan's document in
the transaction of its change (called from :mod:`scheduler.services.derived`) without
importing the patients module, which calls that one: the caller passes ``request_of``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.core import history
from scheduler.core.adjust import Adjustment
from scheduler.core.expand import expand
from scheduler.core.history import Change
from scheduler.core.plan import Plan, PlanRequest
from scheduler.export.ics import to_ics
from scheduler.export.reissue import Revision, revise
from scheduler.export.visits import calendar_plan
from scheduler.registry import StoredPlan
from scheduler.services.calendar import calendar_settings

Requests = Callable[[StoredPlan, tuple[Adjustment, ...]], PlanRequest]
""":func:`scheduler.services.patients.request_of`, passed in (as to :mod:`scheduler.services.derived`)."""
REFRESH = timedelta(hours=1)
"""How often the feed asks clients to fetch it again (Google ignores it: 8-24 hours)."""


@dataclass(frozen=True)
class Feed:
    """The feed document of one plan at one revision."""

    body: bytes
    etag: str
    """A strong ETag: the SHA-256 of the exact bytes, quoted."""
    last_modified: datetime
    """The time of the last change to the plan (or its registration); never "now"."""


def plan_language(stored: StoredPlan) -> str:
    """The patient's language (``en``, ``zh`` or ``en+zh``) as registered; English when the
    plan was registered before plans had one."""
    return calendar_settings(stored).lang


def replay(stored: StoredPlan, changes: list[Change], request_of: Requests, per_event: bool = False,
           ) -> tuple[Plan, Revision, bool]:
    """The current plan, its feed revision and whether detail is on, from the plan as
    registered and its changes in order. The revision is of the calendar's entries: one per
    visit, or one per event with ``per_event``."""
    detail = False
    lang = plan_language(stored)
    plan = expand(request_of(stored, ()))
    entries = calendar_plan(plan, per_event, lang)
    revision = revise({}, entries, datetime.fromisoformat(stored.created_at), discreet=True)
    for number, change in enumerate(changes, start=1):
        if change.kind == "end":
            continue
        done = changes[:number]
        detail = history.feed_detail(done)
        if change.kind != "feed-detail":
            plan = expand(request_of(stored, history.adjustments(done)))
            entries = calendar_plan(plan, per_event, lang)
        revision = revise(revision.entries, entries, datetime.fromisoformat(change.at),
                          discreet=not detail)
    return plan, revision, detail


def last_modified(stored: StoredPlan, changes: list[Change]) -> datetime:
    """The latest of the registration and every change time (so it only moves forward)."""
    return max(datetime.fromisoformat(t) for t in [stored.created_at, *(c.at for c in changes)])


def render(stored: StoredPlan, changes: list[Change], request_of: Requests, per_event: bool = False) -> Feed:
    """The feed of a plan with this history (one entry per visit, or per event)."""
    plan, revision, detail = replay(stored, changes, request_of, per_event)
    modified = last_modified(stored, changes)
    settings = calendar_settings(stored)
    body = to_ics(plan, stamp=modified, discreet=not detail, revision=revision, refresh=REFRESH,
                  per_event=per_event, lang=settings.lang, reminders=settings.alarms)
    return Feed(body, f'"{hashlib.sha256(body).hexdigest()}"', modified)


@functools.cache
def rendering_code() -> str:
    """A fingerprint of the code that renders a feed (this package's sources), so that stored
    feeds made by another release are not served (:func:`scheduler.registry.feeddocs.keep_only_from`)."""
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
