"""A feed poll is a read: the rendered feed is stored per revision for every server process,
never served for another revision, and fetch times are written in batches (both engines)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from scheduler.registry import opened, schema
from scheduler.services import feed as feeds
from scheduler.web import create_app
from tests.test_web import BASE, Web


@pytest.fixture
def web(db, tmp_path) -> Web:
    made = Web(db, tmp_path)
    assert made.login().status_code == 303
    made.register()
    return made


def _other(web: Web, tmp_path) -> TestClient:
    app = create_app(web.db, base_url=BASE, issue_dir=tmp_path / "other", clock=web.clock,
                     secret="another test secret, thirty-two bytes long", https_only=False)
    return TestClient(app, base_url="http://testserver")


def _rows(db: str) -> list[tuple[int, int]]:
    with opened(db) as registry:
        return [tuple(r) for r in registry._rows(sa.select(schema.feed_documents.c.plan_id,
                                                           schema.feed_documents.c.revision))]


def test_a_second_server_serves_the_stored_feed_without_rendering(web, tmp_path, monkeypatch):
    token = web.feed_token()
    first = web.client.get(f"/feed/{token}.ics")
    assert first.status_code == 200
    with opened(web.db) as registry:
        plan_id = registry.plan("P017").id
        assert feeds.render(registry.plan("P017"), []).body == first.content  # the same bytes
    assert _rows(web.db) == [(plan_id, 0)]

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(feeds, "render", no_render)
    second = _other(web, tmp_path).get(f"/feed/{token}.ics")
    assert second.status_code == 200 and second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["last-modified"] == first.headers["last-modified"]
    monkeypatch.undo()
    web.clock.now += timedelta(hours=1)
    delay = {"kind": "delay", "cycle": "3", "days": "7", "reason": "neutropenia", "revision": "0",
             "action": "commit"}
    assert web.post("/patients/P017/change", delay).status_code == 303
    changed = _other(web, tmp_path).get(f"/feed/{token}.ics")  # a new revision: never the stored old one
    assert changed.status_code == 200 and changed.content != first.content
    assert changed.headers["etag"] != first.headers["etag"]
    assert _rows(web.db) == [(plan_id, 1)]
    assert web.client.get(f"/feed/{token}.ics").content == changed.content


def test_an_older_revision_never_replaces_a_newer_stored_feed(web):
    from scheduler.registry import feeddocs

    with opened(web.db) as registry:
        plan_id = registry.plan("P017").id
        modified = web.clock()
        feeddocs.keep(registry, plan_id, 2, b"two", '"2"', modified)
        feeddocs.keep(registry, plan_id, 1, b"one", '"1"', modified)
        assert feeddocs.stored(registry, plan_id, 2) == (b"two", '"2"', modified)
        assert feeddocs.stored(registry, plan_id, 1) is None
        feeddocs.keep(registry, plan_id, 3, b"three", '"3"', modified)
        assert feeddocs.stored(registry, plan_id, 2) is None
    assert _rows(web.db) == [(plan_id, 3)]


def test_fetch_times_are_written_in_batches_at_most_once_a_second(web, tmp_path):
    tokens = [web.feed_token()]
    for key in ("P018", "P019"):
        web.register(key=key, label=f"Patient {key}")
        tokens.append(web.feed_token(key))
    site = web.app.state.site
    started = time.monotonic()
    for _ in range(10):
        for token in tokens:
            assert web.client.get(f"/feed/{token}.ics").status_code == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with opened(web.db) as registry:
            fetched = [registry.live_token(registry.plan(k).id).last_fetched_at
                       for k in ("P017", "P018", "P019")]
        if all(fetched):
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    assert fetched == ["2026-03-01T09:00:00+00:00"] * 3
    with opened(web.db) as registry:  # the worklist's never-fetched flag goes with the first fetch
        assert registry._rows(sa.select(schema.plans.c.patient_key, schema.plans.c.feed_fetched)
                              .order_by(schema.plans.c.patient_key)) == [
            ("P017", True), ("P018", True), ("P019", True)]
    assert 1 <= site.fetches.writes <= elapsed + 1, (site.fetches.writes, elapsed)


def test_stored_feeds_of_another_release_are_forgotten_at_start(web, tmp_path, monkeypatch):
    token = web.feed_token()
    assert web.client.get(f"/feed/{token}.ics").status_code == 200
    with opened(web.db) as registry:
        plan_id = registry.plan("P017").id
    _other(web, tmp_path)  # the same code: what is stored stays
    assert _rows(web.db) == [(plan_id, 0)]
    monkeypatch.setattr(feeds, "rendering_code", lambda: "another release")
    _other(web, tmp_path)
    assert _rows(web.db) == []
    monkeypatch.undo()
    assert web.client.get(f"/feed/{token}.ics").status_code == 200
