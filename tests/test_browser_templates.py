"""A clinic template in a real browser: pasted with a mistake (every problem shown as it is
typed), fixed, previewed, saved as a draft; its author cannot approve it, a second admin
does; registration then offers it and a patient is registered on it."""

from __future__ import annotations

from pathlib import Path

from scheduler.registry import opened
from tests.clinic_browser import PASSWORD, chromium, cli_run, log_in, served

TC = (Path(__file__).parents[1] / "templates" / "tc.yaml").read_text()
CLINIC = TC.replace("\nid: tc\n", "\nid: tc-6\n").replace("name: TC", "name: Clinic TC").replace(
    "default: 4", "default: 6")


def test_a_template_is_drafted_approved_by_a_second_admin_and_used(tmp_path):
    db = str(tmp_path / "registry.sqlite3")
    for name in ("li.na", "chen.jie"):
        cli_run(db, "user", "add", name, "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    with served(db, tmp_path) as base, chromium() as browser:
        author = browser.new_context().new_page()
        log_in(author, base, "li.na")
        author.goto(base + "/patients/new")
        assert author.locator("select[name=template] option[value=tc-6]").count() == 0
        author.click("header nav >> text=Admin")
        author.click("nav.subnav >> text=Clinic templates")
        author.fill("textarea[name=text]", CLINIC.replace("cycle_days: 21", "cycle_days: 0")
                    .replace("maximum: 6", "maximum: 0"))
        author.wait_for_selector("#template-check >> text=2 problems")
        lines = CLINIC.splitlines()  # the lines of tc.yaml's 'cycles:' parameter and 'cycle_days'
        cycles, days = lines.index("  cycles:") + 1, lines.index("    cycle_days: 21") + 1
        assert author.locator("#template-check ul.problems li").all_inner_texts() == [
            f"pasted text:{cycles}: parameters.cycles: minimum 1 is above maximum 0",
            f"pasted text:{days}: components[0].cycle_days: must be at least 1 (got 0)"]
        author.fill("textarea[name=text]", CLINIC)
        author.fill("input[name=start]", "2026-03-02")
        # 6 cycles of 8 events (docetaxel, cyclophosphamide, dexamethasone twice on days 0-2), and
        # blood tests before cycles 2-6 (added after the clinical read of December 2026): 53
        author.wait_for_selector("#template-check >> text=53 events")
        assert author.locator("#template-check table.month caption").all_inner_texts() == [
            "March 2026", "April 2026", "May 2026"]
        author.click("button[value=draft]")
        author.wait_for_url(base + "/admin/templates")
        assert "Saved tc-6 version 1 as a draft" in author.inner_text("p.flash")
        author.click("#t-tc-6-1 button[value=approve]")
        assert author.inner_text("p.error") == (
            "tc-6 version 1: you drafted it, so a second admin must approve it")
        author.goto(base + "/patients/new")
        assert author.locator("select[name=template] option[value=tc-6]").count() == 0

        reviewer = browser.new_context().new_page()
        log_in(reviewer, base, "chen.jie")
        reviewer.goto(base + "/admin/templates")
        reviewer.click("#t-tc-6-1 button[value=approve]")
        assert "Published tc-6 version 1" in reviewer.inner_text("p.flash")
        assert reviewer.inner_text("#t-tc-6-1 td:nth-child(3)") == "published"

        author.goto(base + "/patients/new")
        author.fill("input[name=key]", "P100")
        author.select_option("select[name=template]", "tc-6")
        author.fill("input[name=start]", "2026-03-02")
        author.wait_for_selector("#preview >> text=53 events")  # 6 x 8, and 5 blood tests
        author.click("button[value=save]")
        author.wait_for_url(base + "/patients/P100")
    with opened(db) as registry:
        stored = registry.plan("P100")
    assert (stored.template_id, stored.template_path, stored.template_text) == (
        "tc-6", "registry:tc-6 v1", CLINIC)
