"""The worklist reads its cache without per-row work: ``current_events.time_text`` holds the
event's time as the worklist shows it (``08:30-09:30``, ``all day``, ``11:15-Wed 09:15``), and
the date indexes carry the plan id, so the plans of a range are found from the index alone.

``time_text`` is left empty here: ``registry upgrade`` rebuilds every plan's current events
right after the migrations (:func:`scheduler.services.derived.rebuild`), which fills it.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("current_events", sa.Column("time_text", sa.Text))
    op.drop_index("ix_current_events_date", "current_events")
    op.create_index("ix_current_events_date", "current_events", ["date", "plan_id"])
    op.drop_index("ix_current_events_was_date", "current_events")
    op.create_index("ix_current_events_was_date", "current_events", ["was_date", "plan_id"])


def downgrade() -> None:
    op.drop_index("ix_current_events_was_date", "current_events")
    op.create_index("ix_current_events_was_date", "current_events", ["was_date"])
    op.drop_index("ix_current_events_date", "current_events")
    op.create_index("ix_current_events_date", "current_events", ["date"])
    with op.batch_alter_table("current_events") as batch:
        batch.drop_column("time_text")
