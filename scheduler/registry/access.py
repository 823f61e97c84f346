"""Web sessions and login attempts, in the registry, so every server process agrees on them.

A session is valid while its row is not ended, its absolute end is ahead, its user is active
and the user's password is the one it began with (a fingerprint of the password hash is kept
with it). Login attempts are counted by subject (``name:<user>`` or ``address:<client>``) in a
sliding window. Times are ISO strings of whole UTC seconds, so they compare as text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from scheduler.registry import schema
from scheduler.registry.store import Registry

_S = schema.sessions
_A = schema.login_attempts
_U = schema.users


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _at(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Session:
    """A live session: whose it is and when it ends."""

    user: str
    expires_at: str


def begin(registry: Registry, session_id: str, user: str, now: datetime, lifetime: timedelta) -> None:
    """Record a new session (by the SHA-256 of its id) ending ``lifetime`` after ``now``."""
    with registry.transaction() as connection:
        found = connection.execute(sa.select(_U.c.password_hash).where(_U.c.name == user)).scalar()
        connection.execute(sa.insert(_S).values(
            id_hash=_hash(session_id), user_name=user, credential=_hash(found or ""),
            created_at=_at(now), expires_at=_at(now + lifetime)))


def find(registry: Registry, session_id: str, now: datetime) -> Session | None:
    """The session with this id if it is still valid at ``now`` (see the module docstring)."""
    rows = registry._rows(sa.select(_S.c.user_name, _S.c.credential, _S.c.expires_at, _S.c.ended_at,
                                    _U.c.password_hash, _U.c.disabled_at)
                          .join(_U, _U.c.name == _S.c.user_name)
                          .where(_S.c.id_hash == _hash(session_id)))
    if not rows:
        return None
    user, credential, expires_at, ended_at, password_hash, disabled_at = rows[0]
    if ended_at is not None or disabled_at is not None or expires_at <= _at(now):
        return None
    if credential != _hash(password_hash):
        return None
    return Session(user, expires_at)


def end(registry: Registry, session_id: str, now: datetime) -> None:
    """End one session (logout)."""
    with registry.transaction() as connection:
        connection.execute(sa.update(_S).where(_S.c.id_hash == _hash(session_id), _S.c.ended_at.is_(None))
                           .values(ended_at=_at(now)))


def end_all(registry: Registry, user: str, now: datetime) -> int:
    """End every session of ``user`` (disabled, or a new password); how many were live."""
    with registry.transaction() as connection:
        return int(connection.execute(sa.update(_S).where(_S.c.user_name == user, _S.c.ended_at.is_(None))
                                      .values(ended_at=_at(now))).rowcount)


def prune(registry: Registry, now: datetime, keep: timedelta) -> None:
    """Forget sessions that ended (or expired) and attempts older than ``keep``."""
    cutoff = _at(now - keep)
    with registry.transaction() as connection:
        connection.execute(sa.delete(_S).where(_S.c.expires_at < cutoff))
        connection.execute(sa.delete(_A).where(_A.c.at < cutoff))


def attempt(registry: Registry, subjects: list[str], now: datetime) -> None:
    """Count one login attempt for each subject (before the password is checked, so that
    attempts made at the same moment count against each other)."""
    with registry.transaction() as connection:
        connection.execute(sa.insert(_A), [{"subject": s, "at": _at(now)} for s in subjects])


def recent(registry: Registry, subject: str, now: datetime, window: timedelta) -> list[str]:
    """The times of ``subject``'s attempts within ``window`` before ``now``, oldest first."""
    rows = registry._rows(sa.select(_A.c.at).where(_A.c.subject == subject, _A.c.at > _at(now - window))
                          .order_by(_A.c.at))
    return [row[0] for row in rows]


def forget(registry: Registry, subject: str) -> None:
    """Forget a subject's attempts (a user who logged in)."""
    with registry.transaction() as connection:
        connection.execute(sa.delete(_A).where(_A.c.subject == subject))


def forget_one(registry: Registry, subject: str, now: datetime) -> None:
    """Forget one attempt of ``subject`` made at ``now`` (a login that succeeded)."""
    with registry.transaction() as connection:
        first = connection.execute(sa.select(sa.func.min(_A.c.id)).where(
            _A.c.subject == subject, _A.c.at == _at(now))).scalar()
        if first is not None:
            connection.execute(sa.delete(_A).where(_A.c.id == first))
