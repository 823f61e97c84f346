"""The first schema: plans, their adjustments and issued versions.

The tables as release 0.1 made them by hand (``PRAGMA user_version`` 1); such a file is
stamped at this revision and upgraded from here.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_key", sa.Text, nullable=False, unique=True),
        sa.Column("label", sa.Text),
        sa.Column("plan_key", sa.Text, nullable=False, unique=True),
        sa.Column("template_id", sa.Text, nullable=False),
        sa.Column("template_path", sa.Text, nullable=False),
        sa.Column("template_text", sa.Text, nullable=False),
        sa.Column("template_sha256", sa.Text, nullable=False),
        sa.Column("start", sa.Text, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "adjustments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("issued_at", sa.Text, nullable=False),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("entries", sa.Text, nullable=False),
        sa.UniqueConstraint("plan_id", "version"),
    )
