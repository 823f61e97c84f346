"""Every event has a readable, stable reference (issue 20, part 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.adjust import Delay, Hold
from scheduler.core.expand import expand
from tests.conftest import make_plan

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(p.stem for p in (ROOT / "templates").glob("*.yaml"))


def run(db: str, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", db])


@pytest.mark.parametrize("template", TEMPLATES)
def test_refs_are_unique_in_every_shipped_template(template):
    for start in ("2026-01-05", "2026-09-28"):
        plan = make_plan(template, start, holidays="US")
        refs = [e.ref for e in plan.events]
        assert all(refs), template
        assert len(set(refs)) == len(refs), [r for r in refs if refs.count(r) > 1][:3]


def test_the_seed_protocols_refs_read_as_the_template_says():
    plan = make_plan("nct06478355", "2026-03-02")
    refs = {e.ref: e for e in plan.events}
    pd1 = refs["immunochemo/c3/d1/pd1"]
    assert (pd1.component, pd1.cycle, pd1.day) == ("pd1", 3, 1)
    assert refs["rt/f12"].fraction == 12
    assert "immunochemo/c3/d1/cisplatin" in refs


def test_refs_stay_the_same_across_a_delay_and_a_hold():
    plan = make_plan("nct06478355", "2026-03-02")
    before = {e.uid: e for e in plan.events}
    request = plan.request
    changed = expand(request.__class__(**{
        **request.__dict__,
        "adjustments": (Delay("immunochemo", 3, 7, "neutropenia"),
                        Hold("rt", plan.events[0].date, 3, "mucositis"))}))
    moved = 0
    for event in changed.events:
        assert before[event.uid].ref == event.ref
        moved += before[event.uid].date != event.date
    assert moved > 10
    # the delay pushes the last open-ended cycle past the horizon: its doses go, nothing is renamed
    assert {e.ref for e in plan.events} - {e.ref for e in changed.events} == {"immunochemo/c18/d1/pd1"}


def test_daily_refs_keep_their_day_when_a_hold_leaves_days_out():
    plan = make_plan("stupp", "2026-03-02")
    first = [e for e in plan.events if e.component == "tmz-concurrent"]
    held = expand(plan.request.__class__(**{
        **plan.request.__dict__,
        "adjustments": (Hold("tmz-concurrent", first[0].date, 2, "nausea"),)}))
    refs = [e.ref for e in held.events if e.component == "tmz-concurrent"]
    assert refs[0] == "tmz-concurrent/d3"
    assert refs[-1] == first[-1].ref


def test_show_json_carries_the_ref():
    result = CliRunner().invoke(cli, ["show", "nct06478355", "--start", "2026-03-02", "--json"])
    records = json.loads(result.stdout)
    assert records[0]["ref"] == "immunochemo/c1/d1/pd1"
    assert len({r["ref"] for r in records}) == len(records)


def test_patient_show_prints_refs_in_the_table_and_json(db):
    added = run(db, "patient", "add", "P017", "nct06478355", "--start", "2026-03-02",
                "--now", "2026-03-01T00:00:00Z")
    assert added.exit_code == 0, added.output
    table = run(db, "patient", "show", "P017", "--events").output
    row = next(line for line in table.splitlines() if "immunochemo/c3/d1/pd1" in line)
    assert row.startswith("2026-04-13  Mon  08:30-09:30  IO ")
    shown = json.loads(run(db, "patient", "show", "P017", "--json").stdout)
    assert shown["patient_key"] == "P017" and shown["revision"] == 0
    by_ref = {e["ref"]: e for e in shown["events"]}
    assert by_ref["immunochemo/c3/d1/pd1"]["date"] == "2026-04-13"
    assert by_ref["rt/f12"]["kind"] == "fraction"
    assert by_ref["rt/f12"]["status"] is None


def test_the_fhir_activity_is_identified_by_the_ref(db):
    from fhir.resources.R4B.careplan import CarePlan

    run(db, "patient", "add", "P017", "nct06478355", "--start", "2026-03-02",
        "--now", "2026-03-01T00:00:00Z")
    result = run(db, "export", "fhir", "P017", "--now", "2026-03-01T00:00:00Z")
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    plans = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"]
    values = []
    for plan in plans:
        CarePlan.model_validate(plan)
        for activity in plan["activity"]:
            [extension] = activity["extension"]
            values.append(extension["valueIdentifier"]["value"])
    assert "immunochemo/c3/d1/pd1" in values and "rt/f12" in values
    assert len(values) == len(set(values))
