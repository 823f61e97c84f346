"""The patient registry: plans, their adjustments and issued versions, in SQLite.

Storage only: this module reads and writes rows; it does not expand plans. A plan row keeps
everything its events are computed from (the template's text and hash, parameters, start,
working-day calendar, time zone), so an edited template file never silently changes an
issued plan. Every change runs in one ``BEGIN IMMEDIATE`` transaction: a failure or a killed
process leaves the registry as it was, and two writers at once wait for each other
(``busy_timeout``) instead of corrupting anything. The file is readable by its owner only.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scheduler.adjust import Adjustment, from_record, to_record
from scheduler.errors import InputError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000
PAUSE_FOR_TESTS = "SCHEDULER_TEST_PAUSE_BEFORE_COMMIT"
"""Fault injection for the crash tests: seconds to sleep just before a COMMIT."""

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE plans (
        id INTEGER PRIMARY KEY,
        patient_key TEXT NOT NULL UNIQUE,
        label TEXT,
        plan_key TEXT NOT NULL UNIQUE,
        template_id TEXT NOT NULL,
        template_path TEXT NOT NULL,
        template_text TEXT NOT NULL,
        template_sha256 TEXT NOT NULL,
        start TEXT NOT NULL,
        settings TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE adjustments (
        id INTEGER PRIMARY KEY,
        plan_id INTEGER NOT NULL REFERENCES plans(id),
        kind TEXT NOT NULL,
        fields TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        plan_id INTEGER NOT NULL REFERENCES plans(id),
        version INTEGER NOT NULL,
        issued_at TEXT NOT NULL,
        files TEXT NOT NULL,
        entries TEXT NOT NULL,
        UNIQUE (plan_id, version)
    );
    """,
}


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


@dataclass(frozen=True)
class StoredAdjustment:
    """One recorded change, with who made it and when."""

    adjustment: Adjustment
    author: str
    created_at: str


@dataclass(frozen=True)
class StoredVersion:
    """One issued version of a plan."""

    version: int
    issued_at: str
    files: list[str]
    entries: dict[str, Any]


def default_path() -> Path:
    """``SCHEDULER_DB`` is read by the CLI; without it, the per-user data directory."""
    import platformdirs

    return platformdirs.user_data_path("scheduler") / "registry.sqlite3"


@contextlib.contextmanager
def opened(path: Path, create: bool = False) -> Iterator[Registry]:
    """The registry at ``path``, closed after the block.

    Without ``create``, a missing file is an InputError: a mistyped ``--db`` does not start
    an empty registry. With it, a registry file made here is removed again when the block
    fails, so that a first ``patient add`` that fails leaves nothing behind.
    """
    if not create and not path.exists():
        raise InputError(f"--db {path}: no registry there (register a patient first with "
                         "'scheduler patient add')")
    made = not path.exists()
    registry = Registry(path)
    try:
        yield registry
    except BaseException:
        registry.close()
        if made:
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
        raise
    registry.close()


def _stored_plan(row: tuple[Any, ...]) -> StoredPlan:
    return StoredPlan(*row[:9], json.loads(row[9]), row[10])


class Registry:
    """A connection to one registry file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise InputError(f"--db {path}: is a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            self.connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            self.connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.connection.execute("PRAGMA journal_mode = WAL")
            self.connection.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise InputError(f"--db {path}: not a scheduler registry ({error})") from None
        except OSError as error:
            raise InputError(f"--db {path}: cannot open ({error.strerror})") from None

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        with self.transaction():
            version = self.connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InputError(
                    f"--db {self.path}: made by a newer scheduler (schema {version}, "
                    f"this one knows {SCHEMA_VERSION})"
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        self.connection.execute(statement)
                self.connection.execute(f"PRAGMA user_version = {step}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        pause = os.environ.get(PAUSE_FOR_TESTS)
        if pause:
            time.sleep(float(pause))
        self.connection.execute("COMMIT")

    # --- plans ---------------------------------------------------------------------------

    def add_plan(self, plan: StoredPlan) -> None:
        """Insert a plan; InputError if the patient key is taken."""
        try:
            self.connection.execute(
                "INSERT INTO plans (patient_key, label, plan_key, template_id, template_path,"
                " template_text, template_sha256, start, settings, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (plan.patient_key, plan.label, plan.plan_key, plan.template_id,
                 plan.template_path, plan.template_text, plan.template_sha256, plan.start,
                 json.dumps(plan.settings, sort_keys=True), plan.created_at),
            )
        except sqlite3.IntegrityError:
            raise InputError(f"patient '{plan.patient_key}' is already registered") from None

    _PLAN_COLUMNS = ("SELECT id, patient_key, label, plan_key, template_id, template_path,"
                     " template_text, template_sha256, start, settings, created_at FROM plans")

    def plan(self, patient_key: str) -> StoredPlan:
        """The plan of one patient; InputError if there is none."""
        row = self.connection.execute(
            f"{self._PLAN_COLUMNS} WHERE patient_key = ?", (patient_key,)).fetchone()
        if row is None:
            raise InputError(f"no patient '{patient_key}' in the registry {self.path}")
        return _stored_plan(row)

    def plans(self) -> list[StoredPlan]:
        """Every plan, by patient key (one query)."""
        rows = self.connection.execute(f"{self._PLAN_COLUMNS} ORDER BY patient_key")
        return [_stored_plan(row) for row in rows]

    # --- adjustments ---------------------------------------------------------------------

    def add_adjustment(self, plan_id: int, adjustment: Adjustment, author: str, at: datetime) -> None:
        """Append one adjustment to a plan."""
        kind, fields = to_record(adjustment)
        self.connection.execute(
            "INSERT INTO adjustments (plan_id, kind, fields, author, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (plan_id, kind, json.dumps(fields, sort_keys=True), author, at.isoformat()),
        )

    def adjustments(self, plan_id: int) -> list[StoredAdjustment]:
        """A plan's adjustments in the order they were made."""
        rows = self.connection.execute(
            "SELECT kind, fields, author, created_at FROM adjustments WHERE plan_id = ?"
            " ORDER BY id", (plan_id,))
        return [StoredAdjustment(from_record(kind, json.loads(fields)), author, created)
                for kind, fields, author, created in rows]

    # --- versions ------------------------------------------------------------------------

    def add_version(self, plan_id: int, version: StoredVersion) -> None:
        """Record an issued version."""
        self.connection.execute(
            "INSERT INTO versions (plan_id, version, issued_at, files, entries)"
            " VALUES (?, ?, ?, ?, ?)",
            (plan_id, version.version, version.issued_at, json.dumps(version.files),
             json.dumps(version.entries, sort_keys=True)),
        )

    def versions(self, plan_id: int) -> list[StoredVersion]:
        """A plan's issued versions, oldest first."""
        rows = self.connection.execute(
            "SELECT version, issued_at, files, entries FROM versions WHERE plan_id = ?"
            " ORDER BY version", (plan_id,))
        return [StoredVersion(v, at, json.loads(files), json.loads(entries))
                for v, at, files, entries in rows]
