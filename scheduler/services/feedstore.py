"""Each plan's feed document, written in the transaction of every change to the plan.

A calendar's poll is then one indexed read (:data:`scheduler.registry.store.FEED_STATE`) on
any server process of any host, never a render. :mod:`scheduler.services.derived` calls
:func:`write` wherever it rewrites the plan's current events (registration, every change
kind, record, closure, issue, revert, end), and :func:`rebuild` / :func:`drifted` from
``registry upgrade``, ``registry import`` and ``registry check [--repair]``.

Only the default document is stored: the plan's language and detail are the plan's own
(settings and history), so there is one per plan. The staff's one-event-per-drug form
(``?per=event``) is rendered on each fetch and not stored. An ended plan has none (its feed
answers 404). A server of a new release forgets the stored feeds of the old one
(:func:`scheduler.registry.feeddocs.keep_only_from`); each is then rendered on its first fetch,
or at once by ``registry check --repair``.
"""

from __future__ import annotations

from datetime import datetime

from scheduler.core import history
from scheduler.core.errors import Note
from scheduler.core.history import Change
from scheduler.registry import Registry, StoredPlan, feeddocs
from scheduler.services.feedrender import Requests, render, rendering_code


def write(registry: Registry, stored: StoredPlan, changes: list[Change], request_of: Requests) -> None:
    """Store the plan's feed for its current revision (``len(changes)``), or remove it when the
    plan has ended; inside the caller's transaction."""
    if history.ended(changes) is not None:
        feeddocs.forget(registry, stored.id)
        return
    made = render(stored, changes, request_of)
    feeddocs.replace(registry, stored.id, len(changes), made.body, made.etag, made.last_modified)
    feeddocs.note_code(registry, rendering_code(), always=False)


def rebuild(registry: Registry, plans: list[StoredPlan], histories: dict[int, list[Change]],
            request_of: Requests) -> None:
    """Store every plan's feed anew (inside the caller's transaction)."""
    for stored in plans:
        write(registry, stored, histories.get(stored.id, []), request_of)
    feeddocs.note_code(registry, rendering_code(), always=True)


def drifted(registry: Registry, plans: list[StoredPlan], histories: dict[int, list[Change]],
            request_of: Requests) -> list[Note]:
    """A note for each plan whose stored feed is missing, stale or differs from a fresh render."""
    kept = feeddocs.every_stored(registry)
    problems: list[Note] = []
    for stored in plans:
        changes = histories.get(stored.id, [])
        found = kept.get(stored.id)
        if history.ended(changes) is not None:
            if found is not None:
                problems.append(Note(f"{stored.patient_key}: its plan has ended but a feed document "
                                     "is still stored", remedy="repair"))
            continue
        made = render(stored, changes, request_of)
        expected = (len(changes), made.body, made.etag, made.last_modified)
        if found is None or (*found[:3], datetime.fromisoformat(found[3])) != expected:
            problems.append(Note(f"{stored.patient_key}: its stored feed document differs from its "
                                 "history" if found else f"{stored.patient_key}: no feed document stored",
                                 remedy="repair"))
    return problems
