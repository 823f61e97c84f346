"""The registry's rows: plans, their history, issued versions, users and feed tokens.

Storage only: this module reads and writes rows through SQLAlchemy Core; it does not expand
plans (that is :mod:`scheduler.services.patients`). Every change runs in :meth:`Registry.transaction`:
all of it is committed, or none of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scheduler.core.errors import InputError
from scheduler.core.history import Change
from scheduler.registry import schema
from scheduler.registry.database import Location, write_connection

PAUSE_FOR_TESTS = "SCHEDULER_TEST_PAUSE_BEFORE_COMMIT"
"""Fault injection for the crash tests: seconds to sleep just before a COMMIT."""
PAUSE_AT_FOR_TESTS = "SCHEDULER_TEST_PAUSE_AT"
"""Fault injection for the crash tests: ``STEP=SECONDS`` sleeps at a named step of a command
(see :func:`pause_point`)."""


def pause_point(step: str) -> None:
    """Sleep here when the crash tests ask for it (``SCHEDULER_TEST_PAUSE_AT=step=seconds``)."""
    wanted = os.environ.get(PAUSE_AT_FOR_TESTS, "")
    name, _, seconds = wanted.partition("=")
    if name == step and seconds:
        print(f"paused at {step}", flush=True)
        time.sleep(float(seconds))


class StaleError(InputError):
    """A change was made from an outdated view of the plan."""


@dataclass(frozen=True)
class StoredPlan:
    """One registered plan, as stored."""

    id: int
    patient_key: str
    label: str | None
    plan_key: str
    template_id: str
    template_path: str
    template_text: str
    template_sha256: str
    start: str
    settings: dict[str, Any]
    created_at: str
    created_by: str | None = None


@dataclass(frozen=True)
class StoredVersion:
    """One issued version of a plan."""

    version: int
    issued_at: str
    files: list[str]
    entries: dict[str, Any]
    author: str | None = None


@dataclass(frozen=True)
class Listed:
    """One line of ``patient list``."""

    patient_key: str
    label: str | None
    template_id: str
    start: str
    version: int | None
    ended: bool


@dataclass(frozen=True)
class User:
    """A person who may log in to the web app."""

    name: str
    password_hash: str
    admin: bool
    created_at: str
    created_by: str
    disabled_at: str | None
    role: str = "coordinator"
    """"admin", "coordinator" or "viewer" (see :mod:`scheduler.services.people`)."""
    language: str | None = None
    """The web app's language they chose; None: their browser's."""

    @property
    def active(self) -> bool:
        """False once disabled."""
        return self.disabled_at is None


@dataclass(frozen=True)
class FeedToken:
    """A patient's feed token (only its hash is stored)."""

    id: int
    plan_id: int
    token_hash: str
    created_at: str
    created_by: str
    revoked_at: str | None
    revoked_by: str | None
    last_fetched_at: str | None
    token_sealed: str | None = None
    """The token encrypted with the server's key (:mod:`scheduler.services.sealing`)."""
    client: str | None = None
    """The calendar client that last fetched the feed ("Google Calendar"), if one has."""
    client_at: str | None = None


@dataclass(frozen=True)
class FeedState:
    """A feed token with the state of its plan (see :meth:`Registry.feed_state`)."""

    token_id: int
    plan_id: int
    revoked_at: str | None
    last_fetched_at: str | None
    revision: int
    """The plan's number of changes."""
    ended: bool
    document: StoredFeed | None = None
    """The plan's stored feed document (``feed_documents``), of whichever revision it is."""

    @property
    def current(self) -> StoredFeed | None:
        """The stored document when it is of the plan's current revision (else None: never
        serve another revision's)."""
        found = self.document
        return found if found is not None and found.revision == self.revision else None


@dataclass(frozen=True)
class StoredFeed:
    """A plan's rendered feed as stored: its revision, the bytes, ETag and Last-Modified."""

    revision: int
    body: bytes
    etag: str
    last_modified: str


def feed_state(row: Any) -> FeedState:
    """A :class:`FeedState` from a row of :data:`FEED_STATE`."""
    token_id, plan_id, revoked_at, last_fetched_at, revision, ended, kept, body, etag, modified = row
    document = None if kept is None else StoredFeed(int(kept), bytes(body), etag, modified)
    return FeedState(token_id, plan_id, revoked_at, last_fetched_at, int(revision), bool(ended), document)


def token_hash(token: str) -> str:
    """How a feed token is stored and looked up: its SHA-256, never the token itself.

    A token has 128 random bits or more, so a plain (unsalted, fast) hash is enough: nobody
    can search that space, and a fast hash lets the feed look a token up by its hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_P = schema.plans
_H = schema.history
_V = schema.versions
_F = schema.version_files
_U = schema.users
_T = schema.feed_tokens


DERIVED_PLAN_COLUMNS = ("last_issued_at", "feed_fetched")
"""The columns of ``plans`` that restate other rows (:data:`PLAN_STATES`): not part of a plan."""


def _plan(row: sa.Row[Any]) -> StoredPlan:
    values = row._asdict()
    values["settings"] = json.loads(values["settings"])
    for name in DERIVED_PLAN_COLUMNS:
        del values[name]
    return StoredPlan(**values)


_LIVE_TOKEN = sa.select(_T.c.id).where(_T.c.plan_id == _P.c.id, _T.c.revoked_at.is_(None))
PLAN_STATE_VALUES: dict[str, sa.ColumnElement[Any]] = {
    "last_issued_at": sa.select(sa.func.max(_V.c.issued_at)).where(_V.c.plan_id == _P.c.id)
    .scalar_subquery(),
    "feed_fetched": sa.case((_LIVE_TOKEN.exists(),
                             _LIVE_TOKEN.where(_T.c.last_fetched_at.is_not(None)).exists())),
}
"""Each of :data:`DERIVED_PLAN_COLUMNS` as computed from the rows it restates."""
PLAN_STATES = sa.update(_P).values(PLAN_STATE_VALUES)
"""Rewrite the plan-wide worklist inputs on the plans' rows from the rows they come from:
when the last version was issued, and whether the plan has a live feed (NULL: none) that a
calendar has fetched. Run in the transaction that issues a version, adds or revokes a feed
token, or imports a registry, after the plan's row is locked (a first fetch only sets
``feed_fetched``: :func:`mark_fetched`)."""


def _version(row: sa.Row[Any]) -> StoredVersion:
    return StoredVersion(row.version, row.issued_at, json.loads(row.files), json.loads(row.entries),
                         row.author)


# The feed's whole database work on every fetch, one indexed read by the token's hash: the
# token, its plan's number of changes, whether the plan has ended, and the plan's stored
# document (written in the transaction of each change: scheduler.services.feedstore). Built
# and compiled once (building the statement took longer than running it), and run on the
# driver's cursor by :class:`scheduler.registry.feedreads.FeedStates` (benchmarks/serve.py).
_D = schema.feed_documents
FEED_STATE = sa.select(
    _T.c.id, _T.c.plan_id, _T.c.revoked_at, _T.c.last_fetched_at,
    sa.select(sa.func.count()).where(_H.c.plan_id == _T.c.plan_id).scalar_subquery(),
    sa.exists().where(_H.c.plan_id == _T.c.plan_id, _H.c.kind == "end"),
    _D.c.revision, _D.c.body, _D.c.etag, _D.c.last_modified,
).select_from(_T.outerjoin(_D, _D.c.plan_id == _T.c.plan_id)).where(_T.c.token_hash == sa.bindparam("hashed"))


def mark_fetched(connection: Connection, token_ids: Sequence[int]) -> None:
    """Mark fetched (``plans.feed_fetched``) the plans whose live feed is among ``token_ids``
    and was never fetched: call it before writing the tokens' fetch times, in that
    transaction.

    It locks those plans' rows first, in id order, as every change to a plan does before it
    touches its tokens (a revoke, a rotation), so the two cannot deadlock on PostgreSQL; and
    it sets only ``feed_fetched``, in a statement that starts after the locks are held, so it
    sees a revoke or an issue that committed meanwhile and never writes an older
    ``last_issued_at`` back. Plans fetched before are neither locked nor written."""
    touched = sa.select(_T.c.plan_id).where(_T.c.id.in_(sorted(token_ids)), _T.c.revoked_at.is_(None))
    waiting = list(connection.execute(
        sa.select(_P.c.id).where(_P.c.id.in_(touched), _P.c.feed_fetched.is_(False))
        .order_by(_P.c.id).with_for_update()).scalars())
    if waiting:
        connection.execute(sa.update(_P).where(_P.c.id.in_(waiting), _P.c.feed_fetched.is_(False),
                                               _P.c.id.in_(touched)).values(feed_fetched=True))


class Registry:
    """The registry at one location. Reads run in short transactions of their own; changes
    run inside :meth:`transaction`."""

    def __init__(self, location: Location, engine: Engine) -> None:
        self.location = location
        self.engine = engine
        self._write: Connection | None = None

    # --- transactions --------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: all of it is committed, or none of it. Nested calls join
        the outer transaction."""
        if self._write is not None:
            yield self._write
            return
        with write_connection(self.engine) as connection:
            transaction = connection.begin()
            self._write = connection
            try:
                yield connection
                pause = os.environ.get(PAUSE_FOR_TESTS)
                if pause:
                    time.sleep(float(pause))
                pause_point("before-commit")
                transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
            finally:
                self._write = None

    def _rows(self, statement: sa.Executable, parameters: dict[str, Any] | None = None) -> list[Any]:
        if self._write is not None:
            return list(self._write.execute(statement, parameters).all())
        with self.engine.connect() as connection:
            return list(connection.execute(statement, parameters).all())

    def _execute(self, statement: sa.Executable, rows: list[dict[str, Any]] | None = None
                 ) -> sa.CursorResult[Any]:
        if self._write is None:
            raise RuntimeError("a change outside Registry.transaction()")
        return self._write.execute(statement, rows) if rows is not None else self._write.execute(statement)

    @staticmethod
    def _inserted(result: sa.CursorResult[Any]) -> int:
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    # --- plans ---------------------------------------------------------------------------

    def add_plan(self, plan: StoredPlan) -> int:
        """Insert a plan; InputError if the patient key is taken."""
        values = {**plan.__dict__, "settings": json.dumps(plan.settings, sort_keys=True)}
        del values["id"]
        try:
            return self._inserted(self._execute(sa.insert(_P).values(values)))
        except sa.exc.IntegrityError:
            raise InputError(f"patient '{plan.patient_key}' is already registered") from None

    def plan(self, patient_key: str, lock: bool = False) -> StoredPlan:
        """The plan of one patient; InputError if there is none. ``lock`` (inside a
        transaction) holds the plan's row until the transaction ends (PostgreSQL; SQLite
        already holds the whole file)."""
        statement = sa.select(_P).where(_P.c.patient_key == patient_key)
        if lock:
            statement = statement.with_for_update()
        rows = self._rows(statement)
        if not rows:
            raise InputError(f"no patient '{patient_key}' in the registry {self.location.shown}")
        return _plan(rows[0])

    def plans(self) -> list[StoredPlan]:
        """Every plan, by patient key (one query)."""
        return [_plan(row) for row in self._rows(sa.select(_P).order_by(_P.c.patient_key))]

    def listing(self) -> list[Listed]:
        """What ``patient list`` prints for every plan, in one query of just those columns."""
        last = (sa.select(_V.c.plan_id, sa.func.max(_V.c.version).label("version"))
                .group_by(_V.c.plan_id).subquery())
        ended = sa.exists().where(_H.c.plan_id == _P.c.id, _H.c.kind == "end")
        rows = self._rows(sa.select(_P.c.patient_key, _P.c.label, _P.c.template_id, _P.c.start,
                                    last.c.version, ended.label("ended"))
                          .outerjoin(last, last.c.plan_id == _P.c.id).order_by(_P.c.patient_key))
        return [Listed(*row) for row in rows]

    def refresh_plan_states(self, plan_id: int | None = None) -> None:
        """Rewrite one plan's (or every plan's) ``last_issued_at`` and ``feed_fetched``
        (:data:`PLAN_STATES`)."""
        self._execute(PLAN_STATES if plan_id is None else PLAN_STATES.where(_P.c.id == plan_id))

    def stale_plan_states(self) -> list[str]:
        """Patient keys whose ``last_issued_at`` or ``feed_fetched`` differ from what their
        versions and feed tokens say."""
        rows = self._rows(sa.select(_P.c.patient_key, _P.c.last_issued_at, _P.c.feed_fetched,
                                    *PLAN_STATE_VALUES.values()).order_by(_P.c.patient_key))
        return [key for key, issued, fetched, should_issued, should_fetch in rows
                if issued != should_issued or fetched != should_fetch]

    # --- history -------------------------------------------------------------------------

    def add_change(self, plan_id: int, kind: str, fields: Mapping[str, Any], author: str,
                   at: datetime) -> None:
        """Append one change to a plan's history."""
        self._execute(sa.insert(_H).values(
            plan_id=plan_id, kind=kind, fields=json.dumps(dict(fields), sort_keys=True),
            author=author, created_at=at.isoformat()))

    def history(self, plan_id: int) -> list[Change]:
        """A plan's changes in the order they were made, numbered from 1."""
        rows = self._rows(sa.select(_H.c.kind, _H.c.fields, _H.c.author, _H.c.created_at)
                          .where(_H.c.plan_id == plan_id).order_by(_H.c.id))
        return [Change(number, kind, json.loads(fields), author, at)
                for number, (kind, fields, author, at) in enumerate(rows, start=1)]

    def histories(self) -> dict[int, list[Change]]:
        """Every plan's history (one query), by plan id."""
        rows = self._rows(sa.select(_H.c.plan_id, _H.c.kind, _H.c.fields, _H.c.author,
                                    _H.c.created_at).order_by(_H.c.plan_id, _H.c.id))
        result: dict[int, list[Change]] = {}
        for plan_id, kind, fields, author, at in rows:
            changes = result.setdefault(plan_id, [])
            changes.append(Change(len(changes) + 1, kind, json.loads(fields), author, at))
        return result

    # --- versions ------------------------------------------------------------------------

    def add_version(self, plan_id: int, version: StoredVersion, files: Mapping[str, bytes]) -> None:
        """Record an issued version with the bytes of its files."""
        version_id = self._inserted(self._execute(sa.insert(_V).values(
            plan_id=plan_id, version=version.version, issued_at=version.issued_at,
            files=json.dumps(version.files), entries=json.dumps(version.entries, sort_keys=True),
            author=version.author)))
        if files:
            self._execute(sa.insert(_F), [
                {"version_id": version_id, "name": name, "sha256": hashlib.sha256(data).hexdigest(),
                 "content": data} for name, data in files.items()])
        self.refresh_plan_states(plan_id)

    def versions(self, plan_id: int) -> list[StoredVersion]:
        """A plan's issued versions, oldest first."""
        rows = self._rows(sa.select(_V).where(_V.c.plan_id == plan_id).order_by(_V.c.version))
        return [_version(row) for row in rows]

    def version_files(self, plan_id: int, version: int) -> dict[str, bytes]:
        """The files of an issued version (empty for versions issued before release 0.2)."""
        rows = self._rows(sa.select(_F.c.name, _F.c.content).join(_V, _V.c.id == _F.c.version_id)
                          .where(_V.c.plan_id == plan_id, _V.c.version == version)
                          .order_by(_F.c.id))
        return {name: bytes(content) for name, content in rows}

    # --- users ---------------------------------------------------------------------------

    def add_user(self, user: User) -> None:
        """Insert a user; InputError if the name is taken."""
        if self._rows(sa.select(_U.c.id).where(_U.c.name == user.name)):
            raise InputError(f"user '{user.name}' exists already")
        self._execute(sa.insert(_U).values(**user.__dict__))

    def user(self, name: str) -> User | None:
        """The user called ``name``, if there is one."""
        rows = self._rows(sa.select(_U).where(_U.c.name == name))
        return User(**{k: v for k, v in rows[0]._asdict().items() if k != "id"}) if rows else None

    def users(self) -> list[User]:
        """Every user, by name."""
        return [User(**{k: v for k, v in row._asdict().items() if k != "id"})
                for row in self._rows(sa.select(_U).order_by(_U.c.name))]

    def disable_user(self, name: str, at: datetime) -> None:
        """Disable a user (they can no longer log in); their past changes stay theirs."""
        found = self._execute(sa.update(_U).where(_U.c.name == name, _U.c.disabled_at.is_(None))
                              .values(disabled_at=at.isoformat()))
        if found.rowcount == 0:
            user = self.user(name)
            raise InputError(f"no user '{name}'" if user is None else f"user '{name}' is disabled already")

    # --- feed tokens ---------------------------------------------------------------------

    def add_token(self, plan_id: int, hashed: str, author: str, at: datetime,
                  sealed: str | None = None) -> None:
        """Record a plan's new feed token (by its hash, and sealed with the server's key)."""
        self._execute(sa.insert(_T).values(plan_id=plan_id, token_hash=hashed, token_sealed=sealed,
                                           created_at=at.isoformat(), created_by=author))
        self.refresh_plan_states(plan_id)

    def live_token(self, plan_id: int) -> FeedToken | None:
        """The plan's token that is not revoked, if any."""
        rows = self._rows(sa.select(_T).where(_T.c.plan_id == plan_id, _T.c.revoked_at.is_(None)))
        return FeedToken(**rows[0]._asdict()) if rows else None

    def live_tokens(self) -> dict[int, FeedToken]:
        """Plan id -> its live token, for every plan with one (one query)."""
        rows = self._rows(sa.select(_T).where(_T.c.revoked_at.is_(None)))
        return {row.plan_id: FeedToken(**row._asdict()) for row in rows}

    def revoke_tokens(self, plan_id: int, author: str, at: datetime) -> int:
        """Revoke the plan's live token(s); how many were revoked."""
        revoked = self._execute(sa.update(_T).where(_T.c.plan_id == plan_id, _T.c.revoked_at.is_(None))
                                .values(revoked_at=at.isoformat(), revoked_by=author)).rowcount
        self.refresh_plan_states(plan_id)
        return revoked

    def feed_state(self, hashed: str) -> FeedState | None:
        """What a feed request needs, in one query: the token, its plan, the plan's number of
        changes, whether it has ended, and its stored document. The server runs the
        same statement faster (:class:`~scheduler.registry.feedreads.FeedStates`); the tests
        hold the two to the same rows."""
        rows = self._rows(FEED_STATE, {"hashed": hashed})
        return feed_state(rows[0]) if rows else None

    def plan_by_id(self, plan_id: int) -> StoredPlan:
        """A plan by its row id."""
        return _plan(self._rows(sa.select(_P).where(_P.c.id == plan_id))[0])

    def touch_token(self, token_id: int, at: datetime, client: str | None = None) -> None:
        """Record that a token's feed was fetched (by a calendar ``client``, if it was one)."""
        values = {"last_fetched_at": at.isoformat()}
        if client is not None:
            values.update(client=client, client_at=at.isoformat())
        assert self._write is not None, "a change outside Registry.transaction()"
        mark_fetched(self._write, [token_id])
        self._execute(sa.update(_T).where(_T.c.id == token_id).values(**values))
