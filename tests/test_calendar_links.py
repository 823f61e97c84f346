"""The feed's address shown again (sealed with the server's key), links per calendar client,
the printed handout, and which calendar client subscribed (issue 21)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from pypdf import PdfReader

from scheduler.cli import cli
from scheduler.core.errors import InputError
from scheduler.export.links import links
from scheduler.registry import opened
from scheduler.services import clients, feed, sealing

from .test_web import BASE, Web, feed_url

GOOGLE = "Google-Calendar-Importer"
APPLE = "iOS/17.4 (21E219) dataaccessd/1.0"
OUTLOOK = "Microsoft Outlook 16.0.17328; Pro"
THUNDERBIRD = "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.9.0"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"


@pytest.mark.parametrize(("agent", "client"), [
    (GOOGLE, "Google Calendar"), (APPLE, "Apple Calendar"),
    ("CalendarAgent/1000.2 CFNetwork/1494.0.7 Darwin/23.4.0", "Apple Calendar"),
    (OUTLOOK, "Outlook"), (THUNDERBIRD, "Thunderbird"),
    (FIREFOX, None), ("curl/8.5.0", None), ("", None), (None, None),
])
def test_the_calendar_client_is_read_from_the_user_agent(agent, client):
    assert clients.calendar_client(agent) == client


def test_links_for_each_client():
    found = links("https://c.example.org/feed/" + "A" * 32 + ".ics")
    assert found.webcal == "webcal://c.example.org/feed/" + "A" * 32 + ".ics"
    assert found.google == ("https://calendar.google.com/calendar/r?cid=webcal://c.example.org/feed/"
                            + "A" * 32 + ".ics")
    assert found.https == "https://c.example.org/feed/" + "A" * 32 + ".ics"


def test_sealed_tokens_open_with_their_key_only(tmp_path):
    key = sealing.server_key({"SCHEDULER_SECRET": "s1"})
    sealed = sealing.seal(key, "T" * 32)
    assert sealed is not None and "T" * 32 not in sealed
    assert sealing.unseal(key, sealed) == "T" * 32
    assert sealing.unseal(sealing.server_key({"SCHEDULER_SECRET": "s2"}), sealed) is None
    assert sealing.unseal(None, sealed) is None and sealing.server_key({}) is None
    path = tmp_path / "feed.key"
    sealing.new_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    from_file = sealing.server_key({"SCHEDULER_FEED_KEY_FILE": str(path), "SCHEDULER_SECRET": "s1"})
    assert sealing.unseal(from_file, sealing.seal(Fernet(path.read_bytes().strip()), "x")) == "x"
    with pytest.raises(InputError, match="exists; a new key would make"):
        sealing.new_key_file(path)
    path.write_text("not a key")
    with pytest.raises(InputError, match="is not a feed sealing key"):
        sealing.server_key({"SCHEDULER_FEED_KEY_FILE": str(path)})


def test_the_address_can_be_shown_again_on_both_engines(db, monkeypatch):
    monkeypatch.setenv("SCHEDULER_SECRET", "server secret")
    runner = CliRunner()
    assert runner.invoke(cli, ["patient", "add", "P1", "nct06478355", "--start", "2026-03-02",
                               "--db", db]).exit_code == 0
    made = runner.invoke(cli, ["feed", "create", "P1", "--base-url", "https://c.example.org",
                               "--db", db]).output.strip().splitlines()[-1]
    with opened(db) as registry:
        assert feed.address(registry, "P1", "https://c.example.org") == made
        assert feed.address(registry, "P1", "https://c.example.org", key=None) is None
        stored = registry.live_token(registry.plan("P1").id)
        assert made.rsplit("/", 1)[1][:-4] not in stored.token_sealed
    monkeypatch.setenv("SCHEDULER_SECRET", "another secret")  # a server with another key
    with opened(db) as registry:
        assert feed.address(registry, "P1", "https://c.example.org") is None


def test_only_a_calendar_client_marks_the_patient_subscribed_on_both_engines(db, tmp_path):
    web = Web(db, tmp_path)
    web.login()
    web.register()
    created = web.post("/patients/P017/subscribe", {"action": "create"})
    token = re.search(r"/feed/([A-Za-z0-9_-]{32})\.ics", created.text).group(1)
    web.client.get(feed_url(token), headers={"User-Agent": "curl/8.5.0"})
    web.app.state.site.fetches.flush()  # fetch times are written in batches
    page = web.client.get("/patients/P017").text
    assert "not subscribed" in page and "opened in a browser, never by a calendar app" in page
    web.clock.now += timedelta(minutes=10)
    web.client.get(feed_url(token), headers={"User-Agent": GOOGLE})
    web.app.state.site.fetches.flush()
    with opened(db) as registry:
        plan_id = registry.plan("P017").id
        assert clients.subscriptions(registry) == {plan_id: ("Google Calendar", web.clock.now.isoformat())}
    web.clock.now += timedelta(hours=3)
    page = web.client.get("/patients/P017").text
    assert "fetched by Google Calendar 3 hours ago" in page


def pdf_text(body: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(body)).pages[0].extract_text().split())


def test_the_subscribe_page_shows_the_links_and_prints_the_handout_again(tmp_path):
    web = Web(str(tmp_path / "r.sqlite3"), tmp_path)
    web.login()
    assert web.post("/patients/new", {"key": "P2", "template": "mfolfox6", "start": "2026-03-02",
                                       "lang": "zh", "action": "save"}).status_code == 303
    assert web.client.get("/patients/P2/handout.pdf").status_code == 404  # no feed yet
    created = web.post("/patients/P2/subscribe", {"action": "create"})
    url = re.search(r'value="(https?://[^"]+/feed/[A-Za-z0-9_-]{32}\.ics)"', created.text).group(1)
    again = web.client.get("/patients/P2/subscribe").text  # no rotation: the same address
    assert f'value="{url}"' in again and "<svg" in again
    rest = url.split("://", 1)[1]
    assert f'href="webcal://{rest}"' in again
    assert f'href="https://calendar.google.com/calendar/r?cid=webcal://{rest}"' in again
    handout = web.client.get("/patients/P2/handout.pdf")
    assert handout.status_code == 200 and handout.headers["content-type"] == "application/pdf"
    text = pdf_text(handout.content)
    assert text.startswith("在手机上查看您的治疗日历")
    assert url in text.replace(" ", "") and "谷歌日历" in text and "苹果日历" in text
    assert f"cid=webcal://{rest}" in text.replace(" ", "")
    Path(tmp_path / "handout.pdf").write_bytes(handout.content)
    assert BASE in url


def test_feed_key_and_feed_show_on_the_command_line(tmp_path, monkeypatch):
    db, path = str(tmp_path / "r.sqlite3"), tmp_path / "feed.key"
    runner = CliRunner()
    made = runner.invoke(cli, ["feed", "key", str(path)])
    assert made.exit_code == 0 and made.output == (
        f"Wrote {path}: set SCHEDULER_FEED_KEY_FILE={path} for 'serve' and 'feed'.\n")
    again = runner.invoke(cli, ["feed", "key", str(path)])
    assert again.exit_code == 2 and "exists; a new key would make" in again.output
    runner.invoke(cli, ["patient", "add", "P1", "tc", "--start", "2026-03-02", "--db", db])
    none = runner.invoke(cli, ["feed", "create", "P1", "--base-url", "https://c.example.org",
                               "--db", db])
    shown = runner.invoke(cli, ["feed", "show", "P1", "--base-url", "https://c.example.org",
                                "--db", db])
    assert none.exit_code == 0 and shown.exit_code == 2
    assert "P1: no address to show (no live feed, or it was made without the server's key)" in shown.output
    monkeypatch.setenv("SCHEDULER_FEED_KEY_FILE", str(path))
    url = runner.invoke(cli, ["feed", "rotate", "P1", "--base-url", "https://c.example.org",
                              "--db", db]).output.strip()
    shown = runner.invoke(cli, ["feed", "show", "P1", "--base-url", "https://c.example.org",
                                "--db", db])
    assert shown.exit_code == 0 and shown.output == url + "\n"


def test_the_feed_gives_the_staff_form_on_request(tmp_path):
    from icalendar import Calendar

    web = Web(str(tmp_path / "r.sqlite3"), tmp_path)
    web.login()
    web.register()
    token = web.feed_token()
    visits = web.client.get(feed_url(token)).content
    each = web.client.get(feed_url(token) + "?per=event").content
    assert len(Calendar.from_ical(visits).walk("VEVENT")) == 52
    assert len(Calendar.from_ical(each).walk("VEVENT")) == 60  # one per drug, fraction, dose
    assert web.client.get(feed_url(token)).content == visits  # the stored document is untouched


def test_the_web_issues_in_the_plans_language_unless_the_form_says_otherwise(tmp_path):
    web = Web(str(tmp_path / "r.sqlite3"), tmp_path)
    web.login()
    assert web.post("/patients/new", {"key": "P3", "template": "mfolfox6", "start": "2026-03-02",
                                       "lang": "zh", "action": "save"}).status_code == 303
    assert '<option value="zh" selected>中文</option>' in web.client.get("/patients/P3").text
    assert web.post("/patients/P3/issue", {}).status_code == 303  # as from the subscribe page
    # nothing changed since version 1: issuing again asks first, then goes on when confirmed
    assert web.post("/patients/P3/issue", {"lang": "en", "paper": "a4"}).status_code == 200
    assert web.post("/patients/P3/issue", {"lang": "en", "paper": "a4", "confirm": "yes"}).status_code == 303
    first = web.client.get("/patients/P3/versions/1/P3_mfolfox6_2026-03-02_v1.ics").content
    second = web.client.get("/patients/P3/versions/2/P3_mfolfox6_2026-03-02_v2.ics").content
    assert "SUMMARY:化疗：奥沙利铂".encode() in first
    assert b"SUMMARY:Chemotherapy: oxaliplatin" in second
