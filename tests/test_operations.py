"""The server's limits: each refused in words, and the stated limits and timeouts (docs/operations.md,
README) equal the code's, from one table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.errors import InputError
from scheduler.core.expand import MAX_PLAN_EVENTS
from scheduler.core.files import MAX_TEMPLATE_BYTES
from scheduler.core.history import REASON_MAX
from scheduler.registry.database import BUSY_TIMEOUT_S
from scheduler.registry.feedreads import READ_TIMEOUT_S
from scheduler.services.users import PASSWORD_MAX, PASSWORD_MIN, PASSWORD_MIN_SCORE, new_user
from scheduler.web import create_app, failures, serving, sessions
from scheduler.web.app import SECRET_MIN_BYTES
from scheduler.web.security import BODY_LIMIT
from scheduler.web.site import PAGE_DB_TIMEOUT_S
from tests.test_web import Web

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
HUGE = """\
id: huge
name: Every day for nine years, five times a day
source: a test
components:
  - kind: cycles
    id: daily-cycles
    name: Daily cycles
    cycle_days: 1
    cycles: 3000
    start: {day: 1}
    on_non_working_day: keep
    drugs:
      - id: pill
        name: Pill
        code: PILL
        days: "1"
        on_non_working_day: keep
  - kind: daily
    id: extra
    name: Extra pills
    code: EXTRA
    start: {day: 1}
    through: daily-cycles
    times: ["06:00", "10:00", "14:00", "18:00", "22:00"]
    duration: 5m
    on_non_working_day: keep
"""
EVENTS_MESSAGE = (f"Error: component 'extra' brings the plan to 18,000 events, more than "
                  f"{MAX_PLAN_EVENTS:,}, the most a plan may have: check its counts, times and parameters")


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


STATED = {
    "events in one plan": f"{MAX_PLAN_EVENTS:,}",
    "an uploaded or pasted template": f"{MAX_TEMPLATE_BYTES:,} bytes",
    "the reason for a change": f"{REASON_MAX} characters",
    "a session": f"{int(sessions.SESSION_LIFETIME.total_seconds() // 3600)} hours from logging in; "
                 "using it does not extend it",
    "wrong passwords for one user name": f"{sessions.NAME_ATTEMPTS} in {_minutes(sessions.WINDOW)} minutes, "
                                         "then that name waits",
    "failed logins from one address": f"{sessions.ADDRESS_ATTEMPTS} in {_minutes(sessions.WINDOW)} minutes, "
                                      "then that address waits",
    "password checks at once, per server process": (
        f"{sessions.HASHING_AT_ONCE}; a login waits at most {sessions.HASHING_WAIT_S:g} s for its turn, "
        f"then 503 with Retry-After {sessions.BUSY_RETRY_AFTER_S}"),
    "a new password": f"{PASSWORD_MIN} to {PASSWORD_MAX} characters, and not easy to guess (zxcvbn score "
                      f"{PASSWORD_MIN_SCORE} or more)",
    "`SCHEDULER_SECRET`": f"at least {SECRET_MIN_BYTES} bytes",
    "a request's body": f"{BODY_LIMIT // 2**20} MiB; 1,000 form fields; 1 MiB a field",
    "connections per server process": f"{serving.LIMIT_CONCURRENCY}; more are answered 503",
    "a request's line and headers": f"{serving.HEADER_TIMEOUT_S} s from connecting (or from its first byte), "
                                    "then the connection is closed",
    "an idle kept-alive connection": f"{serving.KEEP_ALIVE_S} s",
    "the feed's read on PostgreSQL": (f"{READ_TIMEOUT_S} s to connect and {READ_TIMEOUT_S} s to run, tried "
                                      "once more on a new connection: at most "
                                      f"{4 * READ_TIMEOUT_S} s, then 503"),
    "a page's database call on PostgreSQL": f"{PAGE_DB_TIMEOUT_S} s to connect, {PAGE_DB_TIMEOUT_S} s a "
                                            "statement, then 503",
    "a page waiting for another writer on SQLite": f"{BUSY_TIMEOUT_S} s, then 503",
    "Retry-After of a 503 while the database is away": f"{failures.RETRY_AFTER_S} s",
}


def _table(text: str, heading: str) -> dict[str, str]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", section, re.MULTILINE)
    return {what: limit for what, limit in rows if what != "what" and not what.startswith("---")}


def test_the_stated_limits_and_timeouts_are_the_codes():
    text = (ROOT / "docs" / "operations.md").read_text()
    assert _table(text, "## Limits and timeouts") == STATED
    assert EVENTS_MESSAGE in text


def test_the_readme_states_the_reason_and_feed_read_limits_of_the_code():
    readme = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    assert f"| `--reason` (a change's reason, also on the web pages) | {REASON_MAX} characters |" in readme
    assert (f"gives up\n  within {4 * READ_TIMEOUT_S} seconds ({READ_TIMEOUT_S} s to connect and "
            f"{READ_TIMEOUT_S} s to run, tried once more on a new connection") in readme


def test_a_site_file_that_is_a_device_is_named_so_in_words():
    result = subprocess.run([sys.executable, "-m", "scheduler", "show", "stupp", "--start", "2026-03-02"],
                            capture_output=True, text=True, env={**os.environ, "SCHEDULER_SITE": "/dev/zero"})
    assert result.returncode == 2
    message = result.stderr.strip().splitlines()[-1]
    assert message == ("Error: SCHEDULER_SITE=/dev/zero: not a regular file (a device, FIFO or socket), not "
                       "a site file (unset SCHEDULER_SITE to use no default site file)")
    assert message in (ROOT / "docs" / "operations.md").read_text()


def test_a_plan_of_more_than_5000_events_is_refused_naming_the_component(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(HUGE)
    result = CliRunner().invoke(cli, ["show", str(path), "--start", "2026-03-02", "--horizon", "5y",
                                      "--holidays", "none", "--tz", "UTC"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == EVENTS_MESSAGE


def test_the_web_refuses_pasted_template_text_over_the_file_limit(tmp_path):
    web = Web(str(tmp_path / "registry.sqlite3"), tmp_path)
    assert web.login().status_code == 303
    text = "# " + "x" * (MAX_TEMPLATE_BYTES - 1) + "\n"
    response = web.post("/validate", {"text": text})
    assert response.status_code == 400
    assert f"pasted text: larger than {MAX_TEMPLATE_BYTES:,} bytes, the limit for a template" in response.text


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "password12", "li.na12345", "qwertyuiop"])
def test_weak_passwords_are_refused_in_words(tmp_path, password):
    result = CliRunner().invoke(cli, ["user", "add", "li.na", "--password-stdin", "--db",
                                      str(tmp_path / "r.sqlite3")], input=password + "\n")
    assert result.exit_code == 2
    assert "password: too easy to guess" in result.output
    assert "use a passphrase of four or more ordinary words" in result.output


def test_a_passphrase_of_ordinary_words_is_accepted():
    from datetime import UTC, datetime

    assert new_user("li.na", "plum kettle river nine", False, "admin", datetime(2026, 1, 1, tzinfo=UTC))


def test_a_secret_shorter_than_32_bytes_is_refused(tmp_path, monkeypatch):
    db = str(tmp_path / "registry.sqlite3")
    CliRunner().invoke(cli, ["registry", "init", "--db", db])
    with pytest.raises(InputError, match="SCHEDULER_SECRET: 31 bytes, too short to sign sessions; use at "
                                         "least 32 random bytes"):
        create_app(db, secret="x" * 31)
    monkeypatch.setenv("SCHEDULER_SECRET", "short")
    result = CliRunner().invoke(cli, ["serve", "--db", db, "--port", "1"])
    assert result.exit_code == 2
    assert "SCHEDULER_SECRET: 5 bytes, too short to sign sessions" in result.output
    assert create_app(db, secret="y" * 32)


def test_the_template_folder_reads_only_its_own_regular_files_and_follows_no_link(tmp_path):
    shipped = (ROOT / "templates" / "tc.yaml").read_text()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere.yaml").write_text(shipped.replace("\nid: tc\n", "\nid: elsewhere\n"))
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "own.yaml").write_text(shipped.replace("\nid: tc\n", "\nid: own\n"))
    db = tmp_path / "registry.sqlite3"
    web = Web(str(db), tmp_path, templates_folder=folder)
    (folder / "registry.yaml").symlink_to(db)
    (folder / "passwd.yaml").symlink_to("/etc/passwd")
    (folder / "elsewhere.yaml").symlink_to(outside / "elsewhere.yaml")
    (folder / "fifo.yaml").unlink(missing_ok=True)
    os.mkfifo(folder / "fifo.yaml")
    assert web.login().status_code == 303
    listing = web.client.get("/templates").text
    for name in ("registry.yaml", "passwd.yaml", "elsewhere.yaml"):
        assert (f"<code>{name}</code>: <pre class=\"problem\">{name}: is a symbolic link, not a template "
                "file; it is not read</pre>") in listing
    assert "<code>fifo.yaml</code>: <pre class=\"problem\">fifo.yaml: not a regular file" in listing
    assert "root:" not in listing and "SQLite" not in listing
    form = web.client.get("/patients/new").text
    assert '<option value="own">' in form and '<option value="elsewhere">' not in form
    refused = web.post("/patients/new", {"key": "P1", "template": "elsewhere", "start": "2026-03-02",
                                         "action": "save"})
    assert refused.status_code == 400 and "choose one of the listed protocols" in refused.text
