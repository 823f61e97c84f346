"""Backup, restore and moving up: export, import into an empty registry, export again gives the
same bytes (both engines, and SQLite to PostgreSQL); after a restore users log in with their
passwords and feeds answer at their old addresses."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from scheduler.cli import cli
from scheduler.registry import opened
from scheduler.services import feed as feeds
from scheduler.web import create_app
from tests.test_web import PASSWORD, Web

NOW = "--now"


def run(db: str, *args: str, **kwargs):
    return CliRunner().invoke(cli, [*args, "--db", db], **kwargs)


def _populate(db: str, tmp_path) -> str:
    """A registry with two users (one disabled), two plans, changes, an issued version, a live
    and a revoked feed token; returns the live token."""
    for name in ("li.na", "wang.fang"):
        assert run(db, "user", "add", name, "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    assert run(db, "user", "disable", "wang.fang", NOW, "2026-03-05T10:00:00Z").exit_code == 0
    for key, start in (("P017", "2026-03-02"), ("P018", "2026-04-13")):
        added = run(db, "patient", "add", key, "nct06478355", "--start", start, "--label",
                    f"Patient {key[1:]}", "--author", "li.na", NOW, "2026-03-01T00:00:00Z")
        assert added.exit_code == 0, added.output
    assert run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia", "--author",
               "li.na", NOW, "2026-03-20T09:00:00Z").exit_code == 0
    issued = run(db, "issue", "P017", "-o", str(tmp_path / "out"), "--author", "li.na", NOW,
                 "2026-03-21T09:00:00Z")
    assert issued.exit_code == 0, issued.output
    from datetime import UTC, datetime

    with opened(db) as registry:
        feeds.create(registry, "P018", "li.na", datetime(2026, 3, 2, tzinfo=UTC))
        feeds.revoke(registry, "P018", "li.na", datetime(2026, 3, 3, tzinfo=UTC))
        return feeds.create(registry, "P017", "li.na", datetime(2026, 3, 4, tzinfo=UTC))


def _export(db: str, path) -> bytes:
    result = run(db, "registry", "export", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path.read_bytes()


@pytest.fixture(params=["sqlite", "postgresql"])
def second(request, tmp_path) -> str:
    """An empty second registry location on each engine."""
    if request.param == "sqlite":
        return str(tmp_path / "restored.sqlite3")
    return request.getfixturevalue("pg_db")


def test_export_import_export_is_byte_identical(db, second, tmp_path):
    token = _populate(db, tmp_path)
    first = _export(db, tmp_path / "first.jsonl")
    assert stat.S_IMODE(os.stat(tmp_path / "first.jsonl").st_mode) == 0o600
    header = json.loads(first.splitlines()[0])
    assert header["holds_secrets"] is True and "This file holds secrets" in header["warning"]
    records = [json.loads(line) for line in first.splitlines()[1:]]
    assert [r["type"] for r in records] == ["plan", "change", "version", "feed_token", "plan",
                                            "feed_token", "user", "user"]
    assert all(r["password_hash"].startswith("$argon2") for r in records if r["type"] == "user")
    imported = run(second, "registry", "import", str(tmp_path / "first.jsonl"))
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("Imported into ")
    assert imported.output.endswith(": 1 change, 2 feed tokens, 2 plans, 2 users, 1 version\n")
    assert _export(second, tmp_path / "again.jsonl") == first
    # A restore restores service: the password logs in, the feed answers at its old address.
    web = Web.__new__(Web)
    web.db = second
    from tests.test_web import Clock

    web.clock = Clock()
    web.app = create_app(second, base_url="https://x.example", issue_dir=tmp_path / "i", clock=web.clock,
                         secret="a test secret of thirty-two bytes or more", https_only=False)
    web.client = TestClient(web.app, base_url="http://testserver")
    assert web.login().status_code == 303
    assert web.login(name="wang.fang").status_code == 401  # disabled stays disabled
    feed = web.client.get(f"/feed/{token}.ics")
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.content


def test_sqlite_to_postgresql_is_byte_identical(tmp_path, pg_db):
    sqlite = str(tmp_path / "clinic.sqlite3")
    _populate(sqlite, tmp_path)
    first = _export(sqlite, tmp_path / "clinic.jsonl")
    assert run(pg_db, "registry", "import", str(tmp_path / "clinic.jsonl")).exit_code == 0
    assert _export(pg_db, tmp_path / "moved.jsonl") == first


def test_an_export_to_standard_output_redirected_to_a_file_is_private(tmp_path):
    db = str(tmp_path / "r.sqlite3")
    _populate(db, tmp_path)
    target = tmp_path / "backup.jsonl"
    with target.open("w") as stream:
        os.chmod(target, 0o644)
        subprocess.run([sys.executable, "-m", "scheduler", "registry", "export", "--db", db], stdout=stream,
                       check=True)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert json.loads(target.read_text().splitlines()[0])["holds_secrets"] is True


def test_an_audit_export_has_no_hash_and_cannot_be_restored(tmp_path):
    db = str(tmp_path / "r.sqlite3")
    _populate(db, tmp_path)
    audit = run(db, "registry", "export", "--for-audit")
    assert audit.exit_code == 0
    assert "$argon2" not in audit.output and "token_hash" not in audit.output
    assert "password_hash" not in audit.output
    (tmp_path / "audit.jsonl").write_text(audit.output)
    refused = run(str(tmp_path / "new.sqlite3"), "registry", "import", str(tmp_path / "audit.jsonl"))
    assert refused.exit_code == 2
    assert "audit.jsonl:1: not a registry export of this release" in refused.output


def test_import_refuses_a_registry_that_is_not_empty_and_writes_nothing(tmp_path):
    db = str(tmp_path / "r.sqlite3")
    _populate(db, tmp_path)
    _export(db, tmp_path / "full.jsonl")
    refused = run(db, "registry", "import", str(tmp_path / "full.jsonl"))
    assert refused.exit_code == 2
    assert "not empty; a backup is imported into a new, empty registry" in refused.output
    broken = (tmp_path / "full.jsonl").read_text().splitlines()
    broken[3] = broken[3][:-5]
    (tmp_path / "broken.jsonl").write_text("\n".join(broken) + "\n")
    target = str(tmp_path / "target.sqlite3")
    failed = run(target, "registry", "import", str(tmp_path / "broken.jsonl"))
    assert failed.exit_code == 2
    assert "broken.jsonl:4: not a JSON line" in failed.output
    with opened(target) as registry:  # all or nothing
        assert registry.plans() == [] and registry.users() == []


def test_closures_and_sent_digest_items_survive_a_restore(db, second, tmp_path):
    """A closure keeps its number (the changes it made name it), the next closure after a
    restore gets a new one, a digest item sent before is not sent again, and the current-events
    cache is rebuilt by the import."""
    from datetime import UTC, date, datetime

    from scheduler.registry import follow as store
    from scheduler.services import closures

    _populate(db, tmp_path)
    with opened(db) as registry:
        made = closures.add(registry, date(2026, 3, 23), date(2026, 3, 23), None, "water leak", "li.na",
                            datetime(2026, 3, 20, 8, tzinfo=UTC))  # P017's cycle 2 day 1
        assert made.number == 1 and [a.patient_key for a in made.affected] == ["P017"]
        with registry.transaction():
            store.mark_sent(registry, ["P017:immunochemo/c2/d1/pd1"], "email:desk@clinic.example",
                            datetime(2026, 3, 23, 8, 15, tzinfo=UTC))
    first = _export(db, tmp_path / "first.jsonl")
    records = [json.loads(line) for line in first.splitlines()[1:]]
    assert [r["type"] for r in records][-2:] == ["closure", "notification_sent"]
    assert records[-2]["id"] == 1 and records[-2]["reason"] == "water leak"
    imported = run(second, "registry", "import", str(tmp_path / "first.jsonl"))
    assert imported.exit_code == 0, imported.output
    assert _export(second, tmp_path / "second.jsonl") == first
    with opened(second) as registry:
        assert store.sent(registry, "email:desk@clinic.example") == {"P017:immunochemo/c2/d1/pd1"}
        after = closures.add(registry, date(2026, 4, 28), date(2026, 4, 28), "linac", "service", "li.na",
                             datetime(2026, 4, 27, 8, tzinfo=UTC))
        assert after.number == 2
    listed = run(second, "closure", "list")
    assert listed.exit_code == 0 and "water leak" in listed.output and "service" in listed.output
    check = run(second, "registry", "check")
    assert check.exit_code == 0, check.output
