"""The registry's own commands (init, upgrade, check, export, import) and ``serve``.

Part of the command line (:mod:`scheduler.cli`), loaded by :mod:`scheduler.cli.main` on
demand. The patients', users' and feeds' commands are in :mod:`.patients`, :mod:`.users`
and :mod:`.feeds`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scheduler.cli.common import (
    _UserError,
    in_cli_words,
)
from scheduler.cli.store import (
    _registry,
    db_option,
)

if TYPE_CHECKING:

    pass


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
    from scheduler.services import derived
    from scheduler.services.patients import request_of

    location = locate(db or _default())
    found = state(location)
    if found is State.CURRENT:
        click.echo(f"{location.shown} is up to date")
    elif found not in (State.LEGACY, State.OLD):
        raise _UserError(f"--db {location.shown}: {_what(found)}; nothing was changed")
    else:
        engine = engine_for(location)
        try:
            upgrade(engine, found)
        finally:
            engine.dispose()
        click.echo(f"Upgraded {location.shown} to the current schema")
    with _registry(db) as registry:  # this release may compute the caches differently
        count = derived.rebuild(registry, request_of)
    click.echo(f"Rebuilt the current events and feed documents of {count} plan(s)")


def _what(found: Any) -> str:
    from scheduler.registry import State

    words: dict[State, str] = {
        State.MISSING: "no registry there", State.EMPTY: "no registry there (it is empty)",
        State.NEWER: "made by a newer scheduler", State.FOREIGN: "not a scheduler registry"}
    return words.get(found, str(found.value))


@registry_group.command("check")
@db_option
@click.option("--repair", is_flag=True,
              help="Rebuild every plan's current events (the worklist's cache) and feed document "
                   "from its history first.")
def registry_check(db: str | None, repair: bool) -> None:
    """Check the registry: schema version, database integrity, versions and their files, and
    that each plan's current events (the worklist's cache) and stored feed document match its
    history.

    Exit status 0 when all is well, 2 with a list of problems otherwise.

    \b
    Example:
        scheduler registry check
        scheduler registry check --repair
    """
    from scheduler.registry.check import check
    from scheduler.services import derived
    from scheduler.services.patients import request_of

    with _registry(db) as registry:
        if repair:
            count = derived.rebuild(registry, request_of)
            click.echo(f"Rebuilt the current events and feed documents of {count} plan(s)")
        problems = check(registry) + derived.drifted(registry, request_of)
        shown = registry.location.shown
    if problems:
        listed = "\n".join(f"  {in_cli_words(p)}" for p in problems)
        raise _UserError(f"{shown}: {len(problems)} problem(s)\n{listed}")
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
    user, the people log, password links, clinic templates (every version, with its review)
    and site settings versions, closures and digest items sent, with the password, feed-token
    and password-link hashes, so that after a restore users log in with their passwords and
    calendars find their feeds; its first line says it holds secrets, and a file it is written
    to gets mode 0600. --for-audit prints plans, changes, versions (with each file's SHA-256),
    users, live feed tokens and the clinic's records without any hash.

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
    from scheduler.registry import default_location
    from scheduler.registry.database import locate
    from scheduler.registry.transfer import load

    text = read_text_file(file, "registry export", limit=4_000_000_000)
    from scheduler.services import derived
    from scheduler.services.patients import request_of

    made = locate(db or default_location()).path
    made = made if made is not None and not made.exists() else None
    """A SQLite file this import creates, removed again if the import fails (nothing half-made)."""
    try:
        with _registry(db, create=True) as registry:
            counts = load(registry, text.splitlines(), str(file))
            derived.rebuild(registry, request_of)  # the worklist's cache, from the restored histories
            shown = registry.location.shown
    except BaseException:
        if made is not None:
            for leftover in (made, made.with_name(made.name + "-wal"), made.with_name(made.name + "-shm")):
                leftover.unlink(missing_ok=True)
        raise
    listed = ", ".join(f"{n} {kind.replace('_', ' ')}{'s' if n != 1 else ''}"
                       for kind, n in sorted(counts.items()))
    click.echo(f"Imported into {shown}: {listed or 'nothing'}")


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
@click.option("--notify-every", metavar="DURATION",
              help="E-mail the digest of urgent items this often (15m, 1h), as 'scheduler notify' "
                   "does; needs --notify-smtp and --notify-to.")
@click.option("--notify-smtp", metavar="HOST:PORT", envvar="SCHEDULER_SMTP",
              help="The mail server of the digest (also $SCHEDULER_SMTP).")
@click.option("--notify-to", metavar="ADDRESS", help="Where the digest goes.")
def serve(db: str | None, host: str, port: int, base_url: str | None, issue_dir: Path | None,
          templates_folder: Path | None, workers: int, secret_file: Path | None,
          notify_every: str | None = None, notify_smtp: str | None = None,
          notify_to: str | None = None) -> None:
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
    if notify_every:
        from scheduler.services.notify import schedule

        schedule(db or default_location(), notify_every, notify_smtp, notify_to)
    click.echo(f"Serving {base_url} (listening on {host}:{port}, {workers} worker"
               f"{'s' if workers > 1 else ''}); Ctrl-C to stop.", err=True)
    run(app, location, host, port, base_url, app.state.site.issue_dir, templates_folder, workers)
