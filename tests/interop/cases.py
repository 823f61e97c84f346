"""The .ics files of the interop suite, made through the project's own CLI, and what each
must read as: the events of our JSON (uid, start/end instant or date, status, sequence,
title, description, location).

Files are generated with ``scheduler generate`` / ``patient add`` / ``delay`` / ``issue``
through click's CliRunner. The expected reading comes from ``scheduler show --json`` (for a
file made with ``--patient``, whose UIDs depend on the label and which ``show`` cannot
take, from ``table.to_json`` of the same plan, which is what ``show --json`` prints), and
for a re-issued file from the registry's plan plus the cancelled UIDs of its last version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.plan import Plan
from scheduler.export import table
from scheduler.export.ics import CANCELLED_PREFIX, DISCREET_DESCRIPTION, calendar_name, describe
from scheduler.export.table import event_from_record
from scheduler.export.visits import calendar_plan

from ..conftest import make_plan

HERE = Path(__file__).resolve().parent
TEXT_TEMPLATE = HERE / "data" / "text_pitfalls.yaml"
NOW = "2026-01-01T08:00:00Z"
LABEL = "Patient 017"
CHINESE_LABEL = "王丽 Patient 017"
REGISTRY_KEY = "P1"


@dataclass(frozen=True)
class Spec:
    """How one file is made with ``scheduler generate``."""

    template: str
    start: str
    holidays: str
    tz: str
    patient: str | None = None
    discreet: bool = False
    closed: tuple[str, ...] = ()

    def plan_args(self) -> list[str]:
        args = [self.template, "--start", self.start, "--holidays", self.holidays, "--tz", self.tz]
        for closed in self.closed:
            args += ["--closed", closed]
        return args


GENERATED: dict[str, Spec] = {
    # The seed protocol in China: Asia/Shanghai, one STANDARD observance, Spring Festival.
    "seed-cn": Spec("nct06478355", "2026-01-05", "CN", "Asia/Shanghai", patient=LABEL),
    # The seed protocol in New York from October: crosses the end of DST (1 November 2026)
    # and, a year on, the start of DST (14 March 2027).
    "seed-us-dst": Spec("nct06478355", "2026-10-15", "US", "America/New_York"),
    # CROSS in the US from March: crosses the start of DST (8 March 2026).
    "cross-us": Spec("cross", "2026-03-02", "US", "America/New_York"),
    # CROSS in Sydney: southern hemisphere, DST ends on 5 April 2026.
    "cross-au": Spec("cross", "2026-03-02", "AU-NSW", "Australia/Sydney"),
    # Stupp in England: all-day home temozolomide beside timed radiotherapy; BST from 29 March.
    "stupp-gb": Spec("stupp", "2026-03-02", "GB-ENG", "Europe/London"),
    # The seed protocol with --discreet (a calendar a third party hosts).
    "seed-discreet": Spec("nct06478355", "2026-01-05", "CN", "Asia/Shanghai", patient=LABEL,
                          discreet=True),
    # Chinese, "mg/m²", en dashes, commas, semicolons and a backslash in every text field;
    # Asia/Kolkata (+05:30); a closure whose reason goes into DESCRIPTION.
    "text": Spec(str(TEXT_TEMPLATE), "2026-03-02", "IN", "Asia/Kolkata", patient=CHINESE_LABEL,
                 closed=("2026-03-09=直线加速器维护, 检修; service",)),
}
REISSUED = ("reissue-v1", "reissue-v2")
CASE_IDS = (*GENERATED, *REISSUED)


@dataclass
class Case:
    """One produced .ics file and what every parser must read from it."""

    id: str
    path: Path
    expected: dict[str, dict[str, Any]]
    """UID -> the reading: start, end, all_day, status, sequence, summary, description, location."""
    tzid: str
    calname: str = ""
    """X-WR-CALNAME, the calendar's name."""
    patient_label: str | None = None
    patient_key: str | None = None
    discreet: bool = False
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()


def invoke(*args: str) -> Any:
    """Run the CLI; a non-zero exit fails with its output."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, f"scheduler {' '.join(args)}: {result.output}"
    return result


def utc(value: str) -> str:
    """An ISO 8601 time with offset as the UTC instant YYYY-MM-DDTHH:MM:SSZ."""
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reading(record: dict[str, Any], plan: Plan, *, discreet: bool, sequence: int,
            cancelled: bool) -> dict[str, Any]:
    """What a parser must read for one event of our JSON."""
    if record["start"] is None:
        day = date.fromisoformat(record["date"])
        last = date.fromisoformat(record["through"]) if record.get("through") else day
        start, end = day.isoformat(), (last + timedelta(days=1)).isoformat()
    else:
        start, end = utc(record["start"]), utc(record["end"])
    summary = record["discreet_title"] if discreet else record["title"]
    if cancelled:
        status, summary = "CANCELLED", CANCELLED_PREFIX + summary
    else:
        status = "TENTATIVE" if record["open_ended"] else "CONFIRMED"
    return {
        "uid": record["uid"],
        "start": start,
        "end": end,
        "all_day": record["start"] is None,
        "status": status,
        "sequence": sequence,
        "summary": summary,
        "description": DISCREET_DESCRIPTION if discreet else describe(event_from_record(record), plan),
        "location": None if discreet else record["location"],
    }


def generate(case_id: str, spec: Spec, outdir: Path) -> Case:
    args = ["generate", *spec.plan_args(), "-o", str(outdir), "--now", NOW]
    if spec.patient:
        args += ["--patient", spec.patient]
    if spec.discreet:
        args.append("--discreet")
    invoke(*args)
    (path,) = outdir.glob("*.ics")
    plan = make_plan(spec.template, spec.start, holidays=spec.holidays, tz=spec.tz,
                     closed=spec.closed, patient=spec.patient)
    if spec.patient is None:
        shown = invoke("show", *spec.plan_args(), "--json")
        records = json.loads(shown.stdout)
        assert shown.stdout == table.to_json(plan)
    else:
        records = json.loads(table.to_json(plan))
    # The file has one entry per visit: read against the JSON of those entries.
    records = json.loads(table.to_json(calendar_plan(plan)))
    expected = {r["uid"]: reading(r, plan, discreet=spec.discreet, sequence=0, cancelled=False)
                for r in records}
    return Case(case_id, path, expected, spec.tz, calendar_name(plan, spec.patient, spec.discreet),
                spec.patient, None, spec.discreet, records)


def registry_version(case_id: str, db: Path, path: Path) -> Case:
    """A file written by ``scheduler issue``: the registry's current plan and last version."""
    from scheduler.registry import opened
    from scheduler.services import patients

    with opened(db) as registry:
        plan = calendar_plan(patients.current_plan(registry, REGISTRY_KEY))
        stored = registry.plan(REGISTRY_KEY)
        entries = registry.versions(stored.id)[-1].entries
    records = json.loads(table.to_json(plan))
    assert {r["uid"] for r in records} == {u for u, e in entries.items() if not e["cancelled"]}
    expected = {r["uid"]: reading(r, plan, discreet=False, sequence=entries[r["uid"]]["sequence"],
                                  cancelled=False) for r in records}
    for uid, entry in entries.items():
        if entry["cancelled"]:
            expected[uid] = reading(entry["record"], plan, discreet=False,
                                    sequence=entry["sequence"], cancelled=True)
    return Case(case_id, path, expected, str(plan.request.timezone), calendar_name(plan, None, False),
                None, REGISTRY_KEY, False, records)


def reissue(outdir: Path) -> list[Case]:
    """Version 1 of P1's plan, then cycle 3 delayed a week and version 2 (with CANCELLED)."""
    db = outdir / "registry.sqlite3"
    invoke("patient", "add", REGISTRY_KEY, "nct06478355", "--start", "2026-03-02", "--db", str(db),
           "--now", "2026-03-01T00:00:00Z")
    invoke("issue", REGISTRY_KEY, "-o", str(outdir / "v1"), "--db", str(db),
           "--now", "2026-03-01T00:00:00Z")
    (v1,) = (outdir / "v1").glob("*_v1.ics")
    first = registry_version("reissue-v1", db, v1)
    invoke("delay", REGISTRY_KEY, "--cycle", "3", "--days", "7", "--reason", "x", "--db", str(db),
           "--now", "2026-03-20T00:00:00Z")
    invoke("issue", REGISTRY_KEY, "-o", str(outdir / "v2"), "--db", str(db),
           "--now", "2026-03-20T00:00:00Z")
    (v2,) = (outdir / "v2").glob("*_v2.ics")
    second = registry_version("reissue-v2", db, v2)
    return [first, second]


def make_cases(root: Path) -> dict[str, Case]:
    """Every file of the suite, written under ``root``."""
    cases = {case_id: generate(case_id, spec, root / case_id) for case_id, spec in GENERATED.items()}
    for case in reissue(root / "registry"):
        cases[case.id] = case
    assert tuple(cases) == CASE_IDS
    return cases
