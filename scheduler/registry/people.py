"""The registry's side of people: roles, their recorded changes and one-time password links.

Functions over a :class:`~scheduler.registry.store.Registry` (writes inside its
``transaction()``); the rules (who may, the last admin) are in :mod:`scheduler.services.people`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from scheduler.core.errors import InputError
from scheduler.registry import schema
from scheduler.registry.store import Registry

_U = schema.users
_C = schema.user_changes
_R = schema.password_resets


@dataclass(frozen=True)
class PersonChange:
    """One recorded change to a person."""

    user_name: str
    kind: str
    """"added", "disabled", "enabled", "role", "reset-issued", "reset-used" or "password"."""
    fields: dict[str, Any]
    author: str
    at: str


@dataclass(frozen=True)
class Reset:
    """A one-time password link (its token's hash only)."""

    id: int
    user_name: str
    created_at: str
    created_by: str
    expires_at: str
    used_at: str | None


def record(registry: Registry, name: str, kind: str, fields: dict[str, Any], author: str, at: str) -> None:
    """Append a change to ``name``'s record."""
    registry._execute(sa.insert(_C).values(user_name=name, kind=kind, author=author, created_at=at,
                                           fields=json.dumps(fields, sort_keys=True)))


def changes(registry: Registry, name: str | None = None) -> list[PersonChange]:
    """Recorded changes, oldest first (of ``name``, or of everyone)."""
    query = sa.select(_C).order_by(_C.c.id)
    if name is not None:
        query = query.where(_C.c.user_name == name)
    return [PersonChange(r.user_name, r.kind, json.loads(r.fields), r.author, r.created_at)
            for r in registry._rows(query)]


def active_admins(registry: Registry) -> list[str]:
    """Names of the active admins, their rows locked until the transaction ends (PostgreSQL;
    SQLite's write transaction holds the whole file), so two admins demoting each other at
    once cannot leave none."""
    query = sa.select(_U.c.name).where(_U.c.role == "admin", _U.c.disabled_at.is_(None)).order_by(_U.c.name)
    if registry.location.path is None:
        query = query.with_for_update()
    return [row.name for row in registry._rows(query)]


def update(registry: Registry, name: str, **values: Any) -> None:
    """Set columns of user ``name``'s row; InputError if there is no such user."""
    if "role" in values:
        values["admin"] = values["role"] == "admin"
    if registry._execute(sa.update(_U).where(_U.c.name == name).values(**values)).rowcount == 0:
        raise InputError(f"no user '{name}'")


def add_reset(registry: Registry, name: str, hashed: str, author: str, at: str, expires: str) -> None:
    """Store a one-time link for ``name`` (by its token's hash)."""
    registry._execute(sa.insert(_R).values(user_name=name, token_hash=hashed, created_at=at,
                                           created_by=author, expires_at=expires))


def reset(registry: Registry, hashed: str) -> Reset | None:
    """The link with this token hash, if any."""
    rows = registry._rows(sa.select(_R).where(_R.c.token_hash == hashed))
    if not rows:
        return None
    row = rows[0]
    return Reset(row.id, row.user_name, row.created_at, row.created_by, row.expires_at, row.used_at)


def use_reset(registry: Registry, reset_id: int, at: str) -> bool:
    """Mark a link used; False if it was used already (by a request that won the race)."""
    return bool(registry._execute(sa.update(_R).where(_R.c.id == reset_id, _R.c.used_at.is_(None))
                                  .values(used_at=at)).rowcount)


def close_resets(registry: Registry, name: str, at: str) -> None:
    """Mark every open link of ``name`` used (a newer link, or a password set, ends them)."""
    registry._execute(sa.update(_R).where(_R.c.user_name == name, _R.c.used_at.is_(None))
                      .values(used_at=at))
