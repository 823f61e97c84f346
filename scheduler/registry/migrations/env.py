"""Alembic environment: migrations run on the connection the registry hands over.

The registry runs them itself (``scheduler registry upgrade``, and on first use of an empty
database); there is no alembic.ini to keep beside the package.
"""

from __future__ import annotations

from alembic import context

from scheduler.registry.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
