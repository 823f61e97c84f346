"""Words for coordinators: the template's display names in the history, and issuing a plan
that has not changed since its last version asks first."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from click.testing import CliRunner
from starlette.testclient import TestClient

from scheduler.cli import cli
from scheduler.registry import opened
from scheduler.web import create_app

PASSWORD = "correct horse battery"


def _client(tmp_path) -> tuple[TestClient, str, str]:
    db = str(tmp_path / "registry.sqlite3")
    CliRunner().invoke(cli, ["user", "add", "li.na", "--password-stdin", "--db", db], input=PASSWORD + "\n")
    result = CliRunner().invoke(cli, ["patient", "add", "P017", "nct06478355", "--start", "2026-03-02",
                                      "--db", db])
    assert result.exit_code == 0, result.output
    client = TestClient(create_app(db, issue_dir=tmp_path / "issued", secret="x" * 32, https_only=False,
                                   clock=lambda: datetime(2026, 3, 1, 9, tzinfo=UTC)))
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf": csrf, "name": "li.na", "password": PASSWORD})
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    return client, csrf, db


def test_the_history_uses_the_templates_names(tmp_path):
    client, csrf, _ = _client(tmp_path)
    hold = {"kind": "hold", "component": "rt", "from": "2026-04-20", "days": "2", "reason": "mucositis"}
    stop = {"kind": "stop", "component": "cisplatin", "from": "2026-05-01", "reason": "renal function"}
    for revision, form in enumerate((hold, stop)):
        done = client.post("/patients/P017/change", data={**form, "csrf": csrf, "revision": str(revision),
                                                          "action": "commit"}, follow_redirects=False)
        assert done.status_code == 303
    page = client.get("/patients/P017").text
    assert "<td>Radiotherapy held 2026-04-20 to 2026-04-21: mucositis" in page
    assert "<td>Cisplatin stopped from 2026-05-01: renal function" in page
    assert "<td>rt held" not in page and "<td>cisplatin stopped" not in page


def test_issuing_an_unchanged_plan_again_asks_first(tmp_path):
    client, csrf, db = _client(tmp_path)
    fields = {"csrf": csrf, "lang": "en", "paper": "a4"}
    assert client.post("/patients/P017/issue", data=fields, follow_redirects=False).status_code == 303
    again = client.post("/patients/P017/issue", data=fields, follow_redirects=False)
    assert again.status_code == 200
    assert ("Nothing has changed in this plan since version 1 was issued (2026-03-01 09:00, by li.na)."
            in again.text)
    assert "Issue version 2 anyway" in again.text
    with opened(db) as registry:
        assert len(registry.versions(registry.plan("P017").id)) == 1
    confirmed = client.post("/patients/P017/issue", data={**fields, "confirm": "yes"},
                            follow_redirects=False)
    assert confirmed.status_code == 303
    with opened(db) as registry:
        assert len(registry.versions(registry.plan("P017").id)) == 2
    # A change since the last version: issued without asking.
    client.post("/patients/P017/change", data={"csrf": csrf, "kind": "delay", "cycle": "2", "days": "7",
                                               "reason": "neutropenia", "revision": "0", "action": "commit"})
    assert client.post("/patients/P017/issue", data=fields, follow_redirects=False).status_code == 303
    with opened(db) as registry:
        assert len(registry.versions(registry.plan("P017").id)) == 3
