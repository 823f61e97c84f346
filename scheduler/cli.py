"""The ``scheduler`` command line: parse options, call the library, print.

Every :class:`~scheduler.errors.SchedulerError` becomes one message on stderr and exit
status 2, in one place (:class:`_Group`); nothing is written when a command fails.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

from scheduler import __version__
from scheduler.errors import SchedulerError, TemplateError
from scheduler.text import printable

# Only click and these light modules are imported for `scheduler --help` and `--version`: each
# command imports what it needs (the template schema, holidays, icalendar, reportlab, the
# registry) when it runs. tests/test_coldstart.py checks it; benchmarks/coldstart.py times it.
if TYPE_CHECKING:
    from scheduler.options import Defaults, PlanOptions
    from scheduler.outputs import OutputOptions
    from scheduler.plan import Plan

MAX_LINE = 500
"""Characters of one line of an error message; the rest is cut with an ellipsis."""


class _UserError(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


class _Group(click.Group):
    """Maps the library's errors to exit status 2 for every command, and adds the registry's
    commands when one of them, or the list of all, is asked for."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            _add_registry_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _add_registry_commands()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SchedulerError as error:
            raise _UserError(printable(str(error), limit=MAX_LINE)) from None
        except click.ClickException as error:  # never echo a control character from the input
            object.__setattr__(error, "message", printable(error.message, limit=MAX_LINE))
            raise


def _converted(
    parse: Callable[[ModuleType, Any], Any],
) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback that runs ``parse(scheduler.options, value)`` on the value (or on each
    of a multiple option). The module is imported only when an option is given: it loads the
    template schema, which ``--help`` does not need."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        from scheduler import options

        try:
            if isinstance(value, tuple):
                return tuple(parse(options, v) for v in value)
            return parse(options, value)
        except SchedulerError as error:
            raise click.BadParameter(str(error).split(": ", 1)[-1]) from None

    return callback


def _option_set(
    name: str, model: Callable[[], type], decorators: list[Callable[..., Any]]
) -> Callable[..., Any]:
    """Options declared once and handed to a command as one ``name`` argument: a dataclass
    (returned by ``model`` when the command runs) built from their values; each option's
    name is a field of the dataclass."""

    def probe() -> None: ...

    for decorator in decorators:
        decorator(probe)
    fields = [param.name for param in getattr(probe, "__click_params__", [])]

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            kwargs[name] = model()(**{field: kwargs.pop(field) for field in fields})
            return command(**kwargs)

        for decorator in reversed(decorators):
            wrapper = decorator(wrapper)
        return wrapper

    return apply


def _plan_options() -> type[PlanOptions]:
    from scheduler.options import PlanOptions

    return PlanOptions


def _output_options() -> type[OutputOptions]:
    from scheduler.outputs import OutputOptions

    return OutputOptions


plan_options = _option_set("options", _plan_options, [
    click.option("--start", required=True, metavar="YYYY-MM-DD",
                 callback=_converted(lambda options, v: options.parse_date(v)),
                 help="Cycle 1 day 1: the first day of treatment."),
    click.option("--holidays", metavar="CC[-SUB]|none",
                 help="Public holidays by ISO country and subdivision, e.g. CN, US-CA, GB; "
                      "'none' for weekends only. Default: the site file's, else the "
                      "template's, else none (said on stderr)."),
    click.option("--closed", multiple=True, metavar="DATE[..DATE][=REASON]",
                 callback=_converted(lambda options, v: options.parse_date_range(v, "--closed")),
                 help="A day (or range) the clinic is closed. Repeatable."),
    click.option("--workday", "workdays", multiple=True, metavar="DATE[..DATE][=REASON]",
                 callback=_converted(lambda options, v: options.parse_date_range(v, "--workday")),
                 help="An extra working day, e.g. a Saturday clinic. Repeatable."),
    click.option("--site", type=click.Path(path_type=Path), metavar="FILE",
                 help="A site file (YAML) with holidays, time zone, closures, workdays. "
                      "Default: the file SCHEDULER_SITE names, else site.yaml in the user "
                      "config folder if there is one: ~/.config/scheduler/site.yaml on Linux "
                      "($XDG_CONFIG_HOME/scheduler/ if set), ~/Library/Application "
                      "Support/scheduler/site.yaml on macOS, "
                      "%LOCALAPPDATA%\\scheduler\\scheduler\\site.yaml on Windows."),
    click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                 callback=_converted(lambda options, v: options.parse_assignment(v)),
                 help="Override a template parameter, e.g. chemo_cycles=6. Repeatable."),
    click.option("--horizon", default="12m", show_default=True, metavar="SPAN",
                 callback=_converted(lambda options, v: options.parse_horizon(v)),
                 help="How far from the start to schedule open-ended treatment "
                      "(continuation doses), e.g. 6m, 18m, 2y. Never cuts planned doses."),
    click.option("--tz", "timezone", metavar="ZONE",
                 help="IANA time zone of the clinic, e.g. Asia/Shanghai. Default: the "
                      "site file's, else the template's, else this machine's (said on stderr)."),
    click.option("--shift-start", is_flag=True,
                 help="If --start is not a working day, start on the next working day "
                      "instead of failing."),
    click.option("--plan-key", metavar="SECRET",
                 callback=_converted(
                     lambda options, v: options.parse_text(v, "--plan-key", options.MAX_PLAN_KEY)),
                 help="A secret the event UIDs are derived from, so that nobody who guesses "
                      "the template, start and patient label can match them. Keep it to "
                      "re-issue the same UIDs. (Registered patients get a random one.)"),
])
"""The options every plan-making command takes (show, generate, patient add)."""

output_options = _option_set("output", _output_options, [
    click.option("--discreet", is_flag=True,
                 help="No drug, diagnosis, dose or place in the .ics (for calendars a third "
                      "party hosts); titles read 'Hospital appointment'. The PDF keeps all."),
    click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4",
                 show_default=True, help="PDF paper size."),
    click.option("--week-start", type=click.Choice(["monday", "sunday"]), default="monday",
                 show_default=True, help="First day of the week in the PDF month grids."),
    click.option("--lang", type=click.Choice(["en", "zh", "en+zh"]), default="en",
                 show_default=True, help="Language of the PDF: English, Chinese, or both."),
    click.option("--layout", type=click.Choice(["compact", "full"]), default="compact",
                 show_default=True, help="PDF months: quiet months listed together (compact) "
                                         "or a grid for every month (full)."),
])
"""How the .ics and the PDF are written (generate, issue, batch)."""


now_option = click.option("--now", metavar="TIMESTAMP",
                          help="The time to record, e.g. 2026-01-01T08:00:00Z. Default: "
                               "SOURCE_DATE_EPOCH if set, else the current time.")

force_option = click.option("--force", is_flag=True,
                            help="Replace output files that already exist (default: refuse).")
"""``--force``: without it, a command never replaces a file it finds in OUTDIR."""


def _plan(template: str, options: PlanOptions, patient: str | None = None) -> Plan:
    """The plan; first, on stderr, a note for each default it was made with."""
    from scheduler.expand import expand
    from scheduler.options import build_request

    resolved = build_request(template, options, patient)
    plan = expand(resolved.request)
    say_defaults(resolved.defaults)
    return plan


def say_defaults(defaults: Defaults) -> None:
    """One line on stderr for each default a plan was made with (nothing is silent)."""
    for note in defaults.notes():
        click.echo(f"Note: {note}", err=True)


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
    from scheduler.loader import shipped_templates

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
    from scheduler.describe import describe_template

    click.echo(describe_template(template))


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
    from scheduler.loader import load_template_file

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
            click.echo(f"Note: {note}", err=True)
        click.echo(table.to_json(plan) if as_json else table.to_csv(plan), nl=False)
    else:
        click.echo(table.to_text(plan), nl=False)


@cli.command()
@click.argument("template")
@plan_options
@click.option("--patient", metavar="LABEL",
              callback=_converted(lambda options, v: options.parse_text(v, "--patient")),
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
    from scheduler.files import plan_filename, write_files
    from scheduler.options import resolve_now
    from scheduler.outputs import render

    stamp = resolve_now(now)
    plan = _plan(template, options, patient)
    stem = plan_filename(plan.template.id, plan.start, patient, "")
    files = render(plan, stamp, patient, output)
    for path in write_files(outdir, {stem + suffix: data for suffix, data in files.items()},
                            overwrite=force):
        click.echo(f"Wrote {path} ({len(plan.events)} events, "
                   f"{plan.first_date.isoformat()} to {plan.last_date.isoformat()})")
    for note in plan.notes:
        click.echo(f"Note: {note}")
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
    from scheduler.batch import (
        REPORT,
        BatchStopped,
        RowResult,
        default_notes,
        read_cohort,
        report_csv,
        run_cohort,
        summary,
    )
    from scheduler.files import check_target, prepare_folder, read_text_file, write_files
    from scheduler.options import load_default_site, resolve_now

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


def _add_registry_commands() -> None:
    """The registry's commands (patient, delay, hold, stop, revert, issue, registry, user, feed,
    serve) and export live in their own modules; importing them adds them to :func:`cli`.
    Only --help and those commands import them (show, generate and --version start faster)."""
    from scheduler import cli_export, cli_registry  # noqa: F401
