"""A registry for a team: users, authors, feed tokens, issued files kept in the database.

- ``registry_meta`` marks the database as a scheduler registry;
- ``plans.created_by`` and ``versions.author`` record who registered and who issued
  (empty on rows made before this revision);
- ``version_files`` keeps the bytes of every issued file, so that a version's files can be
  downloaded again and restored if a crash left them unwritten;
- ``users`` (argon2 hashes) and ``feed_tokens`` (SHA-256 of the token) for the web server.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    meta = op.create_table(
        "registry_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.bulk_insert(meta, [{"name": "application", "value": "scheduler-registry"}])
    op.add_column("plans", sa.Column("created_by", sa.Text))
    op.add_column("versions", sa.Column("author", sa.Text))
    op.create_index("ix_adjustments_plan_id", "adjustments", ["plan_id"])
    op.create_table(
        "version_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_version_files_version_id", "version_files", ["version_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("admin", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("disabled_at", sa.Text),
    )
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.Text),
        sa.Column("revoked_by", sa.Text),
        sa.Column("last_fetched_at", sa.Text),
    )
    op.create_index("ix_feed_tokens_plan_id", "feed_tokens", ["plan_id"])
    if op.get_bind().dialect.name == "sqlite":  # the file says what it is, in its header
        op.execute("PRAGMA application_id = 1396918348")
