"""The digest of urgent items, received by a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import socket
import time
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from scheduler.cli import cli

NOW = "2026-04-20T01:00:00Z"


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"127.0.0.1:{port}"
    controller.stop()


def run(db: str, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", db])


def populated(db: str) -> None:
    for key, template, start in [("P017", "nct06478355", "2026-03-02"),
                                 ("P018", "cisplatin-rt-head-neck", "2026-04-06")]:
        added = run(db, "patient", "add", key, template, "--start", start, "--label", f"Mrs {key} Smith",
                    "--now", "2026-03-01T00:00:00Z")
        assert added.exit_code == 0, added.output
    closed = run(db, "closure", "add", "2026-04-21", "--resource", "linac", "--reason", "linac service",
                 "--now", NOW)
    assert closed.exit_code == 0, closed.output


def test_one_digest_of_urgent_items_then_nothing_twice(db, smtp):
    inbox, address = smtp
    populated(db)
    dry = run(db, "notify", "--smtp", address, "--to", "coordinators@example.org", "--dry-run", "--now", NOW)
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[-2:] == ["P018  rt/f12  moved 2026-04-22 13:00-13:20 (was 2026-04-21)",
                                            "P018  rt/f13  moved 2026-04-23 13:00-13:20 (was 2026-04-22)"]
    assert inbox.messages == []
    sent = run(db, "notify", "--smtp", address, "--to", "coordinators@example.org", "--from",
               "scheduler@clinic.example.org", "--now", NOW)
    assert sent.exit_code == 0, sent.output
    assert sent.stdout == "Sent 2 urgent item(s) to coordinators@example.org.\n"
    [(sender, recipients, message)] = inbox.messages
    assert sender == "scheduler@clinic.example.org" and recipients == ["coordinators@example.org"]
    assert message["Subject"] == "scheduler: 2 urgent change(s) to tell patients about"
    body = message.get_payload(decode=True).decode()
    lines = [line for line in body.splitlines() if line.startswith("P0")]
    assert [line.split("  ")[:2] for line in lines] == [["P018", "rt/f12"], ["P018", "rt/f13"]]
    assert lines[0].endswith("(was 2026-04-21)")
    for private in ("Smith", "Mrs", "Radiotherapy", "cisplatin"):
        assert private not in body
    again = run(db, "notify", "--smtp", address, "--to", "coordinators@example.org", "--now", NOW)
    assert again.stdout == "Nothing new to send.\n"
    assert len(inbox.messages) == 1
    # another address has not been told yet
    other = run(db, "notify", "--smtp", address, "--to", "ward@example.org", "--now", NOW)
    assert other.stdout == "Sent 2 urgent item(s) to ward@example.org.\n"
    assert len(inbox.messages) == 2


def test_a_failed_send_records_nothing(db, smtp):
    _, address = smtp
    populated(db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    failed = run(db, "notify", "--smtp", f"127.0.0.1:{closed_port}", "--to", "c@example.org", "--now", NOW)
    assert failed.exit_code == 2
    assert "could not send the digest" in failed.stderr and "nothing was recorded as sent" in failed.stderr
    sent = run(db, "notify", "--smtp", address, "--to", "c@example.org", "--now", NOW)
    assert sent.stdout == "Sent 2 urgent item(s) to c@example.org.\n"
    bad = run(db, "notify", "--smtp", "nohost", "--to", "c@example.org", "--now", NOW)
    assert bad.exit_code == 2 and "--smtp 'nohost': give HOST:PORT" in bad.stderr


def test_the_schedule_sends_in_the_background(tmp_path, smtp):
    from scheduler.services.notify import schedule

    inbox, address = smtp
    db = str(tmp_path / "r.sqlite3")
    populated(db)
    # the schedule uses the wall clock: the closure's moves are not within 48 hours of it, so
    # the digest is empty; the job runs, sends nothing, and does not fail
    thread = schedule(db, "1m", address, "c@example.org")
    time.sleep(1.0)
    assert inbox.messages == []
    assert thread.is_alive() and thread.name == "scheduler-notify"
