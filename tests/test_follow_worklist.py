"""The worklist: one indexed query, urgent first, CSV/JSON (issue 20, part 4)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.cli import cli
from scheduler.services import worklist as work

ROOT = Path(__file__).resolve().parent.parent


def run(db: str, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", db])


def add(db: str, key: str, template: str, start: str) -> None:
    result = run(db, "patient", "add", key, template, "--start", start, "--now", "2026-03-01T00:00:00Z")
    assert result.exit_code == 0, result.output


def populated(db: str, tmp_path: Path) -> None:
    add(db, "P017", "nct06478355", "2026-03-02")
    add(db, "P018", "mfolfox6", "2026-03-30")
    add(db, "P019", "nct06478355", "2026-04-13")
    issued = run(db, "issue", "P019", "-o", str(tmp_path / "out"), "--now", "2026-04-01T00:00:00Z")
    assert issued.exit_code == 0
    assert run(db, "feed", "create", "P018", "--now", "2026-04-01T00:00:00Z").exit_code == 0
    delayed = run(db, "delay", "P017", "--cycle", "3", "--days", "2", "--reason", "neutropenia",
                  "--now", "2026-04-12T01:00:00Z")
    assert delayed.exit_code == 0, delayed.output


def test_a_day_lists_every_active_plans_events_urgent_first(db, tmp_path):
    populated(db, tmp_path)
    result = run(db, "worklist", "--from", "2026-04-13", "--now", "2026-04-12T02:00:00Z", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [(i["patient_key"], i["ref"], i["date"], i["time"], i["flags"]) for i in items] == [
        ("P017", "immunochemo/c3/d1/pd1", "2026-04-15", "08:30-09:30", ["urgent", "unissued"]),
        ("P017", "immunochemo/c3/d1/nab-paclitaxel", "2026-04-15", "09:30-10:30", ["urgent", "unissued"]),
        ("P017", "immunochemo/c3/d1/cisplatin", "2026-04-15", "10:30-13:30", ["urgent", "unissued"]),
        ("P019", "immunochemo/c1/d1/pd1", "2026-04-13", "08:30-09:30", []),
        ("P018", "mfolfox6/c2/d1/leucovorin", "2026-04-13", "09:00-11:00", ["unissued", "never-fetched"]),
        ("P018", "mfolfox6/c2/d1/oxaliplatin", "2026-04-13", "09:00-11:00", ["unissued", "never-fetched"]),
        ("P019", "immunochemo/c1/d1/nab-paclitaxel", "2026-04-13", "09:30-10:30", []),
        ("P019", "immunochemo/c1/d1/cisplatin", "2026-04-13", "10:30-13:30", []),
        ("P018", "mfolfox6/c2/d1/fluorouracil-bolus", "2026-04-13", "11:00-11:15",
         ["unissued", "never-fetched"]),
        ("P018", "mfolfox6/c2/d1/fluorouracil-infusion", "2026-04-13", "11:15-Wed 09:15",
         ["unissued", "never-fetched"]),
        ("P017", "rt/f1", "2026-04-13", "14:00-14:20", ["unissued"]),
    ]
    assert items[0]["moved_from"] == "2026-04-13" and items[0]["status"] == "moved"
    # a week later the same change is no longer urgent: the events are past
    later = json.loads(run(db, "worklist", "--from", "2026-04-15", "--now", "2026-04-20T00:00:00Z",
                           "--json").stdout)
    assert all("urgent" not in i["flags"] for i in later)


def test_a_week_flags_labs_and_feeds_never_fetched_and_filters_by_resource(db, tmp_path):
    populated(db, tmp_path)
    items = json.loads(run(db, "worklist", "--from", "2026-04-20", "--days", "7", "--now",
                           "2026-04-12T02:00:00Z", "--json").stdout)
    p018 = [i for i in items if i["patient_key"] == "P018"]
    assert p018 and all("never-fetched" in i["flags"] for i in p018)
    assert all("never-fetched" not in i["flags"] for i in items if i["patient_key"] != "P018")
    dates = [i["date"] for i in items if "urgent" not in i["flags"]]
    assert min(dates) >= "2026-04-20" and max(dates) <= "2026-04-26"
    # outside the week, but moved yesterday out of the next 48 hours: listed first, to tell P017
    assert [(i["ref"], i["date"], i["moved_from"]) for i in items if "urgent" in i["flags"]] == [
        ("immunochemo/c3/d1/pd1", "2026-04-15", "2026-04-13"),
        ("immunochemo/c3/d1/nab-paclitaxel", "2026-04-15", "2026-04-13"),
        ("immunochemo/c3/d1/cisplatin", "2026-04-15", "2026-04-13")]
    assert all("urgent" in i["flags"] for i in items[:3])
    unknown = run(db, "worklist", "--from", "2026-04-20", "--days", "7", "--resource", "LINAC",
                  "--now", "2026-04-12T02:00:00Z", "--json")
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert ("Error: --resource: no active plan uses the resource 'LINAC' (resources in use: linac)"
            in unknown.stderr), unknown.stderr
    linac = json.loads(run(db, "worklist", "--from", "2026-04-20", "--days", "7", "--resource", "linac",
                           "--now", "2026-04-12T02:00:00Z", "--json").stdout)
    assert linac and {i["ref"].split("/")[0] for i in linac} == {"rt"}
    zero = run(db, "worklist", "--days", "0")
    assert zero.exit_code == 2 and "give a number of days from 1 to 366, not 0" in zero.stderr


def test_labs_due_is_flagged_on_a_blood_test(db, tmp_path):
    add(db, "P018", "mfolfox6", "2026-03-30")
    items = json.loads(run(db, "worklist", "--from", "2026-04-01", "--days", "30", "--now",
                           "2026-04-01T00:00:00Z", "--json").stdout)
    labs = [i for i in items if i["ref"].startswith("labs/")]
    assert labs and all("labs-due" in i["flags"] for i in labs)
    assert all("labs-due" not in i["flags"] for i in items if not i["ref"].startswith("labs/"))


def test_csv_guards_against_formulas_and_text_is_a_table(db, tmp_path):
    template = tmp_path / "formula.yaml"
    text = (ROOT / "templates" / "nct06478355.yaml").read_text()
    assert "name: Radiotherapy\n" in text
    template.write_text(text.replace("name: Radiotherapy\n", "name: \"=HYPERLINK(1)\"\n", 1))
    add(db, "P020", str(template), "2026-03-02")
    result = run(db, "worklist", "--from", "2026-04-13", "--now", "2026-04-12T00:00:00Z", "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    rt = [r for r in rows if r["ref"] == "rt/f1"]
    assert rt and rt[0]["title"].startswith("'=HYPERLINK(1)")
    table = run(db, "worklist", "--from", "2026-04-13", "--now", "2026-04-12T00:00:00Z").stdout
    assert table.splitlines()[0] == f"Worklist 2026-04-13: {len(rows)} event(s), 0 urgent"
    both = run(db, "worklist", "--json", "--csv")
    assert both.exit_code == 2 and "give --json or --csv, not both" in both.stderr


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(
    st.text(), st.dates(), st.text(), st.text(), st.text(), st.text(),
    st.sampled_from(["planned", "moved", "given", "done", "missed", "not-given", "cancelled"]),
    st.lists(st.sampled_from(work.FLAGS), unique=True).map(tuple),
    st.none() | st.dates(), st.none() | st.text()), max_size=4))
def test_the_json_writer_gives_the_bytes_of_json_dumps(rows):
    """The worklist writes its JSON lines itself (for speed); they are json.dumps's, byte for
    byte, whatever the strings hold: quotes, backslashes, control characters, emoji, CJK."""
    items = [work.Item(*row) for row in rows]
    expected = [json.dumps(i.record(), ensure_ascii=False) for i in items]
    assert work.to_json(items) == ("[\n" + ",\n".join(f"  {e}" for e in expected) + "\n]\n"
                                   if items else "[]\n")


def test_the_json_writer_on_awkward_titles():
    title = '=Q "quoted" back\\slash </td> é 中文 😀 \u2028 \t\n\x00\x1f\x7f'
    item = work.Item("P-1.a_b", date(2026, 4, 13), "11:15-Wed 09:15", "rt/f1", title, "Ward \"B\"",
                     "moved", ("urgent", "labs-due"), date(2026, 4, 11), "2026-04-11T23:00:00+00:00")
    assert work.to_json([item]) == f"[\n  {json.dumps(item.record(), ensure_ascii=False)}\n]\n"
    assert json.loads(work.to_json([item]))[0]["title"] == title


def _flags(db: str, key: str) -> set[str]:
    """The plan-wide flags of a patient's untouched events on the worklist of 2026-04-27 to 29."""
    items = json.loads(run(db, "worklist", "--from", "2026-04-27", "--days", "3", "--now",
                           "2026-04-12T02:00:00Z", "--json").stdout)
    found = [set(i["flags"]) - {"labs-due"} for i in items if i["patient_key"] == key]
    assert found and all(f == found[0] for f in found)
    return found[0]


def test_the_plan_wide_flags_follow_issues_and_feeds_and_check_repairs_them(db, tmp_path):
    import sqlalchemy as sa

    add(db, "P018", "mfolfox6", "2026-03-30")
    assert _flags(db, "P018") == {"unissued"}
    issued = run(db, "issue", "P018", "-o", str(tmp_path / "out"), "--now", "2026-04-01T00:00:00Z")
    assert issued.exit_code == 0, issued.output
    assert _flags(db, "P018") == set()
    assert run(db, "feed", "create", "P018", "--now", "2026-04-02T00:00:00Z").exit_code == 0
    assert _flags(db, "P018") == {"never-fetched"}
    assert run(db, "feed", "revoke", "P018", "--now", "2026-04-03T00:00:00Z").exit_code == 0
    assert _flags(db, "P018") == set()
    assert run(db, "feed", "create", "P018", "--now", "2026-04-04T00:00:00Z").exit_code == 0
    url = sa.make_url(db if "://" in db else f"sqlite:///{db}")
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # the plan's row says what its rows do not
        connection.exec_driver_sql("UPDATE plans SET last_issued_at = NULL, feed_fetched = NULL")
    engine.dispose()
    assert _flags(db, "P018") == {"unissued"}
    check = run(db, "registry", "check")
    assert check.exit_code == 2
    assert ("P018: its last issue or feed state (the worklist's flags) differ from its versions "
            "and feed tokens") in check.stderr
    assert run(db, "registry", "check", "--repair").exit_code == 0
    assert _flags(db, "P018") == {"never-fetched"}
    assert run(db, "registry", "check").exit_code == 0


def test_upgrade_from_0007_fills_the_plan_wide_flags_from_versions_and_feeds(db, tmp_path):
    import sqlalchemy as sa

    add(db, "P017", "nct06478355", "2026-03-02")
    add(db, "P018", "mfolfox6", "2026-03-30")
    issued = run(db, "issue", "P018", "-o", str(tmp_path / "out"), "--now", "2026-04-01T00:00:00Z")
    assert issued.exit_code == 0, issued.output
    assert run(db, "feed", "create", "P018", "--now", "2026-04-02T00:00:00Z").exit_code == 0
    url = sa.make_url(db if "://" in db else f"sqlite:///{db}")
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # the registry as migration 0007 left it
        for column in ("last_issued_at", "feed_fetched"):
            connection.exec_driver_sql(f"ALTER TABLE plans DROP COLUMN {column}")
        connection.exec_driver_sql("DROP INDEX ix_current_events_moved_date")
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0007'")
    upgraded = run(db, "registry", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    with engine.connect() as connection:
        assert connection.exec_driver_sql(
            "SELECT patient_key, last_issued_at, feed_fetched FROM plans ORDER BY patient_key").all() == [
            ("P017", None, None), ("P018", "2026-04-01T00:00:00+00:00", False)]
    engine.dispose()
    assert _flags(db, "P018") == {"never-fetched"}
    assert run(db, "registry", "check").exit_code == 0


def test_a_first_fetch_during_an_issue_waits_for_it_and_keeps_its_time(db):
    """A feed's first fetch is written while another transaction issues a version of the same
    plan: it waits for the plan's row, then marks the feed fetched without writing back the
    issue time it read before (on PostgreSQL, a statement that started before the issue
    committed would have)."""
    import threading
    import time
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from scheduler.registry import StoredVersion, feeddocs, opened, schema

    add(db, "P018", "mfolfox6", "2026-03-30")
    assert run(db, "feed", "create", "P018", "--now", "2026-04-02T00:00:00Z").exit_code == 0
    at = datetime(2026, 4, 3, tzinfo=UTC)
    with opened(db) as issuing, opened(db) as fetching:
        plan_id = issuing.plan("P018").id
        token = issuing.live_token(plan_id)
        assert token is not None
        token_id = fetching._rows(sa.select(schema.feed_tokens.c.id))[0][0]
        done = threading.Event()

        def fetch() -> None:
            feeddocs.touch_tokens(fetching, {token_id: at})
            done.set()

        with issuing.transaction():
            issuing.plan("P018", lock=True)
            issuing.add_version(plan_id, StoredVersion(1, "2026-04-03T08:00:00+00:00", [], {}, "li.na"), {})
            worker = threading.Thread(target=fetch)
            worker.start()
            time.sleep(0.5)
            waited = not done.is_set()
        worker.join(timeout=30)
        assert done.is_set() and waited
        assert fetching._rows(sa.select(schema.plans.c.last_issued_at, schema.plans.c.feed_fetched)
                              .where(schema.plans.c.id == plan_id)) == [("2026-04-03T08:00:00+00:00", True)]
        assert fetching.stale_plan_states() == []


def test_a_first_fetch_during_a_revoke_neither_deadlocks_nor_marks_a_revoked_feed(db):
    import threading
    import time
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from scheduler.registry import feeddocs, opened, schema

    add(db, "P018", "mfolfox6", "2026-03-30")
    assert run(db, "feed", "create", "P018", "--now", "2026-04-02T00:00:00Z").exit_code == 0
    at = datetime(2026, 4, 3, tzinfo=UTC)
    failed: list[BaseException] = []
    with opened(db) as revoking, opened(db) as fetching:
        plan_id = revoking.plan("P018").id
        token_id = fetching._rows(sa.select(schema.feed_tokens.c.id))[0][0]

        def fetch() -> None:
            try:
                feeddocs.touch_tokens(fetching, {token_id: at})
            except BaseException as error:
                failed.append(error)

        with revoking.transaction():  # as 'feed revoke' does: the plan's row, then its tokens
            revoking.plan("P018", lock=True)
            worker = threading.Thread(target=fetch)
            worker.start()
            time.sleep(0.5)
            assert revoking.revoke_tokens(plan_id, "li.na", at) == 1
        worker.join(timeout=30)
        assert failed == [] and not worker.is_alive()
        assert fetching._rows(sa.select(schema.plans.c.feed_fetched)) == [(None,)]
        assert fetching.stale_plan_states() == []


def test_a_dose_recorded_given_on_another_day_is_not_urgent(db):
    add(db, "P017", "nct06478355", "2026-03-02")
    recorded = run(db, "record", "P017", "rt/f6", "--status", "given", "--on", "2026-04-21", "--now",
                   "2026-04-21T10:00:00Z")
    assert recorded.exit_code == 0, recorded.output
    items = json.loads(run(db, "worklist", "--from", "2026-04-21", "--now", "2026-04-21T11:00:00Z",
                           "--json").stdout)
    given = [i for i in items if i["ref"] == "rt/f6"]
    assert [(i["status"], i["moved_from"], i["flags"]) for i in given] == [
        ("given", "2026-04-20", ["unissued"])]
