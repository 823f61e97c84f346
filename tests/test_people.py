"""People: roles, the last admin, one-time password links, every change recorded (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.errors import InputError
from scheduler.registry import opened, token_hash
from scheduler.registry import people as store
from scheduler.services import people
from scheduler.services.users import verify

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PW = "correct horse battery"


def run(db: str, *args: str, **kwargs: object):
    return CliRunner().invoke(cli, [*args, "--db", db], **kwargs)


def _setup(db: str) -> None:
    with opened(db, create=True) as registry:
        people.add(registry, people.new("li.na", PW, "admin", "root", NOW))
        people.add(registry, people.new("wang.fang", PW, "coordinator", "li.na", NOW))


def test_the_last_admin_is_neither_disabled_nor_demoted(db):
    _setup(db)
    with opened(db) as registry:
        with pytest.raises(InputError, match=r"li\.na is the last active admin: disabling them"):
            people.disable(registry, "li.na", "li.na", NOW)
        with pytest.raises(InputError, match=r"li\.na is the last active admin: making them viewer"):
            people.set_role(registry, "li.na", "viewer", "li.na", NOW)
        people.set_role(registry, "wang.fang", "admin", "li.na", NOW)
        people.set_role(registry, "li.na", "viewer", "wang.fang", NOW)  # now there is another
        with pytest.raises(InputError, match=r"wang\.fang is the last active admin"):
            people.disable(registry, "wang.fang", "wang.fang", NOW)
        assert [(u.name, u.role, u.admin) for u in registry.users()] == [
            ("li.na", "viewer", False), ("wang.fang", "admin", True)]
        with pytest.raises(InputError, match="role 'boss': choose admin, coordinator or viewer"):
            people.set_role(registry, "li.na", "boss", "wang.fang", NOW)


def test_every_change_is_recorded_with_author_and_time(db):
    _setup(db)
    later = NOW + timedelta(minutes=5)
    with opened(db) as registry:
        people.set_role(registry, "wang.fang", "viewer", "li.na", later)
        people.disable(registry, "wang.fang", "li.na", later)
        people.enable(registry, "wang.fang", "li.na", later)
        people.change_password(registry, "li.na", PW, "a new long password", later)
        link = people.issue_reset(registry, "wang.fang", "li.na", later)
        people.use_reset(registry, link.token, "another long password", later)
        found = [(c.user_name, c.kind, c.fields, c.author, c.at) for c in store.changes(registry)]
    at, later_at = NOW.isoformat(), later.isoformat()
    assert found == [
        ("li.na", "added", {"role": "admin"}, "root", at),
        ("wang.fang", "added", {"role": "coordinator"}, "li.na", at),
        ("wang.fang", "role", {"from": "coordinator", "to": "viewer"}, "li.na", later_at),
        ("wang.fang", "disabled", {}, "li.na", later_at),
        ("wang.fang", "enabled", {}, "li.na", later_at),
        ("li.na", "password", {}, "li.na", later_at),
        ("wang.fang", "reset-issued", {"expires": (later + timedelta(hours=24)).isoformat()}, "li.na",
         later_at),
        ("wang.fang", "reset-used", {}, "wang.fang", later_at),
    ]


def test_a_password_link_works_once_for_24_hours_and_only_its_hash_is_kept(db):
    _setup(db)
    with opened(db) as registry:
        link = people.issue_reset(registry, "wang.fang", "li.na", NOW)
        assert link.expires == NOW + timedelta(hours=24)
        with registry.engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT token_hash FROM password_resets")).scalar_one()
        assert stored == token_hash(link.token) and link.token not in stored
        expired = NOW + timedelta(hours=24)
        with pytest.raises(InputError, match="This password link expired 2026-03-02 09:00 UTC"):
            people.use_reset(registry, link.token, "a new long password", expired)
        assert people.reset_holder(registry, link.token, expired - timedelta(seconds=1)) == "wang.fang"
        with pytest.raises(InputError, match="password: use 10 to 1024"):
            people.use_reset(registry, link.token, "short", NOW)
        assert people.use_reset(registry, link.token, "a new long password", NOW) == "wang.fang"
        assert verify(registry.user("wang.fang"), "a new long password")
        assert not verify(registry.user("wang.fang"), PW)
        with pytest.raises(InputError, match="has been used already"):
            people.use_reset(registry, link.token, "yet another password", NOW)
        with pytest.raises(InputError, match="not known"):
            people.reset_holder(registry, "x" + link.token, NOW)
        # A newer link ends the older one; disabling ends every open link.
        first = people.issue_reset(registry, "wang.fang", "li.na", NOW)
        second = people.issue_reset(registry, "wang.fang", "li.na", NOW)
        with pytest.raises(InputError, match="used already"):
            people.reset_holder(registry, first.token, NOW)
        people.disable(registry, "wang.fang", "li.na", NOW)
        with pytest.raises(InputError, match="used already"):
            people.reset_holder(registry, second.token, NOW)
        with pytest.raises(InputError, match=r"wang\.fang' is disabled: enable them first"):
            people.issue_reset(registry, "wang.fang", "li.na", NOW)


def test_a_wrong_current_password_changes_nothing(db):
    _setup(db)
    with opened(db) as registry:
        with pytest.raises(InputError, match="current password: that is not your password"):
            people.change_password(registry, "wang.fang", "not my password", "a new long password", NOW)
        assert verify(registry.user("wang.fang"), PW)
        assert [c.kind for c in store.changes(registry, "wang.fang")] == ["added"]


def test_the_command_line_sets_roles_and_makes_links(db):
    assert run(db, "user", "add", "li.na", "--admin", "--password-stdin", input=PW + "\n").exit_code == 0
    assert run(db, "user", "add", "zhao.lei", "--role", "viewer", "--password-stdin",
               "--now", "2026-03-01T09:00:00Z", input=PW + "\n").output == "Added viewer zhao.lei\n"
    assert run(db, "user", "role", "zhao.lei", "coordinator", "--author", "li.na").output == (
        "zhao.lei is now coordinator\n")
    assert run(db, "user", "role", "li.na", "viewer").stderr.startswith(
        "Error: li.na is the last active admin")
    made = run(db, "user", "reset", "zhao.lei", "--base-url", "https://clinic.test/",
               "--now", "2026-03-01T09:00:00Z")
    assert made.exit_code == 0, made.output
    first, address = made.output.splitlines()
    assert first == "Password link for zhao.lei, valid until 2026-03-02T09:00+00:00 (once):"
    assert address.startswith("https://clinic.test/reset/")
    token = address.rsplit("/", 1)[1]
    with opened(db) as registry:
        assert people.use_reset(registry, token, "a new long password", NOW) == "zhao.lei"
        assert [c.kind for c in store.changes(registry, "zhao.lei")] == [
            "added", "role", "reset-issued", "reset-used"]
    assert run(db, "user", "disable", "zhao.lei").exit_code == 0
    assert run(db, "user", "enable", "zhao.lei").output == "Enabled zhao.lei\n"
    assert run(db, "user", "add", "x.y", "--admin", "--role", "viewer", "--password-stdin",
               input=PW + "\n").stderr == "Error: --admin and --role viewer: choose one\n"


def test_a_bad_password_creates_no_registry(tmp_path):
    db = str(tmp_path / "none.sqlite3")
    assert run(db, "user", "add", "li.na", "--password-stdin", input="short\n").exit_code == 2
    assert not (tmp_path / "none.sqlite3").exists()


def test_roles_of_users_made_before_roles_are_kept(tmp_path):
    """A registry at 0002 with an admin and a coordinator upgrades to their roles."""
    from alembic import command
    from alembic.config import Config

    from scheduler.registry.database import _MIGRATIONS, locate

    db = tmp_path / "old.sqlite3"
    url = locate(str(db)).url
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        for name, admin in (("li.na", True), ("wang.fang", False)):
            connection.execute(sa.text(
                "INSERT INTO users (name, password_hash, admin, created_at, created_by) "
                "VALUES (:n, 'x', :a, 't', 'root')"), {"n": name, "a": admin})
        command.upgrade(config, "head")
    engine.dispose()
    with opened(str(db)) as registry:
        assert [(u.name, u.role) for u in registry.users()] == [
            ("li.na", "admin"), ("wang.fang", "coordinator")]


@pytest.mark.parametrize(("role", "method", "path", "allowed"), [
    ("viewer", "GET", "/patients/P1", True),
    ("viewer", "POST", "/patients/P1/change", False),
    ("viewer", "POST", "/patients/new", False),
    ("viewer", "POST", "/logout", True),
    ("viewer", "POST", "/account", True),
    ("viewer", "GET", "/admin/people", False),
    ("coordinator", "POST", "/patients/P1/change", True),
    ("coordinator", "GET", "/admin/people", False),
    ("coordinator", "POST", "/admin/people/li.na", False),
    ("coordinator", "GET", "/administrator", True),  # not under /admin/: an ordinary (404) page
    ("admin", "POST", "/admin/people/li.na", True),
    ("admin", "POST", "/patients/P1/issue", True),
    (None, "GET", "/", False),
])
def test_one_function_decides_who_may_do_what(role, method, path, allowed):
    from scheduler.web.roles import permitted

    assert permitted(role, method, path) is allowed


def test_times_are_shown_in_the_sites_zone():
    from zoneinfo import ZoneInfo

    from scheduler.web.present import local_time

    shanghai = ZoneInfo("Asia/Shanghai")
    assert local_time("2026-03-01T09:00:00+00:00", shanghai) == "2026-03-01 17:00"
    assert local_time("2026-03-01T20:30:00+00:00", shanghai) == "2026-03-02 04:30"
    assert local_time("2026-07-01T12:00:00+00:00", ZoneInfo("Europe/Paris")) == "2026-07-01 14:00"
    assert local_time(None, shanghai) == ""
