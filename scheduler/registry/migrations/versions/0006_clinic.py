"""Running the clinic from the browser: roles, people's changes, password resets, templates and
site settings kept in the registry.

- ``users.role``: ``admin``, ``coordinator`` or ``viewer`` (filled from ``users.admin``, which
  is kept in step for older readers); ``users.language``: the web app's language they chose
  (empty: their browser's);
- ``user_changes``: every change to a person (added, disabled, enabled, role, password reset
  issued or used, password changed), with author and time; append-only;
- ``password_resets``: one-time links (SHA-256 of the token only), valid until ``expires_at``,
  used once;
- ``template_versions`` and ``template_reviews``: a clinic's own templates, each saved text a
  version; a version is published by the approval of a second admin (append-only);
- ``site_versions``: the site settings (holidays, time zone, reopened days, closures), each
  saved version kept (append-only; the newest is in force).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("role", sa.String(16), nullable=False,
                                     server_default="coordinator"))
    op.execute("UPDATE users SET role = 'admin' WHERE admin")
    op.add_column("users", sa.Column("language", sa.String(8)))
    op.create_table(
        "user_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_name", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("used_at", sa.Text),
    )
    op.create_table(
        "template_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("template_id", sa.Text, nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.UniqueConstraint("template_id", "version"),
    )
    op.create_table(
        "template_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("template_versions.id"), nullable=False,
                  index=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "site_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False, unique=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
