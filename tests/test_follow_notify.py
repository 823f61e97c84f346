"""The digest of urgent items, received by a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import socket
import threading
import time
from datetime import datetime, timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.errors import InputError
from scheduler.services import notify

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
    # P017 has no radiotherapy, so the linac closure leaves it alone: only P018's moves are urgent.
    for key, template, start in [("P017", "mfolfox6", "2026-03-02"),
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


class Clock:
    """The schedule's clock, set by the test; counts its reads (one per run of the job)."""

    def __init__(self, now: str) -> None:
        self.now = datetime.fromisoformat(now)
        self.reads = 0

    def __call__(self) -> datetime:
        self.reads += 1
        return self.now


def until(condition, seconds: float = 20.0) -> None:
    """Poll ``condition`` until it holds, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def body_of(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def test_the_schedule_sends_each_urgent_item_once(db, smtp):
    """The loop ``serve --notify-every`` runs (run_every of scheduled_job), every 0.1 s here:
    the first run mails the digest, the next runs (15 minutes later on its clock) send nothing
    again, and a new urgent change is sent on the run after it."""
    inbox, address = smtp
    populated(db)
    clock = Clock(NOW)
    stop = threading.Event()
    thread = notify.run_every(timedelta(seconds=0.1),
                              notify.scheduled_job(db, address, "c@example.org", clock), stop)
    try:
        until(lambda: len(inbox.messages) == 1)
        [(_, recipients, message)] = inbox.messages
        assert recipients == ["c@example.org"]
        assert message["Subject"] == "scheduler: 2 urgent change(s) to tell patients about"
        body = body_of(message)
        assert [line.split("  ")[:2] for line in body.splitlines() if line.startswith("P0")] == [
            ["P018", "rt/f12"], ["P018", "rt/f13"]]
        for private in ("Smith", "Mrs", "Radiotherapy", "cisplatin", "linac service"):
            assert private not in body
        clock.now += timedelta(minutes=15)  # the next runs: the same items are still urgent
        reads = clock.reads
        until(lambda: clock.reads >= reads + 2)  # at least one whole run on the new time
        assert len(inbox.messages) == 1
        # a new change made urgent by the coordinator: sent on the next run, and only it
        stamp = clock.now.isoformat()
        recorded = run(db, "record", "P018", "rt/f11", "--status", "not-given", "--reason",
                       "machine down", "--now", stamp)
        assert recorded.exit_code == 0, recorded.output
        until(lambda: len(inbox.messages) == 2)
        message = inbox.messages[1][2]
        assert message["Subject"] == "scheduler: 1 urgent change(s) to tell patients about"
        body = body_of(message)
        assert [line for line in body.splitlines() if line.startswith("P0")] == [
            "P018  rt/f11  not-given 2026-04-20 13:00-13:20"]
        assert "Smith" not in body and "machine down" not in body
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_serve_schedule_sends_at_once_on_the_clock_it_is_given(tmp_path, smtp):
    """``serve --notify-every 15m`` calls :func:`notify.schedule`: its first run is at once."""
    inbox, address = smtp
    db = str(tmp_path / "r.sqlite3")
    populated(db)
    stop = threading.Event()
    thread = notify.schedule(db, "15m", address, "c@example.org", clock=Clock(NOW), stop=stop)
    try:
        assert thread.name == "scheduler-notify"
        until(lambda: len(inbox.messages) == 1)
        assert "P018  rt/f12" in body_of(inbox.messages[0][2])
    finally:
        stop.set()
        thread.join(timeout=10)
    with pytest.raises(InputError, match="give minutes or hours"):
        notify.schedule(db, "5s", address, "c@example.org")
