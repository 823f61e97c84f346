"""Registered patients: add a plan, change it, issue versions of it.

The shell between the registry (storage) and the pure core: each function runs in one
registry transaction, recomputes the plan from what is stored, and either commits all of
its change or none of it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.adjust import Adjustment, Delay
from scheduler.errors import InputError
from scheduler.expand import expand
from scheduler.files import plan_filename, write_files
from scheduler.loader import load_template_text, resolve_template
from scheduler.options import PlanOptions, request_for
from scheduler.outputs import OutputOptions, render
from scheduler.plan import Plan, PlanRequest
from scheduler.protocol import Regimen
from scheduler.registry import Registry, StoredPlan, StoredVersion
from scheduler.reissue import Entry, Revision, revise
from scheduler.units import parse_span
from scheduler.workdays import make_calendar


def _settings(request: PlanRequest) -> dict[str, Any]:
    calendar = request.calendar
    return {
        "holidays": calendar.region,
        "closed": {d.isoformat(): r for d, r in sorted(calendar.closures.items())},
        "workdays": {d.isoformat(): r for d, r in sorted(calendar.workdays.items())},
        "timezone": request.timezone.key,
        "parameters": dict(request.parameters),
        "horizon": str(request.horizon),
        "shift_start": request.shift_start,
    }


def register(
    registry: Registry,
    patient_key: str,
    label: str | None,
    template_ref: str,
    options: PlanOptions,
    now: datetime,
) -> Plan:
    """Add a patient's plan; the plan is expanded once first, so a bad one is never stored."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", patient_key):
        raise InputError(
            f"patient key '{patient_key}': use 1 to 64 letters, digits, '.', '_' or '-' "
            "(a study number such as P017, not a name)"
        )
    template, path = resolve_template(template_ref)
    path = path.resolve()
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    request = request_for(template, options, patient_key)
    if not options.plan_key:  # a random key unless the coordinator gave a secret one
        request = replace(request, plan_key=secrets.token_hex(8))
    plan = expand(request)
    stored = StoredPlan(
        id=0,
        patient_key=patient_key,
        label=label,
        plan_key=request.plan_key,
        template_id=request.template.id,
        template_path=str(path),
        template_text=text,
        template_sha256=hashlib.sha256(raw).hexdigest(),
        start=options.start.isoformat(),
        settings=_settings(request),
        created_at=now.isoformat(),
    )
    with registry.transaction():
        registry.add_plan(stored)
    return plan


def request_of(stored: StoredPlan, adjustments: tuple[Adjustment, ...]) -> PlanRequest:
    """The expansion request of a stored plan, from its stored template text and settings."""
    template = load_template_text(stored.template_text, f"{stored.template_path} (as registered)")
    settings = stored.settings
    return PlanRequest(
        template=template,
        start=date.fromisoformat(stored.start),
        calendar=make_calendar(
            settings["holidays"],
            {date.fromisoformat(d): r for d, r in settings["closed"].items()},
            {date.fromisoformat(d): r for d, r in settings["workdays"].items()},
        ),
        timezone=ZoneInfo(settings["timezone"]),
        plan_key=stored.plan_key,
        parameters=settings["parameters"],
        horizon=parse_span(settings["horizon"]),
        shift_start=settings["shift_start"],
        adjustments=adjustments,
    )


def current_plan(registry: Registry, patient_key: str) -> Plan:
    """A registered patient's plan with every recorded adjustment applied."""
    stored = registry.plan(patient_key)
    adjustments = tuple(a.adjustment for a in registry.adjustments(stored.id))
    return expand(request_of(stored, adjustments))


def template_changed(stored: StoredPlan) -> bool:
    """True when the template file on disk no longer matches the registered copy."""
    path = Path(stored.template_path)
    if not path.is_file():
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() != stored.template_sha256


def adjust(
    registry: Registry, patient_key: str, adjustment: Adjustment, author: str, now: datetime
) -> tuple[Plan, Plan]:
    """Record one adjustment; the plan with it must expand, or nothing is recorded.

    Returns the plan before and after, so that a caller can say what the change did.
    """
    with registry.transaction():
        stored = registry.plan(patient_key)
        if isinstance(adjustment, Delay) and adjustment.regimen == "":
            adjustment = replace(adjustment, regimen=_only_regimen(stored))
        earlier = tuple(a.adjustment for a in registry.adjustments(stored.id))
        before = expand(request_of(stored, earlier))
        after = expand(request_of(stored, (*earlier, adjustment)))
        registry.add_adjustment(stored.id, adjustment, author, now)
    return before, after


def _only_regimen(stored: StoredPlan) -> str:
    template = load_template_text(stored.template_text, stored.template_path)
    regimens = [c.id for c in template.components if isinstance(c, Regimen)]
    if len(regimens) != 1:
        raise InputError(
            f"template '{template.id}' has {len(regimens)} regimens "
            f"({', '.join(regimens) or 'none'}): name one with --regimen"
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


def issue(
    registry: Registry,
    patient_key: str,
    outdir: Path,
    now: datetime,
    output: OutputOptions,
) -> Issued:
    """Write the current plan as version N+1 (.ics and PDF) and record it, all or nothing."""
    with registry.transaction():
        stored = registry.plan(patient_key)
        adjustments = tuple(a.adjustment for a in registry.adjustments(stored.id))
        plan = expand(request_of(stored, adjustments))
        versions = registry.versions(stored.id)
        previous = versions[-1] if versions else None
        entries = {uid: Entry.from_json(v) for uid, v in (previous.entries if previous else {}).items()}
        revision = revise(entries, plan, now, output.discreet)
        number = previous.version + 1 if previous else 1
        # The key, not the label: keys are unique, labels need not be.
        stem = plan_filename(plan.template.id, plan.start, stored.patient_key, "")
        replaces = None
        if previous is not None:
            issued = datetime.fromisoformat(previous.issued_at).astimezone(plan.request.timezone)
            replaces = (previous.version, issued.date())
        files = render(plan, now, stored.label, output, revision, number, replaces)
        written = write_files(outdir, {f"{stem}_v{number}{suffix}": data
                                       for suffix, data in files.items()})
        registry.add_version(stored.id, StoredVersion(
            version=number,
            issued_at=now.isoformat(),
            files=[str(p) for p in written],
            entries={uid: e.to_json() for uid, e in revision.entries.items()},
        ))
    return Issued(number, written, revision, plan, previous, replaces)
