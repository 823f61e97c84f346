"""Following the treatment: each plan's current events (a cache for the worklist), clinic
closures, and the notifications sent.

Revision ID: 0003
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "current_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("start", sa.Text),
        sa.Column("end", sa.Text),
        sa.Column("resource", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("status", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("was_date", sa.String(10)),
        sa.Column("changed_at", sa.Text),
        sa.Column("flags", sa.Text, nullable=False),
        sa.UniqueConstraint("plan_id", "ref"),
    )
    op.create_index("ix_current_events_date", "current_events", ["date"])
    op.create_index("ix_current_events_resource", "current_events", ["resource", "date"])
    op.create_index("ix_current_events_was_date", "current_events", ["was_date"])
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("start", sa.String(10), nullable=False),
        sa.Column("end", sa.String(10), nullable=False),
        sa.Column("resource", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("reverted_at", sa.Text),
        sa.Column("reverted_by", sa.Text),
        sa.Column("revert_reason", sa.Text),
    )
    op.create_table(
        "notifications_sent",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("sent_at", sa.Text, nullable=False),
        sa.UniqueConstraint("item", "channel"),
    )
