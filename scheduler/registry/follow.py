"""The rows of following the treatment: each plan's current events (a cache), closures and
the notifications sent. Storage only, like :mod:`scheduler.registry.store`."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from scheduler.core.errors import InputError
from scheduler.registry import schema
from scheduler.registry.store import Registry

_E = schema.current_events
_C = schema.closures
_N = schema.notifications_sent
_P = schema.plans
_V = schema.versions
_H = schema.history
_T = schema.feed_tokens

COLUMNS = ("ref", "date", "start", "end", "resource", "kind", "status", "title", "location",
           "was_date", "changed_at", "flags")
"""The columns of one current event a rebuild computes (besides the plan and its revision)."""


def replace_events(registry: Registry, plan_id: int, revision: int,
                   rows: Sequence[dict[str, Any]]) -> None:
    """Replace a plan's current events with ``rows`` (inside a transaction)."""
    registry._execute(sa.delete(_E).where(_E.c.plan_id == plan_id))
    if rows:
        registry._execute(sa.insert(_E), [{**row, "plan_id": plan_id, "revision": revision}
                                          for row in rows])


def stored_events(registry: Registry) -> dict[int, tuple[int, list[dict[str, Any]]]]:
    """Plan id -> (revision, rows in reference order) as stored, for every plan with rows."""
    found: dict[int, tuple[int, list[dict[str, Any]]]] = {}
    rows = registry._rows(sa.select(_E.c.plan_id, _E.c.revision, *(_E.c[c] for c in COLUMNS))
                          .order_by(_E.c.plan_id, _E.c.ref))
    for row in rows:
        values = row._asdict()
        plan_id, revision = values.pop("plan_id"), values.pop("revision")
        found.setdefault(plan_id, (revision, []))[1].append(values)
    for _, listed in found.values():  # in Python's order: a database's collation may differ
        listed.sort(key=lambda r: str(r["ref"]))
    return found


class Due(NamedTuple):
    """One line of the worklist, as read (flags not yet decided); a NamedTuple, made for
    thousands of rows at once."""

    patient_key: str
    ref: str
    date: str
    start: str | None
    end: str | None
    resource: str | None
    kind: str
    status: str | None
    title: str
    location: str | None
    was_date: str | None
    changed_at: str | None
    flags: str
    """``labs`` for a blood test, else empty."""
    issued_at: str | None
    """When the plan's last version was issued (None: never)."""
    feed_live: bool
    feed_fetched: bool


_DUE_COLUMNS = (_P.c.patient_key, *(_E.c[c] for c in COLUMNS), _E.c.plan_id)
_BY_DATE = (sa.select(*_DUE_COLUMNS).join(_P, _P.c.id == _E.c.plan_id)
            .where(_E.c.date.between(sa.bindparam("low"), sa.bindparam("high"))))
_BY_WAS = (sa.select(*_DUE_COLUMNS).join(_P, _P.c.id == _E.c.plan_id)
           .where(_E.c.was_date.between(sa.bindparam("low"), sa.bindparam("high")),
                  sa.not_(_E.c.date.between(sa.bindparam("low"), sa.bindparam("high")))))
_ISSUED = (sa.select(_V.c.plan_id, sa.func.max(_V.c.issued_at))
           .where(_V.c.plan_id.in_(sa.bindparam("ids", expanding=True))).group_by(_V.c.plan_id))
_FEEDS = (sa.select(_T.c.plan_id, _T.c.last_fetched_at)
          .where(_T.c.plan_id.in_(sa.bindparam("ids", expanding=True)), _T.c.revoked_at.is_(None)))


def due(registry: Registry, first: date, last: date, resource: str | None = None) -> list[Due]:
    """The current events dated from ``first`` to ``last``, and those dated there before
    their last change: two range scans of the indexed table (by date, by former date), then
    the last issued version and live feed of just the plans found."""
    bounds = {"low": first.isoformat(), "high": last.isoformat()}
    with contextlib.ExitStack() as stack:  # one connection for the four reads
        connection = registry._write or stack.enter_context(registry.engine.connect())
        by_date, by_was = _BY_DATE, _BY_WAS
        if resource is not None:  # the (resource, date) index
            by_date, by_was = (s.where(_E.c.resource == resource) for s in (_BY_DATE, _BY_WAS))
        rows: list[Any] = [*connection.execute(by_date, bounds).all(),
                           *connection.execute(by_was, bounds).all()]
        ids = sorted({row[-1] for row in rows})
        issued: dict[int, str] = {}
        feeds: dict[int, str | None] = {}
        if ids:
            issued = {plan_id: at for plan_id, at in connection.execute(_ISSUED, {"ids": ids}).all()}
            feeds = {plan_id: at for plan_id, at in connection.execute(_FEEDS, {"ids": ids}).all()}
    return [Due(*row[:-1], issued.get(row[-1]), row[-1] in feeds,  # type: ignore[call-arg]
                feeds.get(row[-1]) is not None) for row in rows]


# --- closures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Closure:
    """A clinic closure added in the registry."""

    id: int
    start: str
    end: str
    resource: str | None
    reason: str
    author: str
    created_at: str
    reverted_at: str | None = None
    reverted_by: str | None = None
    revert_reason: str | None = None


def add_closure(registry: Registry, start: date, end: date, resource: str | None, reason: str,
                author: str, at: datetime) -> int:
    """Record a closure; its number."""
    result = registry._execute(sa.insert(_C).values(
        start=start.isoformat(), end=end.isoformat(), resource=resource, reason=reason,
        author=author, created_at=at.isoformat()))
    return registry._inserted(result)


def closures(registry: Registry) -> list[Closure]:
    """Every closure, oldest first."""
    return [Closure(**row._asdict()) for row in registry._rows(sa.select(_C).order_by(_C.c.id))]


def closure(registry: Registry, number: int) -> Closure:
    """Closure ``number``; InputError if there is none."""
    rows = registry._rows(sa.select(_C).where(_C.c.id == number))
    if not rows:
        raise InputError(f"there is no closure {number}", remedy="closures")
    return Closure(**rows[0]._asdict())


def revert_closure(registry: Registry, number: int, reason: str, author: str, at: datetime) -> None:
    """Mark closure ``number`` reverted."""
    registry._execute(sa.update(_C).where(_C.c.id == number, _C.c.reverted_at.is_(None)).values(
        reverted_at=at.isoformat(), reverted_by=author, revert_reason=reason))


# --- notifications ------------------------------------------------------------------------


def sent(registry: Registry, channel: str) -> set[str]:
    """The items already sent on ``channel``."""
    return {row[0] for row in registry._rows(sa.select(_N.c.item).where(_N.c.channel == channel))}


def mark_sent(registry: Registry, items: Sequence[str], channel: str, at: datetime) -> None:
    """Record that ``items`` were sent on ``channel``."""
    if items:
        registry._execute(sa.insert(_N), [{"item": i, "channel": channel, "sent_at": at.isoformat()}
                                          for i in items])
