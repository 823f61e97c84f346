"""Fetch times recorded in batches: at most one write a second per server process.

A feed fetch that is due to be recorded (:func:`scheduler.services.feed.fetch_to_record`)
only notes the time here; a thread writes every noted time in one transaction once a second.
A crash loses at most the last second's fetch times, which only tell the coordinator that a
calendar is subscribed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

FLUSH_EVERY_S = 1.0

log = logging.getLogger("scheduler.web")


class FetchBatch:
    """Noted fetch times, written by :meth:`flush` (a thread calls it every second)."""

    def __init__(self, write: Callable[[Mapping[int, datetime], Mapping[int, tuple[str, datetime]]], None],
                 every_s: float = FLUSH_EVERY_S) -> None:
        self._write = write
        self._every_s = every_s
        self._pending: dict[int, datetime] = {}
        self._clients: dict[int, tuple[str, datetime]] = {}
        """The calendar client of a token's latest noted fetch, when it was one."""
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.writes = 0
        """Transactions written so far."""

    def note(self, token_id: int, at: datetime, client: str | None = None) -> None:
        """Note a fetch of a token, by a calendar ``client`` if it was one (written within a
        second)."""
        with self._lock:
            self._pending[token_id] = max(at, self._pending.get(token_id, at))
            if client is not None and at >= self._clients.get(token_id, (client, at))[1]:
                self._clients[token_id] = (client, at)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="feed-fetch-times", daemon=True)
                self._thread.start()

    def flush(self) -> None:
        """Write every noted time now (one transaction)."""
        with self._lock:
            pending, self._pending = self._pending, {}
            clients, self._clients = self._clients, {}
        if not pending:
            return
        try:
            self._write(pending, clients)
            self.writes += 1
        except Exception as error:  # the database away: try again with the next batch
            log.warning("feed fetch times not recorded yet: %s", type(error).__name__)
            with self._lock:
                for token, at in pending.items():
                    self._pending[token] = max(at, self._pending.get(token, at))
                for token, seen in clients.items():
                    self._clients.setdefault(token, seen)

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self._every_s):
            self.flush()
