"""Moving a registered patient to a newer version of their clinic template.

A move is a recorded change (:class:`~scheduler.core.adjust.Move`, append-only, revertable
like a delay): from it on the plan is expanded from the new version's text, with its whole
history re-applied (delays, holds, stops and records in force). A recorded dose stays where it
happened: when the new version plans a cycle whose day 1 was given on another day, the move
carries a realigning delay for that cycle. What the history names and the new version lacks
(a regimen, a component, an event's reference) refuses the move, named.

Only a clinic's own templates have versions (kept in the registry,
:mod:`scheduler.services.clinic_templates`); a plan registered from a shipped template or a
file cannot move.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from scheduler.core import history
from scheduler.core.adjust import Delay, Hold, Move, Stop
from scheduler.core.diff import PlanDiff, compare
from scheduler.core.errors import InputError, SchedulerError
from scheduler.core.event import Event
from scheduler.core.expand import expand
from scheduler.core.history import Change, check_reason
from scheduler.core.plan import Plan
from scheduler.core.protocol import Regimen, Template
from scheduler.core.record import Record
from scheduler.registry import Registry, StaleError, StoredPlan
from scheduler.registry import clinic_templates as store
from scheduler.registry.clinic_templates import TemplateVersion
from scheduler.services import patients
from scheduler.services.clinic_templates import source_name

_SOURCE = re.compile(r"registry:(?P<id>\S+) v(?P<version>\d+)")


def version_of(stored: StoredPlan, changes: list[Change]) -> int | None:
    """The version of its clinic template the plan is on now (its newest move in force, else
    the version it was registered on); None for a shipped template or a file."""
    moves = [a for a in history.adjustments(changes) if isinstance(a, Move)]
    if moves:
        return moves[-1].version
    found = _SOURCE.fullmatch(stored.template_path)
    return int(found.group("version")) if found and found.group("id") == stored.template_id else None


def _target(registry: Registry, template_id: str, version: int) -> TemplateVersion:
    found = next((v for v in store.versions(registry, template_id) if v.version == version), None)
    if found is None:
        raise InputError(f"template '{template_id}' has no version {version}", "version")
    if not found.published:
        raise InputError(f"version {version} of '{template_id}' is a draft: a second admin must "
                         "approve it before patients move to it", "version")
    return found


@dataclass(frozen=True)
class Realigned:
    """A cycle whose day 1 the move keeps where it was: on the day it was given, or, not yet
    recorded, on its day before the move (a cycle already begun)."""

    regimen: str
    cycle: int
    given: date
    planned: date
    """Where the new version alone would put it."""
    recorded: bool = True
    """True: its day 1 was recorded given on ``given``; False: it began on ``given``, before
    the move, and nothing is recorded of it yet."""


@dataclass(frozen=True)
class Moving:
    """What moving one plan does: the plan before and after, their difference, and the cycles
    kept on the day they were given."""

    patient_key: str
    label: str | None
    from_version: int | None
    to_version: int
    before: Plan
    after: Plan
    diff: PlanDiff
    realigned: tuple[Realigned, ...]
    recorded: Change | None
    """The change as recorded (None for a preview)."""


def _in_force(changes: list[Change]) -> list[Change]:
    undone = history.reverted(changes)
    return [c for c in changes if c.adjustment is not None and c.number not in undone]


def _components(changes: list[Change], template: Template, version: int, template_id: str) -> None:
    """InputError naming a regimen or component the history in force needs and version
    ``version`` lacks."""
    regimens = {c.id for c in template.components if isinstance(c, Regimen)}
    known = {c.id for c in template.components}
    for component in template.components:
        if isinstance(component, Regimen):
            known.update(d.id for d in component.drugs)
    for change in _in_force(changes):
        adjustment = change.adjustment
        what = f"version {version} of '{template_id}' has no"
        if isinstance(adjustment, Delay) and adjustment.regimen not in regimens:
            raise InputError(f"{what} regimen '{adjustment.regimen}', which change {change.number} "
                             f"delays ({adjustment.describe()})", "version")
        if isinstance(adjustment, Hold | Stop) and adjustment.component not in known:
            verb = "holds" if isinstance(adjustment, Hold) else "stops"
            raise InputError(f"{what} component '{adjustment.component}', which change "
                             f"{change.number} {verb} ({adjustment.describe()})", "version")


def _refs(changes: list[Change], before: Plan, new_refs: set[str], version: int, template_id: str) -> None:
    """InputError naming an event a record in force is about that version ``version`` lacks."""
    present = {e.ref for e in before.events}
    for change in _in_force(changes):
        adjustment = change.adjustment
        if isinstance(adjustment, Record) and adjustment.ref in present and adjustment.ref not in new_refs:
            raise InputError(f"version {version} of '{template_id}' has no event {adjustment.ref}, which "
                             f"change {change.number} recorded ({adjustment.describe()})", "version")


def _day1s(plan: Plan, keep: Callable[[Event], bool] = lambda _event: True) -> dict[tuple[str, int], date]:
    """(regimen, cycle) -> the earliest day of its day-1 events that ``keep`` keeps."""
    found: dict[tuple[str, int], date] = {}
    for event in plan.events:
        if event.regimen is not None and event.cycle is not None and event.day == 1 and keep(event):
            key = (event.regimen, event.cycle)
            found[key] = min(found.get(key, event.date), event.date)
    return found


def _begun(before: Plan, now: datetime) -> dict[tuple[str, int], date]:
    """(regimen, cycle) -> its day 1, for every cycle that began before ``now`` (a timed day 1
    that started, an all-day one on an earlier day in the plan's zone)."""
    today = now.astimezone(before.request.timezone).date()
    return _day1s(before, lambda e: (e.start < now) if e.start is not None else (e.date < today))


def _moved_plan(stored: StoredPlan, changes: list[Change], move: Move, before: Plan,
                template_id: str, now: datetime) -> tuple[Move, Plan, tuple[Realigned, ...]]:
    """The plan on the new version, with the realigning delays that keep every day 1 where it
    was: a recorded one where it was given, and one of a cycle already begun (before ``now``)
    where it began, so that the new version re-dates only what is still ahead."""
    in_force = tuple(a for a in history.adjustments(changes) if not isinstance(a, Move))
    records = [a for a in in_force if isinstance(a, Record) and a.status in ("given", "done")]
    begun = _begun(before, now)
    realigned: dict[tuple[str, int], Realigned] = {}
    _components(changes, patients.moved_template(move), move.version, template_id)
    off: tuple[str, int, date, date, bool] | None = None
    for _attempt in range(len(records) + len(begun) + 1):
        try:
            after = expand(patients.request_of(stored, (*in_force, move)))
            new_refs = {e.ref for e in after.events}
            if _attempt == 0 and any(isinstance(a, Record) and a.ref not in new_refs for a in in_force):
                # perhaps left out by the history (a stop): the new version's own events decide
                new_refs |= {e.ref for e in expand(patients.request_of(stored, (move,))).events}
        except SchedulerError as error:
            raise InputError(f"version {move.version} of '{template_id}' cannot take this plan's "
                             f"history: {error}", "version") from None
        if _attempt == 0:
            _refs(changes, before, new_refs, move.version, template_id)
        off = _first_off(after, records, begun)
        if off is None:
            return move, after, tuple(realigned.values())
        regimen, cycle, wanted, planned, recorded = off
        first = realigned.get((regimen, cycle))
        realigned[(regimen, cycle)] = Realigned(regimen, cycle, wanted, first.planned if first else planned,
                                                recorded or (first is not None and first.recorded))
        shifts = dict(((r, c), d) for r, c, d in move.realign)
        shifts[(regimen, cycle)] = shifts.get((regimen, cycle), 0) + (wanted - planned).days
        move = Move(move.template, move.version, move.from_version, move.text, move.sha256, move.source,
                    move.reason, tuple((r, c, d) for (r, c), d in shifts.items()))
    assert off is not None
    regimen, cycle, wanted, _planned, recorded = off
    kept = "the day it was given" if recorded else "where it began, before the move"
    raise InputError(f"version {move.version} of '{template_id}' cannot keep cycle {cycle} of {regimen} "
                     f"on {wanted.isoformat()}, {kept}", "version")


def _first_off(after: Plan, records: list[Record], begun: dict[tuple[str, int], date]
               ) -> tuple[str, int, date, date, bool] | None:
    """The earliest day 1 the new plan puts elsewhere than where it must stay: (regimen,
    cycle, the day it must stay on, the day the new plan has, whether it is a recorded one)."""
    by_ref = {e.ref: e for e in after.events}
    for record in records:
        if record.cycle_shift is not None and record.ref in by_ref and by_ref[record.ref].date != record.on:
            regimen, cycle, _days = record.cycle_shift
            return regimen, cycle, record.on, by_ref[record.ref].date, True
    planned = _day1s(after)
    off = sorted((day, key) for key, day in begun.items() if key in planned and planned[key] != day)
    if not off:
        return None
    day, (regimen, cycle) = off[0]
    return regimen, cycle, day, planned[(regimen, cycle)], False


def move(registry: Registry, patient_key: str, version: int, reason: str, author: str, now: datetime,
         expected_revision: int | None = None, record: bool = True,
         target: TemplateVersion | None = None,
         expected_begun: frozenset[tuple[str, int]] | None = None) -> Moving:
    """Move a patient's plan to ``version`` of its clinic template (a published one); with
    ``record=False`` nothing is written: a preview. InputError in words for what cannot move.
    ``target``: that version, when the caller has read it already (:func:`candidates`).
    ``expected_begun``: the (regimen, cycle) a preview kept as begun; a cycle that began since
    (the clock, not the history, changed what the move keeps) refuses the move as stale."""
    reason = check_reason(reason)
    author = patients.check_author(author)
    with registry.transaction():
        current = patients.snapshot(registry, patient_key, lock=record)
        patients._check_current(current, expected_revision)
        stored = current.stored
        on = version_of(stored, current.changes)
        if on is None:
            raise InputError(f"{patient_key}'s plan is on the template '{stored.template_id}', which "
                             "has no versions in the registry: only a clinic template's plans move to a "
                             "new version", "version")
        if on == version:
            raise InputError(f"{patient_key} is on version {version} of '{stored.template_id}' already",
                             "version")
        if target is None or (target.template_id, target.version) != (stored.template_id, version):
            target = _target(registry, stored.template_id, version)
        wanted = Move(stored.template_id, version, on, target.text, target.sha256,
                      source_name(stored.template_id, version), reason)
        moved, after, realigned = _moved_plan(stored, current.changes, wanted, current.plan,
                                              stored.template_id, now)
        if expected_begun is not None:
            _check_begun(realigned, expected_begun)
        kind, fields = "template-move", _fields(moved)
        change = Change(current.revision + 1, kind, fields, author, now.isoformat())
        if record:
            registry.add_change(stored.id, kind, fields, author, now)
            patients._derive(registry, stored.id)
    return Moving(patient_key, stored.label, on, version, current.plan, after,
                  compare(current.plan, after), realigned, change if record else None)


def begun_kept(realigned: tuple[Realigned, ...]) -> frozenset[tuple[str, int]]:
    """The (regimen, cycle) a move keeps where they began (not recorded)."""
    return frozenset((r.regimen, r.cycle) for r in realigned if not r.recorded)


def _check_begun(realigned: tuple[Realigned, ...], expected: frozenset[tuple[str, int]]) -> None:
    if begun_kept(realigned) == expected:
        return
    new = [r for r in realigned if not r.recorded and (r.regimen, r.cycle) not in expected]
    said = "; ".join(f"cycle {r.cycle} of {r.regimen} began on {r.given.isoformat()}" for r in new)
    raise StaleError(f"what the move keeps changed since the preview ({said or 'a cycle it kept'}): "
                     "look at the move again before you make it")


def _fields(moved: Move) -> dict[str, object]:
    from scheduler.core.adjust import to_record

    return to_record(moved)[1]


@dataclass(frozen=True)
class Candidate:
    """A plan on an earlier version of a template: what moving it would do, or why it cannot."""

    patient_key: str
    label: str | None
    on_version: int
    revision: int
    moving: Moving | None
    refused: SchedulerError | None


def candidates(registry: Registry, template_id: str, version: int, now: datetime) -> list[Candidate]:
    """Every plan registered on an earlier version of ``template_id`` than ``version`` (a
    published one), by patient key, each with a preview of its move or the reason it cannot."""
    target = _target(registry, template_id, version)
    histories = registry.histories()
    found = []
    for stored in registry.plans():
        if stored.template_id != template_id:
            continue
        changes = histories.get(stored.id, [])
        on = version_of(stored, changes)
        if on is None or on >= version:
            continue
        moving: Moving | None = None
        refused: SchedulerError | None = None
        try:
            moving = move(registry, stored.patient_key, version, "preview", "preview", now, record=False,
                          target=target)
        except SchedulerError as error:
            refused = error
        found.append(Candidate(stored.patient_key, stored.label, on, len(changes), moving, refused))
    return found


def newer_version(registry: Registry, stored: StoredPlan, changes: list[Change]) -> tuple[int, int] | None:
    """(the version the plan is on, the newest published version of its clinic template) when
    that one is newer; None otherwise (and for a shipped template or a file)."""
    on = version_of(stored, changes)
    if on is None:
        return None
    published = [v.version for v in store.versions(registry, stored.template_id) if v.published]
    return (on, max(published)) if published and max(published) > on else None
