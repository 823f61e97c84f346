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

    def __init__(self, write: Callable[[Mapping[int, datetime]], None],
                 every_s: float = FLUSH_EVERY_S) -> None:
        self._write = write
        self._every_s = every_s
        self._pending: dict[int, datetime] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.writes = 0
        """Transactions written so far."""

    def note(self, token_id: int, at: datetime) -> None:
        """Note a fetch of a token (written within a second)."""
        with self._lock:
            self._pending[token_id] = max(at, self._pending.get(token_id, at))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="feed-fetch-times", daemon=True)
                self._thread.start()

    def flush(self) -> None:
        """Write every noted time now (one transaction)."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            self._write(pending)
            self.writes += 1
        except Exception as error:  # the database away: try again with the next batch
            log.warning("feed fetch times not recorded yet: %s", type(error).__name__)
            with self._lock:
                for token, at in pending.items():
                    self._pending[token] = max(at, self._pending.get(token, at))

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self._every_s):
            self.flush()
