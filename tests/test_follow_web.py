"""The web pages that follow the treatment: record with preview then commit, the worklist."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.registry import opened
from tests.test_web import Web


def test_record_previews_then_commits_and_the_worklist_shows_it_urgent(db, tmp_path):
    web = Web(db, tmp_path)
    login = web.login()
    assert login.status_code == 303 and login.headers["location"] == "/worklist"
    web.register()
    web.clock.now = datetime(2026, 3, 25, 1, tzinfo=UTC)
    assert web.login().status_code == 303  # a session lasts hours: log in again
    patient = web.client.get("/patients/P017").text
    assert "immunochemo/c2/d1/pd1" in patient
    assert 'href="/patients/P017/record?ref=immunochemo/c2/d1/pd1"' in patient
    form = web.client.get("/patients/P017/record?ref=immunochemo/c2/d1/pd1")
    assert form.status_code == 200 and 'value="2026-03-23"' in form.text
    data = {"ref": "immunochemo/c2/d1/pd1", "status": "given", "on": "2026-03-25", "time": "",
            "reason": "", "revision": "0"}
    preview = web.post("/patients/P017/record", {**data, "action": "preview"})
    assert preview.status_code == 200, preview.text
    moved = re.search(r"<h3>(\d+) events move</h3>", preview.text)
    assert moved and int(moved.group(1)) > 4  # the visit, its day 8 and every later cycle
    assert "Record this" in preview.text
    with opened(db) as registry:  # a preview records nothing
        assert registry.history(registry.plan("P017").id) == []
    committed = web.post("/patients/P017/record", {**data, "action": "commit"})
    assert committed.status_code == 303, committed.text
    page = web.client.get("/patients/P017").text
    assert "Recorded: immunochemo/c2/d1/pd1 given on 2026-03-25, 2 days after the plan (change 1)." in page
    assert re.search(r'class="status status-given"[^>]*>given<', page)
    # the same event again: refused in words, nothing recorded
    again = web.post("/patients/P017/record", {**data, "revision": "1", "action": "commit"})
    assert again.status_code == 400 and "is already recorded" in again.text
    # later cycles moved two days: cycle 3 day 1 from 13 April to 15 April
    web.clock.now = datetime(2026, 4, 13, 1, tzinfo=UTC)
    assert web.login().status_code == 303  # a session lasts hours: log in again
    work = web.client.get("/worklist?from=2026-04-15")
    assert work.status_code == 200
    assert 'class="urgent"' not in work.text  # changed 3 weeks ago: not urgent
    rows = list(csv.DictReader(io.StringIO(web.client.get("/worklist?from=2026-04-15&format=csv").text)))
    assert [(r["patient_key"], r["ref"], r["time"]) for r in rows][:3] == [
        ("P017", "immunochemo/c3/d1/pd1", "08:30-09:30"),
        ("P017", "immunochemo/c3/d1/nab-paclitaxel", "09:30-10:30"),
        ("P017", "immunochemo/c3/d1/cisplatin", "10:30-13:30"),
    ]


def test_missed_needs_a_reason_on_the_page(db, tmp_path):
    web = Web(db, tmp_path)
    web.login()
    web.register()
    web.clock.now = datetime(2026, 4, 20, 1, tzinfo=UTC)
    assert web.login().status_code == 303  # a session lasts hours: log in again
    data = {"ref": "rt/f3", "status": "missed", "on": "", "time": "", "reason": "", "revision": "0",
            "action": "preview"}
    refused = web.post("/patients/P017/record", data)
    assert refused.status_code == 400 and "Reason: say why the event was missed" in refused.text
    ok = web.post("/patients/P017/record", {**data, "reason": "machine down", "action": "commit"})
    assert ok.status_code == 303
    assert web.client.get("/patients/P017/record?ref=nothing/here").status_code == 404


def test_a_record_from_a_stale_page_is_refused_and_previewed_on_the_plan_as_it_is(db, tmp_path):
    web = Web(db, tmp_path)
    web.login()
    web.register()
    web.clock.now = datetime(2026, 3, 25, 1, tzinfo=UTC)
    assert web.login().status_code == 303  # a session lasts hours: log in again
    delayed = CliRunner().invoke(cli, ["delay", "P017", "--cycle", "2", "--days", "1", "--reason",
                                       "neutropenia", "--author", "li.na", "--now",
                                       "2026-03-25T00:30:00Z", "--db", db])
    assert delayed.exit_code == 0, delayed.output
    data = {"ref": "immunochemo/c2/d1/pd1", "status": "given", "on": "2026-03-25", "time": "",
            "reason": "", "revision": "0", "action": "commit"}  # a page opened before the delay
    stale = web.post("/patients/P017/record", data)
    assert stale.status_code == 409, stale.text
    assert "The plan changed since you opened it." in stale.text
    assert "li.na delayed cycle 2 of Immunochemotherapy (21-day cycles) by 1 day at 08:30." in stale.text
    assert 'name="revision" value="1"' in stale.text and "Record this" in stale.text
    with opened(db) as registry:  # nothing recorded but the delay
        assert [c.kind for c in registry.history(registry.plan("P017").id)] == ["delay"]
    again = web.post("/patients/P017/record", {**data, "revision": "1"})
    assert again.status_code == 303, again.text


def test_a_linac_closure_previews_the_affected_patients_then_commits_and_reverts(db, tmp_path):
    web = Web(db, tmp_path)
    web.login()
    web.register("P017", "2026-03-02")
    added = CliRunner().invoke(cli, ["patient", "add", "P018", "cisplatin-rt-head-neck", "--start",
                                     "2026-04-06", "--db", db, "--now", "2026-03-01T00:00:00Z"])
    assert added.exit_code == 0, added.output
    web.clock.now = datetime(2026, 4, 20, 1, tzinfo=UTC)
    assert web.login().status_code == 303  # a session lasts hours: log in again
    data = {"from": "2026-04-21", "to": "", "resource": "linac", "reason": "linac service"}
    preview = web.post("/closures", {**data, "action": "preview"})
    assert preview.status_code == 200, preview.text
    assert "2 plans affected." in preview.text  # the seed's radiotherapy is on the linac too
    assert "moves within 48 hours for P017, P018" in preview.text
    assert re.search(r'<td class="ref">rt/f12</td><td>[^<]+</td><td class="nowrap">2026-04-21 Tue</td>'
                     r'<td class="nowrap">2026-04-22 Wed</td>', preview.text)
    with opened(db) as registry:
        assert registry.history(registry.plan("P018").id) == []
    committed = web.post("/closures", {**data, "action": "commit"})
    assert committed.status_code == 303
    listing = web.client.get("/closures").text
    assert "Closure 1 recorded: 2 plans changed." in listing
    work = web.client.get("/worklist?from=2026-04-21&days=2").text
    assert work.index('class="urgent"') < work.index("rt/f12") < work.index("rt/f7")  # P018's is earlier
    reverted = web.post("/closures/1/revert", {"reason": "service postponed"})
    assert reverted.status_code == 303
    assert ("Reverted closure 1 on 2 plans. Urgent: moves within 48 hours for P017, P018: tell these "
            "patients directly.") in web.client.get("/closures").text  # moved back to tomorrow
    with opened(db) as registry:
        assert [c.kind for c in registry.history(registry.plan("P018").id)] == ["closure", "revert"]


def test_the_worklist_names_the_resources_in_use_for_one_it_does_not_know(db, tmp_path):
    web = Web(db, tmp_path)
    web.login()
    web.register()
    page = web.client.get("/worklist?from=2026-04-13&resource=LINAC")
    assert page.status_code == 400
    assert "Resource: no active plan uses the resource &#39;LINAC&#39; (resources in use: linac)" in page.text
    assert 'value="LINAC"' in page.text  # the form keeps what was typed
    csv_text = web.client.get("/worklist?from=2026-04-13&resource=LINAC&format=csv")
    assert csv_text.status_code == 400 and "resources in use: linac" in csv_text.text
    known = web.client.get("/worklist?from=2026-04-13&resource=linac")
    assert known.status_code == 200 and "rt/f1" in known.text
