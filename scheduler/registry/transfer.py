"""A registry as JSON lines, and back: backup, restore, and moving from SQLite to PostgreSQL.

:func:`dump` writes every row of the source of truth (plans, their changes, issued versions
with their files' bytes, feed tokens, users; the clinic's people log, password links,
templates with their reviews and site settings versions; closures and digest items sent), in
an order fixed by their keys (or, for an append-only log, the order it was written), so that
export, import into an empty registry and export again give the same bytes, on either engine.
A full dump carries the password, feed-token and password-link hashes, so that after a
restore users log in with their passwords, calendars find their feeds at the same addresses
and a password link not yet used still works; it says so in its first line. ``secrets=False``
leaves them out (an audit copy, which cannot be restored). :data:`EXPORTED` and
:data:`NOT_EXPORTED` name every table of the schema (a test fails on a table in neither):
sessions, login attempts, stored feed documents and the current-events cache are not dumped,
being short-lived or derived (the import's caller rebuilds the cache), nor are a plan's
derived columns (:data:`~scheduler.registry.store.DERIVED_PLAN_COLUMNS`), which the import
writes again from the versions and feed tokens. A closure keeps its number, since the
changes it made name it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from scheduler.core.errors import InputError
from scheduler.registry import schema
from scheduler.registry.store import DERIVED_PLAN_COLUMNS, Registry

FORMAT = 1
WARNING = ("This file holds secrets: the users' password hashes, the feed tokens' and the password "
           "links' hashes. Keep it like the database itself (mode 0600, encrypted backups).")

_P, _H, _V, _F = schema.plans, schema.history, schema.versions, schema.version_files
_U, _T = schema.users, schema.feed_tokens
_C, _N = schema.closures, schema.notifications_sent
_UC, _R = schema.user_changes, schema.password_resets
_TV, _TR, _S = schema.template_versions, schema.template_reviews, schema.site_versions

EXPORTED = frozenset({
    "plans", "adjustments", "versions", "version_files", "feed_tokens", "users", "user_changes",
    "password_resets", "template_versions", "template_reviews", "site_versions", "closures",
    "notifications_sent"})
"""The tables :func:`dump` writes and :func:`load` restores."""

NOT_EXPORTED = {
    "registry_meta": "written by 'registry init' (the schema revision; the header carries it)",
    "sessions": "short-lived: everyone logs in again after a restore",
    "login_attempts": "short-lived: the throttle starts afresh",
    "feed_documents": "a cache of rendered feeds, made again on the first fetch",
    "current_events": "a cache, rebuilt from the histories by the import",
}
"""Every other table of the schema, and why it is not in an export."""


RESTORES = ("0007", schema.HEAD)
"""The schemas whose exports this release restores: 0008 added only derived columns, which
an export leaves out, so an export of 0007 holds the same records."""


def _columns(table: sa.Table, *leave_out: str) -> list[sa.Column[Any]]:
    return [c for c in table.columns if c.name not in ("id", *leave_out)]


def dump(registry: Registry, secrets: bool = True) -> Iterator[dict[str, Any]]:
    """Every record of the registry (see the module docstring), header first."""
    yield {"type": "registry", "format": FORMAT, "schema": schema.HEAD, "holds_secrets": secrets,
           **({"warning": WARNING} if secrets else {})}
    plans = registry._rows(sa.select(_P).order_by(_P.c.patient_key))
    for plan in plans:
        values = plan._asdict()
        key = values["patient_key"]
        yield {"type": "plan", **{c.name: values[c.name] for c in _columns(_P, *DERIVED_PLAN_COLUMNS)}}
        changes = registry._rows(sa.select(*_columns(_H, "plan_id")).where(_H.c.plan_id == plan.id)
                                 .order_by(_H.c.id))
        for change in changes:
            yield {"type": "change", "patient_key": key, **change._asdict()}
        versions = registry._rows(sa.select(_V).where(_V.c.plan_id == plan.id).order_by(_V.c.version))
        for version in versions:
            files = registry._rows(sa.select(_F.c.name, _F.c.sha256, _F.c.content)
                                   .where(_F.c.version_id == version.id).order_by(_F.c.id))
            yield {"type": "version", "patient_key": key,
                   **{c.name: getattr(version, c.name) for c in _columns(_V, "plan_id")},
                   "file_bytes": [{"name": f.name, "sha256": f.sha256,
                                   "base64": base64.b64encode(bytes(f.content)).decode("ascii")}
                                  for f in files]}
        tokens = registry._rows(sa.select(*_columns(_T, "plan_id")).where(_T.c.plan_id == plan.id)
                                .order_by(_T.c.created_at, _T.c.id))
        for token in tokens:
            values = token._asdict()
            if not secrets:
                del values["token_hash"]
            yield {"type": "feed_token", "patient_key": key, **values}
    for person in registry._rows(sa.select(*_columns(_U)).order_by(_U.c.name)):
        values = person._asdict()
        values["admin"] = bool(values["admin"])
        if not secrets:
            del values["password_hash"]
        yield {"type": "user", **values}
    yield from clinic(registry, secrets)
    for closure in registry._rows(sa.select(_C).order_by(_C.c.id)):
        yield {"type": "closure", **closure._asdict()}
    for sent in registry._rows(sa.select(*_columns(_N)).order_by(_N.c.item, _N.c.channel)):
        yield {"type": "notification_sent", **sent._asdict()}


def clinic(registry: Registry, secrets: bool = True) -> Iterator[dict[str, Any]]:
    """The clinic's own records: the people log (in the order written), password links (without
    their hashes unless ``secrets``), each clinic template version followed by its reviews, and
    every site settings version."""
    for change in registry._rows(sa.select(*_columns(_UC)).order_by(_UC.c.id)):
        yield {"type": "user_change", **change._asdict()}
    for link in registry._rows(sa.select(*_columns(_R)).order_by(_R.c.created_at, _R.c.id)):
        values = link._asdict()
        if not secrets:
            del values["token_hash"]
        yield {"type": "password_reset", **values}
    for version in registry._rows(sa.select(_TV).order_by(_TV.c.template_id, _TV.c.version)):
        yield {"type": "template_version", **{c.name: getattr(version, c.name) for c in _columns(_TV)}}
        for review in registry._rows(sa.select(*_columns(_TR, "version_id"))
                                     .where(_TR.c.version_id == version.id).order_by(_TR.c.id)):
            yield {"type": "template_review", "template_id": version.template_id,
                   "version": version.version, **review._asdict()}
    for saved in registry._rows(sa.select(*_columns(_S)).order_by(_S.c.version)):
        yield {"type": "site_version", **saved._asdict()}


def dumps(record: dict[str, Any]) -> str:
    """One record as its line (without the line break)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def load(registry: Registry, lines: Iterable[str], source: str) -> dict[str, int]:
    """Restore a full dump into ``registry``, which must hold no plan and no user; all or
    nothing. How many records of each type were restored."""
    counts: dict[str, int] = {}
    with registry.transaction() as connection:
        if registry._rows(sa.select(sa.func.count()).select_from(_P))[0][0] or \
                registry._rows(sa.select(sa.func.count()).select_from(_U))[0][0]:
            raise InputError("not empty; a backup is imported into a new, empty registry",
                             "db", value=registry.location.shown)
        plan_ids: dict[str, int] = {}
        number = 0
        for number, line in enumerate(lines, start=1):
            where = f"{source}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"{where}: not a JSON line ({error.msg})") from None
            kind = record.pop("type", None) if isinstance(record, dict) else None
            if number == 1:
                _check_header(kind, record, where)
                counts = {}
                continue
            try:
                _restore(connection, kind, record, plan_ids)
            except (KeyError, TypeError, ValueError, sa.exc.NoResultFound) as error:
                raise InputError(f"{where}: a {kind} record this release cannot read ({error})") from None
            except sa.exc.IntegrityError:
                raise InputError(f"{where}: the {kind} record repeats or contradicts an earlier "
                                 "one") from None
            counts[str(kind)] = counts.get(str(kind), 0) + 1
        if number == 0:
            raise InputError(f"{source}: empty; not a registry export")
        registry.refresh_plan_states()  # from the versions and feed tokens just restored
        if connection.dialect.name == "postgresql":  # closures came with their numbers: go on after them
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('closures', 'id'), COALESCE(MAX(id), 1), "
                "MAX(id) IS NOT NULL) FROM closures")
    return counts


def _check_header(kind: Any, record: dict[str, Any], where: str) -> None:
    if kind != "registry" or record.get("format") != FORMAT:
        raise InputError(f"{where}: not a registry export of this release (its first line is not the "
                         "header 'registry export' writes)")
    if record.get("schema") not in RESTORES:
        raise InputError(f"{where}: exported from a registry at schema {record.get('schema')}; this "
                         f"release restores schema {' or '.join(RESTORES)}")
    if not record.get("holds_secrets"):
        raise InputError(f"{where}: an audit export has no password or feed-token hashes "
                         "and cannot be restored; use a full export")


def _restore(connection: sa.Connection, kind: Any, record: dict[str, Any], plan_ids: dict[str, int]) -> None:
    if kind == "plan":
        result = connection.execute(sa.insert(_P).values(
            {c.name: record[c.name] for c in _columns(_P, *DERIVED_PLAN_COLUMNS)}))
        assert result.inserted_primary_key is not None
        plan_ids[record["patient_key"]] = int(result.inserted_primary_key[0])
    elif kind == "change":
        connection.execute(sa.insert(_H).values(
            plan_id=plan_ids[record["patient_key"]],
            **{c.name: record[c.name] for c in _columns(_H, "plan_id")}))
    elif kind == "version":
        result = connection.execute(sa.insert(_V).values(
            plan_id=plan_ids[record["patient_key"]],
            **{c.name: record[c.name] for c in _columns(_V, "plan_id")}))
        assert result.inserted_primary_key is not None
        version_id = int(result.inserted_primary_key[0])
        for item in record["file_bytes"]:
            connection.execute(sa.insert(_F).values(version_id=version_id, name=item["name"],
                                                    sha256=item["sha256"],
                                                    content=base64.b64decode(item["base64"], validate=True)))
    elif kind == "feed_token":
        connection.execute(sa.insert(_T).values(
            plan_id=plan_ids[record["patient_key"]],
            **{c.name: record[c.name] for c in _columns(_T, "plan_id")}))
    elif kind == "user":
        connection.execute(sa.insert(_U).values({c.name: record[c.name] for c in _columns(_U)}))
    elif kind == "user_change":
        connection.execute(sa.insert(_UC).values({c.name: record[c.name] for c in _columns(_UC)}))
    elif kind == "password_reset":
        connection.execute(sa.insert(_R).values({c.name: record[c.name] for c in _columns(_R)}))
    elif kind == "template_version":
        connection.execute(sa.insert(_TV).values({c.name: record[c.name] for c in _columns(_TV)}))
    elif kind == "template_review":
        version_id = connection.execute(sa.select(_TV.c.id).where(
            _TV.c.template_id == record["template_id"], _TV.c.version == record["version"])).scalar_one()
        connection.execute(sa.insert(_TR).values(
            version_id=version_id, **{c.name: record[c.name] for c in _columns(_TR, "version_id")}))
    elif kind == "site_version":
        connection.execute(sa.insert(_S).values({c.name: record[c.name] for c in _columns(_S)}))
    elif kind == "closure":
        connection.execute(sa.insert(_C).values({c.name: record[c.name] for c in _C.columns}))
    elif kind == "notification_sent":
        connection.execute(sa.insert(_N).values({c.name: record[c.name] for c in _columns(_N)}))
    else:
        raise ValueError(f"unknown type {kind!r}")
