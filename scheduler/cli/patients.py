"""The patient commands: register, list, show and end a plan; record a delay, hold or stop;
revert a change; issue a version. Part of the command line (:mod:`scheduler.cli`), loaded by
:mod:`scheduler.cli.main` on demand: each command opens the registry, calls one function of
:mod:`scheduler.services.patients`, and prints.
"""

from __future__ import annotations

import json
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
from scheduler.cli.store import (
    _author,
    _now,
    _registry,
    author_option,
    db_option,
    reason_option,
)
from scheduler.core.text import printable

if TYPE_CHECKING:

    from scheduler.core.adjust import Adjustment
    from scheduler.export.outputs import OutputOptions
    from scheduler.services.options import PlanOptions
    from scheduler.services.patients import Outcome


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
@click.option("--lang", type=click.Choice(["en", "zh", "en+zh"]), default="en", show_default=True,
              help="The patient's language: their feed, issued .ics and PDF.")
@click.option("--reminders", default="evening@18:00,1h", show_default=True, metavar="LIST",
              help="Alerts before each visit: 'evening@HH:MM' (the evening before), a time "
                   "before such as '1h' or '30m', comma-separated; 'none' for no alert.")
@db_option
@author_option
@now_option
def patient_add(key: str, template: str, options: PlanOptions, label: str | None, lang: str,
                reminders: str, db: str | None, author: str | None, now: str | None) -> None:
    """Register KEY's plan: TEMPLATE from --start with the plan options.

    TEMPLATE is a shipped template's id, a .yaml file, or the id of a clinic template
    published in the registry (its newest published version; the clinic's comes first).

    KEY is a pseudonymous patient key (a study number, not a name). It never goes into
    event UIDs. The template's text is stored with the plan, so editing the file later
    does not change an issued plan. The first 'patient add' creates the registry.

    \b
    Example:
        scheduler patient add P017 nct06478355 --start 2026-03-02 --label "Patient 017"
    """
    from scheduler.core.errors import SchedulerError
    from scheduler.services import clinic_templates, patients

    calendar = patients.CalendarSettings(lang, reminders)
    try:  # the clinic's own template, published in the registry, comes first (as in the web app)
        with _registry(db) as registry:
            clinic = next((p for p in clinic_templates.published(registry) if p.info.id == template), None)
    except SchedulerError:  # no registry yet: a shipped template or a file
        clinic = None
    if clinic is not None:
        prepared = clinic_templates.prepare_published(clinic, key, label, options, _now(now), _author(author),
                                                      calendar)
    else:
        prepared = patients.prepare(key, label, template, options, _now(now), _author(author), calendar)
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
@click.option("--json", "as_json", is_flag=True,
              help="Print the plan, its changes and its events (with their references) as JSON.")
def patient_show(key: str, db: str | None, events: bool, as_json: bool) -> None:
    """Show KEY's plan, its history of changes and its issued versions.

    \b
    Example:
        scheduler patient show P017 --events
    """
    from scheduler.core import history
    from scheduler.export import table
    from scheduler.services import patients, treatment

    with _registry(db) as registry:
        now = patients.snapshot(registry, key)
    stored, plan = now.stored, now.plan
    if as_json:
        click.echo(json.dumps(treatment.snapshot_record(now), indent=1, ensure_ascii=False))
        return
    click.echo(printable(f"Patient {stored.patient_key}" + (f" ({stored.label})" if stored.label else "")))
    click.echo(f"Template {stored.template_id} from {stored.template_path}, "
               f"sha256 {stored.template_sha256[:12]}")
    from scheduler.services import moves

    on = moves.version_of(stored, now.changes)
    if on is not None and f"v{on}" != stored.template_path.rsplit(" ", 1)[-1]:
        click.echo(f"Now on version {on} of {stored.template_id} (moved by a change below)")
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
    click.echo(table.to_text(plan, refs=True, say=in_cli_words) if events else
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


@patient.command("move")
@click.argument("key")
@click.option("--to-version", "version", type=click.IntRange(min=1), required=True, metavar="N",
              help="The published version of the plan's clinic template to move to.")
@reason_option
@click.option("--dry-run", is_flag=True, help="Show what would move; record nothing.")
@author_option
@now_option
@db_option
def patient_move(key: str, version: int, reason: str, dry_run: bool, author: str | None,
                 now: str | None, db: str | None) -> None:
    """Move KEY's plan to version N of its clinic template (a recorded change).

    The plan's history is re-applied on the new version: its delays, holds, stops and
    records stay in force, and a dose recorded as given stays on the day it was given.
    Prints every event that moves (by reference, old date -> new date), is added or is
    removed. Refused, in words, for an ended plan, a draft version, or a history that names
    what the new version lacks. Undo it with 'scheduler revert KEY CHANGE'.

    \b
    Example:
        scheduler template patients tc-6
        scheduler patient move P017 --to-version 2 --reason "protocol amendment 2" --dry-run
        scheduler patient move P017 --to-version 2 --reason "protocol amendment 2"
    """
    from scheduler.cli.moves import echo_moving
    from scheduler.services import moves

    with _registry(db) as registry:
        moving = moves.move(registry, key, version, reason, _author(author), _now(now), record=not dry_run)
    template = moving.after.template.id
    if moving.recorded is None:
        click.echo(f"Would move {key} from version {moving.from_version} to version {version} of "
                   f"{template} (nothing recorded: --dry-run):")
    else:
        click.echo(printable(f"Recorded for {key}: {moving.recorded.describe()} "
                             f"(change {moving.recorded.number})"))
    echo_moving(click.echo, moving)
    if moving.recorded is not None:
        click.echo(f"Run 'scheduler issue {key} -o OUTDIR' to hand out the new version; undo it with "
                   f"'scheduler revert {key} {moving.recorded.number} --reason ...'.")


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


def _span(events: Any) -> str:
    first, last = events[0].date.isoformat(), events[-1].date.isoformat()
    return first if first == last else f"{first} to {last}"


def _count(number: int, one: str) -> str:
    return f"{number} {one}{'' if number == 1 else 's'}"


def delay_preview(key: str, outcome: Outcome) -> list[str]:
    """What ``delay --dry-run`` prints: the delay, every event it moves, what it leaves where
    it was, and what the plan's horizon or a dose cap cuts off or adds, with dates."""
    from scheduler.core.diff import compare

    assert outcome.adjustment is not None
    diff = compare(outcome.before, outcome.after)
    lines = [f"Would record for {key}: {outcome.adjustment.describe()} (nothing recorded: --dry-run)"]
    lines.append(f"Moves {_count(len(diff.moved), 'event')}" + (":" if diff.moved else "."))
    lines += [f"  {m.before.ref}  {m.before.date.isoformat()} -> {m.after.date.isoformat()}"
              for m in diff.moved]
    return lines + effects_lines(outcome)


def effects_lines(outcome: Outcome) -> list[str]:
    """What a delay (or a record that re-anchors its cycle) leaves where it was, and what the
    plan's horizon or a dose cap cuts off or adds, with dates; none for another change."""
    effects = outcome.effects()
    if effects is None:
        return []
    names = {c.id: c.name for c in outcome.after.template.components}
    lines = ["Stays where it was:"] if effects.kept else []
    for kept in effects.kept:
        if kept.why == "recorded":
            lines += [f"  {e.ref}  {e.date.isoformat()}: {e.status} (recorded)" for e in kept.events]
        elif kept.why == "before":
            lines.append(f"  {_count(len(kept.events), 'event')} before cycle {effects.cycle}'s day 1 "
                         f"({effects.day1.isoformat() if effects.day1 else '?'}): {_span(kept.events)}")
        elif kept.why == "already":
            lines.append(f"  {_count(len(kept.events), 'event')} that follow it, already where this change "
                         f"puts them: {_span(kept.events)}")
        else:
            lines.append(f"  {_count(len(kept.events), 'event')} of {kept.component}, not anchored to "
                         f"{names.get(effects.regimen, effects.regimen)}: {_span(kept.events)}")
    for title, items in (("Cut off", effects.cut), ("Added", effects.added)):
        for limit in ("horizon", "cap"):
            found = [x for x in items if x.limit == limit]
            if not found:
                continue
            what = (f"by the plan's horizon (continuation doses start before {found[0].until.isoformat()}, "
                    f"{found[0].span} after day 1)" if limit == "horizon" else
                    f"by the dose cap (cycles start within {found[0].span} of the first, before "
                    f"{found[0].until.isoformat()})")
            lines.append(f"{title} {what}:")
            lines += [f"  {x.event.ref}  {x.event.date.isoformat()}" for x in found]
    return lines


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
@click.option("--dry-run", is_flag=True,
              help="Show what moves, what stays where it was and what the plan's end cuts off; "
                   "record nothing.")
@author_option
@now_option
@db_option
def delay(key: str, cycle: int, days: int, reason: str, regimen: str, dry_run: bool, author: str | None,
          now: str | None, db: str | None) -> None:
    """Delay cycle N of KEY's regimen (and what follows it) by D days.

    Later cycles of the same regimen move with it (each starts its cycle length after the
    actual day 1 of the one before); radiotherapy not anchored to the regimen stays. The new
    dates still follow the working-day rules. A date pushed outside its window is reported.

    With --dry-run, nothing is recorded: it prints every event that would move, what stays
    where it was (events before the cycle, recorded doses, components not anchored to the
    regimen) and what the plan's horizon or a dose cap cuts off or adds.

    \b
    Example:
        scheduler delay P017 --cycle 3 --days 7 --reason "neutropenia" --dry-run
        scheduler delay P017 --cycle 3 --days 7 --reason "neutropenia"
    """
    from scheduler.core.adjust import Delay

    if days == 0:
        raise _UserError("--days: a delay of 0 days changes nothing")
    if not dry_run:
        _record(key, Delay(regimen, cycle, days, reason), db, author, now)
        return
    from scheduler.services import patients

    with _registry(db) as registry:
        outcome = patients.adjust(registry, key, Delay(regimen, cycle, days, reason), _author(author),
                                  _now(now), record=False)
    for line in delay_preview(key, outcome):
        click.echo(printable(line))


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
    given = click.get_current_context().get_parameter_source("lang")
    with _registry(db) as registry:
        issued = patients.issue(registry, key, outdir, stamp, output, _author(author),
                                feed_url=feed_url, overwrite=force,
                                plan_language=given is not click.core.ParameterSource.COMMANDLINE)
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
