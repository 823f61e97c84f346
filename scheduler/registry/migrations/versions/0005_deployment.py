"""Several servers on one database: sessions, login attempts and stored feed documents.

- ``sessions``: each web session's id (its SHA-256), user, start, absolute end and logout,
  checked on every request, so logging out or disabling a user ends it on every server;
- ``login_attempts``: by user name and by client address, so the throttle holds across servers;
- ``feed_documents``: each plan's rendered feed at its revision (a cache).

Revision ID: 0005
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("id_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("credential", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("ended_at", sa.Text),
    )
    op.create_index("ix_sessions_user_name", "sessions", ["user_name"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("at", sa.Text, nullable=False),
    )
    op.create_index("ix_login_attempts_subject_at", "login_attempts", ["subject", "at"])
    op.create_table(
        "feed_documents",
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("last_modified", sa.Text, nullable=False),
    )
