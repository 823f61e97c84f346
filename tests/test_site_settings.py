"""Site settings kept in the registry (both engines), and used by registrations in the web app."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from scheduler.cli import cli
from scheduler.core.errors import InputError
from scheduler.registry import opened
from scheduler.registry import site_settings as store
from scheduler.services import site_settings
from scheduler.services.site_settings import Fields

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FIELDS = Fields(name="Fourth Hospital", region="cn", subdivision="", timezone="Asia/Shanghai",
                closed=("2026-04-13..2026-04-14=Department move", "2026-03-05@linac=Linac service"),
                workdays=("2026-03-07=Saturday clinic",))


def test_settings_are_saved_as_versions_of_a_site_file(db):
    with opened(db, create=True) as registry:
        assert site_settings.in_force(registry) is None
        first = site_settings.save(registry, site_settings.site_of(FIELDS), "opening", "li.na", NOW)
        with pytest.raises(InputError, match=r"settings in force already \(version 1\)"):
            site_settings.save(registry, site_settings.site_of(FIELDS), "again", "li.na", NOW)
        fewer = Fields(**{**FIELDS.__dict__, "closed": FIELDS.closed[:1]})
        second = site_settings.save(registry, site_settings.site_of(fewer), "linac fixed", "chen.jie", NOW)
        kept = store.versions(registry)
        current = site_settings.in_force(registry)
    assert (first, second) == (1, 2)
    assert [(v.version, v.author, v.reason) for v in kept] == [
        (1, "li.na", "opening"), (2, "chen.jie", "linac fixed")]
    assert kept[0].settings == (
        "name: Fourth Hospital\nholidays: CN\ntimezone: Asia/Shanghai\nclosed:\n"
        "- from: '2026-04-13'\n  to: '2026-04-14'\n  reason: Department move\n"
        "- date: '2026-03-05'\n  reason: Linac service\n  resource: linac\n"
        "workdays:\n- date: '2026-03-07'\n  reason: Saturday clinic\n")
    assert current is not None and site_settings.fields_of(current) == Fields(
        "Fourth Hospital", "CN", "", "Asia/Shanghai", ("2026-04-13..2026-04-14=Department move",),
        ("2026-03-07=Saturday clinic",))


@pytest.mark.parametrize(("fields", "message"), [
    (Fields(region="XX"), "holidays: "),
    (Fields(region="US", subdivision="ZZ"), "holidays: "),
    (Fields(subdivision="CA"), "holidays subdivision: give the region"),
    (Fields(timezone="Mars/Olympus"), "timezone: unknown time zone 'Mars/Olympus'"),
    (Fields(closed=("2026-13-01",)), "closed[0]: "),
    (Fields(workdays=("2026-03-07@linac",)), "workdays[0]: '2026-03-07@linac': an extra "
                                             "working day is for the whole site"),
])
def test_a_bad_setting_is_refused_naming_its_field(fields, message):
    with pytest.raises(InputError, match=re.escape(message)):
        site_settings.site_of(fields)


def test_a_registration_in_the_web_app_uses_the_settings_in_force(tmp_path):
    db = str(tmp_path / "registry.sqlite3")
    password = "correct horse battery"
    CliRunner().invoke(cli, ["user", "add", "li.na", "--admin", "--password-stdin", "--db", db],
                       input=password + "\n")
    from scheduler.web import create_app

    client = TestClient(create_app(db, issue_dir=tmp_path / "x", secret="x" * 32, https_only=False,
                                   clock=lambda: NOW))
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf": csrf, "name": "li.na", "password": password})
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    form = {"csrf": csrf, "key": "P1", "template": "tc", "start": "2026-03-02", "action": "preview"}
    before = client.post("/patients/new/preview", data=form).text
    # Nothing but the blood tests before cycles 2-4 moves (each from the Sunday before a
    # Monday cycle to the Friday: added after the clinical read of December 2026).
    assert "Audit" not in before and before.count('aria-label="moved"') == 3
    saved = client.post("/admin/settings", data={
        "csrf": csrf, "region": "CN", "timezone": "Asia/Shanghai", "closed": "2026-03-23=Audit",
        "workdays": "", "reason": "audit day"}, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get("/admin/settings").text
    assert "Saved the site settings as version 1" in page and "audit day" in page
    after = client.post("/patients/new/preview", data=form).text
    # Cycle 2 (due 2026-03-23, the audit day) moves, marked, and the calendar is China's.
    assert "Audit" in after and after.count('aria-label="moved"') > 3 and "holidays CN" in after
    refused = client.post("/admin/settings", data={"csrf": csrf, "region": "XX", "reason": "x"})
    assert refused.status_code == 400 and "holidays:" in refused.text
