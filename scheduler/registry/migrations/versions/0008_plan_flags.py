"""Each plan's row carries what the worklist's plan-wide flags need: ``last_issued_at`` (when
its last version was issued) and ``feed_fetched`` (NULL: no live feed; false: a live feed no
calendar has fetched yet; true: one was fetched), so that the worklist reads them with the
events, in one query, instead of grouping ``versions`` and ``feed_tokens`` on each request.
And ``ix_current_events_moved_date``: the events a change moved, by their new date (a partial
index), from which the worklist lists the urgent ones of the next 48 hours outside its range.

Both are filled here from the rows they come from, as
:meth:`scheduler.registry.store.Registry.refresh_plan_states` writes them afterwards.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("last_issued_at", sa.Text))
    op.add_column("plans", sa.Column("feed_fetched", sa.Boolean))
    op.execute(
        "UPDATE plans SET "
        "last_issued_at = (SELECT max(v.issued_at) FROM versions v WHERE v.plan_id = plans.id), "
        "feed_fetched = CASE WHEN EXISTS (SELECT 1 FROM feed_tokens t WHERE t.plan_id = plans.id "
        "AND t.revoked_at IS NULL) THEN EXISTS (SELECT 1 FROM feed_tokens t WHERE "
        "t.plan_id = plans.id AND t.revoked_at IS NULL AND t.last_fetched_at IS NOT NULL) END")


    op.create_index("ix_current_events_moved_date", "current_events", ["date"],
                    sqlite_where=sa.text("changed_at IS NOT NULL"),
                    postgresql_where=sa.text("changed_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_current_events_moved_date", "current_events")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("feed_fetched")
        batch.drop_column("last_issued_at")
