"""Each plan's feed document is written in the transaction of every change to the plan, so a
poll never renders (issue 24): after each kind of change, before any fetch, the stored
document is what a fresh render of the plan's history gives; ``registry check`` reports a
stored document that differs, and ``--repair`` rewrites it (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from click.testing import CliRunner
from starlette.testclient import TestClient

from scheduler.cli import cli
from scheduler.registry import feeddocs, opened
from scheduler.services import feed as feeds
from scheduler.web import create_app

NOW = "2026-04-16T08:00:00Z"


def run(db: str, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", db])


def ok(db: str, *args: str) -> str:
    result = run(db, *args)
    assert result.exit_code == 0, result.output
    return result.output


def stored_and_fresh(db: str, key: str) -> tuple[tuple | None, tuple]:
    """The plan's stored document (revision, body, ETag, Last-Modified) and a fresh render's."""
    with opened(db) as registry:
        plan = registry.plan(key)
        changes = registry.history(plan.id)
        fresh = feeds.render(plan, changes)
        return feeddocs.every_stored(registry).get(plan.id), (
            len(changes), fresh.body, fresh.etag, fresh.last_modified.isoformat())


def test_every_change_writes_the_feed_document_in_its_transaction(db):
    ok(db, "patient", "add", "P017", "nct06478355", "--start", "2026-03-02", "--now", "2026-03-01T00:00:00Z")
    ok(db, "patient", "add", "P018", "nct06478355", "--start", "2026-03-09", "--now", "2026-03-01T00:00:00Z")
    stored, fresh = stored_and_fresh(db, "P017")
    assert stored == fresh and stored[0] == 0 and stored[1].startswith(b"BEGIN:VCALENDAR\r\n")
    seen = [stored[1]]
    changes = [
        ("delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia"),
        ("hold", "P017", "--component", "rt", "--from", "2026-04-20", "--days", "2", "--reason", "mucositis"),
        ("stop", "P017", "--component", "pd1", "--from", "2026-09-01", "--reason", "progression"),
        ("revert", "P017", "2", "--reason", "entered for the wrong patient"),
        ("record", "P017", "immunochemo/c2/d1/pd1", "--status", "given", "--on", "2026-03-25",
         "--author", "nurse.li"),
        ("feed", "detail", "P017", "on", "--reason", "patient asked for drug names"),
        ("closure", "add", "2026-04-21", "--reason", "power works"),
        ("closure", "revert", "1", "--reason", "works postponed"),
    ]
    for number, change in enumerate(changes, start=1):
        ok(db, *change, "--now", NOW)
        stored, fresh = stored_and_fresh(db, "P017")
        assert stored == fresh, change[0]
        assert stored[0] == number  # the new revision, before any fetch
        assert stored[1] not in seen, f"{change[0]}: the stored feed did not change"
        seen.append(stored[1])
        assert stored_and_fresh(db, "P018")[0] == stored_and_fresh(db, "P018")[1]
    assert b"SUMMARY:Treatment visit" in seen[5] and b"SUMMARY:Chemotherapy: " in seen[6]  # detail on
    assert run(db, "registry", "check").exit_code == 0
    ok(db, "patient", "end", "P018", "--reason", "withdrew", "--now", NOW)
    with opened(db) as registry:  # an ended plan's feed is not served: nothing stored
        assert registry.plan("P018").id not in feeddocs.every_stored(registry)


def test_the_server_serves_the_stored_document_without_rendering(db, tmp_path, monkeypatch):
    ok(db, "patient", "add", "P017", "nct06478355", "--start", "2026-03-02", "--now", "2026-03-01T00:00:00Z")
    ok(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia", "--now", NOW)
    with opened(db) as registry:
        token = feeds.create(registry, "P017", "li.na", datetime(2026, 4, 16, 9, tzinfo=UTC), key=None)
    stored, fresh = stored_and_fresh(db, "P017")
    app = create_app(db, base_url="http://127.0.0.1", issue_dir=tmp_path / "issued",
                     secret="a test secret of thirty-two bytes or more")

    def no_render(*args, **kwargs):
        raise AssertionError("a poll rendered the feed")

    monkeypatch.setattr(feeds, "render", no_render)
    monkeypatch.setattr(feeds.feedrender, "render", no_render)
    with TestClient(app) as client:
        answer = client.get(f"/feed/{token}.ics")
    assert answer.status_code == 200 and answer.content == fresh[1] == stored[1]
    assert answer.headers["etag"] == fresh[2]
    assert answer.headers["last-modified"] == "Thu, 16 Apr 2026 08:00:00 GMT"


def test_check_reports_a_stored_document_that_differs_and_repair_rewrites_it(db):
    ok(db, "patient", "add", "P017", "nct06478355", "--start", "2026-03-02", "--now", "2026-03-01T00:00:00Z")
    ok(db, "patient", "add", "P018", "nct06478355", "--start", "2026-03-09", "--now", "2026-03-01T00:00:00Z")
    with opened(db) as registry, registry.transaction() as connection:
        connection.execute(sa.update(feeddocs._D).where(feeddocs._D.c.plan_id == registry.plan("P017").id)
                           .values(body=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))
        connection.execute(sa.delete(feeddocs._D).where(feeddocs._D.c.plan_id == registry.plan("P018").id))
    check = run(db, "registry", "check")
    assert check.exit_code == 2
    assert "P017: its stored feed document differs from its history" in check.stderr
    assert "P018: no feed document stored" in check.stderr
    repaired = run(db, "registry", "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "Rebuilt the current events and feed documents of 2 plan(s)" in repaired.output
    for key in ("P017", "P018"):
        stored, fresh = stored_and_fresh(db, key)
        assert stored == fresh
