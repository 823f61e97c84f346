"""The registry's side of the site settings: every saved version kept (append-only); the
newest is in force. The rules are in :mod:`scheduler.services.site_settings`."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from scheduler.registry import schema
from scheduler.registry.store import Registry

_S = schema.site_versions


@dataclass(frozen=True)
class SiteVersion:
    """One saved version of the site settings (the text of a site file)."""

    version: int
    settings: str
    author: str
    created_at: str
    reason: str


def add(registry: Registry, settings: str, author: str, at: str, reason: str) -> int:
    """Store the next version; its number."""
    rows = registry._rows(sa.select(sa.func.max(_S.c.version)))
    number = (rows[0][0] or 0) + 1
    registry._execute(sa.insert(_S).values(version=number, settings=settings, author=author,
                                           created_at=at, reason=reason))
    return number


def versions(registry: Registry) -> list[SiteVersion]:
    """Every version, oldest first."""
    return [SiteVersion(r.version, r.settings, r.author, r.created_at, r.reason)
            for r in registry._rows(sa.select(_S).order_by(_S.c.version))]


def newest(registry: Registry) -> SiteVersion | None:
    """The version in force, if any was saved."""
    rows = registry._rows(sa.select(_S).order_by(_S.c.version.desc()).limit(1))
    return SiteVersion(rows[0].version, rows[0].settings, rows[0].author, rows[0].created_at,
                       rows[0].reason) if rows else None
