"""`scheduler draft`: the seed's record (page text and API v2 JSON) drafts to a template that
`validate` refuses, with a located message, until its open number is filled in; filled in, its
events fall on the shipped nct06478355's dates and times. A record without a schedule drafts
only open values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.loader import parse_yaml_text

from .conftest import DATA

SEED = Path("/work/shared/seeds/000_38ff4259a3010a56.txt")
SEED_COPY = DATA / "drafts" / "records" / "seed-nct06478355.txt"
"""The seed's page text, kept with the tests (the shared copy is outside the repository)."""
SEED_JSON = DATA / "nct06478355.json"
SHIPPED_IDS = {"immunotherapy": "pd1", "albumin-bound-paclitaxel": "nab-paclitaxel",
               "cis-platinum": "cisplatin", "rt": "rt"}
"""The draft's ids for the shipped template's components (the draft names them from the record)."""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def drafted(tmp_path: Path, record: Path, name: str = "draft.yaml") -> Path:
    target = tmp_path / name
    code, _, err = run("draft", str(record), "-o", str(target))
    assert code == 0, err
    return target


def test_the_seed_copy_is_the_seed() -> None:
    if SEED.exists():
        assert SEED_COPY.read_text(encoding="utf-8") == SEED.read_text(encoding="utf-8")


def test_validate_refuses_the_seed_draft_at_the_line_of_its_open_number(tmp_path: Path) -> None:
    target = drafted(tmp_path, SEED_COPY)
    text = target.read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "default: not stated" in row)
    code, out, err = run("validate", str(target))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"{target}:{line}: parameters.chemotherapy_drug_cycles.default: not stated in the "
        "record: fill it in",
        "1 problem",
    ]


def test_the_seed_draft_reads_every_value_with_its_words(tmp_path: Path) -> None:
    text = drafted(tmp_path, SEED_COPY).read_text(encoding="utf-8")
    record = SEED_COPY.read_text(encoding="utf-8")
    data, _ = parse_yaml_text(text, "draft")
    regimen, rt = data["components"]
    assert regimen["cycle_days"] == 21 and regimen["start"] == {"day": 1}
    assert [(d["id"], d["days"]) for d in regimen["drugs"]] == [
        ("immunotherapy", [1]), ("albumin-bound-paclitaxel", [1, 8]), ("cis-platinum", [1])]
    assert regimen["drugs"][0]["cycles"] == {
        "minimum": "6 months", "until": "progression, intolerance or spontaneous withdrawal of the patient"}
    assert {k: rt[k] for k in ("start", "total_dose_gy", "fractions", "dose_per_fraction_gy",
                               "fractions_per_week", "planned_weeks")} == {
        "start": {"week": 7}, "total_dose_gy": 60, "fractions": 30, "dose_per_fraction_gy": 2.0,
        "fractions_per_week": 5, "planned_weeks": [7, 12]}
    assert data["calendar"] == {"holidays": "CN"}
    # every provenance span holds the words it quotes, in the record's own text
    by_field = {p["field"]: p for p in data["provenance"]}
    for entry in data["provenance"]:
        if "span" in entry:
            start, end = entry["span"]
            assert record[start:end] == entry["words"], entry
    assert by_field["components[0].cycle_days"]["status"] == "inferred"
    assert by_field["components[0].cycle_days"]["words"] == "every 3 weeks"
    assert by_field["components[0].cycle_days"]["rule"] == "every 3 weeks → 21-day cycles"
    assert by_field["components[0].drugs[1].days"] == {
        "field": "components[0].drugs[1].days", "status": "stated", "value": [1, 8],
        "words": "d1,d8", "span": [record.rindex("d1,d8;cis"), record.rindex("d1,d8;cis") + 5]}
    assert by_field["components[1].dose_per_fraction_gy"]["words"] == "each time 2.0Gy"
    assert by_field["parameters.chemotherapy_drug_cycles.default"]["status"] == "not stated"
    # and beside each value, as a comment
    assert re.search(r"^ +cycle_days: 21  # inferred from \"every 3 weeks\" \(every 3 weeks → "
                     r"21-day cycles\)$", text, re.MULTILINE)
    assert re.search(r'^ +days: \[1, 8\]  # stated: "d1,d8"$', text, re.MULTILINE)


def _filled(draft: Path, tmp_path: Path, with_times: bool) -> Path:
    """The draft as a person completes it: the number of cycles, and (``with_times``) the
    clinic times the shipped template sets."""
    text = draft.read_text(encoding="utf-8").replace("default: not stated", "default: 4", 1)
    data, _ = parse_yaml_text(text, "draft")
    if with_times:
        shipped, _ = parse_yaml_text(Path("templates/nct06478355.yaml").read_text(), "shipped")
        shown = {d["id"]: d for d in shipped["components"][0]["drugs"]}
        shown["rt"] = shipped["components"][1]
        for drug in data["components"][0]["drugs"]:
            source = shown[SHIPPED_IDS[drug["id"]]]
            drug.update(time=source["time"], duration=source["duration"])
        data["components"][1].update(time="14:00", duration="20m")
    target = tmp_path / f"filled-{with_times}.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _events(template: str, start: str, *extra: str) -> list[tuple[str, ...]]:
    code, out, err = run("show", template, "--start", start, "--holidays", "CN", "--tz",
                         "Asia/Shanghai", "--json", *extra)
    assert code == 0, err
    return sorted((SHIPPED_IDS.get(e["component"], e["component"]), e["date"], e["start"], e["end"],
                   str(e["cycle"]), str(e["day"]), str(e["fraction"]), str(e["moved_from"]))
                  for e in json.loads(out))


@pytest.mark.parametrize("record", [SEED_COPY, SEED_JSON], ids=["page", "json"])
@pytest.mark.parametrize("start", ["2026-01-05", "2026-09-21"])
def test_the_filled_seed_draft_gives_the_shipped_templates_dates(
        tmp_path: Path, record: Path, start: str) -> None:
    draft = drafted(tmp_path, record)
    all_day = _filled(draft, tmp_path, with_times=False)
    assert run("validate", str(all_day))[0] == 0
    shipped = _events("nct06478355", start, "--set", "chemo_cycles=4")
    dates = [(e[0], e[1], *e[4:]) for e in shipped]
    assert [(e[0], e[1], *e[4:]) for e in _events(str(all_day), start)] == dates
    assert len(dates) == {"2026-01-05": 59, "2026-09-21": 60}[start]
    # with the shipped template's clinic times written in, every event is the same to the minute
    timed = _filled(draft, tmp_path, with_times=True)
    assert _events(str(timed), start) == shipped


def test_the_json_record_drafts_the_same_template_as_the_page(tmp_path: Path) -> None:
    page, _ = parse_yaml_text(drafted(tmp_path, SEED_COPY, "a.yaml").read_text(), "a")
    api, _ = parse_yaml_text(drafted(tmp_path, SEED_JSON, "b.yaml").read_text(), "b")
    for data in (page, api):
        data.pop("name")  # the page's title carries the acronym; the JSON's brief title does not
        for entry in data.pop("provenance"):
            assert set(entry) <= {"field", "status", "value", "words", "span", "rule", "note"}
    assert page == api


def test_a_record_without_a_schedule_drafts_only_open_values(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    record.write_text(json.dumps({"protocolSection": {
        "identificationModule": {"nctId": "NCT00000001", "briefTitle": "Exercise during chemotherapy"},
        "armsInterventionsModule": {
            "armGroups": [{"label": "Exercise", "type": "EXPERIMENTAL",
                           "interventionNames": ["Behavioral: Walking programme"]}],
            "interventions": [{"type": "BEHAVIORAL", "name": "Walking programme",
                               "description": "A supervised walking programme at the hospital."}]},
        "contactsLocationsModule": {"locations": [{"country": "United States"},
                                                  {"country": "Canada"}]}}}))
    target = drafted(tmp_path, record)
    data, _ = parse_yaml_text(target.read_text(), "draft")
    assert [p["status"] for p in data["provenance"]] == ["not stated"] * 4
    code, _, err = run("validate", str(target))
    assert code == 2
    assert [line.split(": ", 1)[1] for line in err.splitlines()[:-1]] == [
        "calendar.holidays: not stated in the record: fill it in",
        "components[0].cycle_days: not stated in the record: fill it in",
        "components[0].drugs[0].days: not stated in the record: fill it in",
        "components[0].drugs[0].cycles: not stated in the record: fill it in",
    ]


def test_a_record_with_windows_line_ends_drafts_the_same(tmp_path: Path) -> None:
    crlf = tmp_path / "record.txt"
    crlf.write_bytes(SEED_COPY.read_bytes().replace(b"\n", b"\r\n"))
    assert run("draft", str(crlf))[1] == run("draft", str(SEED_COPY))[1]


def test_draft_writes_a_new_file_and_refuses_to_replace_one(tmp_path: Path) -> None:
    target = drafted(tmp_path, SEED_COPY)
    before = target.read_bytes()
    code, _, err = run("draft", str(SEED_JSON), "-o", str(target))
    assert code == 2 and "already exists; pass --force" in err
    assert target.read_bytes() == before
    assert run("draft", str(SEED_JSON), "-o", str(target), "--force")[0] == 0
    assert target.read_bytes() != before
    code, out, _ = run("draft", str(SEED_COPY))
    assert code == 0 and out.encode() == before


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "the record looks like JSON but is not valid JSON"),
    ('{"studies": []}', "the JSON record has no 'protocolSection'"),
    ("Some trial\n\nNo sections here.", "no study groups or interventions found"),
])
def test_records_that_cannot_be_read_are_refused_in_words(
        tmp_path: Path, content: str, message: str) -> None:
    record = tmp_path / "record.txt"
    record.write_text(content)
    code, out, err = run("draft", str(record))
    assert code == 2 and out == "" and message in err


def test_arm_picks_another_arm_and_names_the_arms_when_none_matches(tmp_path: Path) -> None:
    code, _, err = run("draft", str(SEED_JSON), "--arm", "placebo")
    assert code == 2
    assert ("--arm: no arm matches 'placebo' (the record's arms: 1: The patients with ESCC "
            "receive Immunotherapy combined with chemoradiotherapy)") in err
    assert run("draft", str(SEED_JSON), "--arm", "1")[1] == run("draft", str(SEED_JSON))[1]


def test_docs_show_the_seed_draft_as_the_command_writes_it() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs" / "drafting.md"
    text = docs.read_text(encoding="utf-8")
    shown = text[text.index("```yaml\n") + 8:]
    shown = shown[:shown.index("```")]
    out = run("draft", str(SEED_COPY))[1]
    assert shown == out[out.index("id:"):out.index("\n\nprovenance:")] + "\n"
    assert "nct06478355-draft.yaml:15: parameters.chemotherapy_drug_cycles.default: not stated" in text
