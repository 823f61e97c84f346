"""The registry's tables, as SQLAlchemy Core metadata (the newest schema).

Alembic migrations in ``scheduler/registry/migrations`` build this schema step by step;
``tests/test_registry_schema.py`` checks that migrating an empty database gives exactly these
tables. History is append-only: rows of ``history`` and ``versions`` are never updated or
deleted. The only updates anywhere are a user's ``disabled_at``, ``role``/``admin``,
``language`` and ``password_hash`` (each also recorded in ``user_changes``), a password
reset's ``used_at``, a feed token's ``revoked_at``, ``last_fetched_at``, ``client`` and
``client_at``, a plan's ``last_issued_at`` and ``feed_fetched`` (what its versions and feed
tokens say, kept on the plan's row for the worklist), and a session's ``ended_at``;
``sessions`` and ``login_attempts`` are pruned by age and ``feed_documents`` is a cache,
replaced as plans change.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

APPLICATION = "scheduler-registry"
"""The value of ``registry_meta.application`` that marks a database as ours."""

HEAD = "0008"
"""The newest migration; a database at another revision is upgraded or refused."""

metadata = MetaData()

registry_meta = Table(
    "registry_meta", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

plans = Table(
    "plans", metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_key", Text, nullable=False, unique=True),
    Column("label", Text),
    Column("plan_key", Text, nullable=False, unique=True),
    Column("template_id", Text, nullable=False),
    Column("template_path", Text, nullable=False),
    Column("template_text", Text, nullable=False),
    Column("template_sha256", Text, nullable=False),
    Column("start", Text, nullable=False),
    Column("settings", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("created_by", Text),
    # Derived, rewritten with the rows they come from (Registry.refresh_plan_states), so
    # that the worklist reads a plan's flags with its events, in one query:
    Column("last_issued_at", Text),  # when its last version was issued; NULL: never
    Column("feed_fetched", Boolean),  # NULL: no live feed; false: one no calendar fetched yet
)

# The table keeps its first name, "adjustments": it holds every change to a plan (delay,
# hold, stop, record, closure, template-move, revert, end, feed detail), in the order they
# were made.
history = Table(
    "adjustments", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("issued_at", Text, nullable=False),
    Column("files", Text, nullable=False),
    Column("entries", Text, nullable=False),
    Column("author", Text),
    UniqueConstraint("plan_id", "version"),
)

version_files = Table(
    "version_files", metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("admin", Boolean, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("disabled_at", Text),
    Column("role", String(16), nullable=False, server_default="coordinator"),
    Column("language", String(8)),
)
"""``admin`` is kept equal to ``role == "admin"`` for readers older than the roles."""

user_changes = Table(
    "user_changes", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("fields", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)
"""Every change to a person, with author and time (append-only)."""

password_resets = Table(
    "password_resets", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("used_at", Text),
)
"""One-time password links: the SHA-256 of the token, never the token."""

template_versions = Table(
    "template_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("template_id", Text, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("author", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    UniqueConstraint("template_id", "version"),
)

template_reviews = Table(
    "template_reviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("template_versions.id"), nullable=False, index=True),
    Column("decision", String(16), nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("note", Text, nullable=False),
)
"""A version is published by an ``approve`` review of an admin other than its author."""

site_versions = Table(
    "site_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("settings", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("reason", Text, nullable=False),
)
"""The site settings as saved in the browser, every version kept; the newest is in force."""

feed_tokens = Table(
    "feed_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("revoked_at", Text),
    Column("revoked_by", Text),
    Column("last_fetched_at", Text),
    Column("token_sealed", Text),
    Column("client", Text),
    Column("client_at", Text),
)

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("id_hash", String(64), nullable=False, unique=True),
    Column("user_name", String(64), nullable=False, index=True),
    Column("credential", String(64), nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("ended_at", Text),
)
"""Web sessions: the SHA-256 of the id in the cookie, whose session it is, a fingerprint of the
user's password hash when it began (a new password ends it), its absolute end, and when it was
ended (logout). Pruned by age."""

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("subject", String(128), nullable=False),
    Column("at", Text, nullable=False),
    Index("ix_login_attempts_subject_at", "subject", "at"),
)
"""Login attempts not (yet) known to have succeeded, by user name (``name:li.na``) and by client
address (``address:192.0.2.7``), shared by every server process; pruned by age."""

feed_documents = Table(
    "feed_documents", metadata,
    Column("plan_id", Integer, ForeignKey("plans.id"), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("etag", String(80), nullable=False),
    Column("last_modified", Text, nullable=False),
)
"""A cache: each plan's rendered feed at one revision (its number of changes), so a poll on any
server process is one indexed read. Derived from ``plans`` and ``adjustments`` only."""

# --- following the treatment (0003) -----------------------------------------------------------

current_events = Table(
    "current_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("ref", Text, nullable=False),
    Column("date", String(10), nullable=False),
    Column("start", Text),
    Column("end", Text),
    Column("resource", Text),
    Column("kind", Text, nullable=False),
    Column("status", Text),
    Column("title", Text, nullable=False),
    Column("location", Text),
    Column("was_date", String(10)),
    Column("changed_at", Text),
    Column("flags", Text, nullable=False),
    Column("time_text", Text),
    UniqueConstraint("plan_id", "ref"),
    Index("ix_current_events_date", "date", "plan_id"),
    Index("ix_current_events_resource", "resource", "date"),
    Index("ix_current_events_was_date", "was_date", "plan_id"),
    # the events a change moved, by their new date: the worklist's urgent ones outside its range
    Index("ix_current_events_moved_date", "date", sqlite_where=text("changed_at IS NOT NULL"),
          postgresql_where=text("changed_at IS NOT NULL")),
)
"""A cache: each plan's events as its history makes them now, one row per reference (events a
change took away stay, ``status`` 'cancelled'); rewritten with every change, rebuilt by
:func:`scheduler.services.derived.rebuild`. ``was_date`` and ``changed_at``: the date before
the last change that moved or cancelled the event, and when that change was made; ``flags``
``labs`` for a blood test, else empty; ``time_text`` the time as the worklist shows it. The
date indexes carry the plan id: the worklist finds the plans of a range from the index alone."""

closures = Table(
    "closures", metadata,
    Column("id", Integer, primary_key=True),
    Column("start", String(10), nullable=False),
    Column("end", String(10), nullable=False),
    Column("resource", Text),
    Column("reason", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("reverted_at", Text),
    Column("reverted_by", Text),
    Column("revert_reason", Text),
)
"""Clinic closures added in the registry (beside the site file); applying one records a
change on each affected plan."""

notifications_sent = Table(
    "notifications_sent", metadata,
    Column("id", Integer, primary_key=True),
    Column("item", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("sent_at", Text, nullable=False),
    UniqueConstraint("item", "channel"),
)
"""What a digest has told: an item is never sent twice on one channel."""
