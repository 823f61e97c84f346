"""The feed's one read per fetch, on the database driver's own cursor.

A subscribed calendar fetches its feed every hour or so, and each fetch is one indexed read
(:data:`~scheduler.registry.store.FEED_STATE`: the token, its plan's number of changes,
whether the plan has ended, and the plan's stored document, written with each change). Run
through SQLAlchemy's ``Connection.execute`` that read took 0.5-0.7 ms on SQLite (pool checkout, the ``BEGIN``
event, the result machinery), against 0.03 ms for the same SQL on a ``sqlite3`` cursor, and
it held the feed to about a third of a bare app's throughput (``benchmarks/serve.py``). So
this reader keeps SQLAlchemy's statement, compiled once for the engine's dialect, and only
runs it below SQLAlchemy: each thread keeps one driver connection of its own, in autocommit
mode, so a read never holds a transaction open and sees every committed change at once.
Every write still goes through :class:`~scheduler.registry.store.Registry`.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.pool import NullPool

from scheduler.registry.database import Location, engine_for
from scheduler.registry.store import FEED_STATE, FeedState, feed_state

READ_TIMEOUT_S = 3
"""PostgreSQL: how long a feed read may wait to connect, and to run, before it fails (the
read itself takes about 1 ms)."""


class FeedStates:
    """Reads a feed token's state (see the module docstring); one per server."""

    def __init__(self, location: Location) -> None:
        # A connection per thread, opened on its first read and closed with the thread (no
        # pool to share them: a thread never hands its connection to another).
        options: dict[str, object] = {}
        if not location.is_sqlite:  # a read that waits on a lock or a lost server gives up
            options["connect_args"] = {"connect_timeout": READ_TIMEOUT_S,
                                       "options": f"-c statement_timeout={READ_TIMEOUT_S * 1000}"}
        self.engine = engine_for(location, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                                 **options)
        self.on_event_loop = location.is_sqlite
        """True when a read may run on the server's event loop: a SQLite file in WAL mode,
        where a reader never waits on a writer. A PostgreSQL read runs in the thread pool: a
        table lock (``registry upgrade``) or a slow server would hold up every request."""
        compiled = FEED_STATE.compile(dialect=self.engine.dialect)
        self._sql = str(compiled)
        self._compiled = compiled
        self.errors: type[Exception] = self.engine.dialect.loaded_dbapi.Error
        """What a failed read raises (the driver's base error)."""
        self._local = threading.local()

    def _parameters(self, hashed: str) -> Any:
        values = self._compiled.construct_params({"hashed": hashed})
        if self._compiled.positional:
            return tuple(values[name] for name in self._compiled.positiontup or ())
        return values

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self.engine.raw_connection()
        return connection

    def read(self, hashed: str) -> FeedState | None:
        """The state of the token whose hash is ``hashed``, or None for an unknown hash."""
        parameters = self._parameters(hashed)
        try:
            row = self._fetch(parameters)
        except self.errors:
            # A connection the server dropped (a restart, an idle timeout): read once more on
            # a new one; a second failure is a real one.
            self._local.connection = None
            row = self._fetch(parameters)
        return None if row is None else feed_state(row)

    def _fetch(self, parameters: Any) -> Any:
        cursor = self._connection().cursor()
        try:
            cursor.execute(self._sql, parameters)
            return cursor.fetchone()
        finally:
            cursor.close()

    def close(self) -> None:
        """Close this thread's connection (the others close with their threads)."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()
        self.engine.dispose()

