"""The patient's calendar: one entry per clinic visit, no false busy blocks (issue 21).

Files are read back with icalendar (an independent parser) and, for re-issue and the feed,
made through the CLI and the registry as a coordinator would.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import cli
from scheduler.export.ics import to_ics

from .conftest import make_plan

STAMP = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
TEMPLATES = sorted(p.stem for p in (Path(__file__).parent.parent / "templates").glob("*.yaml"))
LONDON = ZoneInfo("Europe/London")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def vevents(data: bytes) -> list:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def span(vevent) -> tuple[datetime, datetime]:
    """Start and end as aware datetimes (an all-day entry: its dates at midnight UTC)."""
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    if not isinstance(start, datetime):
        start = datetime.combine(start, time(), UTC)
        end = datetime.combine(end, time(), UTC)
    return start, end


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("discreet", [False, True], ids=["detail", "discreet"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_has_no_duplicate_and_no_overlapping_busy_entry(template, discreet):
    plan = make_plan(template, "2026-03-02", holidays="none", tz="Europe/London")
    entries = vevents(to_ics(plan, stamp=STAMP, discreet=discreet))
    assert entries
    seen = [(span(v), str(v["SUMMARY"])) for v in entries]
    assert len(seen) == len(set(seen)), "two entries with the same start, end and title"
    busy = sorted(span(v) for v in entries if str(v["TRANSP"]) == "OPAQUE")
    for (_, end), (start, _) in itertools.pairwise(busy):
        assert start >= end, f"busy entries overlap at {start}"
    # Every event of the plan is in the calendar: as an entry, or as a line of its visit.
    per_event = vevents(to_ics(plan, stamp=STAMP, per_event=True))
    assert len(per_event) == len(plan.events) >= len(entries)


def test_mfolfox6_day_1_is_one_visit_and_the_pump_runs_free_until_day_3():
    plan = make_plan("mfolfox6", "2026-01-05", holidays="none", tz="Europe/London")
    entries = vevents(to_ics(plan, stamp=STAMP))
    first_days = [v for v in entries if span(v)[0].date() <= date(2026, 1, 7)]
    busy = [v for v in first_days if str(v["TRANSP"]) == "OPAQUE"]
    assert [(span(v), str(v["SUMMARY"])) for v in busy] == [
        ((datetime(2026, 1, 5, 9, tzinfo=LONDON), datetime(2026, 1, 5, 11, 15, tzinfo=LONDON)),
         "Chemotherapy: oxaliplatin, leucovorin, fluorouracil bolus"),
        ((datetime(2026, 1, 7, 9, 15, tzinfo=LONDON), datetime(2026, 1, 7, 9, 30, tzinfo=LONDON)),
         "Pump disconnection – cycle 1"),
    ]
    description = str(busy[0]["DESCRIPTION"]).splitlines()
    assert description[:4] == [
        "09:00–11:00 Oxaliplatin: oxaliplatin 85 mg/m², intravenous over 2 hours",
        "09:00–11:00 Leucovorin: leucovorin (folinic acid) 400 mg/m², intravenous over 2 hours,"
        " with oxaliplatin",
        "11:00–11:15 Fluorouracil bolus: fluorouracil 400 mg/m², intravenous bolus",
        "11:15 Fluorouracil 46-hour infusion: fluorouracil 2400 mg/m², continuous intravenous "
        "infusion over 46 hours by portable pump (runs on at home until Wed 2026-01-07 09:15)",
    ]
    (pump,) = [v for v in first_days if str(v["TRANSP"]) == "TRANSPARENT"]
    assert span(pump) == (datetime(2026, 1, 5, 11, 15, tzinfo=LONDON),
                          datetime(2026, 1, 7, 9, 15, tzinfo=LONDON))
    assert "VALARM" not in [c.name for c in pump.subcomponents]
    discreet = vevents(to_ics(plan, stamp=STAMP, discreet=True))
    assert [str(v["SUMMARY"]) for v in discreet[:3]] == [
        "Treatment visit", "Treatment at home", "Hospital appointment"]


def test_the_seed_protocols_day_1_is_one_visit():
    plan = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai")
    day1 = [v for v in vevents(to_ics(plan, stamp=STAMP)) if span(v)[0].date() == date(2026, 1, 5)]
    assert len(day1) == 1
    assert span(day1[0]) == (datetime(2026, 1, 5, 8, 30, tzinfo=SHANGHAI),
                             datetime(2026, 1, 5, 13, 30, tzinfo=SHANGHAI))
    assert str(day1[0]["SUMMARY"]) == (
        "Immunotherapy + Chemotherapy: PD-1 inhibitor, albumin-bound paclitaxel, cisplatin")
    assert str(day1[0]["DESCRIPTION"]).splitlines()[:4] == [
        "08:30–09:30 PD-1 inhibitor: PD-1/PD-L1 inhibitor, intravenous",
        "09:30–10:30 Albumin-bound paclitaxel: albumin-bound paclitaxel 110–130 mg/m², intravenous",
        "10:30–13:30 Cisplatin: cisplatin 60–75 mg/m², intravenous with hydration",
        "Cycle 1, day 1 (21-day cycles).",
    ]
    # One alarm set for the visit, not one per drug: the evening before at 18:00, 1 hour before.
    assert [a.decoded("TRIGGER") for a in day1[0].walk("VALARM")] == [
        -timedelta(hours=14, minutes=30), -timedelta(hours=1)]


def test_per_event_keeps_one_event_per_drug(tmp_path):
    invoke("generate", "nct06478355", "--start", "2026-01-05", "--holidays", "CN", "--tz",
           "Asia/Shanghai", "--now", "2026-01-01T08:00:00Z", "-o", str(tmp_path / "v"))
    invoke("generate", "nct06478355", "--start", "2026-01-05", "--holidays", "CN", "--tz",
           "Asia/Shanghai", "--now", "2026-01-01T08:00:00Z", "--per-event", "-o",
           str(tmp_path / "e"))
    (visits,), (each,) = (tmp_path / "v").glob("*.ics"), (tmp_path / "e").glob("*.ics")

    def day1(path: Path) -> list[str]:
        return [str(v["SUMMARY"]) for v in vevents(path.read_bytes())
                if span(v)[0].date() == date(2026, 1, 5)]

    assert day1(visits) == [
        "Immunotherapy + Chemotherapy: PD-1 inhibitor, albumin-bound paclitaxel, cisplatin"]
    assert day1(each) == ["PD-1 inhibitor – cycle 1, day 1", "Albumin-bound paclitaxel – cycle 1, day 1",
                          "Cisplatin – cycle 1, day 1"]


def test_daily_medication_is_one_free_all_day_entry_per_run():
    plan = make_plan("stupp", "2026-03-02", holidays="GB-ENG", tz="Europe/London")
    daily = [e for e in plan.events if e.kind == "daily"]
    entries = [v for v in vevents(to_ics(plan, stamp=STAMP)) if str(v["TRANSP"]) == "TRANSPARENT"
               and not isinstance(v.decoded("DTSTART"), datetime)]
    spans = [(v.decoded("DTSTART"), v.decoded("DTEND")) for v in entries
             if str(v["SUMMARY"]).startswith("Temozolomide (with radiotherapy)")]
    covered = [s + timedelta(days=n) for s, e in spans for n in range((e - s).days)]
    assert sorted(covered) == [e.date for e in daily if e.component == daily[0].component]
    assert len(spans) < len(daily) / 5  # runs, not a row of daily entries
    assert all("VALARM" not in [c.name for c in v.subcomponents] for v in entries
               if str(v["SUMMARY"]).startswith("Temozolomide (with radiotherapy)"))


def _issued(folder: Path) -> dict[str, object]:
    (path,) = folder.glob("*.ics")
    return {str(v["UID"]): v for v in vevents(path.read_bytes())}


def test_reissue_keeps_a_visits_uid_when_a_drug_stops_and_moves_it_with_a_delay(tmp_path):
    db = str(tmp_path / "r.sqlite3")
    invoke("patient", "add", "P1", "nct06478355", "--start", "2026-03-02", "--db", db,
           "--now", "2026-03-01T00:00:00Z")
    invoke("issue", "P1", "-o", str(tmp_path / "v1"), "--db", db, "--now", "2026-03-01T00:00:00Z")
    v1 = _issued(tmp_path / "v1")
    invoke("stop", "P1", "--component", "cisplatin", "--from", "2026-03-20", "--reason", "toxicity",
           "--db", db, "--now", "2026-03-10T00:00:00Z")
    invoke("issue", "P1", "-o", str(tmp_path / "v2"), "--db", db, "--now", "2026-03-10T00:00:00Z")
    v2 = _issued(tmp_path / "v2")
    assert set(v2) == set(v1)  # no entry cancelled or added: the visits stay, one drug fewer
    cycle2 = next(u for u, v in v1.items() if span(v)[0].date() == date(2026, 3, 23))
    assert "cisplatin" in str(v1[cycle2]["SUMMARY"])
    assert str(v2[cycle2]["SUMMARY"]) == (
        "Immunotherapy + Chemotherapy: PD-1 inhibitor, albumin-bound paclitaxel")
    assert (v1[cycle2]["SEQUENCE"], v2[cycle2]["SEQUENCE"]) == (0, 1)
    assert span(v2[cycle2])[1] == datetime(2026, 3, 23, 10, 30, tzinfo=SHANGHAI)
    untouched = next(u for u, v in v1.items() if span(v)[0].date() == date(2026, 3, 2))
    assert v2[untouched]["SEQUENCE"] == 0 and v2[untouched].to_ical() == v1[untouched].to_ical()
    invoke("delay", "P1", "--cycle", "2", "--days", "7", "--reason", "neutropenia", "--db", db,
           "--now", "2026-03-11T00:00:00Z")
    invoke("issue", "P1", "-o", str(tmp_path / "v3"), "--db", db, "--now", "2026-03-11T00:00:00Z")
    v3 = _issued(tmp_path / "v3")
    assert span(v3[cycle2])[0] == datetime(2026, 3, 30, 8, 30, tzinfo=SHANGHAI)
    assert v3[cycle2]["SEQUENCE"] == 2 and str(v3[cycle2]["STATUS"]) == "CONFIRMED"
    # Only the continuation dose the 12-month horizon now cuts off is cancelled.
    cancelled = [span(v)[0].date() for v in v3.values() if str(v["STATUS"]) == "CANCELLED"]
    assert cancelled == [date(2027, 2, 24)]


def feed_body(db: str, token: str) -> bytes:
    from scheduler.registry import opened
    from scheduler.services import feed

    with opened(db) as registry:
        found = feed.lookup(registry.feed_state, token)
        assert found is not None
        return feed.document(registry, found).body


def test_the_feed_has_visits_and_cancels_the_ones_a_stop_removes(db):
    invoke("patient", "add", "P1", "nct06478355", "--start", "2026-03-02", "--db", db,
           "--now", "2026-03-01T00:00:00Z")
    url = invoke("feed", "create", "P1", "--base-url", "https://c.example.org", "--db", db,
                 "--now", "2026-03-01T00:00:00Z").strip().splitlines()[-1]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    before = {str(v["UID"]): v for v in vevents(feed_body(db, token))}
    day1 = [v for v in before.values() if span(v)[0].date() == date(2026, 3, 2)]
    assert [str(v["SUMMARY"]) for v in day1] == ["Treatment visit"]
    invoke("stop", "P1", "--component", "immunochemo", "--from", "2026-04-01", "--reason", "x",
           "--db", db, "--now", "2026-03-10T00:00:00Z")
    after = {str(v["UID"]): v for v in vevents(feed_body(db, token))}
    assert set(after) == set(before)  # a visit the plan lost stays, cancelled
    gone = {u for u, v in after.items() if str(v["STATUS"]) == "CANCELLED"}
    assert gone and all(span(before[u])[0].date() >= date(2026, 4, 1) for u in gone)
    assert all(after[u]["SEQUENCE"] == 1 and str(after[u]["SUMMARY"]) == "Cancelled: Treatment visit"
               for u in gone)
    kept = set(after) - gone
    assert all(after[u].to_ical() == before[u].to_ical() for u in kept
               if span(before[u])[0].date() < date(2026, 3, 10))
