"""Sessions that really end, and login throttling that holds across server processes: both
kept in the registry (on both engines), checked on every request."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from scheduler.registry import opened, schema
from scheduler.web import create_app, sessions
from tests.test_web import BASE, Web


@pytest.fixture
def web_db(db, tmp_path) -> Web:
    """The app over a registry on each engine."""
    return Web(db, tmp_path)


@pytest.fixture
def web(tmp_path) -> Web:
    """The app over a SQLite registry."""
    return Web(str(tmp_path / "registry.sqlite3"), tmp_path)


def _history(db: str, key: str = "P017") -> list:
    with opened(db) as registry:
        return registry.history(registry.plan(key).id)


def test_after_logout_the_saved_cookie_reads_nothing_and_changes_nothing(web_db):
    web = web_db
    assert web.login().status_code == 303
    web.register()
    saved = dict(web.client.cookies)
    csrf = web.csrf("/")
    assert web.client.get("/patients/P017").status_code == 200
    assert web.post("/logout", {}).status_code == 303
    replay = TestClient(web.app, base_url="http://testserver", cookies=saved)
    read = replay.get("/patients/P017", follow_redirects=False)
    assert read.status_code == 303 and read.headers["location"].startswith("/login")
    assert "Patient 017" not in replay.get("/patients/P017").text
    changed = replay.post("/patients/P017/change", data={
        "csrf": csrf, "kind": "delay", "cycle": "3", "days": "7",
        "reason": "neutropenia", "revision": "0", "action": "commit"}, follow_redirects=False)
    assert changed.status_code == 403
    assert _history(web.db) == []


def test_a_session_lasts_twelve_hours_from_login_however_active(web):
    assert web.login().status_code == 303
    web.register()
    logged_in_at = web.clock.now
    for hours in (3, 6, 9, 11):  # each POST flashes a message: the cookie is signed again
        web.clock.now = logged_in_at + timedelta(hours=hours)
        response = web.post("/patients/P017/feed-detail", {"detail": "on" if hours % 2 else "off",
                                                           "reason": "asked"})
        assert response.status_code == 303, hours
        assert web.client.get("/patients/P017/subscribe").status_code == 200
    web.clock.now += timedelta(hours=1)  # 12 hours after logging in
    assert web.client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_a_new_password_ends_the_users_sessions(web):
    assert web.login().status_code == 303
    assert web.client.get("/", follow_redirects=False).status_code == 200
    from scheduler.services.users import new_user

    changed = new_user("li.na", "an entirely new passphrase", True, "li.na", web.clock())
    with opened(web.db) as registry, registry.transaction() as connection:
        connection.execute(sa.update(schema.users).where(schema.users.c.name == "li.na")
                           .values(password_hash=changed.password_hash))
    assert web.client.get("/", follow_redirects=False).status_code == 303


def test_sessions_and_logout_hold_across_two_apps_on_one_registry(web_db, tmp_path):
    web = web_db
    other = create_app(web.db, base_url=BASE, issue_dir=tmp_path / "other", clock=web.clock,
                       secret="a test secret of thirty-two bytes or more", https_only=False)
    assert web.login().status_code == 303
    csrf = web.csrf("/")
    second = TestClient(other, base_url="http://testserver", cookies=dict(web.client.cookies))
    assert second.get("/", follow_redirects=False).status_code == 200
    assert second.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert web.client.get("/", follow_redirects=False).status_code == 303


def test_five_failures_split_between_two_apps_lock_the_name(web_db, tmp_path):
    web = web_db
    other = Web.__new__(Web)
    other.db, other.clock = web.db, web.clock
    other.app = create_app(web.db, base_url=BASE, issue_dir=tmp_path / "o", clock=web.clock,
                           secret="another test secret, thirty-two bytes long", https_only=False)
    other.client = TestClient(other.app, base_url="http://testserver")
    for index in range(5):
        assert (web if index % 2 else other).login(password="wrong password!").status_code == 401
    for app in (web, other):
        locked = app.login()
        assert locked.status_code == 429
        assert "Too many wrong passwords for li.na: try again in 15 minutes." in locked.text
        assert locked.headers["retry-after"] == "900"
    web.clock.now += timedelta(minutes=15)
    assert other.login().status_code == 303


def test_failed_logins_from_one_address_are_throttled_whatever_the_names(web, monkeypatch):
    monkeypatch.setattr(sessions, "ADDRESS_ATTEMPTS", 3)
    for index in range(3):
        assert web.login(name=f"nobody{index}").status_code == 401
    refused = web.login()  # the right password, but from an address that has tried too often
    assert refused.status_code == 429
    assert "Too many failed logins from this computer: try again in 15 minutes." in refused.text
    web.clock.now += timedelta(minutes=15)
    assert web.login().status_code == 303


def test_password_checks_wait_their_turn_and_a_long_wait_is_busy():
    gate = sessions.HashingGate(at_once=2, wait_s=0.3)
    running = 0
    most = 0
    lock = threading.Lock()
    outcomes: list[str] = []

    def work() -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        return "done"

    def login() -> None:
        try:
            outcomes.append(gate.run(work))
        except sessions.Busy:
            outcomes.append("busy")

    threads = [threading.Thread(target=login) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2
    assert outcomes.count("done") in (2, 4) and outcomes.count("busy") == 8 - outcomes.count("done")
    assert gate.waiting == 0


def test_a_busy_login_is_a_503_with_retry_after(web, monkeypatch):
    class Full(sessions.HashingGate):
        def run(self, work):  # type: ignore[no-untyped-def]
            raise sessions.Busy

    web.app.state.site.hashing = Full()
    response = web.login()
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(sessions.BUSY_RETRY_AFTER_S)
    assert "The server is busy checking other logins: try again in a few seconds." in response.text
