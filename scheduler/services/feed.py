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

Tokens: 192 random bits, URL-safe; looked up by their SHA-256 (see
:func:`scheduler.registry.token_hash`), and kept sealed with the server's key
(:mod:`scheduler.services.sealing`) so the address can be shown again. One live token per plan.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from cryptography.fernet import Fernet

from scheduler.core import history
from scheduler.core.errors import InputError
from scheduler.core.history import Change
from scheduler.core.plan import Plan
from scheduler.export.reissue import Revision
from scheduler.registry import Registry, StoredPlan, token_hash
from scheduler.registry.store import FeedState
from scheduler.services import derived, feedrender, sealing
from scheduler.services.feedrender import REFRESH as REFRESH  # re-exported: the feed's names
from scheduler.services.feedrender import Feed as Feed
from scheduler.services.feedrender import last_modified as last_modified
from scheduler.services.feedrender import plan_language as plan_language
from scheduler.services.feedrender import rendering_code as rendering_code
from scheduler.services.patients import check_author, request_of, snapshot

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
"""What a token looks like (``secrets.token_urlsafe(24)``); anything else is not looked up."""
FETCH_RECORD_EVERY = timedelta(minutes=5)
"""A fetch is recorded (``last_fetched_at``) at most this often per token, so that clients
polling the feed do not turn every read into a write."""


def replay(stored: StoredPlan, changes: list[Change], per_event: bool = False,
           ) -> tuple[Plan, Revision, bool]:
    """The current plan, its feed revision (see the module docstring) and whether detail is
    on (:func:`scheduler.services.feedrender.replay`)."""
    return feedrender.replay(stored, changes, request_of, per_event)


def render(stored: StoredPlan, changes: list[Change], per_event: bool = False) -> Feed:
    """The feed of a plan with this history (one entry per visit, or per event)."""
    return feedrender.render(stored, changes, request_of, per_event)


def new_token() -> str:
    """A fresh feed token."""
    return secrets.token_urlsafe(24)


def feed_path(token: str) -> str:
    """The feed's path on the server."""
    return f"/feed/{token}.ics"


def create(registry: Registry, patient_key: str, author: str, now: datetime,
           rotate: bool = False, key: Fernet | bool | None = True) -> str:
    """Make the plan's feed token and return it. With ``rotate``, the live token is revoked
    first; without, a plan with a live token is refused. It is kept sealed with ``key`` (by
    default the server's, :func:`scheduler.services.sealing.server_key`), so that
    :func:`address` can give it again."""
    sealer = sealing.server_key() if key is True else key or None
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
        registry.add_token(current.stored.id, token_hash(token), author, now,
                           sealing.seal(sealer, token))
    return token


def address(registry: Registry, patient_key: str, base_url: str,
            key: Fernet | bool | None = True) -> str | None:
    """The address of the plan's live feed again, from its sealed token; None when it has no
    feed, or its token was not sealed (made without a server key, or before they were)."""
    opener = sealing.server_key() if key is True else key or None
    stored = registry.plan(patient_key)
    live = registry.live_token(stored.id)
    token = sealing.unseal(opener, live.token_sealed) if live else None
    return None if token is None else base_url.rstrip("/") + feed_path(token)


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
        derived.refresh(registry, current.stored.id, request_of)
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


def document(registry: Registry, found: FeedState, per_event: bool = False) -> Feed:
    """The feed of the plan as it was at ``found.revision``, rendered now."""
    stored = registry.plan_by_id(found.plan_id)
    return render(stored, registry.history(stored.id)[:found.revision], per_event)


def stored_document(registry: Registry, found: FeedState) -> Feed:
    """The feed at ``found.revision``: the stored one, read with the token
    (:data:`~scheduler.registry.store.FEED_STATE`; written in the transaction of each change,
    :mod:`scheduler.services.feedstore`), else rendered now and kept for every server process
    (only when stored feeds were forgotten for a new release, :mod:`scheduler.registry.feeddocs`)."""
    from scheduler.registry import feeddocs

    kept = found.current
    if kept is not None:
        return Feed(kept.body, kept.etag, datetime.fromisoformat(kept.last_modified))
    made = document(registry, found)
    feeddocs.keep(registry, found.plan_id, found.revision, made.body, made.etag, made.last_modified)
    return made


def fetch_to_record(found: FeedState, now: datetime) -> bool:
    """True when this fetch should be recorded (at most every :data:`FETCH_RECORD_EVERY`)."""
    return found.last_fetched_at is None or (
        now - datetime.fromisoformat(found.last_fetched_at) >= FETCH_RECORD_EVERY)


def record_fetch(registry: Registry, found: FeedState, now: datetime,
                 client: str | None = None) -> None:
    """Note that the feed was fetched (``last_fetched_at``), and by which calendar ``client``
    (:func:`scheduler.services.clients.calendar_client`; None for a browser or curl)."""
    with registry.transaction():
        registry.touch_token(found.token_id, now, client)
