"""The web app and the feed, through the ASGI test client: every route, login, CSRF, the feed's
HTTP contract and content, stale pages, escaping."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from starlette.testclient import TestClient

from scheduler.cli import cli
from scheduler.core.adjust import Delay
from scheduler.export.visits import calendar_plan
from scheduler.registry import opened
from scheduler.services import feed as feeds
from scheduler.services import patients
from scheduler.web import create_app

PASSWORD = "correct horse battery"
BASE = "https://calendar.example.org"


class Clock:
    """The app's clock, moved by the tests."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Web:
    """A test client with a registry, a clock and a logged-in coordinator."""

    def __init__(self, db: str, tmp_path: Path, templates_folder: Path | None = None) -> None:
        self.db = db
        self.clock = Clock()
        result = CliRunner().invoke(
            cli, ["user", "add", "li.na", "--admin", "--password-stdin", "--db", db], input=PASSWORD + "\n"
        )
        assert result.exit_code == 0, result.output
        self.app = create_app(
            db,
            base_url=BASE,
            issue_dir=tmp_path / "issued",
            clock=self.clock,
            secret="a test secret of thirty-two bytes or more",
            https_only=False,
            templates_folder=templates_folder,
        )
        self.client = TestClient(self.app, base_url="http://testserver")

    def csrf(self, path: str = "/login") -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.client.get(path).text)
        assert found, path
        return found.group(1)

    def login(self, name: str = "li.na", password: str = PASSWORD):
        return self.client.post(
            "/login", data={"csrf": self.csrf(), "name": name, "password": password}, follow_redirects=False
        )

    def post(self, path: str, data: dict[str, str], **kwargs):
        return self.client.post(path, data={"csrf": self.csrf("/"), **data}, follow_redirects=False, **kwargs)

    def register(self, key: str = "P017", start: str = "2026-03-02", label: str = "Patient 017") -> None:
        response = self.post(
            "/patients/new",
            {"key": key, "label": label, "template": "nct06478355", "start": start, "action": "save"},
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/patients/{key}"

    def feed_token(self, key: str = "P017") -> str:
        with opened(self.db) as registry:
            return feeds.create(registry, key, "li.na", self.clock())


@pytest.fixture
def web(tmp_path) -> Web:
    return Web(str(tmp_path / "registry.sqlite3"), tmp_path)


@pytest.fixture
def logged_in(web) -> Web:
    assert web.login().status_code == 303
    return web


# --- who may see what -----------------------------------------------------------------------

PAGES = [
    "/",
    "/patients/new",
    "/patients/P017",
    "/patients/P017/change?kind=delay",
    "/patients/P017/revert/1",
    "/patients/P017/versions/1/x.pdf",
    "/patients/P017/subscribe",
    "/patients/P017/fhir.json",
    "/patients/P017/handout.pdf",
    "/templates",
    "/templates/draft",
    "/validate",
    "/worklist",
    "/deviations",
    "/closures",
    "/patients/P017/record?ref=rt/f1",
    "/patients/P017/move?version=2",
    "/templates/tc-6/2/patients",
    "/admin/people",
    "/admin/templates",
    "/admin/settings",
    "/account",
]
FORMS = [
    "/patients/new",
    "/patients/new/preview",
    "/patients/P017/change",
    "/patients/P017/revert/1",
    "/patients/P017/end",
    "/patients/P017/issue",
    "/patients/P017/subscribe",
    "/patients/P017/feed-detail",
    "/templates/draft",
    "/validate",
    "/logout",
    "/patients/P017/record",
    "/patients/P017/move",
    "/closures",
    "/closures/1/revert",
    "/admin/people",
    "/admin/people/li.na",
    "/admin/templates",
    "/admin/templates/check",
    "/admin/templates/tc-6/1/approve",
    "/admin/settings",
    "/account",
]


def test_every_route_is_listed_here(web):
    """A new route must be added to PAGES or FORMS, so that the next tests cover it."""
    paths = {route.path for route in web.app.routes}
    assert paths == {
        "/feed/{token}.ics",
        "/healthz",  # public, like the feed: tests/test_observe.py
        "/readyz",
        "/metrics",
        "/login",
        "/logout",
        "/",
        "/patients/new",
        "/patients/new/preview",
        "/patients/{key}",
        "/patients/{key}/change",
        "/patients/{key}/revert/{number:int}",
        "/patients/{key}/end",
        "/patients/{key}/issue",
        "/patients/{key}/versions/{version:int}/{name}",
        "/patients/{key}/subscribe",
        "/patients/{key}/fhir.json",
        "/patients/{key}/feed-detail",
        "/patients/{key}/handout.pdf",
        "/templates",
        "/templates/draft",
        "/validate",
        "/admin/people",
        "/admin/people/{name}",
        "/admin/templates",
        "/admin/templates/check",
        "/admin/templates/{template_id}/{version:int}/approve",
        "/admin/settings",
        "/account",
        "/reset/{token}",
        "/static",
        "/patients/{key}/record",
        "/worklist",
        "/deviations",
        "/closures",
        "/closures/{number:int}/revert",
        "/patients/{key}/move",
        "/templates/{template_id}/{version:int}/patients",
    }


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_a_visitor_without_a_session_to_the_login(web, path):
    response = web.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", FORMS)
def test_forms_refuse_a_visitor_without_a_session(web, path):
    response = web.post(path, {"key": "P1"})
    assert response.status_code == 403
    assert "<h1>Log in first</h1>" in response.text  # a page, with the security headers
    assert "Your session has ended. Log in and try again." in response.text
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", FORMS)
def test_forms_refuse_a_post_without_the_csrf_token(logged_in, path):
    logged_in.register()
    for data in ({}, {"csrf": "forged"}):
        response = logged_in.client.post(
            path, data={"key": "P9", "reason": "x", **data}, follow_redirects=False
        )
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    assert logged_in.client.get("/patients/P017").status_code == 200  # still logged in, nothing done
    with opened(logged_in.db) as registry:
        assert registry.history(registry.plan("P017").id) == []


def test_login_refuses_a_wrong_password_and_locks_out_after_five(web):
    for _ in range(5):
        response = web.login(password="wrong password!")
        assert response.status_code == 401
        assert "Wrong user name or password." in response.text
    locked = web.login()
    assert locked.status_code == 429
    assert "Too many wrong passwords for li.na: try again in 15 minutes." in locked.text
    assert web.client.get("/", follow_redirects=False).status_code == 303


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(web):
    response = web.login(name="nobody")
    assert response.status_code == 401
    assert "Wrong user name or password." in response.text


def test_login_returns_to_the_page_asked_for_and_never_off_site(web):
    response = web.client.post(
        "/login?next=/templates",
        data={"csrf": web.csrf(), "name": "li.na", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/templates"
    web.client.post("/logout", data={"csrf": web.csrf("/")})
    response = web.client.post(
        "/login?next=//evil.example/x",
        data={"csrf": web.csrf(), "name": "li.na", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_the_session_cookie_is_httponly_and_samesite_strict(web):
    response = web.login()
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()


def test_a_disabled_user_is_logged_out(logged_in):
    CliRunner().invoke(cli, ["user", "add", "wang.fang", "--admin", "--password-stdin", "--db", logged_in.db],
                       input=PASSWORD + "\n")  # li.na is not the last admin
    assert CliRunner().invoke(cli, ["user", "disable", "li.na", "--db", logged_in.db]).exit_code == 0
    assert logged_in.client.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(logged_in):
    assert logged_in.post("/logout", {}).status_code == 303
    assert logged_in.client.get("/", follow_redirects=False).status_code == 303


# --- pages ------------------------------------------------------------------------------------


def test_register_previews_then_saves_with_the_user_as_author(logged_in):
    form = {
        "key": "P017",
        "label": "Patient 017",
        "template": "nct06478355",
        "start": "2026-01-05",
        "action": "preview",
    }
    preview = logged_in.post("/patients/new", form)
    assert preview.status_code == 200
    assert "59 events</strong>, 2026-01-05 to 2026-12-15" in preview.text
    assert preview.text.count('<table class="month">') == 3
    assert "; to change it, write under Parameters: chemo_cycles=N.</p>" in preview.text
    assert "--set" not in preview.text  # the form's words, not the command line's
    assert "Chinese New Year" in logged_in.post("/patients/new/preview", {**form, "start": "2026-02-02"}).text
    with opened(logged_in.db) as registry:
        assert registry.plans() == []  # a preview saves nothing
    logged_in.register(start="2026-01-05")
    with opened(logged_in.db) as registry:
        assert registry.plan("P017").created_by == "li.na"
    page = logged_in.client.get("/patients/P017").text
    assert "2026-02-24" in page and "moved from 2026-02-16: Chinese New Year&#39;s Eve" in page


def test_register_preview_says_which_defaults_the_plan_uses(logged_in):
    form = {"key": "P018", "template": "cross", "start": "2026-11-02", "tz": "America/New_York"}
    preview = logged_in.post("/patients/new/preview", form)
    assert preview.status_code == 200
    assert re.findall(r'<p class="note">(Note: [^<]*)</p>', preview.text) == [
        "Note: no holidays region given (the Public holidays field, a site file or the "
        "template&#39;s calendar:); only weekends are days off."]
    named = logged_in.post("/patients/new/preview", {**form, "holidays": "US"})
    assert named.status_code == 200 and "Note: no holidays region" not in named.text


def test_the_servers_default_site_file_is_named_without_its_folder(logged_in, tmp_path, monkeypatch):
    """Found in review: the preview showed the server's path of its default site file."""
    folder = tmp_path / "server-only"
    folder.mkdir()
    (folder / "clinic-site.yaml").write_text("name: Clinic\nholidays: US\n")
    monkeypatch.setenv("SCHEDULER_SITE", str(folder / "clinic-site.yaml"))
    form = {"key": "P018", "template": "cross", "start": "2026-11-02", "tz": "America/New_York"}
    preview = logged_in.post("/patients/new/preview", form)
    assert re.findall(r'<p class="note">(Note: [^<]*)</p>', preview.text) == [
        "Note: using the default site file clinic-site.yaml (from SCHEDULER_SITE)."]
    assert str(folder) not in preview.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start", "2026-02-30", "Start: &#39;2026-02-30&#39; is not a real date"),
        ("start", "2026-02-17", "is not a working day: Chinese New Year (Spring Festival). Choose a "
                                "working day, or tick &#34;If the start is not a working day, start on "
                                "the next one&#34; to start on the next one, 2026-02-24 (Tuesday)."),
        ("template", "nope", "template: choose one of the listed protocols (&#39;nope&#39; is not one)"),
    ("template", "/etc/passwd", "(&#39;/etc/passwd&#39; is not one)"),
        ("parameters", "chemo_cycles=99",
         "Parameters: chemo_cycles: template &#39;nct06478355&#39; allows 1 to 8, not 99"),
        ("holidays", "XX", "Public holidays: unknown country or subdivision &#39;XX&#39; (the holidays "
                           "package knows no country &#39;XX&#39;)"),
        ("tz", "Mars/Base", "Time zone: unknown time zone &#39;Mars/Base&#39;"),
        ("key", "Wang Li", "use 1 to 64 letters, digits"),
    ],
)
def test_register_shows_errors_in_words(logged_in, field, value, message):
    form = {"key": "P017", "template": "nct06478355", "start": "2026-03-02", "action": "save", field: value}
    response = logged_in.post("/patients/new", form)
    assert response.status_code == 400
    assert message in response.text
    assert not re.search(r"--[a-z]", response.text)  # the form's fields, never the command line's
    with opened(logged_in.db) as registry:
        assert registry.plans() == []


def test_labels_and_reasons_are_shown_as_text(logged_in):
    script = "<script>alert(1)</script>"
    logged_in.register(label=script)
    assert (
        logged_in.post(
            "/patients/P017/change",
            {
                "kind": "delay",
                "cycle": "3",
                "days": "7",
                "reason": script,
                "revision": "0",
                "action": "commit",
            },
        ).status_code
        == 303
    )
    for path in ("/", "/patients/P017", "/patients/P017/revert/1"):
        text = logged_in.client.get(path).text
        assert script not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_a_delay_is_previewed_then_recorded(logged_in):
    logged_in.register()
    form = {"kind": "delay", "cycle": "3", "days": "7", "reason": "neutropenia", "revision": "0"}
    preview = logged_in.post("/patients/P017/change", {**form, "action": "preview"})
    assert preview.status_code == 200
    assert "21 events move" in preview.text
    assert (
        '<td>Cisplatin – cycle 3, day 1</td><td class="nowrap">2026-04-13 Mon</td>'
        '<td class="nowrap">2026-04-20 Mon</td><td>+7 d</td>' in preview.text
    )
    # The one event the delay pushes past the plan's horizon is said under that heading, once.
    assert "event cancelled" not in preview.text
    assert "horizon (continuation doses start before 2027-03-02, 12 months after day 1)" in preview.text
    with opened(logged_in.db) as registry:
        assert registry.history(registry.plan("P017").id) == []
    recorded = logged_in.post("/patients/P017/change", {**form, "action": "commit"})
    assert recorded.status_code == 303
    page = logged_in.client.get("/patients/P017").text
    assert ("Recorded: Cycle 3 of Immunochemotherapy (21-day cycles) delayed 7 days: neutropenia "
            "(change 1).") in page
    assert "of immunochemo" not in page  # the page says the template's names, never its ids
    with opened(logged_in.db) as registry:
        (change,) = registry.history(registry.plan("P017").id)
    assert (change.author, change.at) == ("li.na", "2026-03-01T09:00:00+00:00")


def test_a_visit_pushed_out_of_its_window_is_shown_in_the_preview(logged_in, data_dir):
    with opened(logged_in.db) as registry:
        stored = patients.prepare(
            "W1",
            None,
            str(data_dir / "templates" / "windowed.yaml"),
            patients.PlanOptions(start=date(2026, 3, 2), holidays="none", timezone="UTC"),
            datetime(2026, 3, 1, tzinfo=UTC),
            "li.na",
        ).stored
        patients.register(registry, stored)
    preview = logged_in.post(
        "/patients/W1/change",
        {
            "kind": "delay",
            "cycle": "2",
            "days": "7",
            "reason": "infection",
            "revision": "0",
            "action": "preview",
        },
    )
    assert "Outside its window:" in preview.text
    assert "Windowed drug – cycle 2, day 1 on 2026-03-30 (window 2026-03-20 to 2026-03-26)" in preview.text


def test_a_change_from_a_stale_page_is_refused_with_a_fresh_preview(logged_in):
    logged_in.register()
    first = {
        "kind": "delay",
        "cycle": "2",
        "days": "7",
        "reason": "first",
        "revision": "0",
        "action": "commit",
    }
    second = {
        "kind": "hold",
        "component": "rt",
        "from": "2026-04-20",
        "days": "2",
        "reason": "second",
        "revision": "0",
        "action": "commit",
    }
    assert logged_in.post("/patients/P017/change", first).status_code == 303
    stale = logged_in.post("/patients/P017/change", second)
    assert stale.status_code == 409
    assert "The plan changed since you opened it." in stale.text
    # Who did what, in the template's names, at the plan's local time (09:00 UTC in Shanghai).
    assert ("<strong>The plan changed since you opened it.</strong> li.na delayed cycle 2 of "
            "Immunochemotherapy (21-day cycles) by 7 days at 17:00. Below") in stale.text
    assert 'name="revision" value="1"' in stale.text  # the fresh preview is made on revision 1
    assert "What this change does" in stale.text
    with opened(logged_in.db) as registry:
        assert [c.reason for c in registry.history(registry.plan("P017").id)] == ["first"]
    again = logged_in.post("/patients/P017/change", {**second, "revision": "1"})
    assert again.status_code == 303


def test_hold_stop_revert_and_end(logged_in):
    logged_in.register()
    hold = {
        "kind": "hold",
        "component": "rt",
        "from": "2026-04-20",
        "days": "2",
        "reason": "mucositis",
        "revision": "0",
        "action": "commit",
    }
    assert logged_in.post("/patients/P017/change", hold).status_code == 303
    stop = {
        "kind": "stop",
        "component": "pd1",
        "from": "2026-09-01",
        "reason": "progression",
        "revision": "1",
        "action": "commit",
    }
    assert logged_in.post("/patients/P017/change", stop).status_code == 303
    revert_page = logged_in.client.get("/patients/P017/revert/2")
    assert "Undo <strong>PD-1 inhibitor stopped from 2026-09-01: progression</strong>" in revert_page.text
    reverted = logged_in.post(
        "/patients/P017/revert/2", {"reason": "wrong patient", "revision": "2", "action": "commit"}
    )
    assert reverted.status_code == 303
    page = logged_in.client.get("/patients/P017").text
    assert "(reverted by 3)" in page
    assert logged_in.post("/patients/P017/end", {"reason": "treatment completed"}).status_code == 303
    page = logged_in.client.get("/patients/P017").text
    assert "Ended 2026-03-01 17:00 by li.na: treatment completed." in page
    refused = logged_in.post("/patients/P017/change", {**hold, "revision": "4"})
    assert refused.status_code == 400 and "takes no more changes" in refused.text


def test_issue_then_download_the_files_of_each_version(logged_in, tmp_path):
    logged_in.register()
    issued = logged_in.post("/patients/P017/issue", {"lang": "en", "paper": "a4"})
    assert issued.status_code == 303
    page = logged_in.client.get("/patients/P017").text
    assert "Issued version 1: 0 changed, 52 new, 0 cancelled." in page  # 60 events, 52 visits
    pdf = logged_in.client.get("/patients/P017/versions/1/P017_nct06478355_2026-03-02_v1.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    on_disk = tmp_path / "issued" / "P017" / "P017_nct06478355_2026-03-02_v1.pdf"
    assert pdf.content == on_disk.read_bytes()
    ics = logged_in.client.get("/patients/P017/versions/1/P017_nct06478355_2026-03-02_v1.ics")
    assert len(Calendar.from_ical(ics.content).walk("VEVENT")) == 52
    assert logged_in.client.get("/patients/P017/versions/1/../../etc/passwd").status_code == 404
    assert (
        logged_in.client.get("/patients/P017/versions/2/P017_nct06478355_2026-03-02_v1.pdf").status_code
        == 404
    )


def test_templates_and_validate(logged_in):
    listing = logged_in.client.get("/templates").text
    assert "<code>nab-paclitaxel</code>" in listing and "<code>rt</code>" in listing
    bad = (
        "id: broken\nname: x\nsource: y\ncomponents:\n  - kind: visit\n    id: v\n    name: V\n    code: V\n"
        "    at: {day: -400}\n"
    )
    response = logged_in.client.post(
        "/validate",
        data={"csrf": logged_in.csrf("/validate")},
        files={"file": ("mine.yaml", bad.encode(), "text/yaml")},
    )
    assert response.status_code == 400
    assert ("<li><code>mine.yaml:9: components[0].at.day: must be between -365 and 10000 "
            "(got -400)</code></li>" in response.text)
    good = (Path(__file__).parent.parent / "templates" / "stupp.yaml").read_text()
    ok = logged_in.client.post("/validate", data={"csrf": logged_in.csrf("/validate"), "text": good})
    assert ok.status_code == 200 and "pasted text: a valid template <code>stupp</code>" in ok.text


def test_the_clinics_own_templates_are_offered_beside_the_shipped_ones(tmp_path):
    shipped = (Path(__file__).parent.parent / "templates" / "tc.yaml").read_text()
    own = shipped.replace("\nid: tc\n", "\nid: tc-clinic\n").replace("name: TC", "name: Clinic TC")
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "tc-clinic.yaml").write_text(own)
    (folder / "copy.yaml").write_text(shipped)
    (folder / "broken.yaml").write_text("id: broken\nname: Broken\n")
    (folder / "notes.txt").write_text("not a template")
    (folder / "linked.yaml").write_text(own.replace("id: tc-clinic\n", "id: linked\n").replace(
        "reference: J Clin Oncol 2009;27:1177-1183", "reference: javascript:alert(document.domain)"))
    web = Web(str(tmp_path / "registry.sqlite3"), tmp_path, templates_folder=folder)
    web.login()
    listing = web.client.get("/templates").text
    assert ("Clinic TC (docetaxel + cyclophosphamide) every 21 days "
            "<span class=\"badge\">your clinic's") in listing
    assert ("<code>copy.yaml</code>: <pre class=\"problem\">its id &#39;tc&#39; is a shipped "
            "template&#39;s; give it an id of its own</pre>") in listing
    assert ("<code>broken.yaml</code>: <pre class=\"problem\">broken.yaml: 2 problems\n"
            "  broken.yaml:1: components: missing (required)\n"
            "  broken.yaml:1: source: missing (required)</pre>") in listing
    assert "notes.txt" not in listing and str(tmp_path) not in listing
    # a reference is a link only when it is a web address (found in review)
    assert ("<code>linked</code> · <span lang=\"en\">Jones et al., J Clin Oncol 2009 (US Oncology 9735)"
            "</span> · <span lang=\"en\">javascript:alert") in listing
    assert 'href="javascript' not in listing and 'href="J Clin Oncol' not in listing
    assert 'href="https://doi.org/10.1016/S1470-2045(13)70386-3"' in listing
    form = web.client.get("/patients/new").text
    assert '<option value="tc-clinic">' in form and '<option value="tc">' in form
    saved = web.post("/patients/new", {"key": "P020", "template": "tc-clinic", "start": "2026-03-02",
                                       "action": "save"})
    assert saved.status_code == 303, saved.text
    with opened(web.db) as registry:
        stored = registry.plan("P020")
    assert stored.template_id == "tc-clinic"
    assert stored.template_path == str((folder / "tc-clinic.yaml").resolve())
    assert stored.template_text == own
    typed = web.post("/patients/new", {"key": "P021", "template": str(folder / "tc-clinic.yaml"),
                                       "start": "2026-03-02", "action": "save"})
    assert typed.status_code == 400 and "choose one of the listed protocols" in typed.text
    (folder / "tc-clinic-2.yaml").write_text(own)  # read anew: a second file with the same id
    listing = web.client.get("/templates").text
    assert "id &#39;tc-clinic&#39; is used by tc-clinic-2.yaml, tc-clinic.yaml" in listing
    assert '<option value="tc-clinic">' not in web.client.get("/patients/new").text


def test_unknown_patients_and_pages_are_404(logged_in):
    assert logged_in.client.get("/patients/NOPE").status_code == 404
    assert logged_in.client.get("/nowhere").status_code == 404
    assert logged_in.client.get("/patients/NOPE/change?kind=delay").status_code == 404


# --- the feed ---------------------------------------------------------------------------------


def feed_url(token: str) -> str:
    return f"/feed/{token}.ics"


def vevents(body: bytes) -> dict[str, object]:
    return {str(v["UID"]): v for v in Calendar.from_ical(body).walk("VEVENT")}


def test_the_feed_answers_without_a_session_with_the_calendar_headers(db, tmp_path):
    web = Web(db, tmp_path)  # on SQLite and PostgreSQL: the feed's read differs (feedreads)
    web.login()
    web.register()
    token = web.feed_token()
    anonymous = TestClient(web.app)
    response = anonymous.get(feed_url(token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "content-encoding" not in response.headers
    assert response.headers["etag"] == f'"{__import__("hashlib").sha256(response.content).hexdigest()}"'
    assert parsedate_to_datetime(response.headers["last-modified"]) == datetime(2026, 3, 1, 9, tzinfo=UTC)
    body = response.content
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body and b"X-PUBLISHED-TTL:PT1H\r\n" in body
    assert "set-cookie" not in response.headers
    gzip = anonymous.get(feed_url(token), headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in gzip.headers and gzip.content == body


def test_a_locked_postgresql_table_gives_503_within_the_read_timeout(pg_db, tmp_path, monkeypatch):
    """Found in review: the feed's read ran on the event loop, so a lock on feed_tokens (as
    'registry upgrade' takes) held up every page. It runs in the thread pool on PostgreSQL,
    gives up after READ_TIMEOUT_S, and the calendar is told to come back."""
    import time

    import sqlalchemy as sa

    from scheduler.registry import feedreads

    monkeypatch.setattr(feedreads, "READ_TIMEOUT_S", 1)
    web = Web(pg_db, tmp_path)
    web.login()
    web.register()
    token = web.feed_token()
    engine = sa.create_engine(sa.make_url(pg_db).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as locker, locker.begin():
            locker.exec_driver_sql("LOCK TABLE feed_tokens IN ACCESS EXCLUSIVE MODE")
            began = time.monotonic()
            locked = web.client.get(feed_url(token))
            waited = time.monotonic() - began
            assert (locked.status_code, locked.content) == (503, b"Try again later\n")
            assert locked.headers["retry-after"] == "300"
            assert waited < 10  # a timeout of 1 s, read twice (the retry on a new connection)
            assert web.client.get("/templates").status_code == 200  # it does not read it
        assert web.client.get(feed_url(token)).status_code == 200  # the lock is gone
    finally:
        engine.dispose()


def test_pages_forbid_frames_foreign_scripts_and_referrers_and_the_feed_is_left_alone(logged_in):
    """Found by a new-user pass: the pages sent no browser-security headers."""
    logged_in.register()
    for path in ("/login", "/", "/patients/P017", "/templates", "/static/style.css"):
        headers = logged_in.client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert (headers["x-frame-options"], headers["referrer-policy"]) == ("DENY", "same-origin")
    page = logged_in.client.get("/patients/P017/subscribe").text
    assert "onclick" not in page and "<script>" not in page  # no inline script for the policy to block
    feed = logged_in.client.get(feed_url(logged_in.feed_token()))
    assert feed.status_code == 200 and "content-security-policy" not in feed.headers


def test_the_feed_answers_304_and_head(db, tmp_path):
    web = Web(db, tmp_path)  # on SQLite and PostgreSQL: the feed's read differs (feedreads)
    web.login()
    web.register()
    token = web.feed_token()
    first = web.client.get(feed_url(token))
    etag = first.headers["etag"]
    not_modified = web.client.get(feed_url(token), headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert web.client.get(feed_url(token), headers={"If-None-Match": '"other"'}).status_code == 200
    head = web.client.head(feed_url(token))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(first.content))
    assert head.headers["etag"] == etag


def test_unknown_revoked_and_malformed_tokens_get_the_same_404(db, tmp_path):
    web = Web(db, tmp_path)  # on SQLite and PostgreSQL: the feed's read differs (feedreads)
    web.login()
    web.register()
    token = web.feed_token()
    with opened(web.db) as registry:
        feeds.revoke(registry, "P017", "li.na", web.clock())
    answers = [web.client.get(feed_url(t)) for t in (token, "A" * 32, "short", "A" * 31 + "!", "a.b")]
    assert {(a.status_code, a.content) for a in answers} == {(404, b"Not found\n")}
    assert web.client.head(feed_url(token)).status_code == 404


def test_rotating_kills_the_old_address(logged_in):
    logged_in.register()
    made = logged_in.post("/patients/P017/subscribe", {"action": "create"})
    old = re.search(r"/feed/([A-Za-z0-9_-]{32})\.ics", made.text).group(1)
    assert f'value="{BASE}/feed/{old}.ics"' in made.text and "<svg" in made.text
    rotated = logged_in.post("/patients/P017/subscribe", {"action": "rotate"})
    new = re.search(r"/feed/([A-Za-z0-9_-]{32})\.ics", rotated.text).group(1)
    assert new != old
    assert logged_in.client.get(feed_url(old)).status_code == 404
    calendar = {"User-Agent": "Google-Calendar-Importer"}
    assert logged_in.client.get(feed_url(new), headers=calendar).status_code == 200
    logged_in.app.state.site.fetches.flush()  # fetch times are written in batches
    with opened(logged_in.db) as registry:  # the hash, and the token sealed with the server's key
        live = registry.live_token(registry.plan("P017").id)
        assert live.token_hash != new and new not in live.token_sealed
    page = logged_in.client.get("/patients/P017/subscribe").text  # shown again, not rotated
    assert new in page and "Last fetched by Google Calendar 2026-03-01 17:00" in page


def test_a_delay_is_in_the_feed_at_once_without_an_issue(db, tmp_path):
    web = Web(db, tmp_path)  # on SQLite and PostgreSQL: the feed's read differs (feedreads)
    web.login()
    web.register()
    token = web.feed_token()
    before = web.client.get(feed_url(token))
    web.clock.now += timedelta(hours=1)
    assert (
        web.post(
            "/patients/P017/change",
            {
                "kind": "delay",
                "cycle": "3",
                "days": "7",
                "reason": "neutropenia",
                "revision": "0",
                "action": "commit",
            },
        ).status_code
        == 303
    )
    after = web.client.get(feed_url(token), headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert parsedate_to_datetime(after.headers["last-modified"]) == datetime(2026, 3, 1, 10, tzinfo=UTC)
    old, new = vevents(before.content), vevents(after.content)
    assert set(old) == set(new)
    moved = {u for u in old if old[u].decoded("DTSTART") != new[u].decoded("DTSTART")}
    raised = {u for u in new if new[u]["SEQUENCE"] == 1}
    cancelled = {u for u in new if str(new[u]["STATUS"]) == "CANCELLED"}
    assert len(moved) == 17 and len(cancelled) == 1  # visits: C3, C4 days 1 and 8, IO C5-C17
    assert raised == moved | cancelled
    for uid in set(new) - raised:  # unchanged events are unchanged, to the byte of DTSTAMP
        assert new[uid]["SEQUENCE"] == 0
        assert new[uid].decoded("DTSTAMP") == datetime(2026, 3, 1, 9, tzinfo=UTC)
    for uid in raised:
        assert new[uid].decoded("DTSTAMP") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    (gone,) = cancelled
    assert str(new[gone]["SUMMARY"]) == "Cancelled: Treatment visit"
    web.clock.now += timedelta(hours=5)  # later fetches of the unchanged plan: the same bytes
    assert web.client.get(feed_url(token)).content == after.content


def test_the_feed_is_discreet_until_detail_is_switched_on(logged_in):
    logged_in.register()
    token = logged_in.feed_token()
    discreet = logged_in.client.get(feed_url(token)).content
    for word in (
        b"Cisplatin",
        b"paclitaxel",
        b"mg/m",
        b"Radiotherapy",
        b"ward",
        b"NCT06478355",
        b"Patient 017",
    ):
        assert word not in discreet
    assert {str(v["SUMMARY"]) for v in vevents(discreet).values()} == {
        "Treatment visit",
        "Hospital appointment",
    }
    logged_in.clock.now += timedelta(days=1)
    assert logged_in.login().status_code == 303  # a session lasts 12 hours
    switched = logged_in.post("/patients/P017/feed-detail", {"detail": "on", "reason": "patient asked"})
    assert switched.status_code == 303
    detailed = vevents(logged_in.client.get(feed_url(token)).content)
    assert ("Immunotherapy + Chemotherapy: PD-1 inhibitor, albumin-bound paclitaxel, cisplatin"
            in {str(v["SUMMARY"]) for v in detailed.values()})
    assert {v["SEQUENCE"] for v in detailed.values()} == {1}  # every event's text changed
    shown = CliRunner().invoke(cli, ["patient", "show", "P017", "--db", logged_in.db]).output
    assert "1. feed detail switched on: patient asked (li.na, 2026-03-02T09:00:00+00:00)" in shown


def test_an_ended_plan_has_no_feed(logged_in):
    logged_in.register()
    token = logged_in.feed_token()
    assert logged_in.client.get(feed_url(token)).status_code == 200
    logged_in.post("/patients/P017/end", {"reason": "withdrew"})
    assert logged_in.client.get(feed_url(token)).status_code == 404


def test_fetches_are_recorded_at_most_every_five_minutes(web):
    web.login()
    web.register()
    token = web.feed_token()
    web.client.get(feed_url(token))
    web.app.state.site.fetches.flush()  # written in batches (tests/test_feed_reads.py)
    web.clock.now += timedelta(minutes=4)
    web.client.get(feed_url(token))
    web.app.state.site.fetches.flush()
    with opened(web.db) as registry:
        assert registry.live_token(registry.plan("P017").id).last_fetched_at == "2026-03-01T09:00:00+00:00"
    web.clock.now += timedelta(minutes=2)
    web.client.get(feed_url(token))
    web.app.state.site.fetches.flush()
    with opened(web.db) as registry:
        assert registry.live_token(registry.plan("P017").id).last_fetched_at == "2026-03-01T09:06:00+00:00"


def readings(path: Path) -> list[dict]:
    """The feed read by icalendar and, where installed (always in CI), by ical.js."""
    from tests.interop.parsers import IN_CI, icalendar_reading, icaljs

    found = [icalendar_reading(path)]
    try:
        found.append(icaljs([path])[str(path)])
    except pytest.skip.Exception:
        assert not IN_CI
    return found


def test_the_feed_is_the_plan_of_show_json(web, tmp_path):
    """The feed read back by two parsers gives the events 'scheduler show --json' gives for
    the same plan (instants, in order; titles aside: the feed is discreet), and after a delay
    the events of the registry's current plan, UID by UID."""
    web.login()
    web.register(start="2026-01-05")
    token = web.feed_token()
    path = tmp_path / "feed.ics"
    path.write_bytes(web.client.get(feed_url(token)).content)
    shown = json.loads(
        CliRunner().invoke(cli, ["show", "nct06478355", "--start", "2026-01-05", "--json"]).stdout
    )

    def instant(value: str | None, day: str) -> str:
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else day

    assert len(shown) == 59
    with opened(web.db) as registry:  # the feed has one entry per visit (export.visits)
        entries = calendar_plan(patients.current_plan(registry, "P017")).events
    expected = sorted((instant(e.start.isoformat() if e.start else None, e.date.isoformat()),
                       instant(e.end.isoformat() if e.end else None, e.date.isoformat()))
                      for e in entries)
    assert len(expected) == 51
    for reading in readings(path):
        read = sorted((e["start"], e["end"] if e["end"] and "T" in e["end"] else e["start"])
                      for e in reading["events"])
        assert read == expected
        for r in shown:  # every event of show --json is in the feed, within one of its entries
            start, end = instant(r["start"], r["date"]), instant(r["end"], r["date"])
            assert any(s <= start and end <= e for s, e in read), (r["title"], start)

    with opened(web.db) as registry:
        patients.adjust(registry, "P017", Delay("", 3, 7, "x"), "li.na", web.clock())
        plan = calendar_plan(patients.current_plan(registry, "P017"))
    path.write_bytes(web.client.get(feed_url(token)).content)
    current = {
        e.uid: instant(e.start.isoformat() if e.start else None, e.date.isoformat()) for e in plan.events
    }
    for reading in readings(path):
        assert {e["uid"]: e["start"] for e in reading["events"] if e["status"] != "CANCELLED"} == current


def test_the_patient_page_offers_the_plan_as_fhir(logged_in):
    from fhir.resources.R4B.bundle import Bundle

    logged_in.register()
    response = logged_in.client.get("/patients/P017/fhir.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.content)
    plans = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "CarePlan"]
    assert len(plans) == 1 and len(plans[0].activity) == 60
    assert plans[0].subject.reference == "Patient/P017"
    assert b"Patient 017" not in response.content
