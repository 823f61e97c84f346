"""Where the registry lives: a SQLite file (the default) or a PostgreSQL database.

This module opens an engine, tells what is at a location (nothing, an empty database, a
registry of this or another revision, someone else's database), creates a registry in one
atomic step, and runs the migrations. It never writes to a database it has not recognised
as a scheduler registry (or as empty, when asked to create one).

SQLite: the file is made under a temporary name, fully migrated and then hard-linked into
place, so two first commands at once never see a half-made file and a failure never removes
a file another process may be using. Write transactions start with ``BEGIN IMMEDIATE`` (one
writer at a time, the others wait up to ``BUSY_TIMEOUT_S``); reads see a snapshot (WAL).

PostgreSQL (``postgresql://user@host/db``, driver psycopg 3): READ COMMITTED, and every change
to a plan first locks that plan's row (``SELECT … FOR UPDATE``), so changes to one plan are
serialised and changes to different plans run side by side.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

from scheduler.core.errors import InputError
from scheduler.registry import schema

BUSY_TIMEOUT_S = 30
SQLITE_APPLICATION_ID = int.from_bytes(b"SCHL", "big")
"""``PRAGMA application_id`` of a registry file (bytes 68-71 of its header)."""
_MIGRATIONS = Path(__file__).with_name("migrations")


class State(Enum):
    """What is at a registry location."""

    MISSING = "missing"  # no file (SQLite)
    EMPTY = "empty"  # a database with no tables, or an empty file
    LEGACY = "legacy"  # a registry of release 0.1 (PRAGMA user_version 1, no migrations)
    OLD = "old"  # a registry at an earlier migration
    CURRENT = "current"
    NEWER = "newer"  # made by a newer scheduler
    FOREIGN = "foreign"  # someone else's database


@dataclass(frozen=True)
class Location:
    """A registry location as the user named it."""

    url: URL
    path: Path | None
    """The file, for SQLite."""

    @property
    def shown(self) -> str:
        """How messages name it (never with a password)."""
        return str(self.path) if self.path else self.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        """True for a SQLite file."""
        return self.path is not None


def locate(value: str | os.PathLike[str]) -> Location:
    """A ``--db`` value: a file path (SQLite) or a ``postgresql://`` / ``sqlite:///`` URL."""
    text = os.fspath(value)
    if "://" not in text:
        return Location(sa.make_url("sqlite://").set(database=text), Path(text))
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise InputError(value=text, field="db", message="not a database URL") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        return Location(url.set(drivername="postgresql+psycopg"), None)
    if backend == "sqlite" and url.database:
        return Location(url.set(drivername="sqlite"), Path(url.database))
    raise InputError("use a file path, sqlite:///PATH or postgresql://USER@HOST/DBNAME", "db",
                     value=Location(url, None).shown)


def engine_for(location: Location, **options: Any) -> Engine:
    """An engine with the registry's connection settings (see the module docstring);
    ``options`` go to :func:`sqlalchemy.create_engine`. (SQLAlchemy opens SQLite files with
    ``check_same_thread=False``: a connection may be closed by another thread.)"""
    # A failed statement's message never quotes its parameters (a patient's label, a hash).
    options.setdefault("hide_parameters", True)
    if location.path is None:
        return sa.create_engine(location.url, pool_pre_ping=True, **options)
    # A pool (SQLAlchemy's default for a file) keeps connections open between reads: opening
    # one and reading the schema again cost about 2.5 ms a read (benchmarks/registry.py).
    engine = sa.create_engine(location.url, connect_args={"timeout": BUSY_TIMEOUT_S}, **options)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by sqlite3
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("scheduler_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def write_connection(engine: Engine) -> Connection:
    """A connection whose transactions are write transactions."""
    return engine.connect().execution_options(scheduler_write=True)


def _sqlite_header(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(100)
    except OSError as error:
        raise InputError(value=str(path), field="db", message=f"cannot open ({error.strerror})") from None


def state(location: Location, engine: Engine | None = None) -> State:
    """What is at ``location``; reads only, and for a file not ours, only its header."""
    path = location.path
    if path is not None:
        if path.is_dir():
            raise InputError(value=str(path), field="db", message="is a directory")
        if path.is_symlink() and not path.exists():
            raise InputError("is a symbolic link to a file that does not exist", "db", value=str(path))
        if not path.exists():
            return State.MISSING
        header = _sqlite_header(path)
        if not header:
            return State.EMPTY
        if not header.startswith(b"SQLite format 3\x00") or len(header) < 100:
            return State.FOREIGN
        application_id = int.from_bytes(header[68:72], "big")
        user_version = int.from_bytes(header[60:64], "big")
        if application_id not in (0, SQLITE_APPLICATION_ID) or (
                application_id == 0 and user_version not in (0, 1)):
            return State.FOREIGN
    owned = engine or engine_for(location)
    try:
        with owned.connect() as connection:
            return _tables_state(connection)
    except sa.exc.OperationalError as error:
        raise InputError(value=location.shown, field="db", message=f"cannot open ({reason(error)})") from None
    except sa.exc.DatabaseError as error:
        raise InputError(value=location.shown, field="db", message="not a scheduler registry "
                         f"({reason(error)})") from None
    finally:
        if engine is None:
            owned.dispose()


def reason(error: sa.exc.DBAPIError) -> str:
    """The database's own words for an error, on one line."""
    return str(error.orig).strip().splitlines()[0] if error.orig else str(error)


def _tables_state(connection: Connection) -> State:
    tables = set(sa.inspect(connection).get_table_names())
    if not tables:
        return State.EMPTY
    if "registry_meta" in tables:
        application = connection.execute(
            sa.select(schema.registry_meta.c.value).where(schema.registry_meta.c.name == "application")
        ).scalar()
        if application != schema.APPLICATION or "alembic_version" not in tables:
            return State.FOREIGN
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        if revision == schema.HEAD:
            return State.CURRENT
        return State.OLD if revision in _known_revisions() else State.NEWER
    if tables == {"plans", "adjustments", "versions"} and connection.dialect.name == "sqlite":
        user_version = connection.exec_driver_sql("PRAGMA user_version").scalar()
        if user_version == 1:
            return State.LEGACY
    return State.FOREIGN


def _known_revisions() -> set[str]:
    return {p.name.split("_", 1)[0] for p in (_MIGRATIONS / "versions").glob("[0-9]*.py")}


def migrate(connection: Connection, legacy: bool = False) -> None:
    """Bring the database on ``connection`` (in a transaction) to the newest revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    if legacy:
        command.stamp(config, "0001")
    command.upgrade(config, "head")


def create_sqlite(path: Path) -> None:
    """Make a registry file at ``path`` in one step; if another process made it first, keep
    theirs. Nothing is left behind on failure (the work happens under a temporary name)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    except OSError as error:
        raise InputError(value=str(path), field="db", message=f"cannot create ({error.strerror})") from None
    os.close(handle)
    made = Path(temporary)
    os.chmod(made, 0o600)
    engine = engine_for(Location(sa.make_url("sqlite://").set(database=str(made)), made))
    try:
        with write_connection(engine) as connection:
            # Outside any transaction (SQLite refuses it inside one); persistent in the file.
            _pragma(connection, "PRAGMA journal_mode = WAL")
            with connection.begin():
                migrate(connection)
        engine.dispose()
        with contextlib.suppress(FileExistsError):
            os.link(made, path)
    except OSError as error:
        raise InputError(value=str(path), field="db", message=f"cannot create ({error.strerror})") from None
    except sa.exc.DBAPIError as error:
        raise InputError(value=str(path), field="db", message=f"cannot create ({reason(error)})") from None
    finally:
        engine.dispose()
        for leftover in (made, made.with_name(made.name + "-wal"), made.with_name(made.name + "-shm")):
            leftover.unlink(missing_ok=True)


def _pragma(connection: Connection, statement: str) -> None:
    """Run a SQLite PRAGMA outside any transaction (SQLite refuses some inside one)."""
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(statement)


def initialise(engine: Engine) -> None:
    """Migrate an empty (PostgreSQL) database, once even when several processes try at once."""
    with write_connection(engine) as connection:
        if connection.dialect.name == "sqlite":  # an empty file: outside any transaction
            _pragma(connection, "PRAGMA journal_mode = WAL")
        with connection.begin():
            _initialise(connection)


def _initialise(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SQLITE_APPLICATION_ID})
    found = _tables_state(connection)
    if found is State.EMPTY:
        migrate(connection)
    elif found is not State.CURRENT:
        raise InputError("the database changed while it was being set up; try again")


def upgrade(engine: Engine, found: State) -> None:
    """Run the migrations that a LEGACY or OLD registry lacks."""
    with write_connection(engine) as connection, connection.begin():
        migrate(connection, legacy=found is State.LEGACY)

