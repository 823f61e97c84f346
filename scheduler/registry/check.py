"""``registry check`` and ``registry export``: read-only looks at a whole registry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scheduler.registry import schema
from scheduler.registry.store import Registry
from scheduler.registry.transfer import clinic


def check(registry: Registry) -> list[str]:
    """Problems found: database integrity, gaps in version numbers, files of recorded
    versions missing on disk or differing from their recorded bytes."""
    problems = []
    with registry.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            result = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
            if result != "ok":
                problems.append(f"integrity check: {result}")
        rows = connection.execute(
            sa.select(schema.plans.c.patient_key, schema.versions.c.version, schema.versions.c.files,
                      schema.version_files.c.name, schema.version_files.c.sha256)
            .join(schema.versions, schema.versions.c.plan_id == schema.plans.c.id)
            .outerjoin(schema.version_files, schema.version_files.c.version_id == schema.versions.c.id)
            .order_by(schema.plans.c.patient_key, schema.versions.c.version)).all()
    numbers: dict[str, list[int]] = {}
    hashes: dict[tuple[str, int], dict[str, str]] = {}
    listed: dict[tuple[str, int], list[str]] = {}
    for key, version, files, name, sha in rows:
        if version not in numbers.setdefault(key, []):
            numbers[key].append(version)
        listed[(key, version)] = json.loads(files)
        if name is not None:
            hashes.setdefault((key, version), {})[name] = sha
    for key, found in numbers.items():
        if found != list(range(1, len(found) + 1)):
            problems.append(f"{key}: versions {found} are not 1 to {len(found)}")
    for (key, version), files in listed.items():
        for file in files:
            path = Path(file)
            if not path.exists():
                problems.append(f"{key} version {version}: {path} is missing (the plan's next "
                                "issue writes it again)")
                continue
            expected = hashes.get((key, version), {}).get(path.name)
            if expected and hashlib.sha256(path.read_bytes()).hexdigest() != expected:
                problems.append(f"{key} version {version}: {path} differs from the issued file")
    return problems


def export_records(registry: Registry) -> Iterator[dict[str, Any]]:
    """Every plan, change, version, closure, user and feed token, and the clinic's people log,
    password links, templates and site settings, as JSON-able records, without any secret."""
    histories = registry.histories()
    for stored in registry.plans():
        plan = {k: v for k, v in stored.__dict__.items() if k != "id"}
        yield {"type": "plan", **plan}
        for change in histories.get(stored.id, []):
            yield {"type": "change", "patient_key": stored.patient_key, "number": change.number,
                   "kind": change.kind, "fields": change.fields, "author": change.author,
                   "at": change.at}
        for version in registry.versions(stored.id):
            files = registry.version_files(stored.id, version.version)
            yield {"type": "version", "patient_key": stored.patient_key, "version": version.version,
                   "issued_at": version.issued_at, "author": version.author, "files": version.files,
                   "sha256": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()},
                   "entries": version.entries}
        token = registry.live_token(stored.id)
        if token is not None:
            yield {"type": "feed_token", "patient_key": stored.patient_key,
                   "created_at": token.created_at, "created_by": token.created_by,
                   "last_fetched_at": token.last_fetched_at}
    from scheduler.registry.follow import closures

    for closed in closures(registry):
        yield {"type": "closure", **{k: v for k, v in closed.__dict__.items()}}
    for person in registry.users():
        yield {"type": "user", "name": person.name, "admin": person.admin, "role": person.role,
               "created_at": person.created_at, "created_by": person.created_by,
               "disabled_at": person.disabled_at}
    yield from clinic(registry, secrets=False)
