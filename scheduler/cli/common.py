"""What the commands share: the options declared once, the error that exits 2, the plan from options.

The commands live in :mod:`scheduler.cli.main` and the command modules it loads by name
(:data:`scheduler.cli.main.LAZY_COMMANDS`: patients, registry, users, feeds, export); each
imports this module (the registry's commands also :mod:`scheduler.cli.store`), and none
imports another.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

from scheduler.core.errors import SchedulerError, field_key, field_root, worded

# Only click and these light modules are imported for `scheduler --help` and `--version`: each
# command imports what it needs (the template schema, holidays, icalendar, reportlab, the
# registry) when it runs. tests/test_coldstart.py checks it; benchmarks/coldstart.py times it.
if TYPE_CHECKING:
    from scheduler.core.plan import Plan
    from scheduler.export.outputs import OutputOptions
    from scheduler.services.options import Defaults, PlanOptions

MAX_LINE = 500
"""Characters of one line of an error message; the rest is cut with an ellipsis."""

FLAGS = {
    "start": "--start", "holidays": "--holidays", "timezone": "--tz", "horizon": "--horizon",
    "closed": "--closed", "workdays": "--workday", "parameters": "--set", "site": "--site",
    "shift_start": "--shift-start", "plan_key": "--plan-key", "patient": "--patient",
    "now": "--now", "search": "--search", "templates": "--templates", "db": "--db",
    "force": "--force", "regimen": "--regimen", "feed_url": "--feed-url", "label": "--label",
    "author": "--author", "reason": "--reason", "from": "--from", "days": "--days",
    "component": "--component", "key": "patient key", "template": "TEMPLATE", "arm": "--arm",
    "reminders": "--reminders", "lang": "--lang", "resource": "--resource", "smtp": "--smtp",
    "notify_every": "--notify-every", "notify_smtp": "--notify-smtp", "time": "--time",
    "status": "--status", "on": "--on", "version": "--to-version",
}
"""The library's fields (:mod:`scheduler.core.errors`) as the command line names them: the
one table from which every error and note says its flag."""

REMEDIES = {
    "force": "pass --force to replace it",
    "shift_start": ", or pass --shift-start to start on the next one, {value}",
    "parameters": "override with --set {key}=N",
    "templates": "to use your own templates, put them in a folder and pass --templates FOLDER",
    "upgrade": "run 'scheduler registry upgrade --db {value}' (back it up first)",
    "repair": "'scheduler registry check --repair' rebuilds them",
    "notify_smtp": "give --notify-smtp HOST:PORT and --notify-to ADDRESS",
    "events": "'scheduler patient show {value} --events' lists them",
    "init": "register a patient first with 'scheduler patient add', or run 'scheduler registry init'",
    "closures": "'scheduler closure list' lists them",
    "feed_key": "'scheduler feed key' makes one",
    "feed_create": "'scheduler feed create' with the patient's key makes one and prints it",
}
"""What to give on the command line to resolve a problem whose remedy is that field."""


def flag(field: str) -> str:
    """``timezone`` -> ``--tz``; ``parameters.cycles`` -> ``--set cycles``; ``closed[2]`` ->
    ``--closed``."""
    name = FLAGS.get(field_root(field), field_root(field))
    key = field_key(field)
    return f"{name} {key}" if key else name


def in_cli_words(error: SchedulerError | str) -> str:
    """An error or note of the library as the command line says it."""
    if isinstance(error, SchedulerError):
        return error.worded(flag, REMEDIES)
    return worded(error, flag, REMEDIES)


class _UserError(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def _converted(
    parse: Callable[[ModuleType, Any], Any],
) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback that runs ``parse(scheduler.services.options, value)`` on the value (or on each
    of a multiple option). The module is imported only when an option is given: it loads the
    template schema, which ``--help`` does not need."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        from scheduler.services import options

        try:
            if isinstance(value, tuple):
                return tuple(parse(options, v) for v in value)
            return parse(options, value)
        except SchedulerError as error:
            raise click.BadParameter(error.message) from None

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
    from scheduler.services.options import PlanOptions

    return PlanOptions


def _output_options() -> type[OutputOptions]:
    from scheduler.export.outputs import OutputOptions

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
                 callback=_converted(lambda options, v: options.parse_date_range(v, "closed")),
                 help="A day (or range) the clinic is closed. Repeatable."),
    click.option("--workday", "workdays", multiple=True, metavar="DATE[..DATE][=REASON]",
                 callback=_converted(lambda options, v: options.parse_date_range(v, "workdays")),
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
                     lambda options, v: options.parse_text(v, "plan_key", options.MAX_PLAN_KEY)),
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
                 show_default=True,
                 help="Language of the PDF and the .ics: English, Chinese, or both ('issue' "
                      "takes the plan's own unless this is given)."),
    click.option("--layout", type=click.Choice(["compact", "full"]), default="compact",
                 show_default=True, help="PDF months: quiet months listed together (compact) "
                                         "or a grid for every month (full)."),
    click.option("--per-event", is_flag=True,
                 help="One .ics event per drug, fraction or dose (for clinic systems), "
                      "rather than one per clinic visit (what patients get)."),
])
"""How the .ics and the PDF are written (generate, issue, batch)."""


now_option = click.option("--now", metavar="TIMESTAMP",
                          help="What time it is for this command (what a change records, what "
                               "the worklist counts from), e.g. 2026-01-01T08:00:00Z. Default: "
                               "SOURCE_DATE_EPOCH if set, else the current time.")

force_option = click.option("--force", is_flag=True,
                            help="Replace output files that already exist (default: refuse).")
"""``--force``: without it, a command never replaces a file it finds in OUTDIR."""


def _plan(template: str, options: PlanOptions, patient: str | None = None) -> Plan:
    """The plan; first, on stderr, a note for each default it was made with."""
    from scheduler.core.expand import expand
    from scheduler.services.options import build_request

    resolved = build_request(template, options, patient)
    plan = expand(resolved.request)
    say_defaults(resolved.defaults)
    return plan


def say_defaults(defaults: Defaults) -> None:
    """One line on stderr for each default a plan was made with (nothing is silent)."""
    for note in defaults.notes(flag):
        click.echo(f"Note: {note}", err=True)
