"""Recording what happened, and the current-events cache (issue 20, parts 2 and 7)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import cli
from scheduler.registry import follow as store
from scheduler.registry import opened
from scheduler.services import derived
from scheduler.services.patients import request_of

NOW = "2026-04-16T08:00:00Z"


def run(db: str, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", db])


def register(db: str, key: str = "P017", start: str = "2026-03-02") -> None:
    result = run(db, "patient", "add", key, "nct06478355", "--start", start, "--label", "Patient 017",
                 "--now", "2026-03-01T00:00:00Z")
    assert result.exit_code == 0, result.output


def events(db: str, key: str = "P017") -> dict[str, dict]:
    shown = json.loads(run(db, "patient", "show", key, "--json").stdout)
    return {e["ref"]: e for e in shown["events"]}


def test_day1_given_two_days_late_moves_the_visit_and_reanchors_later_cycles(db):
    register(db)
    before = events(db)
    assert before["immunochemo/c2/d1/pd1"]["date"] == "2026-03-23"
    assert before["immunochemo/c3/d1/pd1"]["date"] == "2026-04-13"
    result = run(db, "record", "P017", "immunochemo/c2/d1/pd1", "--status", "given", "--on",
                 "2026-03-25", "--author", "nurse.li", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ("Recorded for P017: immunochemo/c2/d1/pd1 given on "
                                             "2026-03-25, 2 days after the plan (change 1)")
    after = events(db)
    assert after["immunochemo/c2/d1/pd1"]["status"] == "given"
    assert after["immunochemo/c2/d1/pd1"]["reason"] == ("Delayed 2 days: given on 2026-03-25, 2 days "
                                                        "after the plan")
    assert after["immunochemo/c2/d1/cisplatin"]["date"] == "2026-03-25"
    assert after["immunochemo/c2/d1/cisplatin"]["status"] is None
    assert after["immunochemo/c2/d8/nab-paclitaxel"]["date"] == "2026-04-01"
    # the next cycle starts 21 days after the actual day 1: Wednesday 15 April
    assert after["immunochemo/c3/d1/pd1"]["date"] == "2026-04-15"
    assert after["rt/f1"]["date"] == before["rt/f1"]["date"]
    history = run(db, "patient", "show", "P017").output
    assert "1. immunochemo/c2/d1/pd1 given on 2026-03-25, 2 days after the plan (nurse.li" in history


def test_a_later_day_given_late_moves_only_that_visits_drugs(db):
    register(db)
    before = events(db)
    assert before["immunochemo/c1/d8/nab-paclitaxel"]["date"] == "2026-03-09"
    result = run(db, "record", "P017", "immunochemo/c1/d8/nab-paclitaxel", "--status", "given",
                 "--on", "2026-03-10", "--time", "11:15", "--now", NOW)
    assert result.exit_code == 0, result.output
    after = events(db)
    moved = after["immunochemo/c1/d8/nab-paclitaxel"]
    assert (moved["date"], moved["start"]) == ("2026-03-10", "2026-03-10T11:15:00+08:00")
    assert moved["moved_from"] == "2026-03-09"
    assert moved["reason"] == "Given on 2026-03-10, 1 day after the plan"
    assert after["immunochemo/c2/d1/pd1"]["date"] == before["immunochemo/c2/d1/pd1"]["date"]


def test_missed_needs_a_reason_stays_in_the_plan_and_is_cancelled_in_the_feed(db, tmp_path):
    register(db)
    refused = run(db, "record", "P017", "rt/f3", "--status", "missed", "--now", NOW)
    assert refused.exit_code == 2
    assert "--reason: say why the event was missed" in refused.stderr
    result = run(db, "record", "P017", "rt/f3", "--status", "missed", "--reason", "machine down",
                 "--now", NOW)
    assert result.exit_code == 0, result.output
    after = events(db)
    assert after["rt/f3"]["status"] == "missed"
    assert after["rt/f3"]["status_note"] == "missed: machine down"
    out = tmp_path / "out"
    issued = run(db, "issue", "P017", "-o", str(out), "--now", NOW)
    assert issued.exit_code == 0, issued.output
    [ics] = out.glob("*.ics")
    # one entry per visit (export.visits): a fraction is a visit of its own, titled as before
    vevents = {str(v["SUMMARY"]).removeprefix("Cancelled: ").split(" of ")[0]: v
               for v in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    missed = vevents["Radiotherapy – fraction 3"]
    assert str(missed["STATUS"]) == "CANCELLED"
    assert str(vevents["Radiotherapy – fraction 4"]["STATUS"]) == "CONFIRMED"


def test_refusals_in_words(db):
    register(db)
    unknown = run(db, "record", "P017", "immunochemo/c3/d1/pdl", "--status", "given", "--now", NOW)
    assert unknown.exit_code == 2
    assert "there is no event 'immunochemo/c3/d1/pdl' in the plan of P017 (did you mean " \
           "immunochemo/c3/d1/pd1" in unknown.stderr
    future = run(db, "record", "P017", "immunochemo/c4/d1/pd1", "--status", "given", "--now", NOW)
    assert future.exit_code == 2
    assert ("immunochemo/c4/d1/pd1 is planned for 2026-05-06, in the future (today is 2026-04-16 in "
            "Asia/Shanghai)") in future.stderr
    late = run(db, "record", "P017", "rt/f1", "--status", "given", "--on", "2026-04-17", "--now", NOW)
    assert "--on: 2026-04-17 is in the future" in late.stderr
    assert run(db, "record", "P017", "rt/f1", "--status", "given", "--now", NOW).exit_code == 0
    again = run(db, "record", "P017", "rt/f1", "--status", "given", "--now", NOW)
    assert again.exit_code == 2
    assert "rt/f1 is already recorded: rt/f1 given on 2026-04-13, the planned day (change 1)" in again.stderr
    bad_time = run(db, "record", "P017", "rt/f2", "--status", "given", "--time", "25:00", "--now", NOW)
    assert "--time '25:00': give a time as HH:MM" in bad_time.stderr
    assert run(db, "patient", "end", "P017", "--reason", "completed", "--now", NOW).exit_code == 0
    ended = run(db, "record", "P017", "rt/f2", "--status", "given", "--now", NOW)
    assert ended.exit_code == 2
    assert "the plan of P017 has ended" in ended.stderr
    assert [c["kind"] for c in json.loads(run(db, "patient", "show", "P017", "--json").stdout)["changes"]] \
        == ["record", "end"]


def test_a_record_is_reverted_like_any_change(db):
    register(db)
    before = events(db)
    run(db, "record", "P017", "immunochemo/c3/d1/pd1", "--status", "given", "--on", "2026-04-15",
        "--now", NOW)
    reverted = run(db, "revert", "P017", "1", "--reason", "wrong patient", "--now", NOW)
    assert reverted.exit_code == 0, reverted.output
    after = events(db)
    assert {r: (e["date"], e["status"]) for r, e in after.items()} == \
           {r: (e["date"], e["status"]) for r, e in before.items()}
    assert run(db, "record", "P017", "immunochemo/c3/d1/pd1", "--status", "given", "--now",
               NOW).exit_code == 0


def _cache(db: str) -> list[tuple]:
    url = sa.make_url(db if "://" in db else f"sqlite:///{db}")
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(tuple(r) for r in connection.exec_driver_sql(
                "SELECT p.patient_key, e.revision, e.ref, e.date, e.start, e.\"end\", e.resource, "
                "e.kind, e.status, e.title, e.location, e.was_date, e.changed_at, e.flags "
                "FROM current_events e JOIN plans p ON p.id = e.plan_id"))
    finally:
        engine.dispose()


def test_the_cache_is_written_with_every_change_and_a_rebuild_finds_it_identical(db):
    register(db)
    register(db, "P018", "2026-03-09")
    run(db, "delay", "P018", "--cycle", "2", "--days", "7", "--reason", "neutropenia", "--now", NOW)
    run(db, "hold", "P018", "--component", "rt", "--from", "2026-03-16", "--days", "2",
        "--reason", "mucositis", "--now", NOW)
    run(db, "record", "P017", "immunochemo/c3/d1/pd1", "--status", "given", "--on", "2026-04-15",
        "--now", NOW)
    run(db, "record", "P017", "rt/f3", "--status", "not-given", "--reason", "refused", "--now", NOW)
    written = _cache(db)
    p017 = {r[2]: r for r in written if r[0] == "P017"}
    assert len(p017) == 60 and {r[1] for r in p017.values()} == {2}
    assert p017["immunochemo/c3/d8/nab-paclitaxel"][3] == "2026-04-22"
    assert p017["immunochemo/c3/d8/nab-paclitaxel"][11] == "2026-04-20"
    assert p017["rt/f3"][8] == "not-given"
    with opened(db) as registry:
        assert derived.drifted(registry, request_of) == []
        # wipe and rebuild: the same rows, byte for byte
        with registry.transaction():
            for stored in registry.plans():
                store.replace_events(registry, stored.id, 0, [])
        assert len(derived.drifted(registry, request_of)) == 2
        assert derived.rebuild(registry, request_of) == 2
    assert _cache(db) == written
    check = run(db, "registry", "check")
    assert check.exit_code == 0, check.output


def test_an_ended_plan_leaves_the_cache_and_check_repair_rebuilds(db):
    register(db)
    register(db, "P018", "2026-03-09")
    run(db, "patient", "end", "P018", "--reason", "withdrew", "--now", NOW)
    assert {r[0] for r in _cache(db)} == {"P017"}
    url = sa.make_url(db if "://" in db else f"sqlite:///{db}")
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE current_events SET date = '2030-01-01' WHERE ref = 'rt/f4'")
    engine.dispose()
    check = run(db, "registry", "check")
    assert check.exit_code == 2
    assert "P017: its current events (the worklist's cache) differ from its history" in check.stderr
    repaired = run(db, "registry", "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "Rebuilt the current events and feed documents of 2 plan(s)" in repaired.output
    assert "2030-01-01" not in {r[3] for r in _cache(db)}


def test_upgrade_from_0005_builds_the_cache(tmp_path):
    db = str(tmp_path / "r.sqlite3")
    register(db)
    issued = run(db, "issue", "P017", "--output", str(tmp_path / "out"), "--now", "2026-03-01T09:00:00Z")
    assert issued.exit_code == 0, issued.output
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:  # the registry as migration 0005 left it
        for column in ("last_issued_at", "feed_fetched"):  # (and before 0008)
            connection.exec_driver_sql(f"ALTER TABLE plans DROP COLUMN {column}")
        connection.exec_driver_sql("DROP INDEX ix_current_events_moved_date")
        for table in ("current_events", "closures", "notifications_sent"):
            connection.exec_driver_sql(f"DROP TABLE {table}")
        for column in ("token_sealed", "client", "client_at"):  # and before 0004 (cal)
            connection.exec_driver_sql(f"ALTER TABLE feed_tokens DROP COLUMN {column}")
        clinic = ("user_changes", "password_resets", "template_versions", "template_reviews", "site_versions")
        for table in clinic:  # and before 0006 (clinic)
            connection.exec_driver_sql(f"DROP TABLE {table}")
        for column in ("role", "language"):
            connection.exec_driver_sql(f"ALTER TABLE users DROP COLUMN {column}")
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
    engine.dispose()
    refused = run(db, "patient", "list")
    assert refused.exit_code == 2 and "registry upgrade" in refused.stderr
    upgraded = run(db, "registry", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "Rebuilt the current events and feed documents of 1 plan(s)" in upgraded.output
    assert len(_cache(db)) == 60
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:  # 0007's display time, filled by the rebuild
        shown = dict(connection.exec_driver_sql("SELECT ref, time_text FROM current_events").all())
    engine.dispose()
    assert shown["immunochemo/c1/d1/pd1"] == "08:30-09:30" and None not in shown.values()
    with engine.connect() as connection:  # 0008's plan-wide flags, from the version issued
        assert connection.exec_driver_sql("SELECT last_issued_at, feed_fetched FROM plans").all() == [
            ("2026-03-01T09:00:00+00:00", None)]
    engine.dispose()
    assert run(db, "registry", "check").exit_code == 0
    assert Path(db).exists()


def test_a_day1_already_moved_past_a_holiday_lands_on_the_day_given(db):
    register(db)
    assert events(db)["immunochemo/c4/d1/pd1"]["date"] == "2026-05-06"  # after Labour Day
    result = run(db, "record", "P017", "immunochemo/c4/d1/pd1", "--status", "given", "--on",
                 "2026-05-07", "--now", "2026-05-08T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert "given on 2026-05-07, 1 day after the plan (change 1)" in result.stdout
    after = events(db)
    assert after["immunochemo/c4/d1/pd1"]["date"] == "2026-05-07"
    assert after["immunochemo/c5/d1/pd1"]["date"] == "2026-05-28"


def test_a_record_says_which_later_cycles_stay_because_they_were_moved_past_a_holiday(db, tmp_path):
    """Cycle 2 given two days late moves cycles 2 and 3; cycle 4 (already after Labour Day) and
    the cycles after it stay, and both shells say why."""
    register(db)
    result = run(db, "record", "P017", "immunochemo/c2/d1/pd1", "--status", "given", "--on", "2026-03-25",
                 "--now", "2026-03-25T10:00:00Z")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    stays = lines.index("Stays where it was:")
    assert lines[stays + 2] == (
        "  18 events that follow it, already where this change puts them: 2026-05-06 to 2027-02-24")
    assert lines[-1].startswith("8 event(s) moved.")
    assert events(db)["immunochemo/c4/d1/pd1"]["date"] == "2026-05-06"

    from tests.test_web import Web  # the web app's preview of cycle 3 given a day early: cycle 4
                                    # (day 1 + 21 = 5 May, a holiday) still lands on the 6th

    web = Web(db, tmp_path)
    web.clock.now = datetime(2026, 4, 20, 1, tzinfo=UTC)
    assert web.login().status_code == 303
    preview = web.post("/patients/P017/record", {
        "ref": "immunochemo/c3/d1/pd1", "status": "given", "on": "2026-04-14", "time": "", "reason": "",
        "revision": "1", "action": "preview"})
    assert preview.status_code == 200, preview.text
    assert "Stays where it was" in preview.text
    assert re.search(r"\d+ events that follow it, already where this change puts them, 2026-05-06 to "
                     r"2027-02-24", preview.text)


def test_a_delay_that_moves_nothing_says_what_stays(db):
    """Cycle 4 delayed a day from its planned 4 May lands on the 6th (Labour Day), where the
    holiday had put it already: nothing moves, and the preview says what stays, from the 6th."""
    register(db)
    dry = run(db, "delay", "P017", "--cycle", "4", "--days", "1", "--reason", "x", "--dry-run", "--now",
              "2026-04-20T01:00:00Z")
    assert "Moves 0 events." in dry.stdout
    assert ("  18 events that follow it, already where this change puts them: 2026-05-06 to 2027-02-24"
            in dry.stdout.splitlines()), dry.stdout
