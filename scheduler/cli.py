"""The ``scheduler`` command line: parse options, call the library, print.

Every :class:`~scheduler.errors.SchedulerError` becomes one message on stderr and exit
status 2, in one place (:class:`_Group`); nothing is written when a command fails.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from scheduler import __version__
from scheduler.errors import SchedulerError
from scheduler.expand import expand
from scheduler.export import ics, table
from scheduler.files import plan_filename, write_files
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
from scheduler.plan import Plan


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


def plan_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every plan-making command takes, declared once."""
    decorators = [
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
        click.option("--workday", multiple=True, metavar="DATE[..DATE][=REASON]",
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
    ]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        kwargs["options"] = PlanOptions(
            start=kwargs.pop("start"),
            holidays=kwargs.pop("holidays"),
            closed=kwargs.pop("closed") or (),
            workdays=kwargs.pop("workday") or (),
            site=kwargs.pop("site"),
            sets=kwargs.pop("sets") or (),
            horizon=kwargs.pop("horizon"),
            timezone=kwargs.pop("timezone"),
            shift_start=kwargs.pop("shift_start"),
        )
        return command(**kwargs)

    for decorator in reversed(decorators):
        wrapper = decorator(wrapper)
    return wrapper


def _plan(template: str, options: PlanOptions, patient: str | None = None) -> Plan:
    return expand(build_request(template, options, patient))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"],
                                           "max_content_width": 100})
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
def templates() -> None:
    """List the shipped protocol templates: id, name and source.

    \b
    Example:
        scheduler templates
    """
    infos = shipped_templates()
    width = max(len(i.id) for i in infos)
    source_width = max(len(i.source) for i in infos)
    for info in infos:
        click.echo(f"{info.id.ljust(width)}  {info.source.ljust(source_width)}  {info.name}")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
def validate(file: Path) -> None:
    """Check a template file against the schema; problems name file, line and field.

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
@click.option("--discreet", is_flag=True,
              help="No drug, diagnosis or dose in the .ics (for calendars a third party "
                   "hosts); titles read 'Hospital appointment'.")
@click.option("--now", metavar="TIMESTAMP",
              help="Generation time for DTSTAMP, e.g. 2026-01-01T08:00:00Z. Default: "
                   "SOURCE_DATE_EPOCH if set, else the current time.")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(path_type=Path),
              metavar="OUTDIR", help="Folder to write into (created if missing).")
def generate(
    template: str,
    options: PlanOptions,
    patient: str | None,
    discreet: bool,
    now: str | None,
    outdir: Path,
) -> None:
    """Write the plan as an .ics calendar file into OUTDIR.

    The file is named <template>_<start>.ics (prefixed with the patient label if given).
    The same inputs and --now give a byte-identical file; event UIDs stay the same across
    runs, so a re-issued file updates events instead of duplicating them where the
    calendar client supports it (see README, "Importing").

    \b
    Example:
        scheduler generate nct06478355 --start 2026-01-05 -o out/
        scheduler generate stupp --start 2026-03-02 --holidays GB --tz Europe/London \\
            --patient "Patient 017" --discreet -o out/
    """
    stamp = resolve_now(now)
    plan = _plan(template, options, patient)
    content = ics.to_ics(plan, stamp=stamp, patient=patient, discreet=discreet)
    name = plan_filename(plan.template.id, plan.start, patient, ".ics")
    for path in write_files(outdir, {name: content}):
        click.echo(f"Wrote {path} ({len(plan.events)} events, "
                   f"{plan.first_date.isoformat()} to {plan.last_date.isoformat()})")
    for note in plan.notes:
        click.echo(f"Note: {note}")


def main() -> None:  # pragma: no cover - console entry point
    """Run the CLI."""
    cli(prog_name="scheduler")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
