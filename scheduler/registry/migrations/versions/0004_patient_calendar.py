"""The patient's calendar: a feed address that can be shown again, and who fetches it.

- ``feed_tokens.token_sealed``: the token encrypted with the server's key (Fernet, see
  :mod:`scheduler.services.sealing`), beside the SHA-256 used for the lookup, so that a
  coordinator can show the address and print the handout again without rotating it; empty
  for tokens made before this revision or without a key;
- ``feed_tokens.client`` and ``client_at``: the calendar client that last fetched the feed
  (from its User-Agent: Google Calendar, Outlook, Apple Calendar, Thunderbird) and when; a
  browser or curl is not recorded there, it is no subscription.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_tokens") as table:
        table.add_column(sa.Column("token_sealed", sa.Text))
        table.add_column(sa.Column("client", sa.Text))
        table.add_column(sa.Column("client_at", sa.Text))
