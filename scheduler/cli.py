"""The ``scheduler`` command line: parse options, call the library, print.

Every :class:`~scheduler.errors.SchedulerError` becomes one message on stderr and exit
status 2, in one place (:class:`_Group`); nothing is written when a command fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import getpass
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scheduler import __version__
from scheduler.adjust import Delay, Hold, Stop
from scheduler.describe import describe_template
from scheduler.errors import SchedulerError
from scheduler.expand import expand
from scheduler.export import table
from scheduler.files import check_folder, plan_filename, read_text_file, write_files
from scheduler.loader import load_template_file, shipped_templates
from scheduler.options import (
    PlanOptions,
    build_request,
    parse_assignment,
    parse_date,
    parse_date_range,
    parse_horizon,
    resolve_now,
)
from scheduler.outputs import OutputOptions, render
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.registry import Registry


class _UserError(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


class _Group(click.Group):
    """Maps the library's errors to exit status 2 for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SchedulerError as error:
            raise _UserError(str(error)) from None


def _converted(parse: Callable[..., Any]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback that runs a parser on the value (or on each of a multiple option)."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            if isinstance(value, tuple):
                return tuple(parse(v) for v in value)
            return parse(value)
        except SchedulerError as error:
            raise click.BadParameter(str(error).split(": ", 1)[-1]) from None

    return callback


def _option_set(name: str, model: type, decorators: list[Callable[..., Any]]) -> Callable[..., Any]:
    """Options declared once and handed to a command as one ``name`` argument: a ``model``
    (a dataclass) built from their values; each option's name is a field of the model."""
    fields = [f.name for f in dataclasses.fields(model)]

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            kwargs[name] = model(**{field: kwargs.pop(field) for field in fields})
            return command(**kwargs)

        for decorator in reversed(decorators):
            wrapper = decorator(wrapper)
        return wrapper

    return apply


plan_options = _option_set("options", PlanOptions, [
    click.option("--start", required=True, metavar="YYYY-MM-DD",
                 callback=_converted(parse_date),
                 help="Cycle 1 day 1: the first day of treatment."),
    click.option("--holidays", metavar="CC[-SUB]|none",
                 help="Public holidays by ISO country and subdivision, e.g. CN, US-CA, GB; "
                      "'none' for weekends only. Default: the site file's, else the "
                      "template's, else none."),
    click.option("--closed", multiple=True, metavar="DATE[..DATE][=REASON]",
                 callback=_converted(lambda v: parse_date_range(v, "--closed")),
                 help="A day (or range) the clinic is closed. Repeatable."),
    click.option("--workday", "workdays", multiple=True, metavar="DATE[..DATE][=REASON]",
                 callback=_converted(lambda v: parse_date_range(v, "--workday")),
                 help="An extra working day, e.g. a Saturday clinic. Repeatable."),
    click.option("--site", type=click.Path(path_type=Path), metavar="FILE",
                 help="A site file (YAML) with holidays, time zone, closures, workdays."),
    click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                 callback=_converted(parse_assignment),
                 help="Override a template parameter, e.g. chemo_cycles=6. Repeatable."),
    click.option("--horizon", default="12m", show_default=True, metavar="SPAN",
                 callback=_converted(parse_horizon),
                 help="How far from the start to schedule open-ended treatment "
                      "(continuation doses), e.g. 6m, 18m, 2y. Never cuts planned doses."),
    click.option("--tz", "timezone", metavar="ZONE",
                 help="IANA time zone of the clinic, e.g. Asia/Shanghai. Default: the "
                      "site file's, else the template's, else this machine's."),
    click.option("--shift-start", is_flag=True,
                 help="If --start is not a working day, start on the next working day "
                      "instead of failing."),
    click.option("--plan-key", metavar="SECRET",
                 help="A secret the event UIDs are derived from, so that nobody who guesses "
                      "the template, start and patient label can match them. Keep it to "
                      "re-issue the same UIDs. (Registered patients get a random one.)"),
])
"""The options every plan-making command takes (show, generate, patient add)."""

output_options = _option_set("output", OutputOptions, [
    click.option("--discreet", is_flag=True,
                 help="No drug, diagnosis, dose or place in the .ics (for calendars a third "
                      "party hosts); titles read 'Hospital appointment'. The PDF keeps all."),
    click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4",
                 show_default=True, help="PDF paper size."),
    click.option("--week-start", type=click.Choice(["monday", "sunday"]), default="monday",
                 show_default=True, help="First day of the week in the PDF month grids."),
    click.option("--lang", type=click.Choice(["en", "zh", "en+zh"]), default="en",
                 show_default=True, help="Language of the PDF: English, Chinese, or both."),
])
"""How the .ics and the PDF are written (generate, issue, batch)."""


def _plan(template: str, options: PlanOptions, patient: str | None = None) -> Plan:
    return expand(build_request(template, options, patient))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"],
                                           "max_content_width": 100, "terminal_width": 100})
@click.version_option(__version__, prog_name="scheduler")
def cli() -> None:
    """Treatment-schedule calendars from protocol templates.

    Pick a protocol template, give the patient's start date (cycle 1 day 1), and get every
    dated event of the plan, moved correctly around weekends, public holidays and clinic
    closures, as a table, JSON, or an .ics file for Outlook and Google Calendar.

    \b
    Example:
        scheduler templates
        scheduler show nct06478355 --start 2026-01-05
        scheduler generate nct06478355 --start 2026-01-05 -o out/
    """


@cli.command()
@click.option("--search", metavar="TEXT", help="Only templates whose id, name, source, "
              "components or drugs contain every word of TEXT.")
def templates(search: str | None) -> None:
    """List the shipped protocol templates: id, name and source.

    \b
    Example:
        scheduler templates --search rectal
    """
    infos = shipped_templates(search)
    width = max(len(i.id) for i in infos)
    source_width = max(len(i.source) for i in infos)
    for info in infos:
        click.echo(f"{info.id.ljust(width)}  {info.source.ljust(source_width)}  {info.name}")


@cli.group("template")
def template_group() -> None:
    """One shipped template.

    \b
    Example:
        scheduler template show mfolfox6
    """


@template_group.command("show")
@click.argument("template")
def template_show(template: str) -> None:
    """Print a template's components, ids, parameters and rules in words.

    TEMPLATE is a shipped id or a path to a YAML file.

    \b
    Example:
        scheduler template show mfolfox6
    """
    click.echo(describe_template(template))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
def validate(file: Path) -> None:
    """Check a template file; problems name file, line and field.

    Exit status 0 when the template is valid, 2 when it is not.

    \b
    Example:
        scheduler validate templates/nct06478355.yaml
    """
    template = load_template_file(file)
    click.echo(f"{file}: valid template '{template.id}' ({len(template.components)} components)")


@cli.command()
@click.argument("template")
@plan_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of events.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header row.")
def show(template: str, options: PlanOptions, as_json: bool, as_csv: bool) -> None:
    """Print the dated events of a plan.

    TEMPLATE is a shipped template id (see `scheduler templates`) or a path to a YAML file.
    With --json or --csv, stdout holds only the data; notes (such as parameters left at
    their defaults) go to stderr.

    \b
    Example:
        scheduler show nct06478355 --start 2026-01-05
        scheduler show nct06478355 --start 2026-01-05 --set chemo_cycles=6 --json
        scheduler show cross --start 2026-11-02 --holidays US --tz America/New_York
    """
    if as_json and as_csv:
        raise _UserError("give --json or --csv, not both")
    plan = _plan(template, options)
    if as_json or as_csv:
        for note in plan.notes:
            click.echo(f"Note: {note}", err=True)
        click.echo(table.to_json(plan) if as_json else table.to_csv(plan), nl=False)
    else:
        click.echo(table.to_text(plan), nl=False)


@cli.command()
@click.argument("template")
@plan_options
@click.option("--patient", metavar="LABEL",
              help="A label for the calendar name and file name (never put in event UIDs).")
@output_options
@click.option("--now", metavar="TIMESTAMP",
              help="Generation time for DTSTAMP, e.g. 2026-01-01T08:00:00Z. Default: "
                   "SOURCE_DATE_EPOCH if set, else the current time.")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              metavar="OUTDIR", help="Folder to write into (created if missing).")
def generate(
    template: str,
    options: PlanOptions,
    patient: str | None,
    output: OutputOptions,
    now: str | None,
    outdir: Path,
) -> None:
    """Write the plan into OUTDIR as an .ics and a printable PDF calendar.

    The files are named <template>_<start>.ics and .pdf (prefixed with the patient label if
    given). The same inputs and --now give byte-identical files, and event UIDs are the same
    on every run. For a plan that will change (delays, holds), register it and use
    `scheduler issue`, which versions the .ics so that calendars move events in place.

    \b
    Example:
        scheduler generate nct06478355 --start 2026-01-05 -o out/
        scheduler generate stupp --start 2026-03-02 --holidays GB-ENG --tz Europe/London \\
            --patient "Patient 017" --discreet -o out/
        scheduler generate nct06478355 --start 2026-01-05 --lang en+zh -o out/
    """
    stamp = resolve_now(now)
    plan = _plan(template, options, patient)
    stem = plan_filename(plan.template.id, plan.start, patient, "")
    files = render(plan, stamp, patient, output)
    for path in write_files(outdir, {stem + suffix: data for suffix, data in files.items()}):
        click.echo(f"Wrote {path} ({len(plan.events)} events, "
                   f"{plan.first_date.isoformat()} to {plan.last_date.isoformat()})")
    for note in plan.notes:
        click.echo(f"Note: {note}")
    if output.discreet and patient and not options.plan_key:
        click.echo("Note: without --plan-key, someone who can guess this template, start date "
                   "and patient label could match the event UIDs to them; pass a secret "
                   "--plan-key, or register the patient and use 'scheduler issue'.")


# --- the patient registry -------------------------------------------------------------------


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--db``, shared by every registry command."""
    return click.option(
        "--db", type=click.Path(path_type=Path), envvar="SCHEDULER_DB", metavar="FILE",
        help="Registry file (SQLite). Default: $SCHEDULER_DB, else a file in your user data "
             "folder.",
    )(command)


def _registry(db: Path | None, create: bool = False) -> contextlib.AbstractContextManager[Registry]:
    from scheduler.registry import default_path, opened

    return opened(db or default_path(), create)


def _author(author: str | None) -> str:
    return author or os.environ.get("USER") or getpass.getuser()


author_option = click.option("--author", metavar="NAME",
                             help="Who makes the change (default: your user name).")
now_option = click.option("--now", metavar="TIMESTAMP",
                          help="The time to record, e.g. 2026-01-01T08:00:00Z. Default: "
                               "SOURCE_DATE_EPOCH if set, else the current time.")


@cli.group()
def patient() -> None:
    """Register patients' plans, list them and show one.

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
@click.option("--label", metavar="TEXT", help="Display label for calendars and file names.")
@db_option
@now_option
def patient_add(key: str, template: str, options: PlanOptions, label: str | None,
                db: Path | None, now: str | None) -> None:
    """Register KEY's plan: TEMPLATE from --start with the plan options.

    KEY is a pseudonymous patient key (a study number, not a name). It never goes into
    event UIDs. The template's text is stored with the plan, so editing the file later
    does not change an issued plan.

    \b
    Example:
        scheduler patient add P017 nct06478355 --start 2026-03-02 --label "Patient 017"
    """
    from scheduler import patients

    stamp = resolve_now(now)
    with _registry(db, create=True) as registry:
        plan = patients.register(registry, key, label, template, options, stamp)
    click.echo(f"Registered {key}: {plan.template.id} from {plan.start.isoformat()}, "
               f"{len(plan.events)} events, {plan.first_date.isoformat()} to "
               f"{plan.last_date.isoformat()}")
    for note in plan.notes:
        click.echo(f"Note: {note}")


@patient.command("list")
@db_option
def patient_list(db: Path | None) -> None:
    """List registered patients: key, label, template, start, last version.

    \b
    Example:
        scheduler patient list
    """
    with _registry(db) as registry:
        for stored in registry.plans():
            versions = registry.versions(stored.id)
            click.echo(f"{stored.patient_key}\t{stored.label or ''}\t{stored.template_id}\t"
                       f"{stored.start}\tversion {versions[-1].version if versions else '-'}")


@patient.command("show")
@click.argument("key")
@db_option
@click.option("--events", is_flag=True, help="Also print the current plan's events.")
def patient_show(key: str, db: Path | None, events: bool) -> None:
    """Show KEY's plan, its adjustments and its issued versions.

    \b
    Example:
        scheduler patient show P017 --events
    """
    from scheduler import patients

    with _registry(db) as registry:
        stored = registry.plan(key)
        adjustments = registry.adjustments(stored.id)
        versions = registry.versions(stored.id)
        plan = patients.current_plan(registry, key)
    click.echo(f"Patient {stored.patient_key}" + (f" ({stored.label})" if stored.label else ""))
    click.echo(f"Template {stored.template_id} from {stored.template_path}, "
               f"sha256 {stored.template_sha256[:12]}")
    if patients.template_changed(stored):
        click.echo("Warning: the template file has changed since this plan was registered; "
                   "the plan keeps the registered copy.")
    click.echo(f"Registered {stored.created_at}")
    click.echo("Adjustments:" if adjustments else "Adjustments: none")
    for number, item in enumerate(adjustments, start=1):
        click.echo(f"  {number}. {item.adjustment.describe()} ({item.author}, {item.created_at})")
    click.echo("Issued versions:" if versions else "Issued versions: none")
    for version in versions:
        click.echo(f"  version {version.version}, {version.issued_at}: {', '.join(version.files)}")
    click.echo(table.to_text(plan) if events else
               f"{len(plan.events)} events, {plan.first_date.isoformat()} to "
               f"{plan.last_date.isoformat()}", nl=not events)


def _record(key: str, adjustment: Any, db: Path | None, author: str | None,
            now: str | None) -> None:
    from scheduler import patients

    stamp = resolve_now(now)
    with _registry(db) as registry:
        before, plan = patients.adjust(registry, key, adjustment, _author(author), stamp)
    recorded = plan.request.adjustments[-1]
    click.echo(f"Recorded for {key}: {recorded.describe()}")
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
            click.echo(f"Note: {note}")


@cli.command()
@click.argument("key")
@click.option("--cycle", type=click.IntRange(min=1), required=True, help="The cycle to delay.")
@click.option("--days", type=click.IntRange(-60, 365), required=True,
              help="Days to delay it by (negative to bring it forward).")
@click.option("--reason", required=True, help="Why, e.g. 'neutropenia'.")
@click.option("--regimen", default="", metavar="ID",
              help="The regimen, when the template has more than one.")
@author_option
@now_option
@db_option
def delay(key: str, cycle: int, days: int, reason: str, regimen: str, author: str | None,
          now: str | None, db: Path | None) -> None:
    """Delay cycle N of KEY's regimen (and what follows it) by D days.

    Later cycles of the same regimen move with it (each starts its cycle length after the
    actual day 1 of the one before); radiotherapy not anchored to the regimen stays. The new
    dates still follow the working-day rules. A date pushed outside its window is reported.

    \b
    Example:
        scheduler delay P017 --cycle 3 --days 7 --reason "neutropenia"
    """
    if days == 0:
        raise _UserError("--days: a delay of 0 days changes nothing")
    _record(key, Delay(regimen, cycle, days, reason), db, author, now)


@cli.command()
@click.argument("key")
@click.option("--component", required=True, metavar="ID", help="Component to hold, e.g. rt.")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD",
              callback=_converted(lambda v: parse_date(v, "--from")), help="First held day.")
@click.option("--days", type=click.IntRange(1, 366), required=True,
              help="Number of calendar days held.")
@click.option("--reason", required=True, help="Why, e.g. 'mucositis'.")
@author_option
@now_option
@db_option
def hold(key: str, component: str, start: Any, days: int, reason: str, author: str | None,
         now: str | None, db: Path | None) -> None:
    """Hold a component of KEY's plan for D calendar days from a date.

    Radiotherapy fractions resume after the hold and all fractions are kept; a drug's dose,
    daily medication or visit in the held days is left out.

    \b
    Example:
        scheduler hold P017 --component rt --from 2026-04-20 --days 2 --reason "mucositis"
    """
    _record(key, Hold(component, start, days, reason), db, author, now)


@cli.command()
@click.argument("key")
@click.option("--component", required=True, metavar="ID",
              help="Component (or regimen) to stop, e.g. pd1.")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD",
              callback=_converted(lambda v: parse_date(v, "--from")),
              help="First day with no more treatment.")
@click.option("--reason", required=True, help="Why, e.g. 'progression'.")
@author_option
@now_option
@db_option
def stop(key: str, component: str, start: Any, reason: str, author: str | None,
         now: str | None, db: Path | None) -> None:
    """Stop a component of KEY's plan: its events from a date on are cancelled.

    \b
    Example:
        scheduler stop P017 --component pd1 --from 2026-09-01 --reason "progression"
    """
    _record(key, Stop(component, start, reason), db, author, now)


@cli.command("issue")
@click.argument("key")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              metavar="OUTDIR", help="Folder to write into (created if missing).")
@output_options
@now_option
@db_option
def issue_command(key: str, outdir: Path, output: OutputOptions, now: str | None,
                  db: Path | None) -> None:
    """Write KEY's plan as its next version (.ics and PDF) and record it.

    Event UIDs stay the same across versions. Events whose date, time or text changed get
    a higher SEQUENCE; events that went away are written as STATUS:CANCELLED. See README,
    "Importing", for what each calendar client does with a new version.

    \b
    Example:
        scheduler issue P017 -o out/
    """
    from scheduler import patients

    stamp = resolve_now(now)
    with _registry(db) as registry:
        issued = patients.issue(registry, key, outdir, stamp, output)
    revision = issued.revision
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


@cli.command()
@click.argument("csv_file", metavar="PATIENTS.csv", type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              metavar="OUTDIR", help="Folder to write into (created if missing).")
@output_options
@click.option("--jobs", type=click.IntRange(1, 64), metavar="N",
              help="Processes to use. Default: one per CPU core.")
@now_option
def batch(csv_file: Path, outdir: Path, output: OutputOptions, jobs: int | None,
          now: str | None) -> None:
    """Write .ics and PDF calendars for a cohort, one per row of PATIENTS.csv.

    Columns: key, template, start (required); label, holidays, tz, closed, workday, set,
    horizon, shift_start (optional; several dates or NAME=VALUE pairs separated by ';').
    Each row's files are named <key>_<template>_<start>. A row with bad data is reported
    with its line number and the others go on; the exit status is 2 if any row failed.

    \b
    Example:
        scheduler batch samples/cohort.csv -o out/cohort/
    """
    from scheduler.batch import read_cohort, run_cohort

    text = read_text_file(csv_file, "CSV file")
    cohort = read_cohort(text)
    stamp = resolve_now(now)
    check_folder(outdir)  # once, not once per row
    started = time.perf_counter()
    with click.progressbar(length=len(cohort.rows), label="Calendars", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        results = run_cohort(cohort.rows, outdir, stamp, output, jobs=jobs,
                             progress=lambda _: bar.update(1))
    failed = sorted([*cohort.errors, *(r for r in results if r.error)], key=lambda r: r.line)
    for result in failed:
        click.echo(f"Error: {csv_file}:{result.line}: {result.key or '(no key)'}: {result.error}",
                   err=True)
    done = [r for r in results if not r.error]
    click.echo(f"{len(done) + len(failed)} rows: {len(done)} written to {outdir} "
               f"({sum(len(r.files) for r in done)} files) in "
               f"{time.perf_counter() - started:.1f} s; {len(failed)} failed.")
    if failed:
        sys.exit(2)

