"""HL7 FHIR R4 export (issue 15), checked with the R4B models of fhir.resources.

- PlanDefinition: https://hl7.org/fhir/R4B/plandefinition.html, shaped after the New Zealand
  Cancer Control Agency regimen guide (https://build.fhir.org/ig/HL7NZ/cca/) and the HL7
  Vulcan Schedule of Activities guide (relatedAction offsets).
- CarePlan: https://hl7.org/fhir/R4B/careplan.html.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.activitydefinition import ActivityDefinition
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.plandefinition import PlanDefinition

from scheduler.cli import cli
from scheduler.core.loader import resolve_template, shipped_templates
from scheduler.export import fhir, table
from scheduler.registry import opened
from scheduler.services import careplan, patients

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 1, tzinfo=UTC)
MODELS = {"PlanDefinition": PlanDefinition, "ActivityDefinition": ActivityDefinition,
          "CarePlan": CarePlan}


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def on(db: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--db", db])
    assert result.exit_code == 0, result.output
    return result


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def valid(bundle: dict[str, Any]) -> dict[str, Any]:
    """Parse the Bundle and each resource in it with the R4B models; the JSON as printed."""
    text = fhir.dumps(bundle)
    parsed = Bundle.model_validate_json(text)
    assert parsed.type == "collection"
    for entry in bundle["entry"]:
        MODELS[entry["resource"]["resourceType"]].model_validate(entry["resource"])
    return json.loads(text)


def plan_definition_of(template_id: str) -> dict[str, Any]:
    template, path = resolve_template(template_id)
    return valid(fhir.plan_definition_bundle(template, fhir.template_version(path.read_bytes())))


def snapshot(db: str, key: str = "P017") -> patients.Snapshot:
    with opened(db) as registry:
        return patients.snapshot(registry, key)


def current(bundle: dict[str, Any]) -> dict[str, Any]:
    return resources(bundle, "CarePlan")[-1]


def scheduled(care_plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in care_plan["activity"] if a["detail"]["status"] == "scheduled"]


def expected_period(record: dict[str, Any]) -> dict[str, str]:
    if record["start"] is None:
        return {"start": record["date"], "end": record["date"]}
    return {"start": record["start"], "end": record["end"]}


def assert_same_dates_as_show_json(bundle: dict[str, Any], snap: patients.Snapshot) -> None:
    """The current CarePlan's scheduled activities are the plan's events, in order, with the
    dates and times `show --json` prints for it."""
    records = json.loads(table.to_json(snap.plan))
    activities = scheduled(current(bundle))
    assert [a["id"] for a in activities] == [r["uid"] for r in records]
    for activity, record in zip(activities, records, strict=True):
        assert activity["detail"]["scheduledPeriod"] == expected_period(record), record["uid"]


# --- PlanDefinition ------------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", [t.id for t in shipped_templates()])
def test_every_shipped_template_is_a_valid_plandefinition(template_id):
    bundle = plan_definition_of(template_id)
    [plan] = resources(bundle, "PlanDefinition")
    definitions = {f"{a['url']}|{a['version']}": a for a in resources(bundle, "ActivityDefinition")}
    assert plan["type"]["coding"][0]["code"] == "clinical-protocol"
    assert plan["url"].endswith(f"/PlanDefinition/{template_id}")

    def walk(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x for a in actions for x in [a, *walk(a.get("action", []))]]

    actions = walk(plan["action"])
    ids = {a["id"] for a in actions}
    for action in actions:  # every reference resolves inside the Bundle
        if "definitionCanonical" in action:
            assert action["definitionCanonical"] in definitions
        for related in action.get("relatedAction", []):
            assert related["actionId"] in ids
    referenced = {a["definitionCanonical"] for a in actions if "definitionCanonical" in a}
    assert referenced == set(definitions)


def test_a_regimen_is_a_cycle_action_whose_children_reference_the_drugs():
    plan = resources(plan_definition_of("cross"), "PlanDefinition")[0]
    weekly = plan["action"][0]
    assert weekly["id"] == "weekly-cp" and weekly["timingDuration"]["value"] == 0
    assert [c["id"] for c in weekly["action"]] == ["paclitaxel-day1", "carboplatin-day1"]
    child = weekly["action"][0]
    assert child["timingTiming"] == {"repeat": {"count": 5, "period": 7, "periodUnit": "d"}}
    assert child["relatedAction"] == [{"actionId": "weekly-cp", "relationship": "after-start",
                                       "offsetDuration": {"value": 0, "unit": "days", "code": "d",
                                                          "system": "http://unitsofmeasure.org"}}]
    surgery = plan["action"][2]  # 35 days after radiotherapy, window ±7: as an offset range
    assert surgery["relatedAction"][0]["relationship"] == "after-end"
    assert surgery["relatedAction"][0]["actionId"] == "rt"
    assert surgery["relatedAction"][0]["offsetRange"]["low"]["value"] == 28
    assert surgery["relatedAction"][0]["offsetRange"]["high"]["value"] == 42


def test_counts_the_protocol_leaves_open_are_stated_not_guessed():
    plan = resources(plan_definition_of("nct06478355"), "PlanDefinition")[0]
    children = {c["id"]: c for c in plan["action"][0]["action"]}
    assert set(children) == {"pd1-day1", "nab-paclitaxel-day1", "nab-paclitaxel-day8", "cisplatin-day1"}
    for child in children.values():
        assert "count" not in child["timingTiming"]["repeat"]
    assert "$chemo_cycles cycles, a parameter the protocol leaves open (template default 4)" \
        in children["cisplatin-day1"]["description"]
    assert ("for at least 6 months, then until progression, intolerance or withdrawal"
            in children["pd1-day1"]["description"])
    assert "chemo_cycles: Number of 21-day TP cycles" in plan["description"]
    rt = plan["action"][1]
    assert rt["timingDuration"]["value"] == 42  # week 7 = day 43


def test_codes_only_where_certain():
    coded = {}
    for template_id in ("cross", "nct06478355", "stupp"):
        for definition in resources(plan_definition_of(template_id), "ActivityDefinition"):
            codings = definition["code"].get("coding", [])
            coded[definition["id"]] = [(c["system"], c["code"]) for c in codings]
    rxnorm, snomed = fhir.RXNORM, fhir.SNOMED
    assert coded == {
        "cross-paclitaxel": [(rxnorm, "56946")],
        "cross-carboplatin": [(rxnorm, "40048")],
        "cross-rt": [(snomed, "108290001")],
        "cross-surgery": [],
        "cross-labs": [],  # blood tests (the clinical read of December 2026): text only
        "nct06478355-pd1": [],
        "nct06478355-nab-paclitaxel": [],  # albumin-bound is not plain paclitaxel: text only
        "nct06478355-cisplatin": [(rxnorm, "2555")],
        "nct06478355-rt": [(snomed, "108290001")],
        "stupp-rt": [(snomed, "108290001")],
        "stupp-tmz-concurrent": [(rxnorm, "37776")],
        "stupp-tmz": [(rxnorm, "37776")],
        # added after the clinical read of December 2026; no code the exporter is sure of
        "stupp-pcp-prophylaxis": [],
        "stupp-fbc-weekly": [],
        "stupp-fbc-day22": [],
    }


def test_a_radiotherapy_course_carries_total_dose_dose_per_fraction_and_fractions():
    definitions = {d["id"]: d for d in resources(plan_definition_of("cross"), "ActivityDefinition")}
    rt = definitions["cross-rt"]
    assert rt["kind"] == "ServiceRequest"
    assert rt["extension"] == [{"url": fhir.CODEXRT_FRACTIONS, "valuePositiveInt": 23}]
    dosage = rt["dosage"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 1.8
    assert dosage["doseAndRate"][0]["doseQuantity"]["code"] == "Gy"
    assert dosage["maxDosePerLifetime"]["value"] == 41.4
    assert dosage["timing"]["repeat"] == {"count": 23, "frequency": 5, "period": 1, "periodUnit": "wk"}


def test_the_plandefinition_command_prints_the_bundle():
    result = run("export", "fhir-plandefinition", "stupp")
    assert result.exit_code == 0, result.output
    template, path = resolve_template("stupp")
    assert result.output == fhir.dumps(fhir.plan_definition_bundle(
        template, fhir.template_version(path.read_bytes())))
    based = run("export", "fhir-plandefinition", "stupp", "--base", "https://fhir.example.org/fhir/")
    assert '"url": "https://fhir.example.org/fhir/PlanDefinition/stupp"' in based.output
    unknown = run("export", "fhir-plandefinition", "nosuch")
    assert unknown.exit_code == 2 and "unknown template 'nosuch'" in unknown.stderr


# --- CarePlan --------------------------------------------------------------------------------------


def register(db: str) -> None:
    on(db, "patient", "add", "P017", "nct06478355", "--start", "2026-01-05", "--label",
       "Patient 017", "--now", "2026-01-01T00:00:00Z", "--author", "li.na")


def event_date(snap: patients.Snapshot, component: str, cycle: int) -> date:
    return next(e.date for e in snap.plan.events if e.component == component and e.cycle == cycle)


def test_the_seed_careplan_before_and_after_a_delay_hold_and_stop(db):
    register(db)
    bundle = valid(careplan.care_plan_bundle(snapshot(db), NOW))
    plan = current(bundle)
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert plan["subject"] == {"reference": "Patient/P017"}
    assert "Patient 017" not in json.dumps(bundle)
    definition = resources(bundle, "PlanDefinition")[0]
    assert plan["instantiatesCanonical"] == [f"{definition['url']}|{definition['version']}"]
    assert plan["period"] == {"start": "2026-01-05", "end": snapshot(db).plan.last_date.isoformat()}
    assert_same_dates_as_show_json(bundle, snapshot(db))
    moved = [a for a in plan["activity"] if "Moved from 2026-02-16: Chinese New Year's Eve"
             in a["detail"]["description"]]
    assert moved and all(a["detail"]["scheduledPeriod"]["start"].startswith("2026-02-24") for a in moved)

    on(db, "delay", "P017", "--cycle", "3", "--days", "14", "--reason", "neutropenia")
    snap = snapshot(db)
    bundle = valid(careplan.care_plan_bundle(snap, NOW))
    assert_same_dates_as_show_json(bundle, snap)
    cisplatin_3 = next(a for a in current(bundle)["activity"]
                       if a["detail"]["code"]["text"] == "Cisplatin – cycle 3, day 1")
    assert cisplatin_3["detail"]["scheduledPeriod"]["start"] == \
        f"{event_date(snap, 'cisplatin', 3).isoformat()}T10:30:00+08:00"
    assert event_date(snap, "cisplatin", 3) > date(2026, 2, 24)
    assert ("Moved by a change: cycle 3 of immunochemo delayed 14 days: neutropenia"
            in cisplatin_3["detail"]["description"])

    held_day = event_date(snap, "pd1", 5)
    on(db, "hold", "P017", "--component", "pd1", "--from", held_day.isoformat(), "--days", "3",
       "--reason", "hepatitis grade 2")
    stop_day = event_date(snap, "cisplatin", 4)
    on(db, "stop", "P017", "--component", "cisplatin", "--from", stop_day.isoformat(),
       "--reason", "rising creatinine")
    snap = snapshot(db)
    bundle = valid(careplan.care_plan_bundle(snap, NOW))
    assert_same_dates_as_show_json(bundle, snap)
    others = {a["detail"]["code"]["text"]: a["detail"] for a in current(bundle)["activity"]
              if a["detail"]["status"] != "scheduled"}
    assert set(others) == {"PD-1 inhibitor – cycle 5, day 1", "Cisplatin – cycle 4, day 1"}
    held = others["PD-1 inhibitor – cycle 5, day 1"]
    assert held["status"] == "on-hold"
    assert held["statusReason"]["text"].startswith(f"pd1 held {held_day.isoformat()} to ")
    assert held["scheduledPeriod"]["start"] == f"{held_day.isoformat()}T08:30:00+08:00"
    stopped = others["Cisplatin – cycle 4, day 1"]
    assert stopped["status"] == "stopped"
    assert stopped["statusReason"]["text"] == \
        f"cisplatin stopped from {stop_day.isoformat()}: rising creatinine"
    assert [n["text"] for n in current(bundle)["note"]] == [
        "Change 1: cycle 3 of immunochemo delayed 14 days: neutropenia",
        f"Change 2: {others['PD-1 inhibitor – cycle 5, day 1']['statusReason']['text']}",
        f"Change 3: {stopped['statusReason']['text']}",
    ]


def test_each_issued_version_is_a_careplan_that_replaces_the_one_before(db, tmp_path):
    register(db)
    on(db, "issue", "P017", "-o", str(tmp_path), "--per-event", "--now", "2026-01-02T00:00:00Z")
    snap = snapshot(db)
    bundle = valid(careplan.care_plan_bundle(snap, NOW))
    [only] = resources(bundle, "CarePlan")  # nothing changed since version 1
    assert only["status"] == "active" and "replaces" not in only
    assert only["created"] == "2026-01-02T00:00:00+00:00"

    on(db, "delay", "P017", "--cycle", "3", "--days", "14", "--reason", "neutropenia",
       "--now", "2026-02-10T00:00:00Z")
    on(db, "issue", "P017", "-o", str(tmp_path), "--per-event", "--now", "2026-02-10T01:00:00Z")
    on(db, "stop", "P017", "--component", "pd1", "--from", "2026-09-01", "--reason", "progression",
       "--now", "2026-02-11T00:00:00Z")
    snap = snapshot(db)
    bundle = valid(careplan.care_plan_bundle(snap, NOW))
    urls = [e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"]
    plans = resources(bundle, "CarePlan")
    assert [p["status"] for p in plans] == ["revoked", "revoked", "active"]
    assert [p.get("replaces") for p in plans] == [None, [{"reference": urls[0]}],
                                                  [{"reference": urls[1]}]]
    assert [p["created"] for p in plans] == ["2026-01-02T00:00:00+00:00",
                                             "2026-02-10T01:00:00+00:00", NOW.isoformat()]
    assert len(set(urls)) == 3 and all(u.startswith("urn:uuid:") for u in urls)
    for plan, version in zip(plans, snap.versions, strict=False):  # what each version issued
        issued = sorted((uid, expected_period(e["record"])) for uid, e in version.entries.items()
                        if not e["cancelled"])
        assert sorted((a["id"], a["detail"]["scheduledPeriod"]) for a in scheduled(plan)) == issued
    assert_same_dates_as_show_json(bundle, snap)
    assert {a["detail"]["status"] for a in plans[2]["activity"]} == {"scheduled", "stopped"}


def test_a_version_is_what_was_issued_even_when_a_change_is_dated_before_it(db, tmp_path):
    register(db)
    on(db, "issue", "P017", "-o", str(tmp_path), "--per-event", "--now", "2026-02-10T00:00:00Z")
    on(db, "delay", "P017", "--cycle", "3", "--days", "14", "--reason", "neutropenia",
       "--now", "2026-02-01T00:00:00Z")  # recorded after the issue, with an earlier time
    snap = snapshot(db)
    plans = resources(valid(careplan.care_plan_bundle(snap, NOW)), "CarePlan")
    assert [p["status"] for p in plans] == ["revoked", "active"]
    issued = sorted((uid, expected_period(e["record"])) for uid, e in snap.versions[0].entries.items())
    # by time the delay came before version 1, but version 1 is what it issued: no delay
    assert sorted((a["id"], a["detail"]["scheduledPeriod"]) for a in scheduled(plans[0])) == issued
    assert_same_dates_as_show_json({"entry": [{"resource": plans[1]}]}, snap)


def test_an_ended_plan_is_completed_or_revoked(db):
    register(db)
    on(db, "patient", "end", "P017", "--reason", "patient withdrew", "--now", "2026-03-01T00:00:00Z")
    plan = current(valid(careplan.care_plan_bundle(snapshot(db), NOW)))
    assert plan["status"] == "revoked"  # ended before its last event
    assert plan["note"][-1]["text"] == "Change 1: plan ended: patient withdrew"


def test_round_trip_the_scheduled_dates_read_back_with_fhir_resources(db):
    register(db)
    on(db, "delay", "P017", "--cycle", "3", "--days", "14", "--reason", "neutropenia")
    snap = snapshot(db)
    result = on(db, "export", "fhir", "P017", "--now", "2026-03-01T00:00:00Z")
    parsed = Bundle.model_validate_json(result.output)
    care_plan = parsed.entry[-1].resource
    assert care_plan.get_resource_type() == "CarePlan"
    read = [(a.id, a.detail.scheduledPeriod.start, a.detail.scheduledPeriod.end)
            for a in care_plan.activity if a.detail.status == "scheduled"]
    expected = [(e.uid, e.start or e.date, e.end or e.date) for e in snap.plan.events]
    assert len(read) == len(expected) == 59
    for (uid, start, end), (want_uid, want_start, want_end) in zip(read, expected, strict=True):
        assert uid == want_uid
        if isinstance(want_start, datetime):
            assert (start, end) == (want_start, want_end)  # the same instants, offsets kept
            assert start.utcoffset() == want_start.utcoffset()
        else:
            assert (start, end) == (want_start, want_end) and type(start) is date


def test_the_export_is_deterministic_and_names_no_one(db):
    register(db)
    first = on(db, "export", "fhir", "P017", "--now", "2026-03-01T00:00:00Z").output
    again = on(db, "export", "fhir", "P017", "--now", "2026-03-01T00:00:00Z").output
    later = on(db, "export", "fhir", "P017", "--now", "2026-03-02T00:00:00Z").output
    assert first == again
    assert first.replace("2026-03-01T00:00:00+00:00", "2026-03-02T00:00:00+00:00") == later
    assert first == fhir.dumps(careplan.care_plan_bundle(snapshot(db), NOW))
    assert "Patient 017" not in first and "li.na" not in first
    assert list(json.loads(first)) == sorted(json.loads(first))
    missing = CliRunner().invoke(cli, ["export", "fhir", "P999", "--db", db])
    assert missing.exit_code == 2


def test_a_key_that_is_no_fhir_id_is_a_logical_reference():
    assert careplan._subject("P_017") == {"type": "Patient", "identifier": {"value": "P_017"}}
    assert careplan._subject("CHN-042") == {"reference": "Patient/CHN-042"}


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="activity status 'postponed'"):
        fhir.validated({"resourceType": "CarePlan", "status": "active", "intent": "plan",
                        "subject": {"reference": "Patient/P1"},
                        "activity": [{"detail": {"status": "postponed"}}]})


# --- samples ---------------------------------------------------------------------------------------


def test_samples_are_what_the_current_code_makes(tmp_path):
    copy = tmp_path / "fhir"
    shutil.copytree(ROOT / "samples" / "fhir", copy)
    for stale in copy.glob("*.json"):
        stale.unlink()
    scheduler = shutil.which("scheduler", path=str(Path(sys.executable).parent))
    assert scheduler, "the scheduler console script is installed next to this Python"
    env = {**os.environ, "SCHEDULER": scheduler}
    env.pop("SOURCE_DATE_EPOCH", None)
    env.pop("SCHEDULER_DB", None)
    subprocess.run(["bash", str(copy / "make.sh")], check=True, env=env)
    made = sorted(p.name for p in copy.glob("*.json"))
    assert made == sorted(p.name for p in (ROOT / "samples" / "fhir").glob("*.json"))
    assert made == ["P017.careplan.json", "nct06478355.plandefinition.json"]
    for name in made:
        assert (copy / name).read_bytes() == (ROOT / "samples" / "fhir" / name).read_bytes(), name
        valid(json.loads((copy / name).read_text()))


# --- template language 2 --------------------------------------------------------------------------


def careplan_of(db: str, key: str, template: str, *options: str) -> dict[str, Any]:
    on(db, "patient", "add", key, template, "--start", "2026-01-05", "--now",
       "2026-01-01T00:00:00Z", "--author", "li.na", *options)
    snap = snapshot(db, key)
    bundle = valid(careplan.care_plan_bundle(snap, NOW))
    assert_same_dates_as_show_json(bundle, snap)
    return bundle


def test_a_mfolfox6_careplan_has_the_infusion_and_the_pump_disconnection_as_activities(db):
    bundle = careplan_of(db, "P101", "mfolfox6")
    snap = snapshot(db, "P101")
    by_uid = {a["id"]: a["detail"] for a in scheduled(current(bundle))}
    assert len(by_uid) == len(snap.plan.events)
    for event in snap.plan.events:  # the activity's dates are the plan's, event by event
        assert by_uid[event.uid]["scheduledPeriod"] == (
            {"start": event.start.isoformat(), "end": event.end.isoformat()}
            if event.start is not None and event.end is not None
            else {"start": event.date.isoformat(), "end": event.date.isoformat()})
    disconnect = [d for d in by_uid.values()
                  if d["instantiatesCanonical"][0].split("|")[0].endswith("mfolfox6-pump-disconnect")]
    infusions = [d for d in by_uid.values() if d["instantiatesCanonical"][0].split("|")[0]
                 .endswith("mfolfox6-fluorouracil-infusion")]
    assert len(disconnect) == len(infusions) == 12 and disconnect[0]["kind"] == "ServiceRequest"
    assert [d["scheduledPeriod"]["start"] for d in disconnect] == \
        [i["scheduledPeriod"]["end"] for i in infusions]  # disconnected when the 46 hours end
    labs = [d for d in by_uid.values() if d["instantiatesCanonical"][0].split("|")[0]
            .endswith("mfolfox6-labs")]
    assert len(labs) == 11  # before each cycle from cycle 2
    definitions = {r["id"] for r in resources(bundle, "ActivityDefinition")}
    assert "mfolfox6-pump-disconnect" in definitions
    [plan] = resources(bundle, "PlanDefinition")
    children = {a["id"]: a for a in plan["action"][0]["action"]}
    assert children["pump-disconnect-day1"]["relatedAction"] == [
        {"actionId": "fluorouracil-infusion-day1", "relationship": "after-end"}]
    assert children["fluorouracil-infusion-day1"]["timingTiming"]["repeat"]["duration"] == 46 * 60
    labs_action = next(a for a in plan["action"] if a["id"] == "labs")
    assert labs_action["relatedAction"] == [{"actionId": "mfolfox6", "relationship": "after-start",
                                             "offsetDuration": {"value": 13, "unit": "days",
                                                                "system": fhir.UCUM, "code": "d"}}]


def test_a_capecitabine_rt_careplan_gives_capecitabine_on_the_radiotherapy_days(db):
    bundle = careplan_of(db, "P102", "capecitabine-rt-rectal")
    snap = snapshot(db, "P102")
    activities = scheduled(current(bundle))
    assert [a["id"] for a in activities] == [e.uid for e in snap.plan.events]
    for activity, event in zip(activities, snap.plan.events, strict=True):
        assert activity["detail"]["scheduledPeriod"]["start"].startswith(event.date.isoformat())
    days = {kind: {a["detail"]["scheduledPeriod"]["start"][:10] for a in activities
                   if a["detail"]["instantiatesCanonical"][0].split("|")[0].endswith(kind)}
            for kind in ("-rt", "-capecitabine")}
    assert len(days["-rt"]) == 28 and days["-capecitabine"] == days["-rt"]
    capecitabine = [a for a in activities
                    if a["detail"]["instantiatesCanonical"][0].split("|")[0].endswith("-capecitabine")]
    assert len(capecitabine) == 56  # twice a day
    [plan] = resources(bundle, "PlanDefinition")
    action = next(a for a in plan["action"] if a["id"] == "capecitabine")
    assert action["relatedAction"] == [{"actionId": "rt", "relationship": "concurrent"}]


def test_uneven_fractions_state_the_prescription_and_invent_no_dose_per_fraction():
    bundle = plan_definition_of("breast-40-15")
    [rt] = [r for r in resources(bundle, "ActivityDefinition") if "extension" in r]
    [dosage] = rt["dosage"]
    assert "doseAndRate" not in dosage  # 40 / 15 is not a dose anyone prescribed
    assert dosage["maxDosePerLifetime"]["value"] == 40
    assert dosage["timing"]["repeat"]["count"] == 15
    assert "about 2.67 Gy" in dosage["text"] and "about 2.67 Gy" in rt["description"]


def test_a_dose_cap_is_a_count_range_and_a_bound():
    template, path = resolve_template(str(ROOT / "tests/data/templates/capped_and_repeated.yaml"))
    bundle = valid(fhir.plan_definition_bundle(template, fhir.template_version(path.read_bytes())))
    [plan] = resources(bundle, "PlanDefinition")
    capped = [c["timingTiming"]["repeat"] for a in plan["action"] for c in a.get("action", [])
              if "countMax" in c["timingTiming"]["repeat"]]
    assert capped and all(r["count"] == 1 and r["countMax"] == 10 for r in capped)
    assert all(r["boundsDuration"] == {"value": 3, "unit": "months", "system": fhir.UCUM,
                                       "code": "mo"} for r in capped)
    pembrolizumab = plan_definition_of("pembrolizumab-q6w")  # a cap set per patient: text
    text = json.dumps(pembrolizumab, ensure_ascii=False)
    assert "up to $doses cycles (a parameter the protocol leaves open" in text
    assert "countMax" not in text


def test_every_shipped_template_registered_is_a_valid_careplan_with_the_plans_dates(db):
    for number, info in enumerate(shipped_templates()):
        key = f"T{number:03d}"
        on(db, "patient", "add", key, info.id, "--start", "2026-01-05", "--now",
           "2026-01-01T00:00:00Z", "--author", "li.na")
        snap = snapshot(db, key)
        bundle = valid(careplan.care_plan_bundle(snap, NOW))
        assert_same_dates_as_show_json(bundle, snap)
