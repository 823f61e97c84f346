"""The ``scheduler`` command line: parse options, call the library, print.

Every :class:`~scheduler.core.errors.SchedulerError` becomes one message on stderr and exit
status 2, in one place (:class:`_Group`); nothing is written when a command fails.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scheduler import __version__
from scheduler.cli.common import (
    MAX_LINE,
    _converted,
    _plan,
    _UserError,
    flag,
    force_option,
    in_cli_words,
    now_option,
    output_options,
    plan_options,
)
from scheduler.core.errors import SchedulerError, TemplateError
from scheduler.core.text import printable

if TYPE_CHECKING:
    from scheduler.core.plan import Plan  # noqa: F401
    from scheduler.export.outputs import OutputOptions
    from scheduler.services.options import PlanOptions

LAZY_COMMANDS = {
    "patient": "patients:patient", "delay": "patients:delay", "hold": "patients:hold",
    "stop": "patients:stop", "revert": "patients:revert", "issue": "patients:issue_command",
    "registry": "registry:registry_group", "serve": "registry:serve", "user": "users:user",
    "feed": "feeds:feed", "export": "export:export", "draft": "draft:draft",
    "record": "treatment:record", "worklist": "treatment:worklist",
    "deviations": "treatment:deviations", "closure": "treatment:closure", "notify": "treatment:notify",
}
"""Commands defined in other modules of this package, imported only when they are asked for
(``--help`` lists them all), so ``show``, ``generate`` and ``--version`` start faster."""


class _Group(click.Group):
    """Maps the library's errors to exit status 2 for every command, and loads a command of
    :data:`LAZY_COMMANDS` when it, or the list of all, is asked for."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, _, name = LAZY_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(f"scheduler.cli.{module}"), name)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SchedulerError as error:
            raise _UserError(printable(in_cli_words(error), limit=MAX_LINE)) from None
        except click.ClickException as error:  # never echo a control character from the input
            object.__setattr__(error, "message", printable(error.message, limit=MAX_LINE))
            raise


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
    from scheduler.core.loader import shipped_templates

    infos = shipped_templates(search)
    width = max(len(i.id) for i in infos)
    source_width = max(len(i.source) for i in infos)
    for info in infos:
        click.echo(f"{info.id.ljust(width)}  {info.source.ljust(source_width)}  {info.name}")


@cli.group("template")
def template_group() -> None:
    """One template: in words, and the patients a clinic template's new version would move.

    \b
    Example:
        scheduler template show mfolfox6
        scheduler template patients tc-6
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
    from scheduler.core.describe import describe
    from scheduler.core.loader import resolve_template

    click.echo("\n".join(describe(resolve_template(template)[0], flag)))


@template_group.command("patients")
@click.argument("template")
@click.option("--to-version", "version", type=click.IntRange(min=1), metavar="N",
              help="The version to move to (default: the newest published).")
@now_option
@click.option("--db", envvar="SCHEDULER_DB", metavar="FILE|URL",
              help="The registry (as for the patient commands). Default: $SCHEDULER_DB, else "
                   "registry.sqlite3 in your user data folder.")
def template_patients(template: str, version: int | None, db: str | None, now: str | None) -> None:
    """List the patients on earlier versions of a clinic TEMPLATE, with what would move.

    For each active plan registered (or last moved) on an earlier version: every event that
    would move (by reference, old date -> new date), be added or be removed if it were moved
    to the version, or why it cannot be. Nothing is recorded; move one with 'scheduler
    patient move'. Only a clinic's own templates (kept in the registry) have versions.

    \b
    Example:
        scheduler template patients tc-6
        scheduler template patients tc-6 --to-version 2
    """
    from scheduler.cli.moves import echo_moving
    from scheduler.cli.store import _now, _registry
    from scheduler.core.errors import InputError
    from scheduler.services import clinic_templates, moves

    with _registry(db) as registry:
        if version is None:
            newest = [p.version.version for p in clinic_templates.published(registry)
                      if p.info.id == template]
            if not newest:
                raise InputError(f"no published clinic template '{template}' in the registry", "template")
            version = newest[0]
        found = moves.candidates(registry, template, version, _now(now))
    click.echo(f"{len(found)} plan(s) on an earlier version of {template} than version {version}"
               + (":" if found else "."))
    for candidate in found:
        head = f"{candidate.patient_key} (version {candidate.on_version})"
        if candidate.moving is None:
            assert candidate.refused is not None
            click.echo(printable(f"{head}: cannot move: {in_cli_words(candidate.refused)}"))
            continue
        click.echo(f"{head}:")
        echo_moving(lambda line: click.echo(f"  {line}"), candidate.moving)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
def validate(file: Path) -> None:
    """Check a template file; problems name file, line and field.

    Every problem is listed, by line, then how many there are. Exit status 0 when the
    template is valid, 2 when it is not.

    \b
    Example:
        scheduler validate templates/nct06478355.yaml
    """
    from scheduler.core.loader import load_template_file

    try:
        template = load_template_file(file)
    except TemplateError as error:
        total = len(error.located)
        report = [*error.located, f"{total} problem{'' if total == 1 else 's'}"]
        click.echo(printable("\n".join(report), limit=MAX_LINE), err=True)
        raise click.exceptions.Exit(2) from None
    count = len(template.components)
    click.echo(f"{file}: valid template '{template.id}' ({count} component{'' if count == 1 else 's'})")


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
    from scheduler.export import table

    if as_json and as_csv:
        raise _UserError("give --json or --csv, not both")
    plan = _plan(template, options)
    if as_json or as_csv:
        for note in plan.notes:
            click.echo(f"Note: {in_cli_words(note)}", err=True)
        click.echo(table.to_json(plan) if as_json else table.to_csv(plan), nl=False)
    else:
        click.echo(table.to_text(plan, say=in_cli_words), nl=False)


@cli.command()
@click.argument("template")
@plan_options
@click.option("--patient", metavar="LABEL",
              callback=_converted(lambda options, v: options.parse_text(v, "patient")),
              help="A label for the calendar name and file name (never put in event UIDs).")
@output_options
@click.option("--now", metavar="TIMESTAMP",
              help="Generation time for DTSTAMP, e.g. 2026-01-01T08:00:00Z. Default: "
                   "SOURCE_DATE_EPOCH if set, else the current time.")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              metavar="OUTDIR", help="Folder to write into (created if missing).")
@force_option
def generate(
    template: str,
    options: PlanOptions,
    patient: str | None,
    output: OutputOptions,
    now: str | None,
    outdir: Path,
    force: bool,
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
    from scheduler.core.files import plan_filename, write_files
    from scheduler.export.outputs import render
    from scheduler.services.options import resolve_now

    stamp = resolve_now(now)
    plan = _plan(template, options, patient)
    stem = plan_filename(plan.template.id, plan.start, patient, "")
    files = render(plan, stamp, patient, output)
    for path in write_files(outdir, {stem + suffix: data for suffix, data in files.items()},
                            overwrite=force):
        click.echo(f"Wrote {path} ({len(plan.events)} events, "
                   f"{plan.first_date.isoformat()} to {plan.last_date.isoformat()})")
    for note in plan.notes:
        click.echo(f"Note: {in_cli_words(note)}")
    if output.discreet and patient and not options.plan_key:
        click.echo("Note: without --plan-key, someone who can guess this template, start date "
                   "and patient label could match the event UIDs to them; pass a secret "
                   "--plan-key, or register the patient and use 'scheduler issue'.")


@cli.command()
@click.argument("csv_file", metavar="PATIENTS.csv", type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              metavar="OUTDIR", help="Folder to write into (created if missing).")
@output_options
@click.option("--jobs", type=click.IntRange(1, 64), metavar="N",
              help="Processes to use. Default: one per CPU core.")
@click.option("--templates", "templates_dir", metavar="FOLDER",
              type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="A folder of your own templates: the 'template' column may name a .yaml file "
                   "in it. Without it, only shipped template ids are allowed.")
@now_option
@force_option
def batch(csv_file: Path, outdir: Path, output: OutputOptions, jobs: int | None,
          templates_dir: Path | None, now: str | None, force: bool) -> None:
    """Write .ics and PDF calendars for a cohort, one per row of PATIENTS.csv.

    Columns: key, template, start (required); label, holidays, tz, closed, workday, set,
    horizon, shift_start (optional; several dates or NAME=VALUE pairs separated by ';').
    Each row's files are named <key>_<template>_<start>. A row with bad data is reported
    with its line number and the others go on; the exit status is 2 if any row failed.
    The template column holds shipped ids, or names of files in the --templates FOLDER.
    Ctrl-C or SIGTERM stops the batch at once; rows finished keep their files.

    \b
    Example:
        scheduler batch samples/cohort.csv -o out/cohort/
    """
    from scheduler.core.files import check_target, prepare_folder, read_text_file, write_files
    from scheduler.services.batch import (
        REPORT,
        BatchStopped,
        RowResult,
        default_notes,
        read_cohort,
        report_csv,
        run_cohort,
        summary,
    )
    from scheduler.services.options import load_default_site, resolve_now

    text = read_text_file(csv_file, "CSV file")
    cohort = read_cohort(text)
    stamp = resolve_now(now)
    load_default_site()  # once, before any row: a bad default site file is one error
    prepare_folder(outdir)  # once, before any row: an unwritable -o is found at once
    check_target(outdir / REPORT, overwrite=True)  # not a folder or a device
    if not force and (outdir / REPORT).exists():
        raise _UserError(f"{outdir / REPORT}: already exists, from an earlier batch into this "
                         "folder; pass --force to replace it and the calendars, or write to "
                         "another folder")
    started = time.perf_counter()
    stopped: BatchStopped | None = None
    with click.progressbar(length=len(cohort.rows), label="Calendars", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        try:
            results = run_cohort(cohort.rows, outdir, stamp, output, jobs=jobs,
                                 progress=lambda _: bar.update(1), overwrite=force,
                                 templates=templates_dir)
        except BatchStopped as error:
            stopped, results = error, error.results
    for result in sorted([*cohort.errors, *results], key=lambda r: r.line):
        if result.error:
            click.echo(printable(f"Error: {csv_file}:{result.line}: {result.key or '(no key)'}: "
                                 f"{result.error}"), err=True)
    finished = {r.line for r in results}
    not_run = [] if stopped is None else [
        RowResult(row.line, row.key, row.options.start.isoformat(),
                  error=f"not run: the batch was stopped by {stopped.signal_name}")
        for row in cohort.rows if row.line not in finished]
    every = sorted([*cohort.errors, *results, *not_run], key=lambda r: r.line)
    for note in default_notes([r for r in every if not r.error]):
        click.echo(f"Note: {note}", err=True)
    write_files(outdir, {REPORT: report_csv(every)}, overwrite=force)
    click.echo(summary(every, outdir / REPORT, time.perf_counter() - started))
    if stopped is not None:
        # The workers are gone and every file is complete or removed: end now, without the
        # interpreter's teardown (0.4-0.7 s on the development VM), to stop within a second.
        click.echo(f"Error: {stopped}", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(2)
    if any(r.error for r in every):
        sys.exit(2)
