"""In Chromium: a coordinator drafts the seed's record, sees each value where it was read,
fills in the open number, validates and previews the dates, and downloads the YAML."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import cli
from tests.test_browser import PASSWORD, browser_page, server  # noqa: F401  (fixtures)

from .conftest import DATA

SEED = DATA / "drafts" / "records" / "seed-nct06478355.txt"
SHOTS = os.environ.get("SCHEDULER_SCREENSHOTS")
"""A folder to save the page's screenshots in (1280 and 390 px wide), to look at."""


def test_a_coordinator_drafts_the_seed_and_previews_its_dates(server, browser_page, tmp_path):  # noqa: F811
    page = browser_page
    page.goto(server + "/templates/draft")
    page.fill("input[name=name]", "li.na")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    assert page.url == server + "/templates/draft"

    page.fill("textarea[name=record]", SEED.read_text(encoding="utf-8"))
    page.click("button[value=draft]")
    page.wait_for_load_state()
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "after-draft.png"), full_page=True)
    page.wait_for_selector("pre.record mark", state="attached")
    # each value highlighted where it was read; the open one marked in the list
    assert page.locator("pre.record mark.stated", has_text="d1,d8").count() == 1
    assert page.locator("pre.record mark.inferred", has_text="every 3 weeks").count() == 1
    open_rows = page.locator("table.provenance tr.open code").all_inner_texts()
    assert open_rows[0] == "parameters.chemotherapy_drug_cycles.default"
    page.click("table.provenance a:text('“d1,d8”')")
    mark = page.locator("pre.record mark", has_text="d1,d8").get_attribute("id")
    assert page.url.endswith(f"#{mark}")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "draft-1280.png"), full_page=True)

    # validate: refused until the open number is given
    page.fill("input[name=start]", "2026-01-05")
    page.fill("input[name=tz]", "Asia/Shanghai")
    page.click("button[value=check]")
    page.wait_for_selector("#checked .error")
    assert "not stated in the record: fill it in" in page.locator("#checked .error").inner_text()

    yaml_text = page.input_value("textarea[name=yaml]")
    page.fill("textarea[name=yaml]", yaml_text.replace("default: not stated", "default: 4"))
    page.click("button[value=check]")
    page.wait_for_selector("#preview-events")
    valid = page.locator("#checked p.flash").inner_text()
    assert "A valid template nct06478355-draft with 2 components." in valid
    dates = page.locator("#preview-events tbody td:first-child").all_inner_texts()
    shown = CliRunner().invoke(cli, ["show", "nct06478355", "--start", "2026-01-05", "--tz", "Asia/Shanghai",
                                     "--set", "chemo_cycles=4", "--json"]).stdout
    assert sorted(dates) == sorted(e["date"] for e in json.loads(shown))
    assert page.locator("#checked table.month").count() == 3
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "preview-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(Path(SHOTS) / "preview-390.png"), full_page=False)
        page.set_viewport_size({"width": 1280, "height": 900})

    # download what is in the box
    with page.expect_download() as download:
        page.click("button[value=download]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "nct06478355-draft.yaml"
    assert saved.read_text(encoding="utf-8") == page.input_value("textarea[name=yaml]").replace("\r\n", "\n")
    assert "default: 4" in saved.read_text(encoding="utf-8")
