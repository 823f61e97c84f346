"""A plan's calendar settings: reminders and language, stored with the plan (issue 21)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import cli
from scheduler.core.errors import InputError
from scheduler.export.ics import to_ics
from scheduler.export.reminders import Reminder, parse_reminders, reminders_text, said

from .conftest import make_plan
from .test_calendar_visits import feed_body, span

STAMP = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def run(db: str, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", db])


def test_reminders_are_read_written_and_said():
    parsed = parse_reminders("evening@18:00, 1h")
    assert parsed == (Reminder(evening=time(18)), Reminder(minutes=60))
    assert reminders_text(parsed) == "evening@18:00,1h"
    assert reminders_text(parse_reminders("90m,2d")) == "90m,2d"
    assert said(parsed) == "the evening before at 18:00, 1 hour before"
    assert said(parsed, "zh") == "前一天 18:00、提前 1 小时"
    assert parse_reminders("none") == ()
    new_york = ZoneInfo("America/New_York")  # the night the clocks go forward: 13 hours apart
    start = datetime(2026, 3, 8, 8, 0, tzinfo=new_york)
    assert Reminder(evening=time(18)).trigger(start) == timedelta(hours=13)
    assert Reminder(evening=time(18)).trigger(date(2026, 3, 9)) == timedelta(hours=6)
    assert Reminder(minutes=60).trigger(date(2026, 3, 9)) is None


@pytest.mark.parametrize(("text", "message"), [
    ("tomorrow", "reminders: 'tomorrow' is not a reminder; write 'evening@18:00'"),
    ("evening@25:00", "reminders: 'evening@25:00' is not a reminder"),
    ("0m", "reminders: '0m' is not between 1 minute and 7 days before"),
    ("1h,1h", "reminders: the same reminder twice"),
    ("1h,2h,3h,4h", "reminders: at most 3 reminders a visit"),
])
def test_a_reminder_that_is_not_one_is_refused_in_words(text, message):
    with pytest.raises(InputError) as refused:
        parse_reminders(text)
    assert str(refused.value).startswith(message)  # the field by its path; each shell words it


def test_a_visit_has_one_alarm_set_and_a_blood_test_the_evening_before():
    plan = make_plan("mfolfox6", "2026-01-05", holidays="none", tz="Europe/London")
    entries = Calendar.from_ical(to_ics(plan, stamp=STAMP, reminders=parse_reminders(
        "evening@19:30,30m"))).walk("VEVENT")
    triggers = {str(v["SUMMARY"]): [a.decoded("TRIGGER") for a in v.walk("VALARM")] for v in entries}
    assert triggers["Chemotherapy: oxaliplatin, leucovorin, fluorouracil bolus"] == [
        -timedelta(hours=13, minutes=30), -timedelta(minutes=30)]
    assert triggers["Fluorouracil 46-hour infusion – cycle 1, day 1"] == []
    assert triggers["Blood tests – before cycle 2"] == [-timedelta(hours=4, minutes=30)]


def test_patient_add_stores_reminders_and_language_which_the_feed_uses(db):
    refused = run(db, "patient", "add", "P1", "nct06478355", "--start", "2026-03-02",
                  "--reminders", "soon")
    assert refused.exit_code == 2 and "--reminders: 'soon' is not a reminder" in refused.output
    added = run(db, "patient", "add", "P1", "nct06478355", "--start", "2026-03-02",
                "--reminders", "evening@20:00", "--lang", "zh", "--now", "2026-03-01T00:00:00Z")
    assert added.exit_code == 0, added.output
    url = run(db, "feed", "create", "P1", "--base-url", "https://c.example.org",
              "--now", "2026-03-01T00:00:00Z").output.strip().splitlines()[-1]
    body = feed_body(db, url.rsplit("/", 1)[1].removesuffix(".ics"))
    (day1,) = [v for v in Calendar.from_ical(body).walk("VEVENT")
               if span(v)[0].date() == date(2026, 3, 2)]
    assert [a.decoded("TRIGGER") for a in day1.walk("VALARM")] == [-timedelta(hours=12, minutes=30)]
    assert str(day1["SUMMARY"]) == "治疗"


def test_the_registration_form_takes_language_and_reminders(tmp_path):
    from scheduler.registry import opened
    from scheduler.services.patients import calendar_settings

    from .test_web import Web

    web = Web(str(tmp_path / "r.sqlite3"), tmp_path)
    web.login()
    form = web.client.get("/patients/new").text
    assert '<option value="zh">中文 Chinese</option>' in form
    assert 'name="reminders" value="evening@18:00,1h"' in form
    fields = {"key": "P2", "template": "nct06478355", "start": "2026-03-02", "action": "save"}
    refused = web.post("/patients/new", {**fields, "reminders": "later"})
    assert refused.status_code == 400
    assert "Reminders before each visit: &#39;later&#39; is not a reminder" in refused.text
    saved = web.post("/patients/new", {**fields, "lang": "en+zh", "reminders": "2h, evening@18:00"})
    assert saved.status_code == 303, saved.text
    with opened(web.db) as registry:
        settings = calendar_settings(registry.plan("P2"))
    assert (settings.lang, settings.reminders) == ("en+zh", "2h,evening@18:00")
