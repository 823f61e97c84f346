"""Regression tests for the defects a review of the whole tool found (one test each)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.adjust import Hold

from .conftest import make_plan

DATA = Path(__file__).parent / "data"


def test_batch_line_numbers_count_blank_lines(tmp_path):
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("key,template,start\n\nP1,stupp,2026-03-02\n\n\nP2,stupp,2026-02-30\n")
    result = CliRunner().invoke(cli, ["batch", str(csv_path), "-o", str(tmp_path / "o"),
                                      "--jobs", "1"])
    assert f"{csv_path}:6: P2: start column: '2026-02-30' is not a real date" in result.stderr


def test_generation_time_out_of_range_is_refused(tmp_path):
    runner = CliRunner()
    for args, env in ((["--now", "9999-12-31T23:59:59-05:00"], {}),
                      ([], {"SOURCE_DATE_EPOCH": "99999999999999"})):
        result = runner.invoke(cli, ["generate", "stupp", "--start", "2026-03-02", *args,
                                     "-o", str(tmp_path / "o")], env=env)
        assert result.exit_code == 2, result.output
        assert "is not a time between 1970 and 2999" in result.stderr


def test_bad_now_does_not_create_the_registry(tmp_path):
    db = tmp_path / "r.db"
    result = CliRunner().invoke(cli, ["patient", "add", "P1", "stupp", "--start", "2026-03-02",
                                      "--now", "soon", "--db", str(db)])
    assert result.exit_code == 2
    assert not db.exists()


def test_held_start_of_radiotherapy_names_the_hold():
    from dataclasses import replace

    from scheduler.core.expand import expand

    plan = make_plan("stupp", "2026-03-02", holidays="none", tz="UTC")
    held = expand(replace(plan.request,
                          adjustments=(Hold("rt", date(2026, 3, 2), 3, "mucositis"),)))
    first = next(e for e in held.events if e.fraction == 1)
    assert (first.date, first.moved_from, first.reason) == (
        date(2026, 3, 5), date(2026, 3, 2), "held: mucositis")


def test_command_line_closure_beats_a_site_working_day(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("holidays: none\ntimezone: UTC\nworkdays:\n  - 2026-03-07\n")
    result = CliRunner().invoke(cli, ["show", "stupp", "--start", "2026-03-02", "--site",
                                      str(site), "--closed", "2026-03-07=Power cut", "--json"])
    assert result.exit_code == 0, result.output
    assert "2026-03-07" not in {e["date"] for e in json.loads(result.stdout)
                                if e["component"] == "rt"}


def test_an_appointment_across_the_spring_forward_night_ends_after_it_starts(tmp_path):
    template = tmp_path / "night.yaml"
    template.write_text(
        "id: night\nname: Night\nsource: test\ncomponents:\n"
        "  - {kind: visit, id: v, name: V, code: V, at: {day: 1}, time: '01:45', "
        "duration: 45m}\n"
        "  - {kind: visit, id: w, name: W, code: W, at: {day: 1}, time: '02:30', "
        "duration: 45m}\n")
    # Sunday 8 March 2026, made a working day: New York skips 02:00-03:00 that night.
    plan = make_plan(str(template), "2026-03-08", holidays="none", tz="America/New_York",
                     workdays=("2026-03-08",))
    assert [e.date for e in plan.events] == [date(2026, 3, 8)] * 2
    for visit in plan.events:  # compare instants: same-zone datetimes subtract wall clocks
        assert visit.end.timestamp() - visit.start.timestamp() == 45 * 60


def test_gmt_zone_has_no_unused_vtimezone(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "stupp", "--start", "2026-03-02", "--holidays",
                                      "none", "--tz", "GMT", "-o", str(tmp_path)])
    assert result.exit_code == 0
    data = (tmp_path / "stupp_2026-03-02.ics").read_bytes()
    assert b"BEGIN:VTIMEZONE" not in data
    assert b"DTSTART:20260302T090000Z" in data


def test_lower_case_subdivision_is_accepted():
    plan = make_plan("stupp", "2026-03-02", holidays="gb-eng", tz="Europe/London")
    assert plan.request.calendar.region == "GB-ENG"


def test_crlf_template_is_not_reported_as_changed(tmp_path):
    template = tmp_path / "crlf.yaml"
    text = (Path(__file__).resolve().parent.parent / "templates" / "stupp.yaml").read_text()
    template.write_bytes(text.replace("\n", "\r\n").encode())
    db = tmp_path / "r.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["patient", "add", "K1", str(template), "--start", "2026-03-02",
                               "--db", str(db)]).exit_code == 0
    shown = runner.invoke(cli, ["patient", "show", "K1", "--db", str(db)])
    assert "has changed" not in shown.output
    assert str(template.resolve()) in shown.output


def test_a_parameter_outside_what_its_field_allows_is_refused(tmp_path):
    template = tmp_path / "param.yaml"
    template.write_text(
        "id: param\nname: P\nsource: test\n"
        "parameters:\n  d: {default: 1, minimum: -999999999, maximum: 999999999, "
        "description: Visit day}\n"
        "components:\n  - {kind: visit, id: v, name: V, code: V, at: {day: $d}}\n")
    runner = CliRunner()
    for value in ("0", "-5", "999999999"):
        result = runner.invoke(cli, ["show", str(template), "--start", "2026-03-02",
                                     "--holidays", "none", "--tz", "UTC", "--set", f"d={value}"])
        assert result.exit_code == 2, (value, result.output)
        assert f"parameter d = {value} is not a possible value" in result.stderr


def test_a_daily_medication_of_millions_of_days_is_refused_quickly(tmp_path):
    template = tmp_path / "daily.yaml"
    template.write_text(
        "id: daily\nname: D\nsource: test\n"
        "parameters:\n  n: {default: 1, maximum: 3000000, description: Days}\n"
        "components:\n  - {kind: daily, id: pills, name: Pills, code: P, start: {day: 1}, "
        "days: $n}\n")
    result = CliRunner().invoke(cli, ["show", str(template), "--start", "2026-03-02",
                                      "--holidays", "none", "--tz", "UTC", "--set", "n=3000"])
    assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["show", str(template), "--start", "2026-03-02",
                                      "--holidays", "none", "--tz", "UTC", "--set", "n=2000000"])
    assert result.exit_code == 2
    assert "is not a possible value" in result.stderr


def test_plan_key_makes_uids_unguessable_and_stays_stable(tmp_path):
    from icalendar import Calendar

    runner = CliRunner()

    def uids(*extra: str) -> set[str]:
        out = tmp_path / "-".join(extra or ("plain",))
        result = runner.invoke(cli, ["generate", "stupp", "--start", "2026-03-02", "--holidays",
                                     "none", "--tz", "UTC", "--patient", "CHN-042",
                                     "--discreet", "--force", "-o", str(out), *extra])
        assert result.exit_code == 0, result.output
        if not extra:
            assert "Note: without --plan-key" in result.output
        data = next(out.glob("*.ics")).read_bytes()
        return {str(v["UID"]) for v in Calendar.from_ical(data).walk("VEVENT")}

    guessable, secret, again = uids(), uids("--plan-key", "s3cret"), uids("--plan-key", "s3cret")
    assert secret == again
    assert not guessable & secret
