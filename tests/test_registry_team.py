"""The registry for a team: migrations, foreign databases, history, users, crashes, races.

Every test that takes ``db`` runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.cli import cli
from scheduler.core.adjust import Delay, Hold, Stop
from scheduler.core.errors import SchedulerError
from scheduler.export.outputs import OutputOptions
from scheduler.registry import PAUSE_AT_FOR_TESTS, StaleError, opened
from scheduler.registry.schema import HEAD
from scheduler.services import patients
from scheduler.services.options import PlanOptions

DATA = Path(__file__).parent / "data" / "registry"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def run(db: str, *args: str, **kwargs: object):
    return CliRunner().invoke(cli, [*args, "--db", db], **kwargs)


def register(db: str, key: str = "P017", start: str = "2026-03-02") -> None:
    result = run(
        db,
        "patient",
        "add",
        key,
        "nct06478355",
        "--start",
        start,
        "--label",
        "Patient 017",
        "--now",
        "2026-03-01T00:00:00Z",
        "--author",
        "li.na",
    )
    assert result.exit_code == 0, result.output


def engine(db: str) -> sa.Engine:
    url = sa.make_url(db if "://" in db else f"sqlite:///{db}")
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def tables(db: str) -> set[str]:
    found = engine(db)
    try:
        with found.connect() as connection:
            return set(sa.inspect(connection).get_table_names())
    finally:
        found.dispose()


def scalar(db: str, sql: str) -> object:
    found = engine(db)
    try:
        with found.connect() as connection:
            return connection.exec_driver_sql(sql).scalar()
    finally:
        found.dispose()


# --- migrations -----------------------------------------------------------------------------


def test_the_head_revision_is_the_last_migration():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    migrations = Path(patients.__file__).parents[1] / "registry" / "migrations"
    config.set_main_option("script_location", str(migrations))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_migrations_build_exactly_the_schema_in_code(db):
    """An empty database migrated to the head has the tables and columns of schema.py."""
    from scheduler.registry.schema import metadata

    register(db)
    found = engine(db)
    try:
        with found.connect() as connection:
            inspector = sa.inspect(connection)
            for table in metadata.sorted_tables:
                columns = {c["name"] for c in inspector.get_columns(table.name)}
                assert columns == {c.name for c in table.columns}, table.name
    finally:
        found.dispose()
    assert tables(db) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}


def test_a_registry_of_release_0_1_upgrades_with_nothing_lost(tmp_path):
    """tests/data/registry/release-0.1.sqlite3 was made by release 0.1 (PRAGMA user_version
    1): two patients, a delay and a hold with their authors, two issued versions."""
    db = str(tmp_path / "old.sqlite3")
    shutil.copyfile(DATA / "release-0.1.sqlite3", db)
    refused = run(db, "patient", "list")
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"Error: --db {db}: made by an older scheduler; run 'scheduler "
        f"registry upgrade --db {db}' (back it up first)\n"
    )
    assert (DATA / "release-0.1.sqlite3").read_bytes() == Path(db).read_bytes()  # untouched

    upgraded = run(db, "registry", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output == (f"Upgraded {db} to the current schema\n"
                               "Rebuilt the current events and feed documents of 2 plan(s)\n")
    assert run(db, "registry", "upgrade").output == (
        f"{db} is up to date\nRebuilt the current events and feed documents of 2 plan(s)\n")

    listing = run(db, "patient", "list")
    assert listing.stdout.splitlines()[1:] == [
        "C002\t\tcross\t2026-11-02\t-\tactive",
        "P017\tPatient 017\tnct06478355\t2026-03-02\t2\tactive",
    ]
    shown = run(db, "patient", "show", "P017").output
    assert (
        "  1. cycle 3 of immunochemo delayed 7 days: neutropenia (nurse.li, 2026-04-10T00:00:00+00:00)"
    ) in shown
    assert "  2. rt held 2026-04-20 to 2026-04-21: mucositis (dr.wang, 2026-04-11T00:00:00+00:00)" in shown
    assert (
        "  version 2, 2026-04-12T01:00:00+00:00: /tmp/legacy-out/P017_nct06478355_2026-03-02_v2.ics" in shown
    )
    # The next version follows on from the old ones: SEQUENCE continues, nothing is re-added
    # (issued one event per drug, as release 0.1 did; the default, one per visit, replaces them).
    issued = run(db, "issue", "P017", "-o", str(tmp_path / "out"), "--per-event",
                 "--now", "2026-05-01T00:00:00Z")
    assert issued.exit_code == 0, issued.output
    assert (
        "Version 3 of P017 (replaces version 2 of 2026-04-12): 0 changed, 0 new, 0 cancelled."
        in issued.output
    )


def test_a_newer_registry_is_refused(db):
    register(db)
    found = engine(db)
    with found.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    found.dispose()
    result = run(db, "patient", "list")
    assert result.exit_code == 2
    assert "made by a newer scheduler" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("patient", "list"),
        ("patient", "add", "P1", "nct06478355", "--start", "2026-03-02"),
        ("registry", "upgrade"),
        ("registry", "init"),
        ("registry", "check"),
        ("user", "list"),
    ],
)
def test_someone_elses_sqlite_database_is_never_written(tmp_path, command):
    import sqlite3

    db = tmp_path / "their.db"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE plans (id INTEGER PRIMARY KEY, what TEXT)")
    connection.execute("INSERT INTO plans (what) VALUES ('their data')")
    connection.commit()
    connection.close()
    before = db.read_bytes()
    result = run(str(db), *command)
    assert result.exit_code == 2
    assert "not a scheduler registry" in result.stderr or "not empty" in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["their.db"]  # no -wal, no -journal


def test_someone_elses_postgresql_database_is_never_written(pg_db):
    found = engine(pg_db)
    with found.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE their_table (id integer)")
    found.dispose()
    for command in (
        ("patient", "add", "P1", "nct06478355", "--start", "2026-03-02"),
        ("user", "add", "li.na", "--password-stdin"),
        ("registry", "upgrade"),
    ):
        result = run(pg_db, *command, input="a long password\n")
        assert result.exit_code == 2
        assert "not a scheduler registry" in result.stderr
    assert tables(pg_db) == {"their_table"}


def test_a_read_only_command_on_an_empty_database_creates_nothing(pg_db):
    result = run(pg_db, "patient", "list")
    assert result.exit_code == 2
    assert "no registry there" in result.stderr
    assert tables(pg_db) == set()
    assert run(pg_db, "registry", "init").exit_code == 0
    assert "alembic_version" in tables(pg_db)
    again = run(pg_db, "registry", "init")
    assert again.exit_code == 2 and "not empty" in again.stderr


def test_a_dangling_symlink_db_is_refused_and_nothing_is_made(tmp_path):
    target = tmp_path / "nowhere" / "registry.sqlite3"
    link = tmp_path / "registry.sqlite3"
    link.symlink_to(target)
    result = run(str(link), "patient", "add", "P1", "nct06478355", "--start", "2026-03-02")
    assert result.exit_code == 2
    assert "is a symbolic link to a file that does not exist" in result.stderr
    assert not target.parent.exists()


def test_two_first_commands_at_once_both_land(tmp_path):
    """Creating the registry is one atomic step: neither command loses its plan (found when
    one of them deleted the file the other had just committed to)."""
    for attempt in range(3):
        db = str(tmp_path / f"new{attempt}.sqlite3")
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "scheduler",
                    "patient",
                    "add",
                    key,
                    "nct06478355",
                    "--start",
                    "2026-03-02",
                    "--db",
                    db,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for key in ("A1", "A2", "A3")
        ]
        outputs = [p.communicate(timeout=120) for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0], outputs
        listing = run(db, "patient", "list")
        assert [line.split("\t")[0] for line in listing.stdout.splitlines()[1:]] == ["A1", "A2", "A3"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".new")]


def test_a_first_patient_add_on_a_full_disk_leaves_nothing(tmp_path):
    """The file size limit makes every write past 20 kB fail as a full disk would."""
    db = tmp_path / "registry.sqlite3"
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000)); "
        "from scheduler.cli import cli; cli(prog_name='scheduler')"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "patient",
            "add",
            "P1",
            "nct06478355",
            "--start",
            "2026-03-02",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"Error: --db {db}: cannot create")
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- history: values checked, revert, end ----------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("x" * 501, "reason: is 501 characters long; the limit is 500"),
        ("  ", "reason: give some text"),
        ("bad\x1b[31mred", "reason: contains the control character U+001B at character 4; remove it"),
        ("line\u2028break", "reason: contains the control character U+2028 at character 5; remove it"),
        ("half \udcff byte", "reason: is not valid UTF-8 (a bad byte at character 6)"),
    ],
)
def test_a_reason_is_checked_when_it_is_recorded(db, reason, message):
    register(db)
    result = run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", reason)
    assert result.exit_code == 2
    assert message.split(": ", 1)[1] in result.stderr  # refused as --reason is read
    assert "Traceback" not in result.stderr
    assert run(db, "patient", "show", "P017").output.count("Changes: none") == 1


def test_a_revert_undoes_a_delay_and_the_history_keeps_both(db, tmp_path):
    register(db)
    before = run(db, "patient", "show", "P017", "--events").output.split("Issued versions: none\n")[1]
    assert (
        run(
            db,
            "delay",
            "P017",
            "--cycle",
            "3",
            "--days",
            "7",
            "--reason",
            "neutropenia",
            "--author",
            "nurse.li",
            "--now",
            "2026-04-10T00:00:00Z",
        ).exit_code
        == 0
    )
    reverted = run(
        db,
        "revert",
        "P017",
        "1",
        "--reason",
        "entered for the wrong patient",
        "--author",
        "dr.wang",
        "--now",
        "2026-04-10T01:00:00Z",
    )
    assert reverted.exit_code == 0, reverted.output
    assert reverted.output.startswith(
        "Recorded for P017: reverted change 1: entered for the wrong patient (change 2)\n"
    )
    shown = run(db, "patient", "show", "P017", "--events").output
    assert (
        "  1. cycle 3 of immunochemo delayed 7 days: neutropenia (nurse.li, "
        "2026-04-10T00:00:00+00:00) [reverted by 2]"
    ) in shown
    assert (
        "  2. reverted change 1: entered for the wrong patient (dr.wang, 2026-04-10T01:00:00+00:00)"
    ) in shown
    assert shown.split("Issued versions: none\n")[1] == before  # the dates are the first ones again
    twice = run(db, "revert", "P017", "1", "--reason", "again")
    assert twice.exit_code == 2 and "change 1 was already reverted by change 2" in twice.stderr
    of_revert = run(db, "revert", "P017", "2", "--reason", "undo the undo")
    assert of_revert.exit_code == 2 and "only those can be reverted" in of_revert.stderr


def test_an_ended_plan_takes_no_more_changes(db):
    register(db)
    ended = run(db, "patient", "end", "P017", "--reason", "patient withdrew", "--author", "li.na")
    assert ended.output == "Recorded for P017: plan ended: patient withdrew\n"
    assert run(db, "patient", "list").stdout.splitlines()[1].endswith("\tended")
    refused = run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "x")
    assert refused.exit_code == 2
    assert "has ended (plan ended: patient withdrew); it takes no more changes" in refused.stderr


def test_a_stale_change_is_refused(db):
    register(db)
    with opened(db) as registry:
        seen = patients.snapshot(registry, "P017").revision
        patients.adjust(registry, "P017", Delay("", 3, 7, "first"), "li.na", NOW, expected_revision=seen)
        with pytest.raises(
            StaleError,
            match=r"changed since you opened it \(it had 0 changes, now 1: "
            r"the last by li\.na",
        ):
            patients.adjust(
                registry, "P017", Delay("", 2, 7, "second"), "wang.fang", NOW, expected_revision=seen
            )
        assert [c.reason for c in registry.history(registry.plan("P017").id)] == ["first"]


ADJUSTMENT = st.one_of(
    st.builds(Delay, st.just(""), st.integers(1, 5), st.integers(-10, 30), st.text(min_size=1, max_size=600)),
    st.builds(
        Hold,
        st.sampled_from(["rt", "pd1", "nab-paclitaxel", "cisplatin", "immunochemo"]),
        st.dates(date(2026, 2, 20), date(2026, 9, 1)),
        st.integers(1, 20),
        st.text(min_size=1),
    ),
    st.builds(
        Stop,
        st.sampled_from(["rt", "pd1", "cisplatin", "immunochemo", "nothing"]),
        st.dates(date(2026, 1, 1), date(2027, 3, 1)),
        st.text(min_size=1),
    ),
)


@settings(
    max_examples=int(os.environ.get("SCHEDULER_REGISTRY_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(ADJUSTMENT, min_size=1, max_size=4))
def test_every_accepted_sequence_of_changes_can_be_issued(tmp_path_factory, changes):
    """Whatever is accepted can be issued afterwards (a 600-word or non-UTF-8 reason once broke
    every later issue for good)."""
    folder = tmp_path_factory.mktemp("property")
    db = str(folder / "registry.sqlite3")
    stored = patients.prepare("P1", None, "nct06478355", PlanOptions(start=date(2026, 1, 5)), NOW, "t").stored
    with opened(db, create=True) as registry:
        patients.register(registry, stored)
        for change in changes:
            try:
                patients.adjust(registry, "P1", change, "tester", NOW)
            except SchedulerError:  # refused in words (a bad reason, a cycle before the start...)
                continue
        issued = patients.issue(registry, "P1", folder / "out", NOW, OutputOptions())
        reasons = [c.reason for c in patients.snapshot(registry, "P1").changes]
    assert all(path.is_file() for path in issued.files)
    assert all(0 < len(reason) <= 500 for reason in reasons)


# --- users, export, check -----------------------------------------------------------------------


def test_users_are_added_listed_and_disabled(db):
    added = run(
        db,
        "user",
        "add",
        "li.na",
        "--admin",
        "--password-stdin",
        "--author",
        "root",
        "--now",
        "2026-03-01T00:00:00Z",
        input="correct horse battery\n",
    )
    assert added.exit_code == 0, added.output
    assert added.output == "Added admin li.na\n"
    assert run(db, "user", "add", "wang.fang", "--password-stdin", input="short\n").stderr == (
        "Error: password: use 10 to 1024 characters\n"
    )
    assert run(db, "user", "add", "Wang Fang", "--password-stdin", input="long enough pw\n").exit_code == 2
    assert str(scalar(db, "SELECT password_hash FROM users")).startswith("$argon2id$")
    assert run(db, "user", "add", "wang.fang", "--password-stdin", "--now", "2026-03-01T00:00:00Z",
               input="long enough pw\n").output == "Added coordinator wang.fang\n"
    assert run(db, "user", "disable", "li.na").stderr == (
        "Error: li.na is the last active admin: disabling them would leave no one to add people or "
        "approve templates; make another admin first\n")
    assert run(db, "user", "disable", "wang.fang", "--now", "2026-03-02T00:00:00Z").exit_code == 0
    assert run(db, "user", "list").output == (
        "NAME\tROLE\tCREATED\tSTATUS\n"
        "li.na\tadmin\t2026-03-01T00:00:00+00:00\tactive\n"
        "wang.fang\tcoordinator\t2026-03-01T00:00:00+00:00\tdisabled 2026-03-02T00:00:00+00:00\n"
    )
    assert "is disabled already" in run(db, "user", "disable", "wang.fang").stderr


def test_export_has_every_plan_change_and_version(db, tmp_path):
    register(db)
    assert (
        run(
            db,
            "delay",
            "P017",
            "--cycle",
            "3",
            "--days",
            "7",
            "--reason",
            "neutropenia",
            "--author",
            "nurse.li",
        ).exit_code
        == 0
    )
    assert run(db, "issue", "P017", "-o", str(tmp_path / "out"), "--author", "li.na").exit_code == 0
    lines = [json.loads(line) for line in run(db, "registry", "export", "--for-audit").stdout.splitlines()]
    assert [r["type"] for r in lines] == ["plan", "change", "version"]
    assert lines[0]["patient_key"] == "P017" and lines[0]["created_by"] == "li.na"
    assert lines[1]["author"] == "nurse.li" and lines[1]["fields"]["reason"] == "neutropenia"
    ics = tmp_path / "out" / "P017_nct06478355_2026-03-02_v1.ics"
    assert lines[2]["sha256"][ics.name] == hashlib.sha256(ics.read_bytes()).hexdigest()
    assert lines[2]["author"] == "li.na"


def test_check_finds_a_missing_file_and_issue_restores_it(db, tmp_path):
    register(db)
    out = tmp_path / "out"
    assert run(db, "issue", "P017", "-o", str(out)).exit_code == 0
    assert run(db, "registry", "check").exit_code == 0
    pdf = out / "P017_nct06478355_2026-03-02_v1.pdf"
    original = pdf.read_bytes()
    pdf.unlink()
    checked = run(db, "registry", "check")
    assert checked.exit_code == 2
    assert f"P017 version 1: {pdf.resolve()} is missing" in checked.stderr
    issued = run(db, "issue", "P017", "-o", str(out))
    assert issued.output.startswith(f"Restored {pdf.resolve()} (an earlier issue was interrupted")
    assert pdf.read_bytes() == original


# --- crashes: kill -9 at every step of issue -----------------------------------------------------


@pytest.mark.parametrize("step", ["staged", "before-commit", "committed", "published-one"])
def test_kill_9_at_every_step_of_issue(db, tmp_path, step):
    """At any kill point, either version 1 is recorded and its files are (or, killed between
    the commit and the renames, the next issue puts them) in place, or it is not recorded and
    no file of it has its final name; stray temporary files are removed by the next issue."""
    register(db)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler",
            "issue",
            "P017",
            "-o",
            str(out),
            "--db",
            db,
            "--now",
            "2026-03-01T01:00:00Z",
        ],
        env={**os.environ, PAUSE_AT_FOR_TESTS: f"{step}=60"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == f"paused at {step}\n"
    process.send_signal(signal.SIGKILL)
    process.wait()
    finals = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    recorded = run(db, "patient", "show", "P017").output
    if step in ("staged", "before-commit"):
        assert "Issued versions: none" in recorded
        assert finals == []
    elif step == "committed":
        assert "version 1," in recorded
        assert finals == []
    else:
        assert "version 1," in recorded
        assert finals == ["P017_nct06478355_2026-03-02_v1.ics"]
    following = run(db, "issue", "P017", "-o", str(out), "--now", "2026-03-02T01:00:00Z")
    assert following.exit_code == 0, following.output
    names = sorted(p.name for p in out.iterdir())
    if step in ("staged", "before-commit"):
        assert names == [f"P017_nct06478355_2026-03-02_v1.{x}" for x in ("ics", "pdf")]
        assert "Version 1 of P017" in following.output
    else:
        assert names == [f"P017_nct06478355_2026-03-02_v{n}.{x}" for n in (1, 2) for x in ("ics", "pdf")]
        assert "Version 2 of P017" in following.output
    assert run(db, "registry", "check").exit_code == 0


# --- many coordinators at once (PostgreSQL) --------------------------------------------------------


def test_twenty_coordinators_at_once(pg_db, tmp_path):
    """20 threads, each a coordinator with its own connection: half change one shared plan
    from the revision they read, half change their own plan, and all issue versions. Every
    change reported as recorded is in the history; the stale ones are refused, never applied;
    version numbers have no gap and no duplicate."""
    with opened(pg_db, create=True) as registry:
        for key in ["SHARED", *(f"OWN{n}" for n in range(10))]:
            stored = patients.prepare(
                key, None, "nct06478355", PlanOptions(start=date(2026, 1, 5)), NOW, "setup"
            ).stored
            patients.register(registry, stored)
    recorded: list[tuple[str, str]] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def coordinator(n: int) -> None:
        key = "SHARED" if n < 10 else f"OWN{n - 10}"
        try:
            with opened(pg_db) as mine:
                seen = patients.snapshot(mine, key).revision
                barrier.wait()
                for attempt in range(3):
                    reason = f"coordinator {n} attempt {attempt}"
                    try:
                        patients.adjust(
                            mine,
                            key,
                            Hold("rt", date(2026, 3, 2 + attempt), 1, reason),
                            f"user{n}",
                            NOW,
                            expected_revision=seen,
                        )
                        recorded.append((key, reason))
                        seen += 1
                    except StaleError:
                        refused.append(reason)
                        seen = patients.snapshot(mine, key).revision
                    patients.issue(mine, key, tmp_path / f"out{n}", NOW, OutputOptions(), f"user{n}")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=coordinator, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    assert len(recorded) + len(refused) == 60
    assert refused  # ten coordinators on one plan from the same revision: most are stale
    with opened(pg_db) as registry:
        for key in ["SHARED", *(f"OWN{n}" for n in range(10))]:
            stored = registry.plan(key)
            reasons = [c.reason for c in registry.history(stored.id)]
            assert sorted(reasons) == sorted(r for k, r in recorded if k == key)
            numbers = [v.version for v in registry.versions(stored.id)]
            assert numbers == list(range(1, len(numbers) + 1))
        assert len(registry.versions(registry.plan("SHARED").id)) == 30


def test_issue_puts_the_feed_qr_code_on_the_pdf_only_for_the_live_address(db, tmp_path):
    from pypdf import PdfReader

    register(db)
    made = run(db, "feed", "create", "P017", "--base-url", "https://calendar.example.org")
    assert made.stderr == ""  # a public address: nothing to warn about
    url = made.stdout.strip()
    assert url.startswith("https://calendar.example.org/feed/") and url.endswith(".ics")
    out = tmp_path / "out"
    for wrong in (
        url.replace("/feed/", "/feed/x")[:-5] + ".ics",
        "https://calendar.example.org/feed/" + "A" * 32 + ".ics",
    ):
        refused = run(db, "issue", "P017", "-o", str(out), "--feed-url", wrong)
        assert refused.exit_code == 2
        assert "--feed-url: not the address of P017's live feed" in refused.stderr
    assert not out.exists() or not list(out.iterdir())
    issued = run(db, "issue", "P017", "-o", str(out), "--feed-url", url)
    assert issued.exit_code == 0, issued.output
    first = PdfReader(out / "P017_nct06478355_2026-03-02_v1.pdf").pages[0].extract_text()
    assert "Scan to add your treatment calendar to your phone" in " ".join(first.split())
    rotated = run(db, "feed", "rotate", "P017")
    assert rotated.stderr == (
        "Note: http://127.0.0.1:8000 is this computer's own address: a patient's phone or Google's "
        "and Microsoft's servers cannot reach it. Give --base-url (or $SCHEDULER_BASE_URL) the "
        "address the server is reached at, then rotate.\n")
    rotated = rotated.stdout.strip()
    assert rotated.startswith("http://127.0.0.1:8000/feed/")
    assert rotated != url
    stale = run(db, "issue", "P017", "-o", str(out), "--feed-url", url)
    assert stale.exit_code == 2


def test_a_closure_for_one_resource_is_kept_with_the_registered_plan(db):
    """breast-40-15's radiotherapy uses the linac: a linac service day moves the fractions after
    it, now and after every later change (the registry keeps the scoped closure)."""
    added = run(db, "patient", "add", "B1", "breast-40-15", "--start", "2026-03-02", "--holidays", "none",
                "--tz", "UTC", "--closed", "2026-03-04@linac=Linac service")
    assert added.exit_code == 0, added.output
    assert "Closed for linac only: 2026-03-04 (Linac service)." in added.output
    shown = run(db, "patient", "show", "B1", "--events").output
    fractions = [line.split()[0] for line in shown.splitlines() if "fraction " in line and line[:2] == "20"]
    assert fractions[:4] == ["2026-03-02", "2026-03-03", "2026-03-05", "2026-03-06"]
    assert run(db, "hold", "B1", "--component", "rt", "--from", "2026-03-10", "--days", "1",
               "--reason", "skin reaction").exit_code == 0
    shown = run(db, "patient", "show", "B1", "--events").output
    fractions = [line.split()[0] for line in shown.splitlines() if "fraction " in line and line[:2] == "20"]
    assert "2026-03-04" not in fractions and "2026-03-10" not in fractions
    assert len(fractions) == 15


def test_a_file_already_holding_the_same_bytes_counts_as_written(tmp_path):
    """Found by the 20-coordinator test in CI: an issue restored the files of a version that
    another issue had just committed and was about to rename into place; the second writer
    then found 'already exists'. The same bytes now count as written; other bytes never do."""
    from scheduler.core.files import stage_files, write_files

    first = stage_files(tmp_path, {"v1.pdf": b"%PDF-same"}, idempotent=True)
    restorer = write_files(tmp_path, {"v1.pdf": b"%PDF-same"}, idempotent=True)
    assert restorer == [tmp_path / "v1.pdf"]
    assert first.publish() == [tmp_path / "v1.pdf"]  # the issuer, second: fine, nothing changed
    # and the other way round: the file lands before the restorer even stages its copy
    assert write_files(tmp_path, {"v1.pdf": b"%PDF-same"}, idempotent=True) == [tmp_path / "v1.pdf"]
    with pytest.raises(SchedulerError, match="already exists"):  # generate and batch: never
        write_files(tmp_path, {"v1.pdf": b"%PDF-same"})
    assert (tmp_path / "v1.pdf").read_bytes() == b"%PDF-same"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1.pdf"]  # no temporary file left
    with pytest.raises(SchedulerError, match="already exists; see force"):
        write_files(tmp_path, {"v1.pdf": b"%PDF-other"}, idempotent=True)
    assert (tmp_path / "v1.pdf").read_bytes() == b"%PDF-same"


@pytest.mark.parametrize(("landed", "written"), [(b"%PDF-same", True), (b"%PDF-other", False)])
def test_the_same_bytes_landing_between_the_writers_two_looks_count_as_written(
        tmp_path, monkeypatch, landed, written):
    """Found by the 20-coordinator test after the fix above (1 run in 3): the restorer looked
    for the same bytes, found no file, and by its next look (is the name free?) the issuer
    had put the file there. A refusal now looks for the same bytes again."""
    from scheduler.core import files

    target = tmp_path / "v1.pdf"
    real_check = files.check_target

    def the_other_writer_lands_first(path, overwrite):
        if not target.exists():
            target.write_bytes(landed)
        real_check(path, overwrite)

    monkeypatch.setattr(files, "check_target", the_other_writer_lands_first)
    if written:
        assert files.write_files(tmp_path, {"v1.pdf": b"%PDF-same"}, idempotent=True) == [target]
    else:
        with pytest.raises(SchedulerError, match="already exists; see force"):
            files.write_files(tmp_path, {"v1.pdf": b"%PDF-same"}, idempotent=True)
    assert target.read_bytes() == landed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1.pdf"]


def test_the_feeds_own_read_equals_the_registrys_and_sees_every_commit_at_once(db):
    """The server reads a token's state below SQLAlchemy (scheduler.registry.feedreads): the
    same row as Registry.feed_state, on a connection kept open that holds no transaction, so
    a change committed by another process is in the very next read; a connection that was
    dropped (a server restart) is replaced on the next read."""
    from scheduler.registry import locate, token_hash
    from scheduler.registry.feedreads import FeedStates
    from scheduler.services.feed import lookup

    register(db)
    url = run(db, "feed", "create", "P017", "--base-url", "https://c.example.org").output.strip()
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    hashed = token_hash(token)
    reader = FeedStates(locate(db))

    def state():
        with opened(db) as registry:
            expected = registry.feed_state(hashed)
        assert reader.read(hashed) == expected
        return expected

    try:
        first = state()
        assert (first.revision, first.revoked_at, first.last_fetched_at) == (0, None, None)
        assert first.ended is False
        if "://" in db:
            idle = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'idle in transaction'")
            assert scalar(db, idle) == 0
        run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia")
        assert state().revision == 1
        if "://" in db:
            scalar(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        else:
            reader._local.connection.driver_connection.close()
        run(db, "hold", "P017", "--component", "rt", "--from", "2026-04-20", "--days", "2",
            "--reason", "machine maintenance")
        assert state().revision == 2
        assert lookup(reader.read, token) is not None
        run(db, "feed", "revoke", "P017")
        assert state().revoked_at is not None
        assert lookup(reader.read, token) is None
        assert reader.read(token_hash("A" * 32)) is None
    finally:
        reader.close()
