"""The page "New template from a registry record", through the ASGI client (the browser test
is tests/test_browser_drafting.py): drafting, the words each value came from, checking an
edited draft, previewing its dates, the download, and errors in words."""

from __future__ import annotations

import html
import json
import re

from click.testing import CliRunner

from scheduler.cli import cli
from tests.test_web import logged_in, web  # noqa: F401  (fixtures)

from .conftest import DATA

SEED = (DATA / "drafts" / "records" / "seed-nct06478355.txt").read_text(encoding="utf-8")


def _yaml(page: str) -> str:
    found = re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found
    return html.unescape(found.group(1))


def test_the_page_is_behind_the_login(web):  # noqa: F811
    response = web.client.get("/templates/draft", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_drafting_the_seed_shows_each_value_where_it_was_read(logged_in):  # noqa: F811
    response = logged_in.post("/templates/draft", {"record": SEED, "action": "draft"})
    assert response.status_code == 200
    page = response.text
    marks = re.findall(r'<mark class="(\w+)" id="w-(\d+)" title="([^"]*)">([^<]*)</mark>', page)
    by_words = {html.unescape(words): (status, html.unescape(title)) for status, _, title, words in marks}
    assert by_words["d1,d8"] == ("stated", "components[0].drugs[1].days")
    assert by_words["every 3 weeks"] == ("inferred", "components[0].cycle_days; components[0].drugs[0].days")
    assert by_words["from week 7 to week 12"] == ("stated",
                                                  "components[1].start; components[1].planned_weeks")
    assert by_words["China"] == ("inferred", "calendar.holidays")
    assert "1 value not stated in the record" in page
    assert re.search(r'<tr class="open">\s*<td><code>parameters.chemotherapy_drug_cycles.default</code>',
                     page)
    assert _yaml(page) == CliRunner().invoke(cli, ["draft", str(DATA / "drafts" / "records" /
                                                             "seed-nct06478355.txt")]).stdout


def test_an_edited_draft_is_checked_and_its_dates_previewed(logged_in):  # noqa: F811
    drafted = _yaml(logged_in.post("/templates/draft", {"record": SEED, "action": "draft"}).text)
    refused = logged_in.post("/templates/draft", {"record": SEED, "yaml": drafted, "action": "check",
                                                  "start": "2026-01-05"})
    assert refused.status_code == 400
    assert re.search(r"<li><code>draft:\d+: parameters.chemotherapy_drug_cycles.default: not stated in "
                     r"the record: fill it in</code></li>", refused.text)
    filled = drafted.replace("default: not stated", "default: 4")
    checked = logged_in.post("/templates/draft", {"record": SEED, "yaml": filled, "action": "check",
                                                  "start": "2026-01-05", "tz": "Asia/Shanghai"})
    assert checked.status_code == 200, checked.text
    assert "A valid template <code>nct06478355-draft</code> with 2 components." in checked.text
    rows = re.findall(r'<tr><td class="nowrap">(\d{4}-\d\d-\d\d)</td>', checked.text)
    shown = CliRunner().invoke(cli, ["show", "nct06478355", "--start", "2026-01-05", "--tz",
                                     "Asia/Shanghai", "--set", "chemo_cycles=4", "--json"]).stdout
    assert sorted(rows) == sorted(e["date"] for e in json.loads(shown))
    assert len(rows) == 59
    # the edited YAML is kept in the form, not replaced by a new draft
    assert _yaml(checked.text) == filled


def test_the_draft_downloads_as_a_yaml_file(logged_in):  # noqa: F811
    drafted = _yaml(logged_in.post("/templates/draft", {"record": SEED, "action": "draft"}).text)
    response = logged_in.post("/templates/draft", {"record": SEED, "yaml": drafted.replace("\n", "\r\n"),
                                                   "action": "download"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="nct06478355-draft.yaml"'
    assert response.content == drafted.encode("utf-8")


def test_records_that_cannot_be_read_are_said_in_words(logged_in):  # noqa: F811
    empty = logged_in.post("/templates/draft", {"record": "  ", "action": "draft"})
    assert empty.status_code == 400 and "Paste the record first" in empty.text
    broken = logged_in.post("/templates/draft", {"record": "{oops", "action": "draft"})
    assert broken.status_code == 400
    assert "the record looks like JSON but is not valid JSON" in html.unescape(broken.text)
    no_arm = logged_in.post("/templates/draft", {"record": SEED, "arm": "placebo", "action": "draft"})
    assert no_arm.status_code == 400 and "Arm: no arm matches 'placebo'" in html.unescape(no_arm.text)
