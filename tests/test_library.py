"""The regimen library (issue 12): every shipped template validates, loads, expands and
exports, and each new one has its dates checked to the day for one start date. Expected
dates were computed independently (datetime + the holidays package, by hand-written
rules), not by the scheduler."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.loader import shipped_templates
from scheduler.export.ics import to_ics
from scheduler.export.table import to_json
from scheduler.export.visits import calendar_plan

from .conftest import dates, make_plan

LIBRARY = [
    "breast-40-15", "capecitabine-rt-rectal", "capox", "cisplatin-rt-head-neck", "ddact",
    "fast-forward", "flot", "folfirinox", "mfolfox6", "nivolumab-q4w", "pembrolizumab-q6w",
    "r-chop-21", "tc",
]
NY = ZoneInfo("America/New_York")


def test_the_library_ships_with_the_ids_other_tools_rely_on():
    ids = {info.id for info in shipped_templates()}
    assert set(LIBRARY) <= ids
    assert {"cross", "nct06478355", "stupp"} <= ids


@pytest.mark.parametrize("template", LIBRARY)
def test_every_library_template_validates_and_names_its_source(template):
    (info,) = [i for i in shipped_templates() if i.id == template]
    result = CliRunner().invoke(cli, ["validate", str(info.path)])
    assert result.exit_code == 0, result.output
    text = info.path.read_text()
    assert "\nsource: " in text and "\nreference: " in text


@pytest.mark.parametrize("template", LIBRARY)
def test_every_library_template_exports(template):
    plan = make_plan(template, "2026-03-02", holidays="US", tz="America/New_York")
    ics = to_ics(plan, stamp=datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")), per_event=True)
    assert ics.count(b"BEGIN:VEVENT") == len(plan.events) > 0
    visits = to_ics(plan, stamp=datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))
    assert 0 < visits.count(b"BEGIN:VEVENT") == len(calendar_plan(plan).events) <= len(plan.events)
    assert len(json.loads(to_json(plan))) == len(plan.events)


def test_mfolfox6_us_across_martin_luther_king_day():
    plan = make_plan("mfolfox6", "2026-01-05", holidays="US", tz="America/New_York")
    day1 = ["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-17", "2026-03-03", "2026-03-17",
            "2026-03-31", "2026-04-14", "2026-04-28", "2026-05-12", "2026-05-26", "2026-06-09"]
    for drug in ("oxaliplatin", "leucovorin", "fluorouracil-bolus", "fluorouracil-infusion"):
        assert dates(plan.events, drug) == day1
    assert dates(plan.events, "pump-disconnect") == [
        "2026-01-07", "2026-01-22", "2026-02-05", "2026-02-19", "2026-03-05", "2026-03-19",
        "2026-04-02", "2026-04-16", "2026-04-30", "2026-05-14", "2026-05-28", "2026-06-11"]
    # the working day before each actual day 1, from cycle 2: MLK Day (19 Jan), Presidents'
    # Day (16 Feb) and Memorial Day (25 May) push the labs back to the Friday before
    assert dates(plan.events, "labs") == [
        "2026-01-16", "2026-02-02", "2026-02-13", "2026-03-02", "2026-03-16", "2026-03-30",
        "2026-04-13", "2026-04-27", "2026-05-11", "2026-05-22", "2026-06-08"]
    infusion = next(e for e in plan.events if e.component == "fluorouracil-infusion")
    assert infusion.start == datetime(2026, 1, 5, 11, 15, tzinfo=NY)
    assert infusion.end == datetime(2026, 1, 7, 9, 15, tzinfo=NY)
    pump = next(e for e in plan.events if e.component == "pump-disconnect")
    assert pump.start == infusion.end and pump.end == datetime(2026, 1, 7, 9, 30, tzinfo=NY)
    assert pump.note is None


def test_pembrolizumab_q6w_us_original_grid_cap_and_scans():
    plan = make_plan("pembrolizumab-q6w", "2026-01-05", holidays="US", tz="America/New_York")
    assert dates(plan.events, "pembrolizumab") == [
        "2026-01-05", "2026-02-17", "2026-03-30", "2026-05-11", "2026-06-22", "2026-08-03",
        "2026-09-14", "2026-10-26", "2026-12-07", "2027-01-19", "2027-03-01", "2027-04-12",
        "2027-05-24", "2027-07-06", "2027-08-16", "2027-09-27", "2027-11-08", "2027-12-20"]
    scans = [e for e in plan.events if e.component == "ct-scan"]
    assert [e.date.isoformat() for e in scans] == [
        "2026-03-02", "2026-05-04", "2026-07-06", "2026-09-08", "2026-11-09", "2027-01-11",
        "2027-03-15", "2027-05-17", "2027-07-19", "2027-09-20", "2027-11-22"]
    # language 3: a repeat while on pembrolizumab ends with its last dose (20 December 2027);
    # no scan is planned after it (language 2 planned one more, on 24 January 2028)
    assert scans[3].moved_from == date(2026, 9, 7)  # Labor Day
    assert (scans[0].window_start, scans[0].window_end) == (date(2026, 2, 23), date(2026, 3, 9))
    assert any("18 cycles planned, the last on 2027-12-20" in n for n in plan.notes)
    assert any("rescheduling policy 'original_grid'" in n for n in plan.notes)


def test_ddact_cn_across_the_spring_festival():
    plan = make_plan("ddact", "2026-01-26", holidays="CN", tz="Asia/Shanghai")
    assert dates(plan.events, "doxorubicin") == [
        "2026-01-26", "2026-02-09", "2026-02-24", "2026-03-10"]
    assert dates(plan.events, "paclitaxel") == [
        "2026-03-24", "2026-04-07", "2026-04-21", "2026-05-06"]
    assert [e.cycle for e in plan.events if e.component == "paclitaxel"] == [5, 6, 7, 8]
    assert dates(plan.events, "pegfilgrastim") == [
        "2026-01-27", "2026-02-10", "2026-02-25", "2026-03-11",
        "2026-03-25", "2026-04-08", "2026-04-22", "2026-05-07"]
    assert [e.cycle for e in plan.events if e.component == "pegfilgrastim"] == list(range(1, 9))


def test_capecitabine_rt_rectal_us_across_veterans_day_and_thanksgiving():
    plan = make_plan("capecitabine-rt-rectal", "2026-11-02", holidays="US",
                     tz="America/New_York")
    rt = ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06", "2026-11-09",
          "2026-11-10", "2026-11-12", "2026-11-13", "2026-11-16", "2026-11-17", "2026-11-18",
          "2026-11-19", "2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27",
          "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07",
          "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"]
    assert dates(plan.events, "rt") == rt
    cape = [e for e in plan.events if e.component == "capecitabine"]
    assert [e.date.isoformat() for e in cape] == [d for d in rt for _ in range(2)]
    assert [e.start.strftime("%H:%M") for e in cape[:2]] == ["08:00", "20:00"]
    last = [e for e in plan.events if e.component == "rt"][-1]
    assert last.cumulative_gy == "50.4" and last.fraction == 28


def test_breast_40_15_cn_across_the_spring_festival():
    plan = make_plan("breast-40-15", "2026-02-09", holidays="CN", tz="Asia/Shanghai")
    rt = [e for e in plan.events if e.component == "rt"]
    assert [e.date.isoformat() for e in rt] == [
        "2026-02-09", "2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13",
        "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28",
        "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]
    assert rt[0].fraction_gy == "2.67" and rt[0].cumulative_gy == "2.67"
    assert rt[2].cumulative_gy == "8"
    assert rt[13].cumulative_gy == "37.33"
    assert rt[14].cumulative_gy == "40" and rt[14].total_gy == "40"
    (visit,) = [e for e in plan.events if e.component == "follow-up"]
    assert visit.date == date(2026, 4, 17)  # 42 days after 6 March
    assert (visit.window_start, visit.window_end) == (date(2026, 4, 10), date(2026, 4, 24))


def test_capox_us_across_labor_day():
    plan = make_plan("capox", "2026-08-17", holidays="US", tz="America/New_York")
    day1 = ["2026-08-17", "2026-09-08", "2026-09-29", "2026-10-20", "2026-11-10", "2026-12-01",
            "2026-12-22", "2027-01-12"]
    assert dates(plan.events, "oxaliplatin") == day1
    # twice daily, 28 doses from the evening of day 1 to the morning of day 15 (the clinical
    # read of December 2026): each dose is its own event
    assert dates(plan.events, "capecitabine-evening", day=1) == day1
    cape = [e for e in plan.events if e.component.startswith("capecitabine-")]
    assert len(cape) == 8 * 14 * 2 and len({e.uid for e in cape}) == len(cape)
    first = sorted(cape, key=lambda e: e.start)[:2]
    assert [e.start.strftime("%Y-%m-%d %H:%M") for e in first] == [
        "2026-08-17 20:00", "2026-08-18 08:00"]
    assert first[0].title == "Capecitabine (evening) – cycle 1, day 1"


def test_folfirinox_cn_across_the_spring_festival():
    plan = make_plan("folfirinox", "2026-02-02", holidays="CN", tz="Asia/Shanghai")
    assert dates(plan.events, "irinotecan") == [
        "2026-02-02", "2026-02-24", "2026-03-10", "2026-03-24", "2026-04-07", "2026-04-21",
        "2026-05-06", "2026-05-20", "2026-06-03", "2026-06-17", "2026-07-01", "2026-07-15"]
    assert dates(plan.events, "pump-disconnect") == [
        "2026-02-04", "2026-02-26", "2026-03-12", "2026-03-26", "2026-04-09", "2026-04-23",
        "2026-05-08", "2026-05-22", "2026-06-05", "2026-06-19", "2026-07-03", "2026-07-17"]


def test_flot_us_preop_surgery_postop():
    plan = make_plan("flot", "2026-01-05", holidays="US", tz="America/New_York")
    assert dates(plan.events, "docetaxel") == [
        "2026-01-05", "2026-01-20", "2026-02-03", "2026-02-17",
        "2026-05-26", "2026-06-09", "2026-06-23", "2026-07-07"]
    assert [e.cycle for e in plan.events if e.component == "docetaxel"] == list(range(1, 9))
    assert dates(plan.events, "surgery") == ["2026-03-31"]
    pumps = [e for e in plan.events if e.component == "pump-disconnect"]
    assert [e.date.isoformat() for e in pumps] == [
        "2026-01-06", "2026-01-21", "2026-02-04", "2026-02-18",
        "2026-05-27", "2026-06-10", "2026-06-24", "2026-07-08"]
    assert pumps[0].start == datetime(2026, 1, 6, 12, 30, tzinfo=NY)


def test_tc_cn_across_the_spring_festival():
    plan = make_plan("tc", "2026-01-12", holidays="CN", tz="Asia/Shanghai")
    assert dates(plan.events, "docetaxel") == ["2026-01-12", "2026-02-02", "2026-02-24",
                                               "2026-03-17"]


def test_r_chop_21_us_across_martin_luther_king_day():
    plan = make_plan("r-chop-21", "2026-10-26", holidays="US", tz="America/New_York")
    day1 = ["2026-10-26", "2026-11-16", "2026-12-07", "2026-12-28", "2027-01-19", "2027-02-09"]
    assert dates(plan.events, "rituximab") == day1
    assert dates(plan.events, "prednisone")[:5] == [
        "2026-10-26", "2026-10-27", "2026-10-28", "2026-10-29", "2026-10-30"]
    assert len(dates(plan.events, "prednisone")) == 30


def test_nivolumab_q4w_us_up_to_13_doses():
    plan = make_plan("nivolumab-q4w", "2026-01-05", holidays="US", tz="America/New_York")
    assert dates(plan.events, "nivolumab") == [
        "2026-01-05", "2026-02-02", "2026-03-02", "2026-03-30", "2026-04-27", "2026-05-26",
        "2026-06-23", "2026-07-21", "2026-08-18", "2026-09-15", "2026-10-13", "2026-11-10",
        "2026-12-08"]


def test_fast_forward_cn_across_national_day():
    plan = make_plan("fast-forward", "2026-09-28", holidays="CN", tz="Asia/Shanghai")
    rt = [e for e in plan.events if e.component == "rt"]
    assert [e.date.isoformat() for e in rt] == [
        "2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09"]
    assert rt[-1].cumulative_gy == "26.0"
    assert dates(plan.events, "follow-up") == ["2026-11-20"]


def test_cisplatin_rt_head_neck_us_across_memorial_day_juneteenth_and_july_4():
    # JCOG1008 (corrected after the clinical read): 66 Gy in 33 fractions, 6 weekly doses
    plan = make_plan("cisplatin-rt-head-neck", "2026-05-18", holidays="US",
                     tz="America/New_York")
    assert dates(plan.events, "cisplatin") == [
        "2026-05-18", "2026-05-26", "2026-06-02", "2026-06-09", "2026-06-16", "2026-06-23"]
    rt = dates(plan.events, "rt")
    assert len(rt) == 33 and "2026-06-19" not in rt and "2026-07-03" not in rt
    assert rt[-3:] == ["2026-07-01", "2026-07-02", "2026-07-06"]
    assert [e for e in plan.events if e.component == "rt"][-1].cumulative_gy == "66"


def test_templates_search_and_show():
    runner = CliRunner()
    result = runner.invoke(cli, ["templates", "--search", "rectal"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == ["capecitabine-rt-rectal"]
    result = runner.invoke(cli, ["templates", "--search", "fluorouracil 46"])
    assert [line.split()[0] for line in result.output.splitlines()] == ["folfirinox", "mfolfox6"]
    result = runner.invoke(cli, ["templates", "--search", "no such regimen"])
    assert result.exit_code == 2
    assert "no shipped template matches 'no such regimen'" in result.output
    result = runner.invoke(cli, ["template", "show", "mfolfox6"])
    assert result.exit_code == 0
    out = result.output
    for text in ("Parameters (--set NAME=N):", "  cycles = 12 (1–24)",
                 "    fluorouracil-infusion: Fluorouracil 46-hour infusion (5FU46)",
                 "    pump-disconnect: Pump disconnection (PUMP) – when the Fluorouracil "
                 "46-hour infusion ends",
                 "  labs: Blood tests (LAB) – 1 day before day 1 of each cycle of 'mfolfox6'",
                 "rescheduling: carry forward"):
        assert text in out, text
    result = runner.invoke(cli, ["template", "show", "pembrolizumab-q6w"])
    assert "up to <doses> cycles or 2 years, whichever comes first" in result.output
    assert "rescheduling: original grid" in result.output
    assert "every 9 weeks from week 9, none after the last event of " \
           "'pembrolizumab'; window −7/+7 days" in result.output
    result = runner.invoke(cli, ["template", "show", "nope"])
    assert result.exit_code == 2


def test_readme_search_and_show_examples_are_real():
    root = Path(__file__).resolve().parent.parent
    readme = "\n".join(p.read_text() for p in [root / "README.md", *sorted((root / "docs").glob("*.md"))])
    runner = CliRunner()
    for command in ("templates --search rectal", "template show mfolfox6"):
        block = readme.split(f"$ scheduler {command}\n", 1)[1].split("```", 1)[0]
        assert runner.invoke(cli, command.split()).output == block
