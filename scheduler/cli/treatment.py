"""Commands that follow the treatment: record, worklist, deviations, closure, notify."""

from __future__ import annotations

import click

from scheduler.cli.common import _UserError, now_option
from scheduler.cli.store import _author, _now, _registry, author_option, db_option
from scheduler.core.text import printable


@click.command()
@click.argument("key")
@click.argument("ref")
@click.option("--status", required=True, type=click.Choice(["given", "done", "missed", "not-given"]),
              help="What happened: a dose given, a visit done, or either missed or not given.")
@click.option("--on", "on", metavar="YYYY-MM-DD",
              help="The day it happened (default: the planned day).")
@click.option("--time", "at", metavar="HH:MM", help="The time it happened, in the plan's zone.")
@click.option("--reason", default="", help="Why (required for missed and not-given).")
@author_option
@now_option
@db_option
def record(key: str, ref: str, status: str, on: str | None, at: str | None, reason: str,
           author: str | None, now: str | None, db: str | None) -> None:
    """Record what happened to event REF of KEY's plan.

    REF is the event's reference, as 'scheduler patient show KEY --events' lists it
    (immunochemo/c3/d1/pd1, rt/f12, labs/c2). Given or done on another day than planned, the
    drugs of the same visit move with it, and a cycle's day 1 moves the cycles that follow,
    as a delay does. Missed and not-given events stay in the plan, marked (cancelled in the
    patient's calendar). Undo a record with 'scheduler revert KEY N'.

    \b
    Example:
        scheduler record P017 immunochemo/c3/d1/pd1 --status given --on 2026-04-15
        scheduler record P017 rt/f12 --status missed --reason "machine down"
    """
    from scheduler.cli.patients import effects_lines
    from scheduler.core.diff import compare
    from scheduler.services import treatment
    from scheduler.services.options import parse_date

    day = parse_date(on, "--on") if on else None
    with _registry(db) as registry:
        outcome = treatment.record(registry, key, ref, status, day, at, reason, _author(author),
                                   _now(now))
    assert outcome.recorded is not None
    click.echo(printable(f"Recorded for {key}: {outcome.recorded.describe()} "
                         f"(change {outcome.recorded.number})"))
    moved = compare(outcome.before, outcome.after).moved
    for move in moved:
        click.echo(printable(f"  {move.after.ref}: {move.before.date.isoformat()} -> "
                             f"{move.after.date.isoformat()} ({move.days:+d} d)"))
    if moved:
        for line in effects_lines(outcome):  # a day 1 given on another day: what the cycles after it do
            click.echo(printable(line))
        click.echo(f"{len(moved)} event(s) moved. Run 'scheduler issue {key} -o OUTDIR' to hand "
                   "out the new version.")


def _days(value: int) -> int:
    if not 1 <= value <= 366:
        raise click.BadParameter(f"give a number of days from 1 to 366, not {value}")
    return value


@click.command()
@click.option("--from", "first", metavar="YYYY-MM-DD", help="The first day (default: today).")
@click.option("--days", default=1, show_default=True, type=int, callback=lambda _c, _p, value: _days(value),
              help="How many days (1 to 366).")
@click.option("--resource", metavar="NAME", help="Only the events of one resource (linac).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (spreadsheet-safe).")
@now_option
@db_option
def worklist(first: str | None, days: int, resource: str | None, as_json: bool, as_csv: bool,
             now: str | None, db: str | None) -> None:
    """Every event of every active plan in a range of days, urgent first.

    Flags: urgent (moved or cancelled by a change of the last 7 days, and falling, or having
    fallen, within the next 48 hours: tell the patient directly), unissued (changed since the
    plan's last issued version), never-fetched (a live feed no calendar has fetched yet),
    labs-due (a blood test).

    \b
    Example:
        scheduler worklist
        scheduler worklist --from 2026-04-20 --days 7 --resource linac --csv > week.csv
    """
    from scheduler.services import worklist as work
    from scheduler.services.options import parse_date

    if as_json and as_csv:
        raise _UserError("give --json or --csv, not both")
    stamp = _now(now)
    day = parse_date(first, "--from") if first else stamp.date()
    with _registry(db) as registry:
        items = work.worklist(registry, day, days, stamp, resource)
    if as_json:
        click.echo(work.to_json(items), nl=False)
    elif as_csv:
        click.echo(work.to_csv(items), nl=False)
    else:
        click.echo(printable(work.to_text(items, day, days)), nl=False)


@click.command()
@click.argument("key", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def deviations(key: str | None, as_json: bool, db: str | None) -> None:
    """List what happened otherwise than planned, for KEY or the whole registry.

    Visits done outside their window (by how many days), doses given off their planned day
    (beyond the drug's day_tolerance, when the template states one), and events missed or not
    given, each with its reason, as recorded with 'scheduler record'.

    \b
    Example:
        scheduler deviations P017
        scheduler deviations --json > deviations.json
    """
    from scheduler.services import deviations as found

    with _registry(db) as registry:
        listed = found.deviations(registry, key)
    click.echo(found.to_json(listed) if as_json else printable(found.to_text(listed)), nl=False)


@click.group()
def closure() -> None:
    """Clinic closures for everyone at once (add, list, revert).

    \b
    Example:
        scheduler closure add 2026-04-21 --resource linac --reason "linac service" --dry-run
    """


@closure.command("add")
@click.argument("span", metavar="FROM[..TO]")
@click.option("--resource", metavar="NAME", help="Close one resource only (linac): only its events move.")
@click.option("--reason", required=True, help="Why the clinic is closed.")
@click.option("--dry-run", is_flag=True, help="Show every affected plan and move; record nothing.")
@author_option
@now_option
@db_option
def closure_add(span: str, resource: str | None, reason: str, dry_run: bool, author: str | None,
                now: str | None, db: str | None) -> None:
    """Close the clinic (or one resource) from FROM to TO for every active plan.

    Lists every plan with events in the closure and every move it causes, then records one
    change per affected plan (with --dry-run, only the list). Moves within the next 48 hours
    are urgent: the worklist flags them and 'scheduler notify' sends them.

    \b
    Example:
        scheduler closure add 2026-04-21 --resource linac --reason "linac service" --dry-run
        scheduler closure add 2026-04-21..2026-04-22 --reason "power works"
    """
    from scheduler.services import closures
    from scheduler.services.options import parse_date

    first, _, last = span.partition("..")
    start = parse_date(first, "FROM")
    end = parse_date(last, "TO") if last else start
    stamp = _now(now)
    with _registry(db) as registry:
        preview = closures.add(registry, start, end, resource, reason, _author(author), stamp, dry_run)
    click.echo(printable(closures.preview_text(preview, stamp)), nl=False)


@closure.command("list")
@db_option
def closure_list(db: str | None) -> None:
    """List the closures recorded in the registry.

    \b
    Example:
        scheduler closure list
    """
    from scheduler.registry import follow as store
    from scheduler.services import closures

    with _registry(db) as registry:
        listed = store.closures(registry)
        counts = closures.affected_counts(registry)
    click.echo("N\tFROM\tTO\tRESOURCE\tPLANS\tBY\tREASON\tSTATUS")
    for item in listed:
        status = f"reverted {item.reverted_at} by {item.reverted_by}" if item.reverted_at else "in force"
        click.echo(printable("\t".join([str(item.id), item.start, item.end, item.resource or "all",
                                        str(counts.get(item.id, 0)), item.author, item.reason, status])))


@closure.command("revert")
@click.argument("number", type=int)
@click.option("--reason", required=True, help="Why the closure is taken back.")
@author_option
@now_option
@db_option
def closure_revert(number: int, reason: str, author: str | None, now: str | None, db: str | None) -> None:
    """Take closure N back: its change on every plan it moved is reverted.

    \b
    Example:
        scheduler closure revert 3 --reason "service postponed"
    """
    from scheduler.services import closures

    with _registry(db) as registry:
        done = closures.revert(registry, number, reason, _author(author), _now(now))
    click.echo(f"Reverted closure {number} on {len(done.keys)} plan(s)"
               + (f": {', '.join(done.keys)}" if done.keys else ""))
    if urgent := closures.urgent_line(done.soon):
        click.echo(urgent)


@click.command()
@click.option("--smtp", required=True, metavar="HOST:PORT", envvar="SCHEDULER_SMTP",
              help="The mail server (also $SCHEDULER_SMTP).")
@click.option("--to", "to", required=True, metavar="ADDRESS", help="Where the digest goes.")
@click.option("--from", "sender", default="scheduler@localhost", show_default=True, metavar="ADDRESS")
@click.option("--starttls", is_flag=True, help="Upgrade the connection with STARTTLS.")
@click.option("--dry-run", is_flag=True, help="Print the digest; send and record nothing.")
@now_option
@db_option
def notify(smtp: str, to: str, sender: str, starttls: bool, dry_run: bool, now: str | None,
           db: str | None) -> None:
    """E-mail one digest of the urgent items (patient keys and event references only).

    An urgent item is an event moved or cancelled by a change of the last days that falls, or
    fell, within the next 48 hours. Each item is sent once: what was sent is recorded.

    \b
    Example:
        scheduler notify --smtp mail.example.org:587 --starttls --to oncology-coordinators@example.org
    """
    from scheduler.services import notify as notifying

    stamp = _now(now)
    with _registry(db) as registry:
        found = notifying.send(registry, smtp, to, stamp, sender, starttls, dry_run)
    if found.message is None:
        click.echo("Nothing new to send.")
    elif dry_run:
        click.echo(printable(str(found.message.get_content())), nl=False)
    else:
        click.echo(f"Sent {len(found.items)} urgent item(s) to {to}.")

