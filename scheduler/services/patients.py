"""Registered patients: add a plan, change it, issue versions of it.

The shell between the registry (storage) and the pure core: each function runs in one
registry transaction, recomputes the plan from what is stored, and either commits all of
its change or none of it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from scheduler.core import history
from scheduler.core.adjust import Adjustment, Delay, Move, to_record
from scheduler.core.diff import DelayEffects, delay_effects
from scheduler.core.errors import InputError
from scheduler.core.expand import expand
from scheduler.core.files import plan_filename, read_file_bytes, stage_files, write_files
from scheduler.core.history import Change, check_reason, check_text
from scheduler.core.loader import load_template_text, resolve_template
from scheduler.core.plan import Plan, PlanRequest
from scheduler.core.protocol import MAX_LABEL, Regimen, Template
from scheduler.core.record import Record
from scheduler.core.units import parse_span
from scheduler.core.workdays import make_calendar
from scheduler.export.outputs import OutputOptions, render
from scheduler.export.reissue import Entry, Revision, revise
from scheduler.export.visits import calendar_plan
from scheduler.registry import Registry, StaleError, StoredPlan, StoredVersion, pause_point, token_hash
from scheduler.services.calendar import LANGUAGES as LANGUAGES  # re-exported: the shells' name for them
from scheduler.services.calendar import CalendarSettings as CalendarSettings
from scheduler.services.calendar import calendar_settings as calendar_settings
from scheduler.services.options import Defaults, PlanOptions, request_for


def _settings(request: PlanRequest) -> dict[str, Any]:
    calendar = request.calendar
    return {
        "holidays": calendar.region,
        "closed": {d.isoformat(): r for d, r in sorted(calendar.closures.items())},
        "workdays": {d.isoformat(): r for d, r in sorted(calendar.workdays.items())},
        "resource_closed": {resource: {d.isoformat(): r for d, r in sorted(days.items())}
                            for resource, days in sorted(calendar.resource_closures.items())},
        "timezone": request.timezone.key,
        "parameters": dict(request.parameters),
        "horizon": str(request.horizon),
        "shift_start": request.shift_start,
    }


LABEL_MAX = MAX_LABEL
AUTHOR_MAX = 64


def check_key(patient_key: str) -> str:
    """A patient key: a pseudonymous study number, never a name."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", patient_key):
        raise InputError(
            f"'{patient_key}': use 1 to 64 letters, digits, '.', '_' or '-' "
            "(a study number such as P017, not a name)", "key"
        )
    return patient_key


def check_author(author: str) -> str:
    """Who makes a change, as recorded."""
    return check_text(author, "author", AUTHOR_MAX)


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` makes: the row to store, its plan, and the defaults it used."""

    stored: StoredPlan
    plan: Plan
    defaults: Defaults


def prepare(patient_key: str, label: str | None, template_ref: str, options: PlanOptions,
            now: datetime, author: str, calendar: CalendarSettings | None = None) -> Prepared:
    """The row and the plan that :func:`register` would store; the plan is expanded here, so a
    bad one is refused before anything is written (the web app previews with this)."""
    template, path = resolve_template(template_ref)
    path = path.resolve()
    raw = read_file_bytes(path, "template")
    return prepare_loaded(patient_key, label, template, raw, str(path), options, now, author, calendar)


def prepare_loaded(patient_key: str, label: str | None, template: Template, raw: bytes, source: str,
                   options: PlanOptions, now: datetime, author: str,
                   calendar: CalendarSettings | None = None) -> Prepared:
    """:func:`prepare` for a template already loaded from ``raw`` (a clinic template kept in
    the registry); ``source`` is recorded as the plan's template path."""
    check_key(patient_key)
    calendar = (calendar or CalendarSettings()).checked()
    if label is not None:
        label = check_text(label, "label", LABEL_MAX)
    resolved = request_for(template, options, patient_key)
    request = resolved.request
    if not options.plan_key:  # a random key unless the coordinator gave a secret one
        request = replace(request, plan_key=secrets.token_hex(8))
    plan = expand(request)
    stored = StoredPlan(
        id=0,
        patient_key=patient_key,
        label=label,
        plan_key=request.plan_key,
        template_id=request.template.id,
        template_path=source,
        template_text=raw.decode("utf-8"),
        template_sha256=hashlib.sha256(raw).hexdigest(),
        start=options.start.isoformat(),
        settings={**_settings(request), "lang": calendar.lang, "reminders": calendar.reminders},
        created_at=now.isoformat(),
        created_by=check_author(author),
    )
    return Prepared(stored, plan, resolved.defaults)


def register(registry: Registry, stored: StoredPlan) -> None:
    """Add a prepared plan (see :func:`prepare`); InputError if the key is taken."""
    from scheduler.services import derived

    with registry.transaction():
        derived.refresh(registry, registry.add_plan(stored), request_of)


def registered_template(stored: StoredPlan) -> Template:
    """The template as registered with the plan, parsed once per process for each text."""
    return _parsed(stored.template_sha256, stored.template_text, f"{stored.template_path} (as registered)")


@functools.lru_cache(maxsize=256)
def _parsed(sha256: str, text: str, source: str) -> Template:
    # Keyed by the text itself (the hash only makes the key cheap to compare); a parsed
    # template is a frozen model, so sharing it is safe. Parsing (YAML and the schema) was
    # about a third of 'patient show' and half of 'delay' (benchmarks/registry.py).
    return load_template_text(text, source)


def moved_template(move: Move) -> Template:
    """The template text a move put the plan on, parsed once per process."""
    return _parsed(move.sha256, move.text, f"{move.source} (as moved to)")


def request_of(stored: StoredPlan, adjustments: tuple[Adjustment, ...]) -> PlanRequest:
    """The expansion request of a stored plan, from its stored template text and settings (or
    the text of the newest move among ``adjustments``, with its realigning delays)."""
    moves = [a for a in adjustments if isinstance(a, Move)]
    template = moved_template(moves[-1]) if moves else registered_template(stored)
    if moves:
        adjustments = (*(a for a in adjustments if not isinstance(a, Move)), *moves[-1].delays())
    settings = stored.settings
    return PlanRequest(
        template=template,
        start=date.fromisoformat(stored.start),
        calendar=make_calendar(
            settings["holidays"],
            {date.fromisoformat(d): r for d, r in settings["closed"].items()},
            {date.fromisoformat(d): r for d, r in settings["workdays"].items()},
            {resource: {date.fromisoformat(d): r for d, r in days.items()}
             for resource, days in settings.get("resource_closed", {}).items()},
        ),
        timezone=ZoneInfo(settings["timezone"]),
        plan_key=stored.plan_key,
        parameters=settings["parameters"],
        horizon=parse_span(settings["horizon"]),
        shift_start=settings["shift_start"],
        adjustments=adjustments,
    )


@dataclass(frozen=True)
class Snapshot:
    """A registered patient as stored now: the plan row, its history, its issued versions and
    the plan computed from them. ``revision`` counts the changes: a change made from an older
    revision is refused (:class:`StaleError`)."""

    stored: StoredPlan
    changes: list[Change]
    versions: list[StoredVersion]
    plan: Plan

    @property
    def revision(self) -> int:
        """How many changes the plan has had."""
        return len(self.changes)

    @property
    def ended(self) -> Change | None:
        """The change that ended the plan, if any."""
        return history.ended(self.changes)


def snapshot(registry: Registry, patient_key: str, lock: bool = False) -> Snapshot:
    """Everything about one patient, read in one go (inside a transaction when ``lock``)."""
    stored = registry.plan(patient_key, lock=lock)
    changes = registry.history(stored.id)
    plan = expand(request_of(stored, history.adjustments(changes)))
    return Snapshot(stored, changes, registry.versions(stored.id), plan)


def current_plan(registry: Registry, patient_key: str) -> Plan:
    """A registered patient's plan with every change in force applied."""
    return snapshot(registry, patient_key).plan


def template_changed(stored: StoredPlan) -> bool:
    """True when the template file on disk no longer matches the registered copy."""
    path = Path(stored.template_path)
    if not path.is_file():
        return False
    try:
        raw = read_file_bytes(path, "template")
    except InputError:  # too large now, or unreadable: not the registered template
        return True
    return hashlib.sha256(raw).hexdigest() != stored.template_sha256


def _check_current(now: Snapshot, expected_revision: int | None) -> None:
    if expected_revision is not None and expected_revision != now.revision:
        last = (f": the last by {now.changes[-1].author} at {now.changes[-1].at}" if now.changes
                else "")
        raise StaleError(
            f"the plan of {now.stored.patient_key} changed since you opened it (it had "
            f"{expected_revision} changes, now {now.revision}{last}); look at it again before you "
            "change it")
    if now.ended is not None:
        raise InputError(f"the plan of {now.stored.patient_key} has ended "
                         f"({now.ended.describe()}); it takes no more changes")


@dataclass(frozen=True)
class Outcome:
    """What a change did: the plan before and after it."""

    before: Plan
    after: Plan
    recorded: Change | None
    """The change as recorded (None for a preview)."""
    adjustment: Adjustment | None = None
    """The delay, hold or stop (with its regimen filled in), or the record, for :func:`effects`."""

    def effects(self) -> DelayEffects | None:
        """For a delay, or a record that re-anchors its cycle (a day 1 given on another day):
        what it leaves where it was and what the plan's end cuts off or adds."""
        if isinstance(self.adjustment, Delay):
            return delay_effects(self.before, self.after, self.adjustment.regimen, self.adjustment.cycle)
        if isinstance(self.adjustment, Record) and self.adjustment.cycle_shift is not None:
            regimen, cycle, _days = self.adjustment.cycle_shift
            return delay_effects(self.before, self.after, regimen, cycle)
        return None


def adjust(registry: Registry, patient_key: str, adjustment: Adjustment, author: str,
           now: datetime, expected_revision: int | None = None, record: bool = True) -> Outcome:
    """Record one delay, hold or stop; the plan with it must expand, or nothing is recorded.

    With ``record=False`` nothing is written: the outcome is a preview of the change.
    """
    adjustment = replace(adjustment, reason=check_reason(adjustment.reason))
    author = check_author(author)
    with registry.transaction():
        current = snapshot(registry, patient_key, lock=True)
        _check_current(current, expected_revision)
        if isinstance(adjustment, Delay) and adjustment.regimen == "":
            adjustment = replace(adjustment, regimen=_only_regimen(current.stored, current.changes))
        in_force = history.adjustments(current.changes)
        after = expand(request_of(current.stored, (*in_force, adjustment)))
        kind, fields = to_record(adjustment)
        change = Change(current.revision + 1, kind, fields, author, now.isoformat())
        if record:
            registry.add_change(current.stored.id, kind, fields, author, now)
            _derive(registry, current.stored.id)
    return Outcome(current.plan, after, change if record else None, adjustment)


def revert(registry: Registry, patient_key: str, number: int, reason: str, author: str,
           now: datetime, expected_revision: int | None = None, record: bool = True) -> Outcome:
    """Undo change ``number`` (a delay, hold or stop) by recording a revert of it."""
    fields = {"change": number, "reason": check_reason(reason)}
    author = check_author(author)
    with registry.transaction():
        current = snapshot(registry, patient_key, lock=True)
        _check_current(current, expected_revision)
        history.check_revert(current.changes, number)
        change = Change(current.revision + 1, "revert", fields, author, now.isoformat())
        after = expand(request_of(current.stored, history.adjustments([*current.changes, change])))
        if record:
            registry.add_change(current.stored.id, "revert", fields, author, now)
            _derive(registry, current.stored.id)
    return Outcome(current.plan, after, change if record else None)


def end(registry: Registry, patient_key: str, reason: str, author: str, now: datetime) -> Change:
    """Mark the plan ended (treatment finished or patient withdrawn): its feed stops, its
    history stays, and it takes no more changes."""
    fields = {"reason": check_reason(reason)}
    author = check_author(author)
    with registry.transaction():
        current = snapshot(registry, patient_key, lock=True)
        _check_current(current, None)
        registry.add_change(current.stored.id, "end", fields, author, now)
        _derive(registry, current.stored.id)
    return Change(current.revision + 1, "end", fields, author, now.isoformat())


def _derive(registry: Registry, plan_id: int) -> None:
    """Rewrite the plan's caches in the transaction of its change (:mod:`~scheduler.services.derived`)."""
    from scheduler.services import derived

    derived.refresh(registry, plan_id, request_of)


def current_template(stored: StoredPlan, changes: list[Change]) -> Template:
    """The template the plan is expanded from now: as registered, or as its newest move in
    force put it."""
    return request_of(stored, tuple(a for a in history.adjustments(changes) if isinstance(a, Move))).template


def _only_regimen(stored: StoredPlan, changes: list[Change]) -> str:
    template = current_template(stored, changes)
    regimens = [c.id for c in template.components if isinstance(c, Regimen)]
    if len(regimens) != 1:
        raise InputError(
            f"template '{template.id}' has {len(regimens)} regimens "
            f"({', '.join(regimens) or 'none'}): name one", "regimen"
        )
    return regimens[0]


@dataclass(frozen=True)
class Issued:
    """What ``issue`` made: the version, its files, and what changed since the last one."""

    version: int
    files: list[Path]
    revision: Revision
    plan: Plan
    previous: StoredVersion | None
    replaces: tuple[int, date] | None
    """The previous version's number and the day it was issued, in the plan's time zone (the
    day its PDF says it was generated)."""
    restored: list[Path]
    """Files of earlier versions that a crash had left unwritten, written again now."""


def issue(
    registry: Registry,
    patient_key: str,
    outdir: Path,
    now: datetime,
    output: OutputOptions,
    author: str = "scheduler",
    expected_revision: int | None = None,
    feed_url: str | None = None,
    overwrite: bool = False,
    plan_language: bool = True,
) -> Issued:
    """Write the current plan as version N+1 (.ics and PDF) and record it with its files.

    The files are written under temporary names first, the version is committed, and only then
    are the files renamed into place. A crash before the commit leaves no version and no file
    under a final name (the temporary files are removed by the next ``issue``); a crash after
    it leaves the version recorded with its bytes in the registry, and the next ``issue`` of
    the patient writes its missing files (``restored``).

    ``feed_url``, the address of the patient's live feed (shown once, when it was made: only a
    hash of it is kept), puts its QR code on the PDF's first page; it must be the address of
    this plan's live feed. With ``plan_language``, the files are in the patient's language
    (the plan's setting), whatever ``output.lang`` says.
    """
    author = check_author(author)
    staged = None
    try:
        with registry.transaction():
            current = snapshot(registry, patient_key, lock=True)
            _check_current(current, expected_revision)
            stored, plan, versions = current.stored, current.plan, current.versions
            if plan_language:
                lang = cast(Literal["en", "zh", "en+zh"], calendar_settings(stored).lang)
                output = replace(output, lang=lang)
            if feed_url is not None:
                _check_feed_url(registry, stored, feed_url)
            # The key, not the label: keys are unique, labels need not be.
            stem = plan_filename(plan.template.id, plan.start, stored.patient_key, "")
            restored = _restore(registry, stored, versions)
            _remove_strays(outdir, stem)
            previous = versions[-1] if versions else None
            entries = {uid: Entry.from_json(v) for uid, v in (previous.entries if previous else {}).items()}
            entries_now = calendar_plan(plan, output.per_event, output.lang)
            revision = revise(entries, entries_now, now, output.discreet)
            number = previous.version + 1 if previous else 1
            replaces = None
            if previous is not None:
                issued = datetime.fromisoformat(previous.issued_at).astimezone(plan.request.timezone)
                replaces = (previous.version, issued.date())
            rendered = render(plan, now, stored.label, output, revision, number, replaces, feed_url,
                              reminders=calendar_settings(stored).alarms)
            named = {f"{stem}_v{number}{suffix}": data for suffix, data in rendered.items()}
            staged = stage_files(outdir, named, overwrite, idempotent=True)
            pause_point("staged")
            folder = outdir.resolve()
            registry.add_version(stored.id, StoredVersion(
                version=number,
                issued_at=now.isoformat(),
                files=[str(folder / name) for name in named],
                entries={uid: e.to_json() for uid, e in revision.entries.items()},
                author=author,
            ), named)
    except BaseException:
        if staged is not None:
            staged.discard()
        raise
    pause_point("committed")
    written = staged.publish(between=lambda: pause_point("published-one"))
    return Issued(number, written, revision, plan, previous, replaces, restored)


def _check_feed_url(registry: Registry, stored: StoredPlan, feed_url: str) -> None:
    """InputError unless ``feed_url`` ends in this plan's live feed token."""
    found = re.search(r"/feed/([A-Za-z0-9_-]{32})\.ics$", feed_url)
    live = registry.live_token(stored.id)
    if found is None or live is None or live.token_hash != token_hash(found.group(1)):
        raise InputError(f"not the address of {stored.patient_key}'s live feed", "feed_url",
                         remedy="feed_create")


def _restore(registry: Registry, stored: StoredPlan, versions: list[StoredVersion]) -> list[Path]:
    """Write the files of recorded versions that are missing on disk, from their stored bytes."""
    restored: list[Path] = []
    for version in versions:
        missing = [Path(f) for f in version.files if not Path(f).exists()]
        if not missing:
            continue
        contents = registry.version_files(stored.id, version.version)
        for path in missing:
            if path.name in contents:
                # The issue that recorded this version may be putting it in place right now
                # (between its commit and its renames): the same bytes, so either write wins.
                restored += write_files(path.parent, {path.name: contents[path.name]}, idempotent=True)
    return restored


def _remove_strays(outdir: Path, stem: str) -> None:
    """Remove temporary files an interrupted ``issue`` of this plan left in ``outdir``."""
    if outdir.is_dir():
        for stray in outdir.glob(f".{stem}_v*.scheduler-tmp"):
            stray.unlink(missing_ok=True)
