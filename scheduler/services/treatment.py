"""Following the treatment: what happened to each event (recorded), per patient.

Records are changes like any other (:mod:`scheduler.core.record`); this module is the
registry-side shell around them, and the JSON view of a registered patient.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from typing import Any

from scheduler.core import history
from scheduler.core.adjust import to_record
from scheduler.core.errors import InputError
from scheduler.core.event import Event
from scheduler.core.expand import expand
from scheduler.core.history import Change, check_reason
from scheduler.core.plan import Plan
from scheduler.core.protocol import Regimen, Template
from scheduler.core.record import NEEDS_REASON, STATUSES, Record
from scheduler.export.table import event_record
from scheduler.registry import Registry
from scheduler.services import derived
from scheduler.services.patients import (
    Outcome,
    Snapshot,
    _check_current,
    check_author,
    request_of,
    snapshot,
)


def snapshot_record(now: Snapshot) -> dict[str, Any]:
    """``patient show --json``: the plan, its changes and its events (with references); the
    version of its clinic template it is on now (None for a shipped template or a file)."""
    from scheduler.services import moves

    stored, plan = now.stored, now.plan
    undone = history.reverted(now.changes)
    return {
        "patient_key": stored.patient_key,
        "label": stored.label,
        "template": stored.template_id,
        "template_version": moves.version_of(stored, now.changes),
        "start": stored.start,
        "revision": now.revision,
        "ended": now.ended is not None,
        "changes": [{"number": c.number, "kind": c.kind, "text": c.describe(), "author": c.author,
                     "at": c.at, "reverted_by": undone.get(c.number)} for c in now.changes],
        "versions": [{"version": v.version, "issued_at": v.issued_at, "author": v.author}
                     for v in now.versions],
        "events": [{**event_record(e), "status": e.status, "status_note": e.status_note}
                   for e in plan.events],
    }


def _recorded(changes: list[Change]) -> dict[str, Change]:
    """Reference -> the record in force for it (not reverted)."""
    undone = history.reverted(changes)
    return {str(c.fields["ref"]): c for c in changes if c.kind == "record" and c.number not in undone}


def _close_refs(ref: str, plan: Plan) -> str:
    near = difflib.get_close_matches(ref, [e.ref for e in plan.events], n=3, cutoff=0.6)
    if near:
        return f"did you mean {', '.join(near)}?"
    return f"its first is {plan.events[0].ref}" if plan.events else "it has no events"


def _follows_day1(template: Template, event: Event) -> bool:
    """True when ``event`` is day 1 of its regimen's cycle (a dose that anchors the cycle)."""
    if event.kind != "drug" or event.day != 1:
        return False
    for component in template.components:
        if isinstance(component, Regimen) and component.id == event.regimen:
            return any(d.id == event.component and d.follows_day1 for d in component.drugs)
    return False


def check_time(text: str | None) -> str | None:
    """``--time HH:MM``, checked."""
    if text is None or text == "":
        return None
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise InputError("give a time as HH:MM, e.g. 09:30", field="time", value=repr(text))
    return text


def record(registry: Registry, patient_key: str, ref: str, status: str, on: date | None,
           at: str | None, reason: str, author: str, now: datetime,
           expected_revision: int | None = None, commit: bool = True) -> Outcome:
    """Record what happened to the event ``ref`` of a patient's plan (see
    :mod:`scheduler.core.record`); ``commit=False`` previews it. Refused in words: an unknown
    reference, a future date for ``given``/``done``, a second record for one event, an
    ended plan, ``missed``/``not-given`` without a reason, a day the plan's calendar has
    closed for a cycle's day 1."""
    if status not in STATUSES:
        raise InputError(f"give one of {', '.join(STATUSES)}", field="status", value=repr(status))
    if status in NEEDS_REASON:
        if not reason.strip():
            raise InputError(f"say why the event was {status.replace('-', ' ')}", field="reason")
        reason = check_reason(reason)
    elif reason.strip():
        reason = check_reason(reason)
    at = check_time(at)
    author = check_author(author)
    with registry.transaction():
        current = snapshot(registry, patient_key, lock=True)
        _check_current(current, expected_revision)
        plan = current.plan
        event = next((e for e in plan.events if e.ref == ref), None)
        if event is None:
            raise InputError(f"there is no event '{ref}' in the plan of {patient_key} "
                             f"({_close_refs(ref, plan)})", remedy="events", value=patient_key)
        earlier = _recorded(current.changes).get(ref)
        if earlier is not None:
            raise InputError(f"{ref} is already recorded: {earlier.describe()} (change "
                             f"{earlier.number}); revert that change first to record it again")
        today = now.astimezone(plan.request.timezone).date()
        day = event.date if on is None or status in NEEDS_REASON else on
        if status not in NEEDS_REASON and day > today:
            when = f"{day.isoformat()} is" if on is not None else f"{ref} is planned for {day.isoformat()},"
            raise InputError(f"{when} in the future (today is {today.isoformat()} in "
                             f"{plan.request.timezone.key}): record '{status}' once it has happened",
                             field="on" if on is not None else None)
        template = plan.template
        shift = None
        together: tuple[str, ...] = ()
        if status not in NEEDS_REASON and day != event.date:
            if _follows_day1(template, event):
                assert event.regimen is not None and event.cycle is not None
                shift = (event.regimen, event.cycle, (day - event.date).days)
            elif event.kind == "drug":
                together = tuple(e.ref for e in plan.events if e.ref != ref and e.kind == "drug"
                                 and (e.regimen, e.cycle, e.day) == (event.regimen, event.cycle, event.day))
        window = ((event.window_start, event.window_end)
                  if event.window_start is not None and event.window_end is not None else None)
        for _ in range(4):  # a delayed day 1 is placed by the regimen's rule: aim until it lands
            made = Record(ref=ref, status=status, component=event.component, planned=event.date,
                          on=day, reason=reason, at=at, together=together, cycle_shift=shift,
                          window=window)
            kind, fields = to_record(made)
            change = Change(current.revision + 1, kind, fields, author, now.isoformat())
            after = expand(request_of(current.stored, history.adjustments([*current.changes, change])))
            landed = next((e for e in after.events if e.ref == ref), None)
            if shift is None or landed is None or landed.date == day:
                break
            shift = (shift[0], shift[1], shift[2] + (day - landed.date).days)
        if landed is None or landed.date != day:
            closed = plan.request.calendar.closed_because(day) or "the plan's rules place it elsewhere"
            raise InputError(f"{ref} cannot be recorded on {day.isoformat()}: the plan's calendar "
                             f"does not allow that day for it ({closed})")
        if commit:
            registry.add_change(current.stored.id, kind, fields, author, now)
            derived.refresh(registry, current.stored.id, request_of)
    return Outcome(plan, after, change if commit else None, made)
