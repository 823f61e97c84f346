"""Deviations (issue 20, part 3) and a drug's day tolerance."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from scheduler.cli import cli
from tests.test_web import Web

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-03-20T00:00:00Z"


def run(db: str, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", db])


def tolerant_template(tmp_path: Path) -> Path:
    """The pembrolizumab template with a tolerance of ±3 days on its drug."""
    text = (ROOT / "templates" / "pembrolizumab-q6w.yaml").read_text()
    assert "      - id: pembrolizumab\n" in text
    path = tmp_path / "pembro-tolerant.yaml"
    path.write_text(text.replace("      - id: pembrolizumab\n",
                                 "      - id: pembrolizumab\n        day_tolerance: 3\n", 1))
    return path


def test_template_show_notes_the_tolerance(tmp_path):
    shown = CliRunner().invoke(cli, ["template", "show", str(tolerant_template(tmp_path))])
    assert shown.exit_code == 0, shown.output
    assert ("      tolerance ±3 days: a dose given up to 3 days off its planned day is not a "
            "deviation") in shown.output
    plain = CliRunner().invoke(cli, ["template", "show", "pembrolizumab-q6w"]).output
    assert "tolerance" not in plain


def test_a_ct_done_ten_days_late_a_dose_off_day_and_a_missed_dose_are_deviations(db, tmp_path):
    added = run(db, "patient", "add", "P021", str(tolerant_template(tmp_path)), "--start", "2026-01-05",
                "--now", "2026-01-01T00:00:00Z")
    assert added.exit_code == 0, added.output
    run(db, "patient", "add", "P022", "pembrolizumab-q6w", "--start", "2026-01-05", "--now",
        "2026-01-01T00:00:00Z")
    steps = [
        ("P021", "ct-scan/1", "done", "2026-03-12", ""),
        ("P021", "pembrolizumab-q6w/c2/d1/pembrolizumab", "given", "2026-02-18", ""),  # 2 days: tolerated
        ("P021", "pembrolizumab-q6w/c3/d1/pembrolizumab", "not-given", None, "grade 3 colitis"),
        ("P022", "pembrolizumab-q6w/c2/d1/pembrolizumab", "given", "2026-02-18", ""),  # no tolerance
        ("P022", "ct-scan/1", "done", "2026-03-05", ""),  # inside its window
    ]
    for key, ref, status, on, reason in steps:
        args = ["record", key, ref, "--status", status, "--now", NOW, "--author", "nurse.li"]
        args += ["--on", on] if on else []
        args += ["--reason", reason] if reason else []
        result = run(db, *args)
        assert result.exit_code == 0, result.output
    found = json.loads(run(db, "deviations", "--json").stdout)
    assert [(d["patient_key"], d["ref"], d["kind"], d["days"], d["reason"]) for d in found] == [
        ("P021", "ct-scan/1", "outside-window", 3, ""),
        ("P021", "pembrolizumab-q6w/c3/d1/pembrolizumab", "not-given", 0, "grade 3 colitis"),
        ("P022", "pembrolizumab-q6w/c2/d1/pembrolizumab", "off-day", 2, ""),
    ]
    text = run(db, "deviations", "P021").stdout
    assert text == (
        "2 deviation(s):\n"
        "  P021  ct-scan/1  done 3 days after its window (2026-02-23 to 2026-03-09) (change 1, nurse.li)\n"
        "  P021  pembrolizumab-q6w/c3/d1/pembrolizumab  not given (planned 2026-03-30): grade 3 colitis "
        "(change 3, nurse.li)\n")
    # reverting a record takes its deviation away
    assert run(db, "revert", "P021", "1", "--reason", "wrong scan", "--now", NOW).exit_code == 0
    assert [d["ref"] for d in json.loads(run(db, "deviations", "P021", "--json").stdout)] == [
        "pembrolizumab-q6w/c3/d1/pembrolizumab"]
    assert run(db, "deviations", "P099").exit_code == 2


def test_the_deviations_page(db, tmp_path):
    web = Web(db, tmp_path)
    web.login()
    web.register()
    web.clock.now = datetime(2026, 4, 20, 1, tzinfo=UTC)
    assert web.login().status_code == 303  # a session lasts hours: log in again
    committed = web.post("/patients/P017/record", {
        "ref": "rt/f3", "status": "missed", "on": "", "time": "", "reason": "machine down",
        "revision": "0", "action": "commit"})
    assert committed.status_code == 303
    page = web.client.get("/deviations?key=P017").text
    assert "rt/f3" in page and "machine down" in page and "missed (planned 2026-04-15)" in page
    zone = re.search(r"\(times in ([A-Za-z_/+-]+)\)", page)  # the zone the record times are in
    assert zone, page
    at = datetime(2026, 4, 20, 1, tzinfo=UTC).astimezone(ZoneInfo(zone.group(1)))
    assert f"change 1, li.na, {at.strftime('%Y-%m-%d %H:%M')}" in page
    assert "rt/f3" in web.client.get("/deviations").text
    assert web.client.get("/deviations?key=P404").status_code == 404
