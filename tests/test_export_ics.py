"""The .ics export, parsed back with icalendar and checked byte by byte (RFC 5545)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from icalendar import Event as VEvent

from scheduler.export import ics
from scheduler.export.ics import _calendar, _serialize, to_ics

from .conftest import make_plan

STAMP = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def seed():
    plan = make_plan("nct06478355", "2025-12-22", holidays="CN", tz="Asia/Shanghai",
                     patient="Wang Li")
    return plan, to_ics(plan, stamp=STAMP, patient="Wang Li", per_event=True)


def vevents(data: bytes):
    return Calendar.from_ical(data).walk("VEVENT")


def test_round_trip_gives_the_same_events(seed):
    plan, data = seed
    parsed = vevents(data)
    assert len(parsed) == len(plan.events) == 18 + 8 + 4 + 30
    for event, vevent in zip(plan.events, parsed, strict=True):
        assert str(vevent["UID"]) == event.uid
        assert vevent.decoded("DTSTART") == event.start
        assert vevent.decoded("DTEND") == event.end
        assert str(vevent["SUMMARY"]) == event.title
        assert vevent["SEQUENCE"] == 0
        assert vevent.decoded("DTSTAMP") == STAMP


def test_uids_unique_stable_and_anonymous(seed):
    plan, data = seed
    uids = [str(v["UID"]) for v in vevents(data)]
    assert uids == [e.uid for e in plan.events]
    assert len(set(uids)) == len(uids)
    again = to_ics(make_plan("nct06478355", "2025-12-22", holidays="CN", tz="Asia/Shanghai",
                             patient="Wang Li"), stamp=STAMP, patient="Wang Li", per_event=True)
    assert again == data  # byte-identical for the same inputs
    for uid in uids:
        assert "wang" not in uid.lower() and "li" not in uid.lower()
        assert uid.endswith("@scheduler")


def test_calendar_properties(seed):
    data = seed[1]
    calendar = Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["PRODID"]).startswith("-//scheduler//")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "NCT06478355 treatment plan – Wang Li"
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    assert {c.name for c in zone.subcomponents} == {"STANDARD"}


def test_every_tzid_has_a_vtimezone(seed):
    _, data = seed
    text = data.decode()
    used = {line.split("TZID=")[1].split(":")[0] for line in text.split("\r\n") if "TZID=" in line}
    defined = {line[5:] for line in text.split("\r\n") if line.startswith("TZID:")}
    assert used == {"Asia/Shanghai"} == defined


def test_lines_are_crlf_and_folded(seed):
    _, data = seed
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.endswith(b"\r\n")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line


def test_description_carries_dose_cycle_fraction_and_reason(seed):
    plan, data = seed
    by_uid = {str(v["UID"]): v for v in vevents(data)}
    fraction = next(e for e in plan.events if e.fraction == 11)
    text = str(by_uid[fraction.uid]["DESCRIPTION"])
    assert "Fraction 11 of 30: 2.0 Gy, cumulative 22.0 of 60 Gy." in text
    assert "No radiotherapy on 2026-02-16 to 2026-02-23" in text
    assert "Protocol: NCT06478355." in text
    moved = next(e for e in plan.events if e.component == "cisplatin" and e.cycle == 4)
    text = str(by_uid[moved.uid]["DESCRIPTION"])
    assert "cisplatin 60–75 mg/m²" in text
    assert "Cycle 4, day 1 (21-day cycles)." in text
    assert "Moved from 2026-02-23 (Day off (substituted from 2026-02-28))." in text


def test_alarm_status_category_location(seed):
    plan, data = seed
    by_uid = {str(v["UID"]): v for v in vevents(data)}
    infusion = by_uid[plan.events[0].uid]
    (alarm,) = infusion.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(days=-1)
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert str(infusion["STATUS"]) == "CONFIRMED"
    assert str(infusion["LOCATION"]) == "Day-treatment ward"
    assert infusion["CATEGORIES"].cats == ["Immunotherapy"]
    continuation = next(e for e in plan.events if e.open_ended)
    assert str(by_uid[continuation.uid]["STATUS"]) == "TENTATIVE"


def test_all_day_events_use_dates_with_exclusive_end():
    plan = make_plan("stupp", "2026-03-02", holidays="GB-ENG", tz="Europe/London")
    data = to_ics(plan, stamp=STAMP, per_event=True)
    pills = [v for v in vevents(data) if "Temozolomide" in str(v["SUMMARY"])]
    assert len(pills) == 74
    first = pills[0]
    assert b"DTSTART;VALUE=DATE:20260302" in data
    assert first.decoded("DTSTART").isoformat() == "2026-03-02"
    assert first.decoded("DTEND").isoformat() == "2026-03-03"
    assert str(first["TRANSP"]) == "TRANSPARENT"
    # London changes to summer time on 29 Mar 2026: the VTIMEZONE has both blocks.
    (zone,) = Calendar.from_ical(data).walk("VTIMEZONE")
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_discreet_hides_drugs_doses_and_diagnosis(seed):
    plan, _ = seed
    data = to_ics(plan, stamp=STAMP, patient="Wang Li", discreet=True, per_event=True)
    text = data.decode().replace("\r\n ", "")
    for secret in ("paclitaxel", "Cisplatin", "PD-1", "mg/m", "Gy", "Radiotherapy",
                   "oesophag", "NCT06478355", "Wang Li", "Chemotherapy"):
        assert secret.lower() not in text.lower(), secret
    summaries = {str(v["SUMMARY"]) for v in vevents(data)}
    assert summaries == {"Treatment visit", "Hospital appointment"}
    assert len(vevents(data)) == len(plan.events)


def test_utc_plan_has_no_vtimezone():
    plan = make_plan("cross", "2026-11-02", holidays="none", tz="UTC")
    data = to_ics(plan, stamp=STAMP, per_event=True)
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20261102T090000Z" in data


# --- the export's two shortcuts through icalendar give icalendar's own bytes ------------------

@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_serialization_is_icalendar_to_ical_byte_for_byte(text):
    """Lines under 75 octets skip icalendar's folding loop; the bytes stay the same, also
    for multi-byte text, backslashes and lines of exactly 74, 75 or 76 octets."""
    calendar = Calendar()
    event = VEvent()
    event.add("summary", text)
    event.add("description", f"{text}\n{text[::-1]}")
    event.add("uid", "x" * (len(text.encode()) % 80))
    calendar.add_component(event)
    assert _serialize(calendar) == calendar.to_ical()


@pytest.mark.parametrize("discreet", [False, True])
def test_whole_plans_serialize_as_icalendar_does(discreet):
    """Whole calendars (VTIMEZONE with DST observances, TZID and VALUE=DATE parameters,
    alarms, folded descriptions): the export's bytes are ``Calendar.to_ical()``'s."""
    for plan in (make_plan("nct06478355", "2025-12-22", holidays="CN", tz="Asia/Shanghai"),
                 make_plan("stupp", "2026-03-02", holidays="GB-ENG", tz="Europe/London"),
                 make_plan("cross", "2026-10-15", holidays="US", tz="America/New_York")):
        calendar = _calendar(plan, STAMP, "Patient 017", discreet, None)
        assert _serialize(calendar) == calendar.to_ical()


@pytest.mark.parametrize("length", [72, 73, 74, 75, 76, 150])
@pytest.mark.parametrize("char", ["a", "é", "顺", "\\"])
def test_serialization_at_the_fold_boundary(length, char):
    calendar = Calendar()
    calendar.add("x-wr-calname", char * (length - len("X-WR-CALNAME:")))
    assert _serialize(calendar) == calendar.to_ical()


def test_typed_properties_are_what_component_add_writes(monkeypatch):
    """The export sets each property with icalendar's type for it, and recurring values are
    shared and written once; the file is the same as when ``Component.add`` infers every
    type for a new value each time (timed, all-day, alarms, discreet)."""
    plans = [make_plan("stupp", "2026-03-02", holidays="GB-ENG", tz="Europe/London"),
             make_plan("nct06478355", "2025-12-22", holidays="CN", tz="Asia/Shanghai")]
    typed = [to_ics(plan, stamp=STAMP, discreet=d) for plan in plans for d in (False, True)]
    def add(values, component, name, value):
        component.add(name, list(value) if isinstance(value, tuple) else value)

    monkeypatch.setattr(ics._Values, "put", add)
    monkeypatch.setattr(ics._Values, "share", add)  # a new value object for every use, too
    inferred = [to_ics(plan, stamp=STAMP, discreet=d) for plan in plans for d in (False, True)]
    assert typed == inferred
