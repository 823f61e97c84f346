"""The web app in Chinese: every message translated, the compiled catalogs current, every
page rendered in Chinese with no English message left, and the language chosen by the
person's setting, else the browser's Accept-Language."""

from __future__ import annotations

import html
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from scheduler.cli import cli
from scheduler.web import create_app
from scheduler.web.i18n import choose

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
import catalogs

PASSWORD = "correct horse battery"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _ids(message_id: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


@pytest.fixture(scope="module")
def chinese():
    return catalogs.read("zh")


def test_every_message_in_the_code_is_translated_into_chinese(chinese):
    extracted = {m.id for m in catalogs.extracted() if m.id}
    in_po = {m.id for m in chinese if m.id}
    assert extracted - in_po == set(), "run scripts/catalogs.py extract, then translate"
    assert in_po - extracted == set(), "messages no longer in the code: run scripts/catalogs.py extract"
    untranslated = [m.id for m in chinese if m.id and (m.fuzzy or not all(_ids(m.string)))]
    assert untranslated == []
    for message in chinese:
        if message.id:
            wanted = {p for text in _ids(message.id) for p in PLACEHOLDER.findall(text)}
            assert set(PLACEHOLDER.findall(" ".join(_ids(message.string)))) == wanted, message.id


def test_the_compiled_catalogs_are_current(chinese):
    mo = catalogs.po_path("zh").with_suffix(".mo")
    assert mo.read_bytes() == catalogs.mo_bytes(chinese), "run scripts/catalogs.py compile"


@pytest.mark.parametrize(("setting", "header", "chosen"), [
    (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    (None, "en-GB,en;q=0.9,zh;q=0.8", "en"),
    (None, "fr-FR,fr;q=0.9,zh-TW;q=0.5", "zh"),
    (None, "fr-FR", "en"),
    (None, "en;q=0.1,zh;q=0.9", "zh"),
    (None, None, "en"),
    ("en", "zh-CN", "en"),
    ("zh", "en-US", "zh"),
])
def test_the_language_is_the_persons_else_the_browsers(setting, header, chosen):
    assert choose(setting, header) == chosen


NOW = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
"""The app's clock: Monday 16 March 2026, 09:00 in Shanghai, the seed trial's radiotherapy day 1."""
TC = (Path(__file__).parents[1] / "templates" / "tc.yaml").read_text()
CLINIC_TC = TC.replace("id: tc\n", "id: tc-6\n").replace(
    "{of: tc,", "{of: tc-6,").replace("default: 4", "default: 6")


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """A clinic in China a few weeks into the seed trial: four people (two admins, a
    coordinator, a viewer), a Chinese plan with records (given, given late, not given, missed),
    a delay, a hold, a closure tomorrow (urgent moves), an issued version, a feed fetched by
    Google Calendar three hours ago, an English-language second plan, a clinic template with a
    patient on version 1, version 2 published and version 3 waiting for approval, site settings
    and an open password link.
    The people and patients' own words (reasons, labels) are Chinese, as a Chinese clinic types
    them."""
    from scheduler.core.loader import load_template_text
    from scheduler.registry import feeddocs, opened
    from scheduler.services import clinic_templates, closures, patients, people, site_settings
    from scheduler.services import feed as feeds
    from scheduler.services.options import PlanOptions

    tmp_path = tmp_path_factory.mktemp("zh")
    db = str(tmp_path / "registry.sqlite3")

    def run(*args: str, stdin: str | None = None) -> str:
        result = CliRunner().invoke(cli, [*args, "--db", db], input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    run("user", "add", "li.na", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    run("user", "add", "chen.jie", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    run("user", "add", "wang.fang", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")
    run("user", "add", "zhao.lei", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")
    run("patient", "add", "P017", "nct06478355", "--start", "2026-02-02", "--label", "张伟", "--lang", "zh",
        "--author", "li.na", "--now", "2026-01-30T09:00:00Z")
    run("patient", "add", "P018", "tc", "--start", "2026-03-02", "--author", "wang.fang",
        "--now", "2026-02-27T09:00:00Z")
    for ref, status, on, reason in (("immunochemo/c1/d1/pd1", "given", "2026-02-02", ""),
                                    ("immunochemo/c1/d8/nab-paclitaxel", "given", "2026-02-11", ""),
                                    ("immunochemo/c2/d1/cisplatin", "not-given", "", "肌酐升高"),
                                    ("immunochemo/c2/d8/nab-paclitaxel", "missed", "", "患者发热")):
        run("record", "P017", ref, "--status", status, *(["--on", on] if on else []),
            *(["--reason", reason] if reason else []), "--author", "wang.fang", "--now",
            "2026-03-04T08:00:00Z")
    run("delay", "P017", "--cycle", "3", "--days", "7", "--reason", "中性粒细胞减少", "--author", "li.na",
        "--now", "2026-03-10T02:00:00Z")
    run("hold", "P018", "--component", "tc", "--from", "2026-03-23", "--days", "7", "--reason", "感染",
        "--author", "wang.fang", "--now", "2026-03-12T02:00:00Z")
    link = run("user", "reset", "zhao.lei").splitlines()[1].rsplit("/", 1)[1]
    with opened(db) as registry:
        closures.add(registry, date(2026, 3, 17), date(2026, 3, 17), "linac", "直线加速器检修", "li.na",
                     NOW - timedelta(hours=2))
        feeds.create(registry, "P017", "li.na", datetime(2026, 3, 1, tzinfo=UTC))
        token = registry.live_token(registry.plan("P017").id)
        feeddocs.touch_tokens(registry, {token.id: NOW - timedelta(hours=3)},
                              {token.id: ("Google Calendar", NOW - timedelta(hours=3))})
        clinic_templates.draft(registry, CLINIC_TC, "li.na", NOW - timedelta(days=40))
        clinic_templates.approve(registry, "tc-6", 1, "chen.jie", NOW - timedelta(days=39))
        patients.register(registry, patients.prepare_loaded(
            "P100", None, load_template_text(CLINIC_TC, "registry:tc-6 v1"), CLINIC_TC.encode("utf-8"),
            "registry:tc-6 v1", PlanOptions(start=date(2026, 3, 2)), NOW - timedelta(days=20),
            "li.na").stored)
        longer = CLINIC_TC.replace("cycle_days: 21", "cycle_days: 28")
        clinic_templates.draft(registry, longer, "li.na", NOW - timedelta(days=3))
        clinic_templates.approve(registry, "tc-6", 2, "chen.jie", NOW - timedelta(days=2))
        clinic_templates.draft(registry, longer.replace("default: 6", "default: 5"), "li.na",
                               NOW - timedelta(days=1))
        site_settings.save(registry, site_settings.site_of(site_settings.Fields(
            name="河北医科大学第四医院", region="CN", timezone="Asia/Shanghai",
            closed=("2026-04-06@linac=直线加速器年检",), workdays=())), "启用", "li.na",
            NOW - timedelta(days=5))
        people.set_role(registry, "wang.fang", "coordinator", "li.na", NOW - timedelta(days=4))
    # Issued after the linac closure, which moves P017's radiotherapy: nothing new since.
    run("issue", "P017", "--output", str(tmp_path / "out"), "--author", "li.na", "--now",
        "2026-03-16T00:30:00Z")
    app = create_app(db, issue_dir=tmp_path / "issued", secret="x" * 32, https_only=False,
                     clock=lambda: NOW)
    client = TestClient(app, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf": token, "name": "li.na", "password": PASSWORD})
    return client, link


VALUES = {"key": "P017", "number": "1", "token": None, "template_id": "tc-6", "version": "2", "name": "li.na"}
"""A value for each path parameter of a page (``token``: the open password link)."""

VARIANTS = {
    "/": ["/", "/?q=李四", "/?q=P017"],
    "/patients/{key}": ["/patients/P017", "/patients/P018", "/patients/P100", "/patients/nobody"],
    "/patients/{key}/move": ["/patients/P100/move?version=2", "/patients/P017/move?version=2"],
    "/patients/{key}/change": ["/patients/P017/change?kind=delay", "/patients/P017/change?kind=hold",
                               "/patients/P017/change?kind=stop"],
    "/patients/{key}/revert/{number:int}": ["/patients/P017/revert/5", "/patients/P018/revert/1"],
    "/patients/{key}/record": ["/patients/P017/record?ref=rt/f1",
                               "/patients/P017/record?ref=immunochemo/c3/d1/pd1"],
    "/patients/{key}/subscribe": ["/patients/P017/subscribe", "/patients/P018/subscribe"],
    "/worklist": ["/worklist", "/worklist?days=7", "/worklist?from=2026-03-17&resource=linac",
                  "/worklist?days=x"],
    "/deviations": ["/deviations", "/deviations?key=P017"],
    "/reset/{token}": [None, "/reset/unknown"],
}
"""Pages worth seeing in more than one state; every other page is opened once."""

NOT_PAGES = {
    "/feed/{token}.ics": "a calendar feed, read by calendar apps (text/calendar)",
    "/healthz": "plain text for a load balancer",
    "/readyz": "plain text for a load balancer",
    "/metrics": "Prometheus text for monitoring",
    "/patients/{key}/versions/{version:int}/{name}": "an issued file (.ics or PDF) to download",
    "/patients/{key}/fhir.json": "a FHIR JSON bundle",
    "/patients/{key}/handout.pdf": "a PDF, checked in tests/test_calendar_links.py",
}
"""GET routes that are not HTML pages, and what they are instead."""


def _pages(app, link: str) -> list[str]:
    """Every page of every GET route of ``app`` (``app.routes``: a new page cannot be left
    out), with :data:`VARIANTS`; a route with a path parameter :data:`VALUES` has no value for
    fails here."""
    from starlette.routing import Mount, Route

    urls = []
    for route in app.routes:
        if isinstance(route, Mount):
            assert route.path == "/static", route.path  # the style sheet and scripts
            continue
        assert isinstance(route, Route)
        if "GET" not in (route.methods or ()) or route.path in NOT_PAGES:
            continue
        listed = VARIANTS.get(route.path) or [re.sub(
            r"\{(\w+)(:\w+)?\}", lambda m: VALUES[m.group(1)] or link, route.path)]
        urls += [url or f"/reset/{link}" for url in listed]
    return [*urls, "/no-such-page"]


def _csrf(client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/account").text).group(1)


def _revision(client, key: str) -> str:
    return re.search(r'name="revision" value="(\d+)"',
                     client.get(f"/patients/{key}/move?version=2").text).group(1)


def _previews(client) -> dict[str, object]:
    """The pages reached by a POST: previews before a change is recorded, pages a refusal
    answers, the confirmation of an unchanged issue, and the error pages."""
    csrf = _csrf(client)
    revision = re.search(r'name="revision" value="(\d+)"',
                         client.get("/patients/P017/change?kind=delay").text).group(1)
    posts = {
        "delay preview": ("/patients/P017/change", {
            "kind": "delay", "regimen": "immunochemo", "cycle": "4", "days": "7", "reason": "血小板减少",
            "revision": revision}),
        "hold preview": ("/patients/P017/change", {
            "kind": "hold", "component": "rt", "from": "2026-03-18", "days": "3", "reason": "放射性食管炎",
            "revision": revision}),
        "stop preview": ("/patients/P017/change", {"kind": "stop", "component": "cisplatin",
                                                   "from": "2026-03-24", "reason": "耳毒性",
                                                   "revision": revision}),
        "delay refused": ("/patients/P017/change", {"kind": "delay", "regimen": "immunochemo", "cycle": "99",
                                                    "days": "7", "reason": "x", "revision": revision}),
        "stale delay": ("/patients/P017/change", {"kind": "delay", "regimen": "immunochemo", "cycle": "4",
                                                  "days": "7", "reason": "血小板减少", "revision": "1"}),
        "record preview late": ("/patients/P017/record", {"ref": "immunochemo/c2/d1/pd1", "status": "given",
                                                          "on": "2026-02-26", "revision": revision}),
        "record refused: future": ("/patients/P017/record", {
            "ref": "immunochemo/c3/d1/pd1", "status": "given", "on": "2026-03-26", "revision": revision}),
        "record preview missed": ("/patients/P017/record", {"ref": "rt/f1", "status": "missed",
                                                            "reason": "设备故障", "revision": revision}),
        "record refused": ("/patients/P017/record", {"ref": "rt/f1", "status": "missed", "reason": "",
                                                     "revision": revision}),
        "revert preview": ("/patients/P017/revert/5", {"reason": "误操作", "revision": revision}),
        "closure preview": ("/closures", {"from": "2026-03-20", "to": "", "resource": "",
                                          "reason": "院内停电"}),
        "closure refused": ("/closures", {"from": "2026-02-30", "reason": "停电"}),
        "registration preview": ("/patients/new", {"key": "P030", "label": "李强", "template": "tc-6",
                                                   "start": "2026-03-23", "holidays": "CN",
                                                   "tz": "Asia/Shanghai", "lang": "zh", "action": "preview"}),
        "registration (part)": ("/patients/new/preview", {"key": "P030", "template": "nct06478355",
                                                        "start": "2026-03-21", "action": "preview"}),
        "registration refused": ("/patients/new", {"key": "P030", "template": "tc", "start": "2026-13-01",
                                                   "action": "preview"}),
        "issue again": ("/patients/P017/issue", {"lang": "zh", "paper": "a4"}),
        "validate": ("/validate", {"text": CLINIC_TC}),
        "validate refused": ("/validate", {"text": CLINIC_TC.replace("cycle_days: 21", "cycle_days: 0")}),
        "people: added": ("/admin/people", {"name": "sun.li", "role": "coordinator"}),
        "people: refused": ("/admin/people", {"name": "li.na", "role": "coordinator"}),
        "template check (part)": ("/admin/templates/check", {"text": CLINIC_TC, "start": "2026-03-23"}),
        "template preview": ("/admin/templates", {"text": CLINIC_TC, "start": "2026-03-23",
                                                  "action": "check"}),
        "template refused": ("/admin/templates", {
            "text": CLINIC_TC.replace("cycle_days: 21", "cycle_days: 0"), "action": "draft"}),
        "own approval refused": ("/admin/templates/tc-6/3/approve", {}),
        "move preview": ("/patients/P100/move", {"version": "2", "reason": "新版方案",
                                                 "revision": _revision(client, "P100")}),
        "move refused": ("/patients/P100/move", {"version": "3", "reason": "新版方案",
                                                 "revision": _revision(client, "P100")}),
        "settings preview": ("/admin/settings", {"region": "CN", "timezone": "Asia/Shanghai",
                                                 "closed": "2026-05-01..2026-05-05=劳动节", "reason": ""}),
        "account refused": ("/account", {"action": "password", "current": "x", "new": "a", "repeat": "b"}),
        "drafting": ("/templates/draft", {"record": SEED_RECORD, "action": "draft"}),
        "bad revision": ("/patients/P017/change", {"kind": "delay", "revision": "x"}),
    }
    answers = {name: client.post(path, data={"csrf": csrf, **data}, follow_redirects=False)
               for name, (path, data) in posts.items()}
    for name, answer in answers.items():
        assert answer.status_code not in (303, 500), (name, answer.status_code)
    return answers


SEED_RECORD = (Path(__file__).parent / "data" / "drafts" / "records" / "seed-nct06478355.txt").read_text(
    encoding="utf-8")
def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|code|pre|textarea)\b.*?</\1>", " ", page, flags=re.S)
    # A template's own words (its review notes) are marked as English: data, not the app's messages.
    page = re.sub(r"<(span|a)\b[^>]*\blang=\"en\"[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<option [^>]*value=\"(en|zh|en\+zh|a4)\"[^>]*>[^<]*</option>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def _english_fragments(chinese) -> set[str]:
    """Pieces of every English message long enough to be recognised (two words or more),
    between its placeholders and tags."""
    fragments = set()
    for message in chinese:
        for text in _ids(message.id) if message.id else ():
            for piece in re.split(r"%\(\w+\)s|<[^>]+>", text):
                piece = piece.strip(" .,:;()·—“”")
                if len(piece.split()) >= 2 and re.search(r"[a-z]{3}", piece):
                    fragments.add(piece)
    return fragments


ELEMENTS = re.compile(r"<(th|button|h1|h2|h3|summary|a|label|option|legend|span)\b[^>]*>\s*([^<]+?)\s*<")


WORDS = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*")
DATA = re.compile(r"""
    \b(?:P0\d\d|PREVIEW)\b                                     # patient keys
  | \b(?:li\.na|chen\.jie|wang\.fang|zhao\.lei|sun\.li|root)\b  # people's user names
  | \b[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*(?:/[a-z0-9-]+)+\b      # event references (immunochemo/c3/d1/pd1)
  | \b(?:nct\d+|NCT\d+|tc(?:-\d)?|[a-z]+(?:[-_][a-z0-9]+)+)\b  # template, component, parameter ids
  | \b(?:https?|webcal)://\S+ | \b\S+\.(?:ics|pdf|yaml|json|csv|txt)\b   # addresses, files
  | \b[A-Z][a-z]+/[A-Za-z_]+\b | \bUTC\b                        # time zones (Asia/Shanghai)
""", re.X)
"""Words on a Chinese page that are data, not the app's messages."""
NAMES = {
    # products and formats a Chinese page names as they are
    "Google", "Apple", "Outlook", "Thunderbird", "ICSx", "Android", "iPhone", "iOS", "webcal", "https",
    "PDF", "FHIR", "JSON", "CSV", "YAML", "QR", "URL", "ICS", "iCalendar", "Letter", "R4", "CarePlan",
    "ClinicalTrials", "Microsoft", "Gy", "scheduler",  # and the app's own name
    # regions, a resource's id, and what the reminders field takes (evening@18:00, none)
    "CN", "US", "GB", "ENG", "CA", "linac", "ics", "evening", "none",
}


def _english_left(page: str, fragments: set[str], words: set[str], codes: set[str]) -> list[str]:
    """Every English message or word left in a page's visible text (data aside)."""
    text = _visible_text(page)
    found = sorted(f for f in fragments if f in text)
    found += sorted({m.group(2) for m in ELEMENTS.finditer(page) if m.group(2) in words})
    found += sorted({w for w in WORDS.findall(DATA.sub(" ", text))
                     if w not in NAMES and w not in codes and len(w) > 1})  # 1h, 30m: units
    return found


def _codes() -> set[str]:
    """Latin words that are the templates' own data on a Chinese page: the calendar codes of
    every shipped template's components (IO, nP, DDP, RT), their ids, and the Latin words of
    their Chinese names (PD-1, TC, FOLFIRINOX, mg: regimen and drug abbreviations a Chinese
    clinic writes as they are)."""
    from scheduler.core.loader import load_template_file, shipped_templates
    from scheduler.core.protocol import Regimen

    found = set()
    for info in shipped_templates():
        template = load_template_file(info.path)
        found.update([info.id, *WORDS.findall(info.id), *template.parameters])
        found.update(c.id for c in template.components)
        things = [template, *template.components]
        things += [d for c in template.components if isinstance(c, Regimen) for d in c.drugs]
        for thing in things:
            found.update([getattr(thing, "code", "") or "", thing.id if thing is not template else ""])
            translation = thing.translations.get("zh")
            found.update(WORDS.findall(getattr(translation, "name", "") or ""))
    return found - {""}


def test_every_page_in_chinese_has_no_english_left(web, chinese):
    """Every GET route of the app (from ``app.routes``), the pages reached by a POST (previews,
    refusals, confirmations) and the error pages, rendered in Chinese: no English message of
    the catalog and no English word is left, the data aside (keys, user names, ids, references,
    codes, addresses)."""
    import sqlalchemy as sa

    from scheduler.web import failures
    from scheduler.web.i18n import current

    client, link = web
    fragments = _english_fragments(chinese)
    words = {m.id for m in chinese if isinstance(m.id, str) and " " not in m.id and m.id.isalpha()}
    codes = _codes()
    anonymous = TestClient(client.app, headers={"Accept-Language": "zh-CN"})
    pages = {}
    for url in _pages(client.app, link):
        visitor = anonymous if url.startswith(("/login", "/reset/")) else client
        pages[url] = visitor.get(url, follow_redirects=False)
        if pages[url].status_code == 303:  # a page that answers with another (a bad query): that one
            pages[url] = visitor.get(pages[url].headers["location"])
    pages.update(_previews(client))
    viewer = TestClient(client.app, headers={"Accept-Language": "zh-CN"})
    csrf = re.search(r'name="csrf" value="([^"]+)"', viewer.get("/login").text).group(1)
    viewer.post("/login", data={"csrf": csrf, "name": "zhao.lei", "password": PASSWORD})
    pages["403 viewer"] = viewer.post("/patients/P017/end", data={"csrf": _csrf(viewer), "reason": "x"})
    pages["403 admin page"] = viewer.get("/admin/people")
    pages["405"] = client.get("/logout")
    environment = client.app.state.site.templates.env
    language = current.set("zh")
    try:
        for name, error in (("503", sa.exc.OperationalError("SELECT", {}, Exception("gone"))),
                            ("500", RuntimeError("bug")), ("404 overflow", OverflowError())):
            answer = failures.answer_for(error, environment, "/patients/P017")
            pages[name] = type("Page", (), {"text": answer.body.decode(), "status_code": answer.status_code})
    finally:
        current.reset(language)
    assert [pages[n].status_code for n in ("403 viewer", "403 admin page", "405", "503", "500")] == [
        403, 403, 405, 503, 500]
    left = {}
    for path, response in pages.items():
        assert path.endswith("(part)") or '<html lang="zh">' in response.text, path
        found = _english_left(response.text, fragments, words, codes)
        if found:
            left[path] = found
    assert left == {}
    patient = _visible_text(pages["/patients/P017"].text)
    assert "推迟周期" in patient and "2026年3月" in patient and "谷歌日历 3 小时前已获取" in patient
    assert "放疗 第1/30次" in patient and "PD-1 抑制剂 第3周期第1天" in patient
    assert "由 2026-02-09 调整：2026-02-11 给药，比原定日期晚 2 天" in patient
    assert "退出登录" in pages["/"].text
    worklist = _visible_text(pages["/worklist?days=7"].text)
    assert "紧急" in worklist and "放疗科" in worklist and "计划中" in worklist
    deviations = _visible_text(pages["/deviations"].text)
    assert "未给药（原定 2026-02-24）" in deviations and "2026-02-11 已给药，比原定日期晚 2 天" in deviations
    assert "暂时无法连接患者登记库" in pages["503"].text


def test_a_persons_setting_wins_over_the_browser(web):
    client, _ = web
    account = client.get("/account").text
    token = re.search(r'name="csrf" value="([^"]+)"', account).group(1)
    client.post("/account", data={"csrf": token, "action": "language", "language": "en"})
    try:
        page = client.get("/").text
        assert '<html lang="en">' in page and "Log out" in page and "退出登录" not in page
    finally:
        client.post("/account", data={"csrf": token, "action": "language", "language": ""})
    assert '<html lang="zh">' in client.get("/").text
