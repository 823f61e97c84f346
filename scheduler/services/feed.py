"""A patient's subscription feed: the current plan as a calendar that clients keep fetching.

The feed is the plan as it is now, recomputed from the stored plan and its history, so a
change recorded at 10:00 is in the feed at 10:00 without an ``issue``. It is versioned like
an issued file, from the history alone (:func:`replay`): the plan as registered is the first
version, and each change to the plan makes the next, so an event's SEQUENCE counts the
changes that altered it, its DTSTAMP is the time of the last of them, and an event the plan
lost stays in the feed as ``STATUS:CANCELLED``. Two fetches of an unchanged plan give the
same bytes; nothing here reads the clock.

Discreet by default (no drug, diagnosis, dose or place: the feed is fetched by Google's and
Microsoft's servers); a coordinator can switch detail on for one patient, a change of its own
in the history.

Tokens: 192 random bits, URL-safe, shown once; only their SHA-256 is stored (see
:func:`scheduler.registry.token_hash`). One live token per plan.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.core import history
from scheduler.core.errors import InputError
from scheduler.core.expand import expand
from scheduler.core.history import Change
from scheduler.core.plan import Plan
from scheduler.export.ics import to_ics
from scheduler.export.reissue import Revision, revise
from scheduler.registry import Registry, StoredPlan, token_hash
from scheduler.registry.store import FeedState
from scheduler.services.patients import check_author, request_of, snapshot

REFRESH = timedelta(hours=1)
"""How often the feed asks clients to fetch it again (Google ignores it: 8-24 hours)."""
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
"""What a token looks like (``secrets.token_urlsafe(24)``); anything else is not looked up."""
FETCH_RECORD_EVERY = timedelta(minutes=5)
"""A fetch is recorded (``last_fetched_at``) at most this often per token, so that clients
polling the feed do not turn every read into a write."""


@dataclass(frozen=True)
class Feed:
    """The feed document of one plan at one revision."""

    body: bytes
    etag: str
    """A strong ETag: the SHA-256 of the exact bytes, quoted."""
    last_modified: datetime
    """The time of the last change to the plan (or its registration); never "now"."""


def replay(stored: StoredPlan, changes: list[Change]) -> tuple[Plan, Revision, bool]:
    """The current plan, its feed revision (see the module docstring) and whether detail is
    on, from the plan as registered and its changes in order."""
    detail = False
    plan = expand(request_of(stored, ()))
    revision = revise({}, plan, datetime.fromisoformat(stored.created_at), discreet=True)
    for number, change in enumerate(changes, start=1):
        if change.kind == "end":
            continue
        done = changes[:number]
        detail = history.feed_detail(done)
        if change.kind != "feed-detail":
            plan = expand(request_of(stored, history.adjustments(done)))
        revision = revise(revision.entries, plan, datetime.fromisoformat(change.at), discreet=not detail)
    return plan, revision, detail


def last_modified(stored: StoredPlan, changes: list[Change]) -> datetime:
    """The latest of the registration and every change time (so it only moves forward)."""
    return max(datetime.fromisoformat(t) for t in [stored.created_at, *(c.at for c in changes)])


def render(stored: StoredPlan, changes: list[Change]) -> Feed:
    """The feed of a plan with this history."""
    plan, revision, detail = replay(stored, changes)
    modified = last_modified(stored, changes)
    body = to_ics(plan, stamp=modified, discreet=not detail, revision=revision, refresh=REFRESH)
    return Feed(body, f'"{hashlib.sha256(body).hexdigest()}"', modified)


def new_token() -> str:
    """A fresh feed token."""
    return secrets.token_urlsafe(24)


def feed_path(token: str) -> str:
    """The feed's path on the server."""
    return f"/feed/{token}.ics"


def create(registry: Registry, patient_key: str, author: str, now: datetime,
           rotate: bool = False) -> str:
    """Make the plan's feed token and return it (the only time it is seen). With ``rotate``,
    the live token is revoked first; without, a plan with a live token is refused."""
    author = check_author(author)
    with registry.transaction():
        current = snapshot(registry, patient_key, lock=True)
        if current.ended is not None:
            raise InputError(f"the plan of {patient_key} has ended; it has no feed")
        live = registry.live_token(current.stored.id)
        if live is not None and not rotate:
            raise InputError(f"{patient_key} has a feed already (made {live.created_at}); "
                             "rotate it for a new address, or revoke it")
        if live is None and rotate:
            raise InputError(f"{patient_key} has no feed to rotate; create one")
        registry.revoke_tokens(current.stored.id, author, now)
        token = new_token()
        registry.add_token(current.stored.id, token_hash(token), author, now)
    return token


def revoke(registry: Registry, patient_key: str, author: str, now: datetime) -> None:
    """Revoke the plan's feed: its address answers 404 from now on."""
    author = check_author(author)
    with registry.transaction():
        stored = registry.plan(patient_key, lock=True)
        if registry.revoke_tokens(stored.id, author, now) == 0:
            raise InputError(f"{patient_key} has no feed to revoke")


def set_detail(registry: Registry, patient_key: str, detail: bool, reason: str, author: str,
               now: datetime) -> Change:
    """Switch the feed's detail (drug names, doses, places) on or off, with a reason."""
    fields = {"detail": detail, "reason": history.check_reason(reason)}
    author = check_author(author)
    with registry.transaction():
        current = snapshot(registry, patient_key, lock=True)
        if history.feed_detail(current.changes) == detail:
            raise InputError(f"the feed of {patient_key} is already {'detailed' if detail else 'discreet'}")
        registry.add_change(current.stored.id, "feed-detail", fields, author, now)
    return Change(len(current.changes) + 1, "feed-detail", fields, author, now.isoformat())


def lookup(read: Callable[[str], FeedState | None], token: str) -> FeedState | None:
    """The live feed of a plan that has not ended, by its token; None for anything else
    (unknown, revoked, malformed, ended), so that a caller cannot tell which. ``read`` is
    :meth:`Registry.feed_state` or the server's faster
    :meth:`~scheduler.registry.feedreads.FeedStates.read` (one query by the token's hash)."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    found = read(token_hash(token))
    if found is None or found.revoked_at is not None or found.ended:
        return None
    return found


def document(registry: Registry, found: FeedState) -> Feed:
    """The feed of the plan as it was at ``found.revision`` (read when it is not cached)."""
    stored = registry.plan_by_id(found.plan_id)
    return render(stored, registry.history(stored.id)[:found.revision])


def rendering_code() -> str:
    """A fingerprint of the code that renders a feed (this package's sources), so that stored
    feeds made by another release are not served (:func:`scheduler.registry.feeddocs.keep_only_from`)."""
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def stored_document(registry: Registry, found: FeedState) -> Feed:
    """The feed at ``found.revision``: the stored one (one indexed read), else rendered and
    stored for every server process (see :mod:`scheduler.registry.feeddocs`)."""
    from scheduler.registry import feeddocs

    kept = feeddocs.stored(registry, found.plan_id, found.revision)
    if kept is not None:
        return Feed(*kept)
    made = document(registry, found)
    feeddocs.keep(registry, found.plan_id, found.revision, made.body, made.etag, made.last_modified)
    return made


def fetch_to_record(found: FeedState, now: datetime) -> bool:
    """True when this fetch should be recorded (at most every :data:`FETCH_RECORD_EVERY`)."""
    return found.last_fetched_at is None or (
        now - datetime.fromisoformat(found.last_fetched_at) >= FETCH_RECORD_EVERY)


def record_fetch(registry: Registry, found: FeedState, now: datetime) -> None:
    """Note that the feed was fetched (``last_fetched_at``, which the coordinator sees)."""
    with registry.transaction():
        registry.touch_token(found.token_id, now)
