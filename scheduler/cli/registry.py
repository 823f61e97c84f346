"""The registry's commands: patients, their changes and versions, the registry itself, users.

Part of the command line (:mod:`scheduler.cli`): each command opens the registry, calls one
function of :mod:`scheduler.services.patients` (or the registry), and prints. Loaded by
:mod:`scheduler.cli.main` on demand.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scheduler.cli.common import (
    _converted,
    _UserError,
    force_option,
    in_cli_words,
    now_option,
    output_options,
    plan_options,
    say_defaults,
)
from scheduler.core.text import printable

AUTHOR_MAX = 64

if TYPE_CHECKING:
    from datetime import datetime

    from scheduler.core.adjust import Adjustment
    from scheduler.export.outputs import OutputOptions
    from scheduler.registry import Registry
    from scheduler.services.options import PlanOptions
    from scheduler.services.patients import Outcome


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--db``, shared by every registry command."""
    return click.option(
        "--db", envvar="SCHEDULER_DB", metavar="FILE|URL",
        help="The registry: a SQLite file, or postgresql://USER@HOST/DBNAME for a team. "
             "Default: $SCHEDULER_DB, else registry.sqlite3 in your user data folder.",
    )(command)


@contextlib.contextmanager
def _registry(db: str | None, create: bool = False) -> Iterator[Registry]:
    from scheduler.registry import default_location, opened

    with opened(db or default_location(), create) as registry:
        yield registry


def _now(now: str | None) -> datetime:
    """``--now`` read by :func:`scheduler.services.options.resolve_now` (imported when a command runs)."""
    from scheduler.services.options import resolve_now

    return resolve_now(now)


def _author(author: str | None) -> str:
    import getpass

    return author or os.environ.get("USER") or getpass.getuser()


def _reason(text: str) -> str:
    from scheduler.core.history import REASON_MAX
    from scheduler.services.options import parse_text

    return parse_text(text, "reason", REASON_MAX)


# Text options are checked as they are read (the library checks them again when it records
# them), so a bad value is refused before the registry is even opened.
author_option = click.option("--author", metavar="NAME",
                             callback=_converted(
                                 lambda options, v: options.parse_text(v, "author", AUTHOR_MAX)),
                             help="Who makes the change (default: your user name).")
reason_option = click.option("--reason", required=True,
                             callback=_converted(lambda _, v: _reason(v)),
                             help="Why (printable text, at most 500 characters).")


# --- patients ---------------------------------------------------------------------------------


@click.group()
def patient() -> None:
    """Register patients' plans, list them, show one, end one.

    \b
    Example:
        scheduler patient add P017 nct06478355 --start 2026-03-02 --label "Patient 017"
        scheduler patient list
        scheduler patient show P017
    """


@patient.command("add")
@click.argument("key")
@click.argument("template")
@plan_options
@click.option("--label", metavar="TEXT",
              callback=_converted(lambda options, v: options.parse_text(v, "label")),
              help="Display label for calendars (at most 80 characters).")
@db_option
@author_option
@now_option
def patient_add(key: str, template: str, options: PlanOptions, label: str | None,
                db: str | None, author: str | None, now: str | None) -> None:
    """Register KEY's plan: TEMPLATE from --start with the plan options.

    KEY is a pseudonymous patient key (a study number, not a name). It never goes into
    event UIDs. The template's text is stored with the plan, so editing the file later
    does not change an issued plan. The first 'patient add' creates the registry.

    \b
    Example:
        scheduler patient add P017 nct06478355 --start 2026-03-02 --label "Patient 017"
    """
    from scheduler.services import patients

    prepared = patients.prepare(key, label, template, options, _now(now), _author(author))
    say_defaults(prepared.defaults)
    plan = prepared.plan
    with _registry(db, create=True) as registry:
        patients.register(registry, prepared.stored)
    click.echo(f"Registered {key}: {plan.template.id} from {plan.start.isoformat()}, "
               f"{len(plan.events)} events, {plan.first_date.isoformat()} to "
               f"{plan.last_date.isoformat()}")
    for note in plan.notes:
        click.echo(f"Note: {in_cli_words(note)}")


@patient.command("list")
@db_option
def patient_list(db: str | None) -> None:
    """List registered patients: key, label, template, start, last version, status.

    \b
    Example:
        scheduler patient list
    """
    with _registry(db) as registry:
        listed = registry.listing()
        click.echo(f"Registry: {registry.location.shown}", err=True)
    rows = [("KEY", "LABEL", "TEMPLATE", "START", "VERSION", "STATUS")]
    for item in listed:
        rows.append((item.patient_key, item.label or "", item.template_id, item.start,
                     str(item.version or "-"), "ended" if item.ended else "active"))
    for row in rows:
        click.echo(printable("\t".join(row)))


@patient.command("show")
@click.argument("key")
@db_option
@click.option("--events", is_flag=True, help="Also print the current plan's events.")
def patient_show(key: str, db: str | None, events: bool) -> None:
    """Show KEY's plan, its history of changes and its issued versions.

    \b
    Example:
        scheduler patient show P017 --events
    """
    from scheduler.core import history
    from scheduler.export import table
    from scheduler.services import patients

    with _registry(db) as registry:
        now = patients.snapshot(registry, key)
    stored, plan = now.stored, now.plan
    click.echo(printable(f"Patient {stored.patient_key}" + (f" ({stored.label})" if stored.label else "")))
    click.echo(f"Template {stored.template_id} from {stored.template_path}, "
               f"sha256 {stored.template_sha256[:12]}")
    if patients.template_changed(stored):
        click.echo("Warning: the template file has changed since this plan was registered; "
                   "the plan keeps the registered copy.")
    click.echo(f"Registered {stored.created_at}" + (f" by {stored.created_by}" if stored.created_by else ""))
    if now.ended:
        click.echo(f"Ended {now.ended.at} by {now.ended.author}: {now.ended.reason}")
    click.echo("Changes:" if now.changes else "Changes: none")
    undone = history.reverted(now.changes)
    for change in now.changes:
        mark = f" [reverted by {undone[change.number]}]" if change.number in undone else ""
        click.echo(printable(f"  {change.number}. {change.describe()} ({change.author}, {change.at}){mark}"))
    click.echo("Issued versions:" if now.versions else "Issued versions: none")
    for version in now.versions:
        by = f" by {version.author}" if version.author else ""
        click.echo(f"  version {version.version}, {version.issued_at}{by}: {', '.join(version.files)}")
    click.echo(table.to_text(plan, in_cli_words) if events else
               f"{len(plan.events)} events, {plan.first_date.isoformat()} to "
               f"{plan.last_date.isoformat()}", nl=not events)


@patient.command("end")
@click.argument("key")
@reason_option
@author_option
@now_option
@db_option
def patient_end(key: str, reason: str, author: str | None, now: str | None, db: str | None) -> None:
    """Mark KEY's plan ended (treatment finished, or the patient withdrew).

    Its feed stops answering, its history and versions stay, and it takes no more changes.

    \b
    Example:
        scheduler patient end P017 --reason "treatment completed"
    """
    from scheduler.services import patients

    with _registry(db) as registry:
        change = patients.end(registry, key, reason, _author(author), _now(now))
    click.echo(f"Recorded for {key}: {change.describe()}")


# --- changes ----------------------------------------------------------------------------------


def _print_outcome(key: str, outcome: Outcome) -> None:
    plan, before = outcome.after, outcome.before
    assert outcome.recorded is not None
    click.echo(f"Recorded for {key}: {outcome.recorded.describe()} (change {outcome.recorded.number})")
    click.echo(f"The plan now has {len(plan.events)} events, {plan.first_date.isoformat()} to "
               f"{plan.last_date.isoformat()}. Run 'scheduler issue {key} -o OUTDIR' to hand "
               "out the new version.")
    already = {e.uid for e in before.events if e.outside_window}
    for event in plan.events:
        if event.outside_window and event.uid not in already:
            click.echo(f"Warning: {event.title} on {event.date.isoformat()} is outside its "
                       f"window ({event.window_start} to {event.window_end}).")
    for note in plan.notes:  # what this change newly says about the plan (a shortened cycle...)
        if note not in before.notes and not note.startswith("Adjustment:"):
            click.echo(f"Note: {in_cli_words(note)}")
    from scheduler.core.diff import compare

    if compare(before, plan).empty:
        click.echo("Note: this change moved, added and removed no event: the plan's dates are "
                   "as before (a delay counts from the cycle's planned day 1, so a cycle already "
                   "moved that far stays; a hold or stop may fall after the component ends). "
                   f"If it was a mistake, undo it with 'scheduler revert {key} "
                   f"{outcome.recorded.number} --reason ...'.", err=True)


def _record(key: str, adjustment: Adjustment, db: str | None, author: str | None,
            now: str | None) -> None:
    from scheduler.services import patients

    stamp = _now(now)
    with _registry(db) as registry:
        outcome = patients.adjust(registry, key, adjustment, _author(author), stamp)
    _print_outcome(key, outcome)


@click.command()
@click.argument("key")
@click.option("--cycle", type=click.IntRange(min=1), required=True, help="The cycle to delay.")
@click.option("--days", type=click.IntRange(-60, 365), required=True,
              help="Days to delay it by (negative to bring it forward).")
@reason_option
@click.option("--regimen", default="", metavar="ID",
              help="The regimen, when the template has more than one.")
@author_option
@now_option
@db_option
def delay(key: str, cycle: int, days: int, reason: str, regimen: str, author: str | None,
          now: str | None, db: str | None) -> None:
    """Delay cycle N of KEY's regimen (and what follows it) by D days.

    Later cycles of the same regimen move with it (each starts its cycle length after the
    actual day 1 of the one before); radiotherapy not anchored to the regimen stays. The new
    dates still follow the working-day rules. A date pushed outside its window is reported.

    \b
    Example:
        scheduler delay P017 --cycle 3 --days 7 --reason "neutropenia"
    """
    from scheduler.core.adjust import Delay

    if days == 0:
        raise _UserError("--days: a delay of 0 days changes nothing")
    _record(key, Delay(regimen, cycle, days, reason), db, author, now)


@click.command()
@click.argument("key")
@click.option("--component", required=True, metavar="ID", help="Component to hold, e.g. rt.")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD",
              callback=_converted(lambda options, v: options.parse_date(v, "from")), help="First held day.")
@click.option("--days", type=click.IntRange(1, 366), required=True,
              help="Number of calendar days held.")
@reason_option
@author_option
@now_option
@db_option
def hold(key: str, component: str, start: Any, days: int, reason: str, author: str | None,
         now: str | None, db: str | None) -> None:
    """Hold a component of KEY's plan for D calendar days from a date.

    Radiotherapy fractions resume after the hold and all fractions are kept; a drug's dose,
    daily medication or visit in the held days is left out.

    \b
    Example:
        scheduler hold P017 --component rt --from 2026-04-20 --days 2 --reason "mucositis"
    """
    from scheduler.core.adjust import Hold

    _record(key, Hold(component, start, days, reason), db, author, now)


@click.command()
@click.argument("key")
@click.option("--component", required=True, metavar="ID",
              help="Component (or regimen) to stop, e.g. pd1.")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD",
              callback=_converted(lambda options, v: options.parse_date(v, "from")),
              help="First day with no more treatment.")
@reason_option
@author_option
@now_option
@db_option
def stop(key: str, component: str, start: Any, reason: str, author: str | None,
         now: str | None, db: str | None) -> None:
    """Stop a component of KEY's plan: its events from a date on are cancelled.

    \b
    Example:
        scheduler stop P017 --component pd1 --from 2026-09-01 --reason "progression"
    """
    from scheduler.core.adjust import Stop

    _record(key, Stop(component, start, reason), db, author, now)


@click.command()
@click.argument("key")
@click.argument("change", type=click.IntRange(min=1))
@reason_option
@author_option
@now_option
@db_option
def revert(key: str, change: int, reason: str, author: str | None, now: str | None,
           db: str | None) -> None:
    """Undo change CHANGE of KEY's plan (a delay, hold or stop recorded by mistake).

    Nothing is deleted: the revert is recorded as a change of its own, and the history
    shows both. CHANGE is the number 'scheduler patient show KEY' lists.

    \b
    Example:
        scheduler revert P017 2 --reason "entered for the wrong patient"
    """
    from scheduler.services import patients

    with _registry(db) as registry:
        outcome = patients.revert(registry, key, change, reason, _author(author), _now(now))
    _print_outcome(key, outcome)


@click.command("issue")
@click.argument("key")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              metavar="OUTDIR", help="Folder to write into (created if missing).")
@output_options
@force_option
@click.option("--feed-url", metavar="URL",
              help="The patient's feed address (as 'scheduler feed create' printed it): its QR "
                   "code goes on the PDF's first page.")
@author_option
@now_option
@db_option
def issue_command(key: str, outdir: Path, output: OutputOptions, force: bool, feed_url: str | None,
                  author: str | None, now: str | None, db: str | None) -> None:
    """Write KEY's plan as its next version (.ics and PDF) and record it.

    Event UIDs stay the same across versions. Events whose date, time or text changed get
    a higher SEQUENCE; events that went away are written as STATUS:CANCELLED. The files are
    also kept in the registry. See README, "Importing", for what each calendar client does
    with a new version.

    \b
    Example:
        scheduler issue P017 -o out/
        scheduler issue P017 -o out/ --feed-url "$(scheduler feed create P017)"
    """
    from scheduler.services import patients

    stamp = _now(now)
    with _registry(db) as registry:
        issued = patients.issue(registry, key, outdir, stamp, output, _author(author),
                                feed_url=feed_url, overwrite=force)
    revision = issued.revision
    for path in issued.restored:
        click.echo(f"Restored {path} (an earlier issue was interrupted before writing it)")
    for path in issued.files:
        click.echo(f"Wrote {path}")
    if issued.replaces is None:
        click.echo(f"Version 1 of {key}: {len(issued.plan.events)} events.")
    else:
        previous, issued_on = issued.replaces
        click.echo(
            f"Version {issued.version} of {key} (replaces version {previous} of "
            f"{issued_on.isoformat()}): {len(revision.changed)} changed, "
            f"{len(revision.added)} new, {len(revision.cancelled)} cancelled."
        )


# --- the registry itself ----------------------------------------------------------------------


@click.group("registry")
def registry_group() -> None:
    """Create, upgrade, check and export the registry.

    \b
    Example:
        scheduler registry init --db postgresql://scheduler@localhost/scheduler
        scheduler registry check
        scheduler registry export > backup.jsonl
    """


@registry_group.command("init")
@db_option
def registry_init(db: str | None) -> None:
    """Create an empty registry (a new file, or an empty PostgreSQL database).

    \b
    Example:
        scheduler registry init --db postgresql://scheduler@localhost/scheduler
    """
    from scheduler.registry import State, locate
    from scheduler.registry.database import state

    target = db or _default()
    if state(locate(target)) not in (State.MISSING, State.EMPTY):
        raise _UserError(f"--db {locate(target).shown}: not empty; nothing was changed")
    with _registry(target, create=True) as registry:
        click.echo(f"Created a registry at {registry.location.shown}")


def _default() -> str:
    from scheduler.registry import default_location

    return str(default_location())


@registry_group.command("upgrade")
@db_option
def registry_upgrade(db: str | None) -> None:
    """Bring a registry made by an earlier release to this release's schema.

    Back it up first (copy the file, or pg_dump). Nothing is lost: every plan, change and
    version is kept.

    \b
    Example:
        scheduler registry upgrade --db registry.sqlite3
    """
    from scheduler.registry import State, locate
    from scheduler.registry.database import engine_for, state, upgrade

    location = locate(db or _default())
    found = state(location)
    if found is State.CURRENT:
        click.echo(f"{location.shown} is up to date")
        return
    if found not in (State.LEGACY, State.OLD):
        raise _UserError(f"--db {location.shown}: {_what(found)}; nothing was changed")
    engine = engine_for(location)
    try:
        upgrade(engine, found)
    finally:
        engine.dispose()
    click.echo(f"Upgraded {location.shown} to the current schema")


def _what(found: Any) -> str:
    from scheduler.registry import State

    words: dict[State, str] = {
        State.MISSING: "no registry there", State.EMPTY: "no registry there (it is empty)",
        State.NEWER: "made by a newer scheduler", State.FOREIGN: "not a scheduler registry"}
    return words.get(found, str(found.value))


@registry_group.command("check")
@db_option
def registry_check(db: str | None) -> None:
    """Check the registry: schema version, database integrity, versions and their files.

    Exit status 0 when all is well, 2 with a list of problems otherwise.

    \b
    Example:
        scheduler registry check
    """
    from scheduler.registry.check import check

    with _registry(db) as registry:
        problems = check(registry)
        shown = registry.location.shown
    if problems:
        raise _UserError(f"{shown}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))
    click.echo(f"{shown}: ok (schema current, integrity ok, versions contiguous, files present)")


@registry_group.command("export")
@click.option("--for-audit", is_flag=True,
              help="Leave out the password and feed-token hashes and the files' bytes (a copy for "
                   "an auditor; it cannot be restored).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write to FILE (created with mode 0600) instead of standard output.")
@db_option
def registry_export(for_audit: bool, output: Path | None, db: str | None) -> None:
    """Print the registry as JSON lines: a full backup that 'registry import' restores.

    A full export holds every plan, change, issued version (with its files), feed token and
    user, with the password and feed-token hashes, so that after a restore users log in with
    their passwords and calendars find their feeds; its first line says it holds secrets, and
    a file it is written to gets mode 0600. --for-audit prints plans, changes, versions (with
    each file's SHA-256), users and live feed tokens without any hash.

    \b
    Example:
        scheduler registry export -o registry-2026-11-30.jsonl
        scheduler registry export --for-audit > audit.jsonl
    """
    import json
    import stat

    from scheduler.registry.check import export_records
    from scheduler.registry.transfer import dump, dumps

    stream = sys.stdout
    if output is not None:
        try:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as error:
            raise _UserError(f"--output {output}: cannot write ({error.strerror})") from None
        os.fchmod(fd, 0o600)
        stream = open(fd, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    elif not for_audit:
        with contextlib.suppress(OSError, ValueError):  # stdout redirected to a file: keep it private
            if stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode):
                os.fchmod(sys.stdout.fileno(), 0o600)
    try:
        with _registry(db) as registry:
            if for_audit:
                for record in export_records(registry):
                    stream.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            else:
                for record in dump(registry):
                    stream.write(dumps(record) + "\n")
    finally:
        if stream is not sys.stdout:
            stream.close()


@registry_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@db_option
def registry_import(file: Path, db: str | None) -> None:
    """Restore a full 'registry export' FILE into a new, empty registry (all or nothing).

    The registry is made if it does not exist; one that holds any plan or user is refused.
    From SQLite to PostgreSQL: export from the file, import into the database.

    \b
    Example:
        scheduler registry export --db registry.sqlite3 -o registry.jsonl
        scheduler registry import registry.jsonl --db postgresql://scheduler@db.example.org/scheduler
    """
    from scheduler.core.files import read_text_file
    from scheduler.registry.transfer import load

    text = read_text_file(file, "registry export", limit=4_000_000_000)
    with _registry(db, create=True) as registry:
        counts = load(registry, text.splitlines(), str(file))
        shown = registry.location.shown
    listed = ", ".join(f"{n} {kind.replace('_', ' ')}{'s' if n != 1 else ''}"
                       for kind, n in sorted(counts.items()))
    click.echo(f"Imported into {shown}: {listed or 'nothing'}")


# --- users --------------------------------------------------------------------------------------


@click.group()
def user() -> None:
    """Add, list and disable the people who may log in to the web app.

    \b
    Example:
        scheduler user add li.na --admin
        scheduler user list
    """


@user.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="May add users and see every page.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@author_option
@now_option
@db_option
def user_add(name: str, admin: bool, password_stdin: bool, author: str | None, now: str | None,
             db: str | None) -> None:
    """Add a user NAME who may log in to the web app ('scheduler serve').

    The password is asked for twice (or read from standard input) and stored as an argon2
    hash only. The first 'user add' creates the registry if there is none.

    \b
    Example:
        scheduler user add li.na --admin
        printf '%s\\n' "$PASSWORD" | scheduler user add wang.fang --password-stdin
    """
    from scheduler.services import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    record = users.new_user(name, password, admin, _author(author), _now(now))
    with _registry(db, create=True) as registry, registry.transaction():
        registry.add_user(record)
    click.echo(f"Added {'admin' if admin else 'coordinator'} {name}")


@user.command("list")
@db_option
def user_list(db: str | None) -> None:
    """List users: name, role, created, disabled.

    \b
    Example:
        scheduler user list
    """
    with _registry(db) as registry:
        people = registry.users()
    click.echo("NAME\tROLE\tCREATED\tSTATUS")
    for person in people:
        status = f"disabled {person.disabled_at}" if person.disabled_at else "active"
        click.echo(f"{person.name}\t{'admin' if person.admin else 'coordinator'}\t"
                   f"{person.created_at}\t{status}")


@user.command("disable")
@click.argument("name")
@now_option
@db_option
def user_disable(name: str, now: str | None, db: str | None) -> None:
    """Disable user NAME: they can no longer log in; what they did stays theirs.

    \b
    Example:
        scheduler user disable wang.fang
    """
    from scheduler.registry import access

    with _registry(db) as registry, registry.transaction():
        registry.disable_user(name, _now(now))
        ended = access.end_all(registry, name, _now(now))
    click.echo(f"Disabled {name}" + (f"; ended {ended} session(s)" if ended else ""))



# --- feeds -----------------------------------------------------------------------------------------

base_url_option = click.option(
    "--base-url", envvar="SCHEDULER_BASE_URL", default="http://127.0.0.1:8000", show_default=True,
    metavar="URL", help="The address patients' calendars reach the server at (https://... behind "
                        "a reverse proxy); feed URLs start with it. Also $SCHEDULER_BASE_URL.")


@click.group()
def feed() -> None:
    """Give a patient a calendar feed that their phone keeps current.

    The feed is served by 'scheduler serve' at <base-url>/feed/<token>.ics and always holds
    the current plan. It is discreet (no drug, dose or place) unless detail is switched on.

    \b
    Example:
        scheduler feed create P017 --base-url https://calendar.example.org
        scheduler feed rotate P017
        scheduler feed revoke P017
    """


def _feed_url(base_url: str, token: str) -> str:
    from urllib.parse import urlsplit

    from scheduler.services.feed import feed_path

    if urlsplit(base_url).hostname in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Note: {base_url} is this computer's own address: a patient's phone or "
                   "Google's and Microsoft's servers cannot reach it. Give --base-url (or "
                   "$SCHEDULER_BASE_URL) the address the server is reached at, then rotate.",
                   err=True)
    return base_url.rstrip("/") + feed_path(token)


@feed.command("create")
@click.argument("key")
@base_url_option
@author_option
@now_option
@db_option
def feed_create(key: str, base_url: str, author: str | None, now: str | None, db: str | None) -> None:
    """Make KEY's feed and print its address (shown this once: only a hash is kept).

    \b
    Example:
        scheduler feed create P017 --base-url https://calendar.example.org
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        token = feeds.create(registry, key, _author(author), _now(now))
    click.echo(_feed_url(base_url, token))


@feed.command("rotate")
@click.argument("key")
@base_url_option
@author_option
@now_option
@db_option
def feed_rotate(key: str, base_url: str, author: str | None, now: str | None, db: str | None) -> None:
    """Give KEY's feed a new address; the old one stops working at once.

    \b
    Example:
        scheduler feed rotate P017
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        token = feeds.create(registry, key, _author(author), _now(now), rotate=True)
    click.echo(_feed_url(base_url, token))


@feed.command("revoke")
@click.argument("key")
@author_option
@now_option
@db_option
def feed_revoke(key: str, author: str | None, now: str | None, db: str | None) -> None:
    """Stop KEY's feed: its address answers 404 from now on.

    \b
    Example:
        scheduler feed revoke P017
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        feeds.revoke(registry, key, _author(author), _now(now))
    click.echo(f"Revoked the feed of {key}")


@feed.command("detail")
@click.argument("key")
@click.argument("state", type=click.Choice(["on", "off"]))
@reason_option
@author_option
@now_option
@db_option
def feed_detail(key: str, state: str, reason: str, author: str | None, now: str | None,
                db: str | None) -> None:
    """Switch drug names, doses and places in KEY's feed on or off (off by default).

    The feed is fetched by the patient's calendar provider (Google, Microsoft, Apple): switch
    detail on only when the patient wants it there. The change is recorded with its reason.

    \b
    Example:
        scheduler feed detail P017 on --reason "patient asked for drug names"
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        change = feeds.set_detail(registry, key, state == "on", reason, _author(author), _now(now))
    click.echo(f"Recorded for {key}: {change.describe()}")


# --- the server ------------------------------------------------------------------------------------


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep the default unless a reverse proxy with HTTPS is "
                   "in front.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--base-url", envvar="SCHEDULER_BASE_URL", metavar="URL",
              help="The address patients' calendars and browsers reach the server at (https://... "
                   "behind a reverse proxy); feed URLs start with it. Also $SCHEDULER_BASE_URL. "
                   "Default: http://127.0.0.1:PORT.")
@click.option("--issue-dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Where versions issued from the web app are written (they are also kept in "
                   "the registry). Default: 'issued' in your user data folder.")
@click.option("--templates", "templates_folder", metavar="FOLDER",
              type=click.Path(path_type=Path, file_okay=False, exists=True),
              envvar="SCHEDULER_TEMPLATES",
              help="A folder of your clinic's own templates (.yaml), offered beside the shipped "
                   "ones; each needs an id of its own. Files in it that are not valid templates "
                   "are listed, with their problems, on the Templates page. Also "
                   "$SCHEDULER_TEMPLATES.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes. They share sessions, the login throttle and feeds through the "
                   "registry (use PostgreSQL for more than one); more than one needs "
                   "$SCHEDULER_SECRET or --secret-file.")
@click.option("--secret-file", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="A file whose first line is the secret that signs session cookies (at least 32 "
                   "bytes), instead of $SCHEDULER_SECRET. Required off loopback and with --workers.")
def serve(db: str | None, host: str, port: int, base_url: str | None, issue_dir: Path | None,
          templates_folder: Path | None, workers: int, secret_file: Path | None) -> None:
    """Start the web app for coordinators and the patients' calendar feeds.

    Coordinators log in with a user made by 'scheduler user add'. Patients' calendars fetch
    <base-url>/feed/<token>.ics (see 'scheduler feed'). Stop with Ctrl-C.

    \b
    Example:
        scheduler user add li.na --admin
        scheduler serve --base-url http://127.0.0.1:8000
    """
    import os

    from scheduler.registry import default_location
    from scheduler.web import create_app
    from scheduler.web.observe import configure_logging
    from scheduler.web.serving import check_secret, read_secret, run

    base_url = base_url or f"http://127.0.0.1:{port}"
    if secret_file is not None:
        os.environ["SCHEDULER_SECRET"] = read_secret(secret_file)
    check_secret(host, workers, os.environ.get("SCHEDULER_SECRET"))
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Note: listening on {host}: put the server behind HTTPS (a reverse proxy); "
                   f"feed addresses start with --base-url {base_url}.", err=True)
    configure_logging()
    location = db or default_location()
    app = create_app(location, base_url=base_url, issue_dir=issue_dir,
                     templates_folder=templates_folder)
    click.echo(f"Serving {base_url} (listening on {host}:{port}, {workers} worker"
               f"{'s' if workers > 1 else ''}); Ctrl-C to stop.", err=True)
    run(app, location, host, port, base_url, app.state.site.issue_dir, templates_folder, workers)
