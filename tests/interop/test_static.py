"""Static checks of the bytes of every produced .ics file (RFC 5545), read with the small
independent reader in rawics.py: line ends, line length, time zones, event times, UIDs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from . import rawics
from .cases import CASE_IDS, Case

pytestmark = pytest.mark.parametrize("case_id", CASE_IDS)


def _instant(line: rawics.Line) -> date | datetime:
    parsed = rawics.value(line)
    if isinstance(parsed, datetime) and parsed.tzinfo is None and "TZID" in line.params:
        return parsed.replace(tzinfo=ZoneInfo(line.params["TZID"])).astimezone(UTC)
    return parsed


def test_crlf_line_endings_only(case_id: str, cases: dict[str, Case]) -> None:
    data = cases[case_id].data
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in data.replace(b"\r\n", b""), "a bare CR"


def test_no_content_line_over_75_octets(case_id: str, cases: dict[str, Case]) -> None:
    long = [line for line in rawics.physical_lines(cases[case_id].data) if len(line) > 75]
    assert not long, long[:3]


def test_every_tzid_used_has_its_vtimezone(case_id: str, cases: dict[str, Case]) -> None:
    calendar = rawics.parse(cases[case_id].data)
    defined = [z.get("TZID").value for z in calendar.walk("VTIMEZONE")]
    used = {line.params["TZID"] for c in calendar.walk("VEVENT") for line in c.lines
            if "TZID" in line.params}
    assert len(defined) == len(set(defined)), f"a VTIMEZONE defined twice: {defined}"
    assert used <= set(defined), f"TZIDs without a VTIMEZONE: {used - set(defined)}"
    assert set(defined) <= used, f"VTIMEZONEs no event uses: {set(defined) - used}"
    timed = any(not e["all_day"] for e in cases[case_id].expected.values())
    assert used == ({cases[case_id].tzid} if timed else set())


def test_dtend_after_dtstart(case_id: str, cases: dict[str, Case]) -> None:
    for vevent in rawics.parse(cases[case_id].data).walk("VEVENT"):
        start, end = _instant(vevent.get("DTSTART")), _instant(vevent.get("DTEND"))
        assert type(start) is type(end), vevent.get("UID").value
        assert end > start, (vevent.get("UID").value, start, end)


def test_all_day_dtend_is_exclusive(case_id: str, cases: dict[str, Case]) -> None:
    """An all-day event on day D ends on D + 1 (DTEND is exclusive), never on D itself; a
    run of daily medication through day L ends on L + 1."""
    spans = 0
    for vevent in rawics.parse(cases[case_id].data).walk("VEVENT"):
        start, end = vevent.get("DTSTART"), vevent.get("DTEND")
        if start.params.get("VALUE") == "DATE" or end.params.get("VALUE") == "DATE":
            assert start.params.get("VALUE") == end.params.get("VALUE") == "DATE"
            expected = cases[case_id].expected[vevent.get("UID").value]
            assert rawics.value(end).isoformat() == expected["end"], start.value
            assert rawics.value(end) > rawics.value(start), start.value
            spans += rawics.value(end) > rawics.value(start) + timedelta(days=1)
    if case_id == "stupp-gb":  # temozolomide daily with radiotherapy: one entry for the run
        assert spans >= 1


def test_uids_unique(case_id: str, cases: dict[str, Case]) -> None:
    uids = [v.get("UID").value for v in rawics.parse(cases[case_id].data).walk("VEVENT")]
    assert len(uids) == len(set(uids)) == len(cases[case_id].expected)


def forbidden_in_uids(case: Case) -> set[str]:
    """The patient label (as written, as slug, and its words) and the registry key.

    Words that are only digits ("017") are left out: a 32-digit hex hash contains a given
    three-digit string by chance about one time in seven.
    """
    found = set()
    if case.patient_label:
        label = case.patient_label.lower()
        found |= {label, re.sub(r"[^a-z0-9]+", "-", label).strip("-"), label.replace(" ", "")}
        found |= {word for word in label.split() if not word.isdigit()}
    if case.patient_key:
        found.add(case.patient_key.lower())
    return found


def test_no_patient_label_or_key_in_any_uid(case_id: str, cases: dict[str, Case]) -> None:
    case = cases[case_id]
    forbidden = forbidden_in_uids(case)
    assert bool(forbidden) == bool(case.patient_label or case.patient_key)
    for vevent in rawics.parse(case.data).walk("VEVENT"):
        uid = vevent.get("UID").value
        assert not [word for word in forbidden if word in uid.lower()], uid
