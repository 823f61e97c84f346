"""Telling the coordinators: one e-mail digest of the worklist's urgent items, never twice.

An item is one event moved or cancelled by one change (patient key, reference and the time
of the change), so a later change to the same event is a new item. The digest carries patient
keys, event references, dates and times only: never a label, a name or a drug. What was sent
is recorded (``notifications_sent``) in the transaction that sends it.
"""

from __future__ import annotations

import re
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from scheduler.core.errors import InputError
from scheduler.registry import Registry
from scheduler.registry import follow as store
from scheduler.services import worklist as work

SMTP_TIMEOUT = 30


@dataclass(frozen=True)
class Digest:
    """What one run found to send, and the message (None when there is nothing new)."""

    items: list[work.Item]
    ids: list[str]
    message: EmailMessage | None


def item_id(item: work.Item) -> str:
    """The identity of an urgent item: patient, event and the change that made it urgent."""
    return f"{item.patient_key} {item.ref} {item.changed_at}"


def parse_smtp(text: str) -> tuple[str, int]:
    """``--smtp HOST:PORT``, checked."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("give HOST:PORT, e.g. mail.example.org:587", field="smtp", value=repr(text))
    return host.strip("[]"), int(port)


def _line(item: work.Item) -> str:
    was = f" (was {item.moved_from.isoformat()})" if item.moved_from else ""
    return f"{item.patient_key}  {item.ref}  {item.status} {item.date.isoformat()} {item.time}{was}"


def digest(registry: Registry, channel: str, now: datetime, sender: str, to: str) -> Digest:
    """The urgent items not yet sent on ``channel``, and their message."""
    items = [i for i in work.worklist(registry, (now - timedelta(days=1)).date(), 4, now) if i.urgent]
    done = store.sent(registry, channel)
    new = [i for i in items if item_id(i) not in done]
    if not new:
        return Digest([], [], None)
    message = EmailMessage()
    message["Subject"] = f"scheduler: {len(new)} urgent change(s) to tell patients about"
    message["From"] = sender
    message["To"] = to
    keys = sorted({i.patient_key for i in new})
    message.set_content(
        f"These events were moved or cancelled by a recent change and fall, or fell, within the "
        f"next 48 hours (as of {now.isoformat()}). A subscribed calendar may not show the change "
        f"in time: tell the patients directly ({', '.join(keys)}).\n\n"
        + "\n".join(_line(i) for i in new) + "\n")
    return Digest(new, [item_id(i) for i in new], message)


def send(registry: Registry, smtp: str, to: str, now: datetime, sender: str = "scheduler@localhost",
         starttls: bool = False, dry_run: bool = False) -> Digest:
    """Send the digest of new urgent items to ``to`` and record them as sent (with
    ``dry_run``, only build it). Nothing is recorded when sending fails."""
    host, port = parse_smtp(smtp)
    channel = f"email:{to}"
    with registry.transaction():
        found = digest(registry, channel, now, sender, to)
        if found.message is None or dry_run:
            return found
        store.mark_sent(registry, found.ids, channel, now)
        try:
            with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT) as client:
                if starttls:
                    client.starttls()
                client.send_message(found.message)
        except (OSError, smtplib.SMTPException) as error:
            raise InputError(f"could not send the digest ({error}); nothing was recorded as sent",
                             field="smtp", value=smtp) from None
    return found


def run_every(interval: timedelta, job: Callable[[], object], stop: threading.Event) -> threading.Thread:
    """Run ``job`` now and then every ``interval`` in a daemon thread until ``stop`` is set;
    a failing run is reported and the next one tried."""
    def loop() -> None:
        while not stop.is_set():
            try:
                job()
            except Exception as error:  # keep the server's schedule running
                print(f"notify: {error}", flush=True)
            stop.wait(interval.total_seconds())

    thread = threading.Thread(target=loop, name="scheduler-notify", daemon=True)
    thread.start()
    return thread


def _wall_clock() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def scheduled_job(db: str, smtp: str, to: str,
                  clock: Callable[[], datetime] = _wall_clock) -> Callable[[], Digest]:
    """One run of the schedule: open the registry, send what is new at ``clock()``, close."""
    from scheduler.registry import opened

    def job() -> Digest:
        with opened(db) as registry:
            return send(registry, smtp, to, clock())

    return job


def schedule(db: str, every: str, smtp: str | None, to: str | None,
             clock: Callable[[], datetime] = _wall_clock,
             stop: threading.Event | None = None) -> threading.Thread:
    """``serve --notify-every``: send the digest now and then every DURATION (``15m``, ``1h``)
    in the background (:func:`run_every` of :func:`scheduled_job`), on ``clock`` (the wall
    clock unless given), until ``stop`` is set."""
    found = re.fullmatch(r"(\d+)\s*(m|min|h)", every.strip())
    if found is None or int(found.group(1)) == 0:
        raise InputError("give minutes or hours, e.g. 15m or 1h", field="notify_every", value=repr(every))
    if not smtp or not to:
        raise InputError("a digest on a schedule needs the mail server (HOST:PORT) and the address "
                         "it goes to", field="notify_every", remedy="notify_smtp")
    parse_smtp(smtp)
    amount = int(found.group(1))
    interval = timedelta(hours=amount) if found.group(2) == "h" else timedelta(minutes=amount)
    return run_every(interval, scheduled_job(db, smtp, to, clock), stop or threading.Event())
