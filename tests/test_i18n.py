"""The web app in Chinese: every message translated, the compiled catalogs current, every
page rendered in Chinese with no English message left, and the language chosen by the
person's setting, else the browser's Accept-Language."""

from __future__ import annotations

import html
import re
import sys
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


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("zh")
    db = str(tmp_path / "registry.sqlite3")

    def run(*args: str, stdin: str | None = None) -> str:
        result = CliRunner().invoke(cli, [*args, "--db", db], input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    run("user", "add", "li.na", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    run("user", "add", "zhao.lei", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")
    run("patient", "add", "P017", "nct06478355", "--start", "2026-01-05", "--now", "2026-01-02T09:00:00Z")
    run("delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia", "--now",
        "2026-02-20T09:00:00Z")
    run("issue", "P017", "--output", str(tmp_path / "out"), "--now", "2026-02-20T10:00:00Z")
    link = run("user", "reset", "zhao.lei").splitlines()[1].rsplit("/", 1)[1]
    _clinic_template_with_two_versions(db)
    app = create_app(db, issue_dir=tmp_path / "issued", secret="x" * 32, https_only=False)
    client = TestClient(app, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf": token, "name": "li.na", "password": PASSWORD})
    return client, link


def _clinic_template_with_two_versions(db: str) -> None:
    """tc-6 version 1 with patient P100 on it, and version 2 published (28-day cycles)."""
    from datetime import UTC, date, datetime

    from scheduler.core.loader import load_template_text
    from scheduler.registry import opened
    from scheduler.services import clinic_templates, patients, people
    from scheduler.services.options import PlanOptions

    now = datetime(2026, 1, 2, 9, tzinfo=UTC)
    v1 = (Path(__file__).parents[1] / "templates" / "tc.yaml").read_text().replace(
        "id: tc\n", "id: tc-6\n").replace("name: TC", "name: Clinic TC")
    with opened(db) as registry:
        people.add(registry, people.new("chen.jie", PASSWORD, "admin", "root", now))
        for text in (v1, v1.replace("cycle_days: 21", "cycle_days: 28")):
            saved = clinic_templates.draft(registry, text, "li.na", now)
            clinic_templates.approve(registry, "tc-6", saved.version, "chen.jie", now)
            if saved.version == 1:
                patients.register(registry, patients.prepare_loaded(
                    "P100", None, load_template_text(text, "registry:tc-6 v1"), text.encode("utf-8"),
                    "registry:tc-6 v1", PlanOptions(start=date(2026, 3, 2)), now, "li.na").stored)


PAGES = ["/", "/?q=nobody", "/patients/new", "/patients/P017", "/patients/P017/change?kind=delay",
         "/patients/P017/change?kind=hold", "/patients/P017/change?kind=stop", "/patients/P017/revert/1",
         "/patients/P017/subscribe", "/templates", "/validate", "/admin/people", "/admin/templates",
         "/admin/settings", "/account", "/no-such-page", "/patients/P100", "/templates/tc-6/2/patients",
         "/patients/P100/move?version=2"]


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|code|pre|textarea)\b.*?</\1>", " ", page, flags=re.S)
    # A template's own words (its review notes) are marked as English: data, not the app's messages.
    page = re.sub(r"<span lang=\"en\">.*?</span>", " ", page, flags=re.S)
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


def test_every_page_in_chinese_has_no_english_message_left(web, chinese):
    client, link = web
    fragments = _english_fragments(chinese)
    words = {m.id for m in chinese if isinstance(m.id, str) and " " not in m.id and m.id.isalpha()}
    anonymous = TestClient(client.app, headers={"Accept-Language": "zh-CN"})
    pages = {path: client.get(path) for path in PAGES}
    pages["/login"] = anonymous.get("/login")
    form = pages["/patients/P017/change?kind=delay"].text
    pages["/patients/P017/change (a delay's preview)"] = client.post("/patients/P017/change", data={
        "csrf": re.search(r'name="csrf" value="([^"]+)"', form).group(1), "kind": "delay", "revision": "1",
        "cycle": "4", "days": "21", "reason": "neutropenia", "action": "preview"})
    assert "保持不变" in pages["/patients/P017/change (a delay's preview)"].text
    assert "因计划时限而删去" in pages["/patients/P017/change (a delay's preview)"].text
    assert "转到 tc-6 的第 2 版" in pages["/patients/P100/move?version=2"].text
    pages["/reset/<link>"] = anonymous.get(f"/reset/{link}")
    pages["/reset/<unknown>"] = anonymous.get("/reset/unknown")
    left = {}
    for path, response in pages.items():
        assert '<html lang="zh">' in response.text, path
        text = _visible_text(response.text)
        found = sorted(f for f in fragments if f in text)
        found += sorted({m.group(2) for m in ELEMENTS.finditer(response.text) if m.group(2) in words})
        if found:
            left[path] = found
    assert left == {}
    assert "推迟周期" in pages["/patients/P017"].text and "2026年3月" in pages["/patients/P017"].text
    assert "退出登录" in pages["/"].text


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
