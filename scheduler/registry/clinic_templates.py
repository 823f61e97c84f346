"""The registry's side of a clinic's own templates: every saved text a version, every
approval a review (append-only). The rules are in :mod:`scheduler.services.clinic_templates`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from scheduler.registry import schema
from scheduler.registry.store import Registry

_V = schema.template_versions
_R = schema.template_reviews


@dataclass(frozen=True)
class TemplateVersion:
    """One saved text of a clinic template, with its approval if it has one."""

    id: int
    template_id: str
    version: int
    text: str
    sha256: str
    author: str
    created_at: str
    approver: str | None
    approved_at: str | None

    @property
    def published(self) -> bool:
        """Approved by a second admin."""
        return self.approver is not None


def add_version(registry: Registry, template_id: str, text: str, author: str, at: str) -> int:
    """Store ``text`` as the next version of ``template_id``; its number."""
    rows = registry._rows(sa.select(sa.func.max(_V.c.version)).where(_V.c.template_id == template_id))
    number = (rows[0][0] or 0) + 1
    registry._execute(sa.insert(_V).values(
        template_id=template_id, version=number, text=text, author=author, created_at=at,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest()))
    return number


def add_review(registry: Registry, version_id: int, decision: str, reviewer: str, at: str,
               note: str = "") -> None:
    """Record a review of a version (``approve``)."""
    registry._execute(sa.insert(_R).values(version_id=version_id, decision=decision, reviewer=reviewer,
                                           created_at=at, note=note))


def versions(registry: Registry, template_id: str | None = None) -> list[TemplateVersion]:
    """Every version (of ``template_id``), by id and version, with its approval."""
    approved = (sa.select(_R.c.version_id, sa.func.min(_R.c.id).label("first"))
                .where(_R.c.decision == "approve").group_by(_R.c.version_id).subquery())
    review = _R.alias("approval")
    query = (sa.select(_V, review.c.reviewer, review.c.created_at.label("approved_at"))
             .select_from(_V.outerjoin(approved, approved.c.version_id == _V.c.id)
                          .outerjoin(review, review.c.id == approved.c.first))
             .order_by(_V.c.template_id, _V.c.version))
    if template_id is not None:
        query = query.where(_V.c.template_id == template_id)
    return [TemplateVersion(r.id, r.template_id, r.version, r.text, r.sha256, r.author, r.created_at,
                            r.reviewer, r.approved_at) for r in registry._rows(query)]
