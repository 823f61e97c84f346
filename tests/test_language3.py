"""Template language 3 (issue 22): each construct's worked example (tests/data/language3/,
quoted in docs/template-language-3.md), checked to the day in the plan, the .ics, the PDF and
the FHIR PlanDefinition. The misuse files are listed in tests/language3_bad.py.

Expected dates are worked out by hand from the calendars: CN 2026, the Spring Festival closes
15-23 February (23 February is a day off in exchange for Saturday 28 February, and Saturdays
14 and 28 February are working days); US 2026, Veterans Day Wednesday 11 November,
Thanksgiving Thursday 26 November, daylight saving ends Sunday 1 November.
"""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, timedelta

import icalendar
import pypdf
import pytest

from scheduler.core.loader import load_template_file
from scheduler.export import fhir
from scheduler.export.ics import to_ics
from scheduler.export.pdf import to_pdf

from .conftest import DATA, dates, make_plan

L3 = DATA / "language3"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
DOCS = DATA.parent.parent / "docs" / "template-language-3.md"


def days(first: str, last: str) -> list[str]:
    """Every ISO date from ``first`` to ``last``."""
    one, two = date.fromisoformat(first), date.fromisoformat(last)
    return [(one + timedelta(days=n)).isoformat() for n in range((two - one).days + 1)]


def ics_dates(data: bytes, code: str) -> list[str]:
    """The dates of the .ics events whose summary starts with a component's name."""
    calendar = icalendar.Calendar.from_ical(data)
    found = []
    for event in calendar.walk("VEVENT"):
        if str(event["SUMMARY"]).startswith(code):
            start = event.decoded("DTSTART")
            found.append((start.date() if isinstance(start, datetime) else start).isoformat())
    return sorted(found)


def fhir_actions(path: str) -> dict[str, dict[str, object]]:
    """The PlanDefinition's actions (and their children) by id, validated as FHIR R4B."""
    template = load_template_file(L3 / path)
    bundle = fhir.validated(fhir.plan_definition_bundle(template, "test"))
    found: dict[str, dict[str, object]] = {}

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if value.get("resourceType") == "PlanDefinition":
                stack = list(value.get("action", []))
                while stack:
                    action = stack.pop()
                    found[action["id"]] = action
                    stack.extend(action.get("action", []))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(bundle)
    return found


@pytest.mark.parametrize("name", sorted(p.name for p in L3.glob("*.yaml")))
def test_every_worked_example_is_quoted_in_the_reference(name):
    text = (L3 / name).read_text()
    body = text.split("\n", 1)[1]  # the first line is a comment naming the construct
    assert body in DOCS.read_text()


# --- 1. events before day 1 -----------------------------------------------------------------

def test_before_day1_cn_spring_festival():
    plan = make_plan(str(L3 / "before_day1.yaml"), "2026-02-24", holidays="CN", tz="Asia/Shanghai")
    assert dates(plan.events, "screening") == ["2026-02-10"]  # day -13
    (screening,) = [e for e in plan.events if e.component == "screening"]
    assert (screening.plan_day, screening.window_start, screening.window_end) == (
        -13, date(2026, 2, 7), date(2026, 2, 13))
    assert dates(plan.events, "folic-acid") == days("2026-02-17", "2026-03-17")
    # twice a day on day 0, 1 and 2; day 0 of cycle 1 is a day off in exchange, kept
    assert dates(plan.events, "dexamethasone") == [
        "2026-02-23", "2026-02-23", "2026-02-24", "2026-02-24", "2026-02-25", "2026-02-25",
        "2026-03-16", "2026-03-16", "2026-03-17", "2026-03-17", "2026-03-18", "2026-03-18"]
    dex0 = next(e for e in plan.events if e.component == "dexamethasone")
    assert (dex0.title, dex0.plan_day, dex0.day) == ("Dexamethasone – cycle 1, day 0, 08:00", 0, 0)
    assert dex0.start == datetime(2026, 2, 23, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert dates(plan.events, "docetaxel") == ["2026-02-24", "2026-03-17"]
    assert plan.start == date(2026, 2, 24) and plan.first_date == date(2026, 2, 10)
    assert ("The plan begins before day 1: Screening visit on 2026-02-10, 14 days before day 1 "
            "(2026-02-24).") in plan.notes


def test_before_day1_us_veterans_day_moves_the_screening_thanksgiving_keeps_dexamethasone():
    plan = make_plan(str(L3 / "before_day1.yaml"), "2026-11-25", holidays="US",
                     tz="America/New_York")
    (screening,) = [e for e in plan.events if e.component == "screening"]
    assert (screening.date, screening.moved_from, screening.reason) == (
        date(2026, 11, 12), date(2026, 11, 11), "Veterans Day")
    assert dates(plan.events, "folic-acid") == days("2026-11-18", "2026-12-16")
    assert dates(plan.events, "dexamethasone")[::2] == [
        "2026-11-24", "2026-11-25", "2026-11-26", "2026-12-15", "2026-12-16", "2026-12-17"]
    thanksgiving = [e for e in plan.events if e.component == "dexamethasone"][4]
    assert thanksgiving.note == ("On a non-working day (Thanksgiving Day), kept as the template "
                                 "says.")
    assert thanksgiving.start == datetime(2026, 11, 26, 13, 0, tzinfo=UTC)  # 08:00 EST


def test_before_day1_in_the_ics_pdf_and_fhir():
    plan = make_plan(str(L3 / "before_day1.yaml"), "2026-02-24", holidays="CN", tz="Asia/Shanghai")
    data = to_ics(plan, stamp=NOW)
    assert ics_dates(data, "Screening")[0] == "2026-02-10"
    assert ics_dates(data, "Dexamethasone – cycle 1, day 0")[0] == "2026-02-23"
    pages = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=NOW))).pages
    texts = [page.extract_text() for page in pages]
    february = next(t for t in texts if t.startswith("February 2026"))
    assert "SCR Screening visit" in february and "C1D0" in february
    actions = fhir_actions("before_day1.yaml")
    assert actions["screening"]["timingRange"] == {
        "low": {"value": -17, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"},
        "high": {"value": -11, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}}
    assert actions["folic-acid"]["timingDuration"] == {
        "value": -7, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
    assert "day -6 (7 days before day 1)" in str(actions["folic-acid"]["description"])
    assert actions["dexamethasone-day0"]["relatedAction"] == [{
        "actionId": "chemo", "relationship": "before-start",
        "offsetDuration": {"value": 1, "unit": "days", "system": "http://unitsofmeasure.org",
                           "code": "d"}}]


# --- 2. blocks of consecutive days, and collisions ----------------------------------------

def test_blocks_cn_spring_festival():
    plan = make_plan(str(L3 / "blocks.yaml"), "2026-02-12", holidays="CN", tz="Asia/Shanghai")
    # working days: Saturday 14 February is one, then nothing until Tuesday 24 February
    assert dates(plan.events, "etoposide") == [
        "2026-02-12", "2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25",
        "2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10", "2026-03-11"]
    assert dates(plan.events, "ifosfamide") == days("2026-02-12", "2026-02-16") + days(
        "2026-03-05", "2026-03-09")
    assert dates(plan.events, "bleomycin") == [
        "2026-02-12", "2026-02-24", "2026-02-26", "2026-03-05", "2026-03-12", "2026-03-19"]
    eto = [e for e in plan.events if e.component == "etoposide"]
    assert (eto[3].moved_from, eto[3].reason) == (date(2026, 2, 15), "Sunday")
    assert (eto[4].moved_from, eto[4].reason) == (date(2026, 2, 16), "Chinese New Year's Eve")
    assert (eto[9].moved_from, eto[9].reason) == (
        date(2026, 3, 9), "the block moved past 2026-03-08 (Sunday)")
    ifo = [e for e in plan.events if e.component == "ifosfamide"]
    assert ifo[3].note == "On a non-working day (Sunday), kept as the template says."
    assert all(e.moved_from is None for e in ifo)


def test_blocks_us_thanksgiving():
    plan = make_plan(str(L3 / "blocks.yaml"), "2026-11-23", holidays="US", tz="America/New_York")
    assert dates(plan.events, "etoposide") == [
        "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27", "2026-11-30",
        "2026-12-14", "2026-12-15", "2026-12-16", "2026-12-17", "2026-12-18"]
    assert dates(plan.events, "ifosfamide") == days("2026-11-23", "2026-11-27") + days(
        "2026-12-14", "2026-12-18")
    assert dates(plan.events, "bleomycin") == [
        "2026-11-23", "2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"]


def test_a_dose_pushed_onto_the_next_dose_of_the_same_drug_moves_the_later_one():
    # BEP from Monday 9 February (CN): bleomycin day 8 (16 February) waits until 24 February,
    # which is also where day 15 (23 February, a day off) would go: day 15 moves on a day.
    plan = make_plan("bep", "2026-02-09", holidays="CN", tz="Asia/Shanghai")
    blm = [e for e in plan.events if e.component == "bleomycin" and e.cycle == 1]
    assert [e.date.isoformat() for e in blm] == ["2026-02-09", "2026-02-24", "2026-02-25"]
    assert blm[2].moved_from == date(2026, 2, 23)
    assert blm[2].note == "Moved to the next working day: 2026-02-24 already holds cycle 1 day 8."


def test_a_cycle_waits_for_the_last_dose_of_the_one_before():
    # BEP from Monday 2 February (CN): bleomycin day 15 (16 February) waits until 24 February,
    # past cycle 2's planned day 1 (23 February, a day off): cycle 2 starts the day after.
    plan = make_plan("bep", "2026-02-02", holidays="CN", tz="Asia/Shanghai")
    assert dates(plan.events, "bleomycin") == [
        "2026-02-02", "2026-02-09", "2026-02-24", "2026-02-25", "2026-03-04", "2026-03-11",
        "2026-03-18", "2026-03-25", "2026-04-01"]
    assert dates(plan.events, "cisplatin", cycle=2) == [
        "2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28", "2026-03-02"]
    assert ("BEP (21-day cycles): cycle 2 starts on 2026-02-25, the working day after cycle 1's "
            "last dose (2026-02-24), which closed days had moved onto or past its planned day 1 "
            "(2026-02-23).") in plan.notes


def test_blocks_in_the_ics_pdf_and_fhir():
    plan = make_plan(str(L3 / "blocks.yaml"), "2026-02-12", holidays="CN", tz="Asia/Shanghai")
    data = to_ics(plan, stamp=NOW)
    assert ics_dates(data, "Etoposide")[:5] == [
        "2026-02-12", "2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25"]
    calendar = icalendar.Calendar.from_ical(data)
    moved = next(e for e in calendar.walk("VEVENT")
                 if str(e["SUMMARY"]) == "Etoposide – cycle 1, day 4")
    assert "2026-02-15" in str(moved["DESCRIPTION"])
    pages = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=NOW))).pages
    february = next(p.extract_text() for p in pages if p.extract_text().startswith("February 2026"))
    assert february.count("ETO") >= 5
    actions = fhir_actions("blocks.yaml")
    assert "on consecutive working days" in str(actions["etoposide-day4"]["description"])
    assert "whatever the day" in str(actions["ifosfamide-day4"]["description"])


# --- 6. how far "the working day before" may move a visit ----------------------------------

def test_previous_limit_cn_spring_festival():
    plan = make_plan(str(L3 / "previous_limit.yaml"), "2026-02-09", holidays="CN",
                     tz="Asia/Shanghai")
    assert dates(plan.events, "oxaliplatin") == ["2026-02-09", "2026-02-24", "2026-03-10"]
    # the working day before 23 February is Saturday 14 February, 9 days earlier
    assert dates(plan.events, "labs") == ["2026-02-24", "2026-03-09"]
    assert dates(plan.events, "pharmacy") == ["2026-02-14", "2026-03-09"]
    labs = next(e for e in plan.events if e.component == "labs")
    assert (labs.moved_from, labs.note) == (date(2026, 2, 23), (
        "The working day before is 2026-02-14, more than 3 days before the planned "
        "2026-02-23: on the morning of day 1 instead, before treatment."))


def test_previous_limit_us_a_long_weekend_is_within_it():
    plan = make_plan(str(L3 / "previous_limit.yaml"), "2026-01-05", holidays="US",
                     tz="America/New_York")
    # cycle 2 moves from Martin Luther King Jr. Day to Tuesday 20 January; the day before,
    # the holiday, goes back to Friday 16 January: 3 days, within the limit
    assert dates(plan.events, "oxaliplatin") == ["2026-01-05", "2026-01-20", "2026-02-03"]
    assert dates(plan.events, "labs") == ["2026-01-16", "2026-02-02"]
    assert dates(plan.events, "pharmacy") == ["2026-01-16", "2026-02-02"]


def test_previous_limit_in_the_ics_and_fhir():
    plan = make_plan(str(L3 / "previous_limit.yaml"), "2026-02-09", holidays="CN",
                     tz="Asia/Shanghai")
    assert ics_dates(to_ics(plan, stamp=NOW), "Blood tests") == ["2026-02-24", "2026-03-09"]
    actions = fhir_actions("previous_limit.yaml")
    assert ("moves to the previous working day, at most 3 days earlier (further: the morning of "
            "day 1)") in str(actions["labs"]["description"])
    assert "at most 10 days earlier" in str(actions["pharmacy"]["description"])


# --- 4. anchors on a component's first or last actual event; repeats while on it ----------

def test_first_and_last_event_anchors_cn_spring_festival():
    plan = make_plan(str(L3 / "first_last.yaml"), "2026-02-02", holidays="CN", tz="Asia/Shanghai")
    assert dates(plan.events, "rt") == days("2026-02-02", "2026-02-06")
    # 14 days after the last fraction is 20 February, a day off: the first dose is on the 24th
    assert dates(plan.events, "durvalumab") == [
        "2026-02-24", "2026-03-10", "2026-03-24", "2026-04-07"]
    # 21 days after the first actual dose, then every 3 weeks; the second falls on the last
    # dose and none comes after it
    assert dates(plan.events, "ct-scan") == ["2026-03-17", "2026-04-07"]
    assert dates(plan.events, "end-of-treatment") == ["2026-05-07"]  # last dose + 30 days


def test_first_and_last_event_anchors_us_thanksgiving():
    plan = make_plan(str(L3 / "first_last.yaml"), "2026-11-23", holidays="US",
                     tz="America/New_York")
    assert dates(plan.events, "rt") == [
        "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27", "2026-11-30"]
    assert dates(plan.events, "durvalumab") == [
        "2026-12-14", "2026-12-28", "2027-01-11", "2027-01-25"]
    assert dates(plan.events, "ct-scan") == ["2027-01-04", "2027-01-25"]
    (eot,) = [e for e in plan.events if e.component == "end-of-treatment"]
    assert (eot.date, eot.window_start, eot.window_end) == (
        date(2027, 2, 24), date(2027, 2, 17), date(2027, 3, 3))


def test_first_event_anchor_in_the_ics_and_fhir():
    plan = make_plan(str(L3 / "first_last.yaml"), "2026-02-02", holidays="CN", tz="Asia/Shanghai")
    assert ics_dates(to_ics(plan, stamp=NOW), "CT scan") == ["2026-03-17", "2026-04-07"]
    actions = fhir_actions("first_last.yaml")
    assert actions["ct-scan"]["relatedAction"][-1] == {
        "actionId": "antibody", "relationship": "after-start",
        "offsetRange": {
            "low": {"value": 14, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"},
            "high": {"value": 28, "unit": "days", "system": "http://unitsofmeasure.org",
                     "code": "d"}}}
    assert "21 days after the first event of durvalumab" in str(actions["ct-scan"]["description"])
    assert ("with the last visit on or before the last event of durvalumab"
            in str(actions["ct-scan"]["description"]))


# --- 3. hours after the start of a dose; every-N-hours series in elapsed time -------------

def local_times(plan, component: str, cycle: int = 1) -> list[str]:
    return [e.start.isoformat() for e in plan.events
            if e.component == component and e.cycle == cycle and e.start is not None]


def test_hours_us_across_the_end_of_daylight_saving():
    plan = make_plan(str(L3 / "hours.yaml"), "2026-10-30", holidays="US", tz="America/New_York")
    # clocks go back at 02:00 on Sunday 1 November: 22:00 EDT + 6 h is 03:00 EST
    assert local_times(plan, "leucovorin") == [
        "2026-10-31T10:00:00-04:00", "2026-10-31T16:00:00-04:00", "2026-10-31T22:00:00-04:00",
        "2026-11-01T03:00:00-05:00", "2026-11-01T09:00:00-05:00", "2026-11-01T15:00:00-05:00",
        "2026-11-01T21:00:00-05:00", "2026-11-02T03:00:00-05:00", "2026-11-02T09:00:00-05:00",
        "2026-11-02T15:00:00-05:00"]
    # elapsed time (in UTC: Python subtracts two times of one zone by their wall clocks)
    starts = [e.start.astimezone(UTC) for e in plan.events
              if e.component == "leucovorin" and e.cycle == 1 and e.start is not None]
    assert {b - a for a, b in itertools.pairwise(starts)} == {timedelta(hours=6)}
    assert local_times(plan, "mtx-level") == [
        "2026-10-31T10:00:00-04:00", "2026-11-01T09:00:00-05:00", "2026-11-02T09:00:00-05:00"]
    assert local_times(plan, "leucovorin", cycle=2)[0] == "2026-11-14T10:00:00-05:00"
    level = next(e for e in plan.events if e.component == "mtx-level")
    assert (level.kind, level.title, level.day) == (
        "visit", "Methotrexate level – 1 of 3, cycle 1 (+24 h)", 2)
    assert level.note == ("On a non-working day (Saturday): given whatever the day, 24 hours "
                          "after the start of the dose.")


def test_hours_cn_across_the_spring_festival():
    plan = make_plan(str(L3 / "hours.yaml"), "2026-02-13", holidays="CN", tz="Asia/Shanghai")
    assert dates(plan.events, "methotrexate") == ["2026-02-13", "2026-02-27"]
    assert local_times(plan, "leucovorin") == [
        "2026-02-14T10:00:00+08:00", "2026-02-14T16:00:00+08:00", "2026-02-14T22:00:00+08:00",
        "2026-02-15T04:00:00+08:00", "2026-02-15T10:00:00+08:00", "2026-02-15T16:00:00+08:00",
        "2026-02-15T22:00:00+08:00", "2026-02-16T04:00:00+08:00", "2026-02-16T10:00:00+08:00",
        "2026-02-16T16:00:00+08:00"]
    assert dates(plan.events, "mtx-level") == [
        "2026-02-14", "2026-02-15", "2026-02-16", "2026-02-28", "2026-03-01", "2026-03-02"]


def test_hours_in_the_ics_and_fhir():
    plan = make_plan(str(L3 / "hours.yaml"), "2026-10-30", holidays="US", tz="America/New_York")
    calendar = icalendar.Calendar.from_ical(to_ics(plan, stamp=NOW))
    starts = sorted(e.decoded("DTSTART").astimezone(UTC) for e in calendar.walk("VEVENT")
                    if str(e["SUMMARY"]).startswith("Leucovorin") and "cycle 1" in str(e["SUMMARY"]))
    assert len(starts) == 10
    assert {b - a for a, b in itertools.pairwise(starts)} == {timedelta(hours=6)}
    assert starts[3] == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    actions = fhir_actions("hours.yaml")
    assert actions["leucovorin"]["timingTiming"] == {
        "repeat": {"count": 10, "period": 6, "periodUnit": "h"}}
    assert actions["leucovorin"]["relatedAction"] == [{
        "actionId": "chemo", "relationship": "after-start",
        "offsetDuration": {"value": 24, "unit": "hours", "system": "http://unitsofmeasure.org",
                           "code": "h"}}]
    assert "at 24, 48, 72 hours after the start of each methotrexate dose" in str(
        actions["mtx-level"]["description"])
