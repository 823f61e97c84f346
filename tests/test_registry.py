"""The patient registry: plans, adjustments, versions; re-issue; crashes and concurrency."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import cli
from scheduler.registry import PAUSE_FOR_TESTS

ROOT = Path(__file__).resolve().parent.parent


def run(db: str, *args: str, **kwargs: object):
    return CliRunner().invoke(cli, [*args, "--db", db], **kwargs)


def count(db: str, table: str = "adjustments") -> int:
    """Rows in a table, read with plain SQLAlchemy (SQLite: after an integrity check)."""
    url = sa.make_url(db if "://" in db else f"sqlite:///{db}")
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if url.get_backend_name() == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0)
    finally:
        engine.dispose()


def register(db: str, key: str = "P017", start: str = "2026-03-02") -> None:
    result = run(db, "patient", "add", key, "nct06478355", "--start", start,
                 "--label", "Patient 017", "--now", "2026-03-01T00:00:00Z")
    assert result.exit_code == 0, result.output


def vevents(path: Path) -> dict[str, object]:
    return {str(v["UID"]): v for v in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


def test_add_list_show(db):
    register(db)
    if "://" not in db:
        assert stat.S_IMODE(Path(db).stat().st_mode) == 0o600
    listing = run(db, "patient", "list")
    assert listing.stdout == ("KEY\tLABEL\tTEMPLATE\tSTART\tVERSION\tSTATUS\n"
                              "P017\tPatient 017\tnct06478355\t2026-03-02\t-\tactive\n")
    shown = run(db, "patient", "show", "P017")
    assert "Patient P017 (Patient 017)" in shown.output
    assert "Changes: none" in shown.output
    again = run(db, "patient", "add", "P017", "nct06478355", "--start", "2026-03-02")
    assert again.exit_code == 2
    assert "patient 'P017' is already registered" in again.stderr


def test_delay_then_reissue_replaces_in_place(db, tmp_path):
    register(db)
    out = tmp_path / "out"
    first = run(db, "issue", "P017", "-o", str(out), "--now", "2026-03-01T01:00:00Z")
    assert first.exit_code == 0, first.output
    delayed = run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia",
                  "--author", "nurse.li", "--now", "2026-04-10T00:00:00Z")
    assert delayed.exit_code == 0, delayed.output
    assert ("Recorded for P017: cycle 3 of immunochemo delayed 7 days: neutropenia (change 1)"
            in delayed.output)
    second = run(db, "issue", "P017", "-o", str(out), "--now", "2026-04-10T01:00:00Z")
    assert second.exit_code == 0, second.output
    assert ("Version 2 of P017 (replaces version 1 of 2026-03-01): 17 changed, 0 new, "
            "1 cancelled.") in second.output

    old = vevents(out / "P017_nct06478355_2026-03-02_v1.ics")
    new = vevents(out / "P017_nct06478355_2026-03-02_v2.ics")
    assert set(old) == set(new)  # same UIDs: nothing duplicated, nothing lost
    moved = {uid for uid in old if old[uid].decoded("DTSTART") != new[uid].decoded("DTSTART")}
    raised = {uid for uid in new if new[uid]["SEQUENCE"] == 1}
    cancelled = {uid for uid in new if str(new[uid]["STATUS"]) == "CANCELLED"}
    assert len(cancelled) == 1
    assert raised == moved | cancelled
    assert len(moved) == 17  # C3 and C4 (visits on days 1 and 8) and immunotherapy C5-C17 (13)
    for uid in set(new) - raised:
        assert new[uid]["SEQUENCE"] == 0
        assert new[uid].decoded("DTSTAMP") == datetime(2026, 3, 1, 1, tzinfo=UTC)
    for uid in raised:
        assert new[uid].decoded("DTSTAMP") == datetime(2026, 4, 10, 1, tzinfo=UTC)
    (gone,) = cancelled
    assert str(new[gone]["SUMMARY"]) == "Cancelled: Immunotherapy: PD-1 inhibitor"
    assert not new[gone].walk("VALARM")
    c3 = [v for v in new.values() if "cisplatin" in str(v["SUMMARY"])
          and "Cycle 3, day 1 (21-day cycles)." in str(v["DESCRIPTION"])]
    assert c3[0].decoded("DTSTART").date() == date(2026, 4, 20)
    rt_old = sorted(v.decoded("DTSTART") for v in old.values() if "Radiotherapy" in str(v["SUMMARY"]))
    rt_new = sorted(v.decoded("DTSTART") for v in new.values() if "Radiotherapy" in str(v["SUMMARY"]))
    assert rt_old == rt_new

    # Issuing again with no change: same SEQUENCE everywhere, cancelled stays cancelled.
    third = run(db, "issue", "P017", "-o", str(out), "--now", "2026-04-11T00:00:00Z")
    assert "0 changed, 0 new, 0 cancelled" in third.output
    v3 = vevents(out / "P017_nct06478355_2026-03-02_v3.ics")
    assert {u: v["SEQUENCE"] for u, v in v3.items()} == {u: v["SEQUENCE"] for u, v in new.items()}
    assert str(v3[gone]["STATUS"]) == "CANCELLED"


def test_radiotherapy_hold_through_the_cli(db):
    register(db, start="2026-01-05")
    result = run(db, "hold", "P017", "--component", "rt", "--from", "2026-03-02", "--days", "2",
                 "--reason", "mucositis")
    assert result.exit_code == 0, result.output
    shown = run(db, "patient", "show", "P017", "--events")
    rt_lines = [line for line in shown.output.splitlines() if "Radiotherapy – fraction" in line]
    assert len(rt_lines) == 30
    assert "1. rt held 2026-03-02 to 2026-03-03: mucositis (" in shown.output


def test_a_refused_adjustment_records_nothing(db):
    register(db)
    result = run(db, "delay", "P017", "--cycle", "30", "--days", "7", "--reason", "x")
    assert result.exit_code == 2
    assert "cannot delay cycle 30" in result.stderr
    result = run(db, "stop", "P017", "--component", "surgery", "--from", "2026-05-01",
                 "--reason", "x")
    assert result.exit_code == 2
    assert count(db) == 0


def test_edited_template_file_does_not_change_the_plan(db, tmp_path):
    template = tmp_path / "my.yaml"
    template.write_text((ROOT / "templates" / "nct06478355.yaml").read_text())
    result = run(db, "patient", "add", "P1", str(template), "--start", "2026-03-02")
    assert result.exit_code == 0, result.output
    template.write_text(template.read_text().replace("cycle_days: 21", "cycle_days: 14"))
    shown = run(db, "patient", "show", "P1", "--events")
    assert "the template file has changed since this plan was registered" in shown.output
    assert re.search(r"^2026-03-23  Mon  10:30-13:30  DDP +immunochemo/c2/d1/cisplatin +Cisplatin – "
                     r"cycle 2, day 1$", shown.output, re.M)


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scheduler", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_during_delay_leaves_the_previous_state(db):
    register(db)
    env = {**os.environ, PAUSE_FOR_TESTS: "30"}
    process = _cli("delay", "P017", "--cycle", "3", "--days", "7", "--reason", "x",
                   "--db", db, env=env)
    time.sleep(3)  # the adjustment row is written; the process waits before COMMIT
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert count(db) == 0
    ok = run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "x")
    assert ok.exit_code == 0, ok.output
    assert count(db) == 1


def test_kill_9_during_issue_leaves_the_previous_state(db, tmp_path):
    register(db)
    out = tmp_path / "out"
    env = {**os.environ, PAUSE_FOR_TESTS: "30"}
    process = _cli("issue", "P017", "-o", str(out), "--db", db, env=env)
    time.sleep(3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert count(db, "versions") == 0
    result = run(db, "issue", "P017", "-o", str(out))
    assert result.exit_code == 0
    assert "Version 1 of P017" in result.output


def test_two_delays_at_once_both_land(db):
    register(db)
    env = {**os.environ, PAUSE_FOR_TESTS: "1"}
    first = _cli("delay", "P017", "--cycle", "2", "--days", "7", "--reason", "a",
                 "--db", db, env=env)
    second = _cli("delay", "P017", "--cycle", "3", "--days", "7", "--reason", "b",
                  "--db", db, env=env)
    outputs = [p.communicate(timeout=60) for p in (first, second)]
    assert first.returncode == 0, outputs[0]
    assert second.returncode == 0, outputs[1]
    assert count(db) == 2
    shown = run(db, "patient", "show", "P017")
    assert "delayed 7 days: a" in shown.output and "delayed 7 days: b" in shown.output


def test_reissued_pdf_says_which_version_it_replaces(db, tmp_path):
    from pypdf import PdfReader

    register(db)
    out = tmp_path / "out"
    assert run(db, "issue", "P017", "-o", str(out), "--now", "2026-03-01T01:00:00Z").exit_code == 0
    assert run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "x").exit_code == 0
    assert run(db, "issue", "P017", "-o", str(out), "--now", "2026-04-10T01:00:00Z").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        f"P017_nct06478355_2026-03-02_v{n}.{ext}" for n in (1, 2) for ext in ("ics", "pdf")]
    pages = PdfReader(out / "P017_nct06478355_2026-03-02_v2.pdf").pages
    assert "Version 2, replaces version 1 of 2026-03-01" in " ".join(pages[0].extract_text().split())
    text = " ".join(page.extract_text() for page in pages)
    assert "‡" in text  # changed events are marked
    assert "Cancelled" in text or "cancelled" in text


def test_delay_outside_a_window_is_reported_by_the_cli(db):
    windowed = ROOT / "tests" / "data" / "templates" / "windowed.yaml"
    result = run(db, "patient", "add", "W1", str(windowed), "--start", "2026-03-02",
                 "--holidays", "none", "--tz", "UTC")
    assert result.exit_code == 0, result.output
    result = run(db, "delay", "W1", "--cycle", "2", "--days", "7", "--reason", "infection")
    assert result.exit_code == 0, result.output
    assert ("Warning: Windowed drug – cycle 2, day 1 on 2026-03-30 is outside its window "
            "(2026-03-20 to 2026-03-26).") in result.output


@pytest.mark.parametrize("key", ["", " ", "Wang Li", "a/b", "x" * 65])
def test_patient_key_must_be_a_plain_identifier(db, key):
    result = run(db, "patient", "add", key, "nct06478355", "--start", "2026-03-02")
    assert result.exit_code == 2
    assert "use 1 to 64 letters, digits" in result.stderr


def test_a_version_that_cancels_everything_can_be_issued(db, tmp_path):
    register(db)
    out = tmp_path / "out"
    assert run(db, "issue", "P017", "-o", str(out), "--now", "2026-03-01T00:00:00Z").exit_code == 0
    for component in ("immunochemo", "rt"):
        result = run(db, "stop", "P017", "--component", component, "--from", "2026-01-01",
                     "--reason", "declined")
        assert result.exit_code == 0, result.output
    result = run(db, "issue", "P017", "-o", str(out), "--now", "2026-03-02T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert "0 changed, 0 new, 52 cancelled" in result.output  # 60 events, 52 visits
    v2 = vevents(out / "P017_nct06478355_2026-03-02_v2.ics")
    assert {str(v["STATUS"]) for v in v2.values()} == {"CANCELLED"}


def test_switching_to_discreet_raises_every_sequence(db, tmp_path):
    register(db)
    out = tmp_path / "out"
    assert run(db, "issue", "P017", "-o", str(out), "--now", "2026-03-01T00:00:00Z").exit_code == 0
    result = run(db, "issue", "P017", "-o", str(out), "--discreet", "--now", "2026-03-02T00:00:00Z")
    assert "52 changed, 0 new, 0 cancelled" in result.output
    v2 = vevents(out / "P017_nct06478355_2026-03-02_v2.ics")
    assert {v["SEQUENCE"] for v in v2.values()} == {1}
    assert {str(v["SUMMARY"]) for v in v2.values()} == {"Treatment visit", "Hospital appointment"}


def test_window_warnings_are_given_once(db):
    windowed = ROOT / "tests" / "data" / "templates" / "windowed.yaml"
    assert run(db, "patient", "add", "W2", str(windowed), "--start", "2026-03-02",
               "--holidays", "none", "--tz", "UTC").exit_code == 0
    first = run(db, "delay", "W2", "--cycle", "2", "--days", "7", "--reason", "infection")
    assert first.output.count("Warning:") == 1
    second = run(db, "hold", "W2", "--component", "windowed-drug", "--from", "2026-05-01",
                 "--days", "1", "--reason", "x")
    assert second.exit_code == 0
    assert "Warning:" not in second.output


def test_the_replaced_version_is_dated_as_its_own_pdf_is(db, tmp_path):
    """Version 1 issued at 20:00 UTC on 1 March is the 2nd in Shanghai, where its PDF says it
    was generated: version 2 says it replaces version 1 of 2026-03-02, on screen and in print
    (found by a coordinator's acceptance test)."""
    from pypdf import PdfReader

    register(db)
    out = tmp_path / "out"
    assert run(db, "issue", "P017", "-o", str(out), "--now", "2026-03-01T20:00:00Z").exit_code == 0
    first = PdfReader(out / "P017_nct06478355_2026-03-02_v1.pdf").pages[0].extract_text()
    assert "Generated 2026-03-02 04:00 (Asia/Shanghai)" in " ".join(first.split())
    assert run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "x").exit_code == 0
    second = run(db, "issue", "P017", "-o", str(out), "--now", "2026-04-10T01:00:00Z")
    assert "(replaces version 1 of 2026-03-02)" in second.output
    page = PdfReader(out / "P017_nct06478355_2026-03-02_v2.pdf").pages[0].extract_text()
    assert "Version 2, replaces version 1 of 2026-03-02" in " ".join(page.split())


def test_a_failed_command_leaves_no_registry_behind(tmp_path):
    """A mistyped --db does not start an empty registry, and a first 'patient add' that fails
    removes the file it made (found by a coordinator's acceptance test)."""
    db = str(tmp_path / "new.sqlite3")
    added = run(db, "patient", "add", "P1", "nct0647835", "--start", "2026-09-28")
    assert added.exit_code == 2
    assert "unknown template 'nct0647835'" in added.stderr
    issued = run(db, "issue", "P1", "-o", str(tmp_path / "out"))
    assert issued.exit_code == 2
    assert issued.stderr.strip() == (f"Error: --db {db}: no registry there; register a patient "
                                     "first with 'scheduler patient add', or run 'scheduler registry init'")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    register(db)  # a good first 'patient add' makes it
    assert Path(db).is_file()


def test_bringing_a_cycle_forward_says_which_cycle_it_shortens(db):
    register(db)
    result = run(db, "delay", "P017", "--cycle", "2", "--days", "-3", "--reason", "clinic holiday")
    assert result.exit_code == 0, result.output
    assert ("Note: Immunochemotherapy (21-day cycles): cycle 1 lasts 18 days, shorter than its 21, "
            "because cycle 2 was brought forward (clinic holiday).") in result.output


def test_a_change_that_moves_nothing_says_so(db):
    """Found by a new-user pass: a delay of a cycle a holiday had already moved that far, and a
    hold after radiotherapy ends, were recorded without a word."""
    register(db, start="2026-01-05")  # cycle 3 moved from 2026-02-16 to 02-24 (Spring Festival)
    nothing = "Note: this change moved, added and removed no event: the plan's dates are as before"
    delayed = run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia")
    assert delayed.exit_code == 0
    assert delayed.stderr.startswith(nothing)
    assert "undo it with 'scheduler revert P017 1 --reason ...'" in delayed.stderr
    held = run(db, "hold", "P017", "--component", "rt", "--from", "2027-08-10", "--days", "2",
               "--reason", "typo year")
    assert held.exit_code == 0 and held.stderr.startswith(nothing)
    moved = run(db, "delay", "P017", "--cycle", "2", "--days", "7", "--reason", "neutropenia")
    assert moved.exit_code == 0 and "no event" not in moved.stderr
