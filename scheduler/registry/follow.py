"""The rows of following the treatment: each plan's current events (a cache), closures and
the notifications sent. Storage only, like :mod:`scheduler.registry.store`."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

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
           "was_date", "changed_at", "flags", "time_text")
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


DUE_COLUMNS = ("patient_key", "date", "time_text", "ref", "title", "where", "status", "was_date",
               "changed_at", "start", "flags", "last_issued_at", "feed_fetched")
"""The columns of a row :func:`due` returns, in order: just what a worklist line and its flags
need. ``where`` is the location, else the resource, else empty; ``start`` only for an event a
change touched (the only ones that can be urgent); the plan's last issue and feed state
(``plans.last_issued_at`` and ``feed_fetched``) for the plan-wide flags."""


class PlanState(NamedTuple):
    """What the worklist's plan-wide flags need of one plan."""

    issued_at: str | None
    """When the plan's last version was issued (None: never)."""
    feed_live: bool
    """The plan has a feed that is not revoked."""
    feed_fetched: bool
    """A calendar has fetched one of its live feeds."""


_LOW: sa.BindParameter[str] = sa.bindparam("low")
_HIGH: sa.BindParameter[str] = sa.bindparam("high")
_IN_RANGE = sa.or_(_E.c.date.between(_LOW, _HIGH), _E.c.was_date.between(_LOW, _HIGH))
"""Dated in the range now, or before its last change: one scan of each (date, plan_id) index."""
_COLUMN: dict[str, sa.ColumnElement[Any]] = {
    "patient_key": _P.c.patient_key,
    "last_issued_at": _P.c.last_issued_at,
    "feed_fetched": _P.c.feed_fetched,
    "where": sa.func.coalesce(sa.func.nullif(_E.c.location, ""), sa.func.nullif(_E.c.resource, ""), ""),
    "start": sa.case((_E.c.changed_at.is_not(None), _E.c.start)),
}
_DUE = (sa.select(*(_COLUMN[c] if c in _COLUMN else _E.c[c] for c in DUE_COLUMNS))
        .join(_P, _P.c.id == _E.c.plan_id))
"""The columns of :data:`DUE_COLUMNS`, each event joined to its plan: both reads select these."""
_ROWS = _DUE.where(_IN_RANGE)
_BY_RESOURCE = _ROWS.where(_E.c.resource == sa.bindparam("resource"))
_PARTS: list[tuple[sa.BindParameter[str], sa.BindParameter[str]]] = [
    (sa.bindparam(f"low{n}"), sa.bindparam(f"high{n}")) for n in (1, 2)]
_MOVED = _DUE.where(sa.or_(*(sa.and_(_E.c.changed_at.is_not(None), column.between(low, high))
                            for low, high in _PARTS for column in (_E.c.date, _E.c.was_date))))
"""The condition inside each branch of the OR, so that SQLite reads the dates through the
partial index of moved events (``ix_current_events_moved_date``); outside it, SQLite read
every event of those days through the plain date index."""
_MOVED_BY_RESOURCE = _MOVED.where(_E.c.resource == sa.bindparam("resource"))


@functools.lru_cache(maxsize=16)
def _compiled(statement: sa.Select[Any], dialect: sa.Dialect) -> SQLCompiler:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled


def _driver_rows(connection: sa.Connection, statement: sa.Select[Any],
                 values: dict[str, Any]) -> list[Any]:
    """The rows of ``statement``, compiled once per database kind, as the driver's own tuples.

    SQLAlchemy's result rows cost about 2 microseconds a row more than the driver's tuples
    (PostgreSQL, 25,500 rows, collector on: 157 ms through ``Connection.execute`` against
    108 ms for the driver): too much for the worklist, which reads tens of thousands of rows.
    So the values are as the driver gives them: ``feed_fetched`` is 0 or 1 from SQLite."""
    compiled = _compiled(statement, connection.dialect)
    params = compiled.construct_params(values) or {}
    if compiled.positiontup is not None:  # qmark (sqlite3): the values in the statement's order
        parameters: Any = tuple(params[name] for name in compiled.positiontup)
    else:
        parameters = params
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), parameters)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def due(registry: Registry, first: date, last: date, resource: str | None = None) -> list[Any]:
    """The current events dated from ``first`` to ``last``, or dated there before their last
    change, with their plans' worklist state, as rows of :data:`DUE_COLUMNS`: one read of the
    indexed table joined to ``plans``."""
    with contextlib.ExitStack() as stack:
        connection = registry._write or stack.enter_context(registry.engine.connect())
        return _driver_rows(connection, _ROWS if resource is None else _BY_RESOURCE, {
            "low": first.isoformat(), "high": last.isoformat(), "resource": resource})


def moved_around(registry: Registry, parts: Sequence[tuple[date, date]],
                 resource: str | None = None) -> list[Any]:
    """The current events a change moved or cancelled that are dated, or were dated before
    that change, within one of ``parts`` (one or two spans of days), as rows of
    :data:`DUE_COLUMNS`: where the worklist finds the urgent events outside its range."""
    values: dict[str, Any] = {"resource": resource}
    for number, (low, high) in enumerate([*parts, *parts[:1]][:2], start=1):  # one span: twice
        values[f"low{number}"], values[f"high{number}"] = low.isoformat(), high.isoformat()
    with contextlib.ExitStack() as stack:
        connection = registry._write or stack.enter_context(registry.engine.connect())
        return _driver_rows(connection, _MOVED if resource is None else _MOVED_BY_RESOURCE, values)


def uses_resource(registry: Registry, resource: str) -> bool:
    """True when an active plan has an event of ``resource`` (one indexed look-up)."""
    return bool(registry._rows(sa.select(_E.c.plan_id).where(_E.c.resource == resource).limit(1)))


def resources_in_use(registry: Registry) -> list[str]:
    """The resources the active plans' events name, sorted."""
    return sorted(row[0] for row in registry._rows(
        sa.select(_E.c.resource).where(_E.c.resource.is_not(None), _E.c.resource != "").distinct()))


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
