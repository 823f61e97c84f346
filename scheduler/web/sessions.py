"""Logging in on a shared registry: sessions, the login throttle and the password-hashing gate.

- A session is a random id in the signed cookie; the registry keeps its hash, user and
  absolute end (:data:`SESSION_LIFETIME`: no request extends it), and every request checks it
  there, so logging out, disabling the user or a new password ends it on every server.
- Failed logins are throttled per user name (:data:`NAME_ATTEMPTS` in :data:`WINDOW`, the
  lock-out) and per client address (:data:`ADDRESS_ATTEMPTS`), in the registry, so the limits
  hold across server processes. An attempt is counted before the password is checked, so a
  burst of simultaneous attempts counts in full.
- Checking a password runs argon2 with 64 MiB of memory: at most :data:`HASHING_AT_ONCE` run at
  a time in a process; a login that waits longer than :data:`HASHING_WAIT_S` is answered
  "busy" (503 with Retry-After).
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from scheduler.registry import Registry, access

SESSION_LIFETIME = timedelta(hours=12)
"""How long a session lasts from logging in, however active it is."""
WINDOW = timedelta(minutes=15)
NAME_ATTEMPTS = 5
"""Failed logins for one user name within :data:`WINDOW` that lock the name."""
ADDRESS_ATTEMPTS = 30
"""Failed logins from one client address within :data:`WINDOW` before it must wait."""
HASHING_AT_ONCE = 2
"""Password checks (argon2, 64 MiB each) that run at the same time in one process."""
HASHING_WAIT_S = 10.0
"""How long a login waits for a turn to check its password before it is answered "busy"."""
BUSY_RETRY_AFTER_S = 5
"""The Retry-After of a "busy" answer."""

T = TypeVar("T")


class Busy(Exception):
    """No turn to check a password came in time."""


class HashingGate:
    """At most :data:`HASHING_AT_ONCE` password checks at a time; the others queue."""

    def __init__(self, at_once: int = HASHING_AT_ONCE, wait_s: float = HASHING_WAIT_S,
                 on_change: Callable[[int], None] | None = None) -> None:
        self._turns = threading.BoundedSemaphore(at_once)
        self._wait_s = wait_s
        self._lock = threading.Lock()
        self._on_change = on_change
        """Told the number waiting each time it changes (the metrics' hashing queue)."""
        self.waiting = 0
        """Logins queued for a turn now (the metrics' hashing queue)."""

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` in a turn of its own; :class:`Busy` if none came in time."""
        with self._lock:
            self.waiting += 1
            self._tell()
        try:
            got = self._turns.acquire(timeout=self._wait_s)
        finally:
            with self._lock:
                self.waiting -= 1
                self._tell()
        if not got:
            raise Busy
        try:
            return work()
        finally:
            self._turns.release()

    def _tell(self) -> None:
        if self._on_change is not None:
            self._on_change(self.waiting)


def _name(name: str) -> str:
    return f"name:{name[:100]}"


def _address(address: str) -> str:
    return f"address:{address[:100]}"


def _wait(times: list[str], limit: int, now: datetime) -> int:
    if len(times) < limit:
        return 0
    oldest = datetime.fromisoformat(times[-limit])
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))


def name_wait(registry: Registry, name: str, now: datetime) -> int:
    """Seconds until ``name`` may try again (0: now)."""
    return _wait(access.recent(registry, _name(name), now, WINDOW), NAME_ATTEMPTS, now)


def address_wait(registry: Registry, address: str, now: datetime) -> int:
    """Seconds until a client at ``address`` may try again (0: now)."""
    return _wait(access.recent(registry, _address(address), now, WINDOW), ADDRESS_ATTEMPTS, now)


def attempted(registry: Registry, name: str, address: str, now: datetime) -> None:
    """Count an attempt against the name and the address."""
    access.attempt(registry, [_name(name), _address(address)], now)


def logged_in(registry: Registry, name: str, address: str, now: datetime) -> str:
    """Forget the name's failures and this attempt of the address; a new session's id."""
    access.forget(registry, _name(name))
    access.forget_one(registry, _address(address), now)
    access.prune(registry, now, SESSION_LIFETIME + WINDOW)
    session_id = secrets.token_urlsafe(32)
    access.begin(registry, session_id, name, now, SESSION_LIFETIME)
    return session_id
