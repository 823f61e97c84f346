"""Stored feed documents and batched fetch times: a feed poll is a read, not a render or a write.

Each plan's rendered feed is kept in ``feed_documents`` for one revision (its number of
changes), written in the transaction of each change (:func:`replace`, called by
:mod:`scheduler.services.feedstore`). A reader uses a row only when its revision is the
plan's current one, so a stale row is never served; a plan without one (stored feeds
forgotten for a new release, :func:`keep_only_from`) is rendered on its first fetch and
kept (:func:`keep`), and a newer row is never replaced by an older one. Fetch times
(``last_fetched_at``) are written many at a time (:func:`touch_tokens`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from scheduler.registry import schema
from scheduler.registry.store import Registry, mark_fetched

_D = schema.feed_documents
_T = schema.feed_tokens


def stored(registry: Registry, plan_id: int, revision: int) -> tuple[bytes, str, datetime] | None:
    """The plan's stored feed (body, ETag, Last-Modified) at ``revision``, if it is kept."""
    rows = registry._rows(sa.select(_D.c.body, _D.c.etag, _D.c.last_modified)
                          .where(_D.c.plan_id == plan_id, _D.c.revision == revision))
    if not rows:
        return None
    body, etag, modified = rows[0]
    return bytes(body), etag, datetime.fromisoformat(modified)


def replace(registry: Registry, plan_id: int, revision: int, body: bytes, etag: str,
            modified: datetime) -> None:
    """Write the plan's feed at ``revision`` in the current transaction (a change's), in place
    of any other."""
    with registry.transaction() as connection:
        connection.execute(sa.delete(_D).where(_D.c.plan_id == plan_id))
        connection.execute(sa.insert(_D).values(plan_id=plan_id, revision=revision, body=body, etag=etag,
                                                last_modified=modified.isoformat()))


def forget(registry: Registry, plan_id: int) -> None:
    """Remove the plan's stored feed (its plan has ended: it is no longer served)."""
    with registry.transaction() as connection:
        connection.execute(sa.delete(_D).where(_D.c.plan_id == plan_id))


def every_stored(registry: Registry) -> dict[int, tuple[int, bytes, str, str]]:
    """Every stored feed by plan id: (revision, body, ETag, Last-Modified as stored)."""
    rows = registry._rows(sa.select(_D.c.plan_id, _D.c.revision, _D.c.body, _D.c.etag, _D.c.last_modified))
    return {plan_id: (revision, bytes(body), etag, modified)
            for plan_id, revision, body, etag, modified in rows}


def keep(registry: Registry, plan_id: int, revision: int, body: bytes, etag: str, modified: datetime) -> None:
    """Keep the plan's feed at ``revision``, replacing one of an older revision (never a newer
    one: another process may have stored it meanwhile). A write that fails because the
    database is busy is skipped: the feed is served all the same."""
    try:
        with registry.transaction() as connection:
            connection.execute(sa.delete(_D).where(_D.c.plan_id == plan_id, _D.c.revision < revision))
            connection.execute(sa.insert(_D).values(plan_id=plan_id, revision=revision, body=body, etag=etag,
                                                    last_modified=modified.isoformat()))
    except sa.exc.IntegrityError:  # kept already (this revision, or a newer one)
        return
    except sa.exc.OperationalError:  # busy or locked: a cache; the next fetch stores it
        return


def touch_tokens(registry: Registry, fetched: Mapping[int, datetime],
                 clients: Mapping[int, tuple[str, datetime]] | None = None) -> None:
    """Record the fetch times of many tokens in one transaction, and for those a calendar
    client fetched, which client and when (``client``, ``client_at``); a plan whose live feed
    was never fetched before is marked fetched (``plans.feed_fetched``)."""
    if not fetched:
        return
    with registry.transaction() as connection:
        mark_fetched(connection, list(fetched))  # the plans first, as a change locks them
        connection.execute(sa.update(_T).where(_T.c.id == sa.bindparam("token")).values(
            last_fetched_at=sa.bindparam("at")),
            [{"token": token, "at": at.isoformat()} for token, at in sorted(fetched.items())])
        if clients:
            connection.execute(sa.update(_T).where(_T.c.id == sa.bindparam("token")).values(
                client=sa.bindparam("name"), client_at=sa.bindparam("at")),
                [{"token": token, "name": name, "at": at.isoformat()}
                 for token, (name, at) in sorted(clients.items())])


CODE_KEY = "feed_documents_code"
"""The ``registry_meta`` entry naming the code that rendered the stored feeds."""


def keep_only_from(registry: Registry, code: str) -> bool:
    """Forget every stored feed unless it was rendered by ``code`` (a fingerprint of the
    rendering code): a new release may render differently. True when they were forgotten."""
    meta = schema.registry_meta
    with registry.transaction() as connection:
        found = connection.execute(sa.select(meta.c.value).where(meta.c.name == CODE_KEY)).scalar()
        if found == code:
            return False
        connection.execute(sa.delete(_D))
        if found is None:
            connection.execute(sa.insert(meta).values(name=CODE_KEY, value=code))
        else:
            connection.execute(sa.update(meta).where(meta.c.name == CODE_KEY).values(value=code))
        return True


def note_code(registry: Registry, code: str, always: bool) -> None:
    """Record that the stored feeds were rendered by ``code``: ``always`` after every one was
    written anew, else only on a registry that names no code yet (its stored feeds are all
    this code's: an older release stored them only from a server, which names its code)."""
    meta = schema.registry_meta
    with registry.transaction() as connection:
        found = connection.execute(sa.select(meta.c.value).where(meta.c.name == CODE_KEY)).scalar()
        if found is None:
            connection.execute(sa.insert(meta).values(name=CODE_KEY, value=code))
        elif always and found != code:
            connection.execute(sa.update(meta).where(meta.c.name == CODE_KEY).values(value=code))
