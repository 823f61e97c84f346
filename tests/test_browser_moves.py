"""Moving a patient to a new version of a clinic template, in a real browser: a second admin
publishes version 2; its page lists the patient on version 1 with what would move; the move
is previewed, recorded, and the patient's page shows the plan on version 2 and the change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scheduler.core.loader import load_template_text
from scheduler.registry import opened
from scheduler.services import clinic_templates, moves, patients
from scheduler.services.options import PlanOptions
from tests.clinic_browser import NOW, PASSWORD, chromium, cli_run, log_in, served

TC = (Path(__file__).parents[1] / "templates" / "tc.yaml").read_text()
V1 = TC.replace("id: tc\n", "id: tc-6\n").replace(
    "{of: tc,", "{of: tc-6,").replace("name: TC", "name: Clinic TC").replace(
    "default: 4", "default: 6")
V2 = V1.replace("cycle_days: 21", "cycle_days: 28")


def test_a_patient_is_moved_to_the_new_version_after_its_preview(tmp_path):
    db = str(tmp_path / "registry.sqlite3")
    for name in ("li.na", "chen.jie"):
        cli_run(db, "user", "add", name, "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    with opened(db) as registry:
        saved = clinic_templates.draft(registry, V1, "li.na", NOW)
        clinic_templates.approve(registry, "tc-6", saved.version, "chen.jie", NOW)
        template = load_template_text(V1, "registry:tc-6 v1")
        patients.register(registry, patients.prepare_loaded(
            "P100", None, template, V1.encode("utf-8"), "registry:tc-6 v1",
            PlanOptions(start=date(2026, 3, 2)), NOW, "li.na").stored)
    with served(db, tmp_path) as base, chromium() as browser:
        author = browser.new_context().new_page()
        log_in(author, base, "li.na")
        author.goto(base + "/admin/templates")
        author.fill("textarea[name=text]", V2)
        author.wait_for_selector("#template-check >> text=valid", timeout=10000)
        author.click("button[value=draft]")
        author.wait_for_url(base + "/admin/templates")
        assert "Saved tc-6 version 2 as a draft" in author.inner_text("p.flash")

        reviewer = browser.new_context().new_page()
        log_in(reviewer, base, "chen.jie")
        reviewer.goto(base + "/admin/templates")
        reviewer.click("#t-tc-6-2 button[value=approve]")
        assert "Published tc-6 version 2" in reviewer.inner_text("p.flash")
        reviewer.click("#t-tc-6-2 >> text=Patients on earlier versions")
        reviewer.wait_for_url(base + "/templates/tc-6/2/patients")
        listed = reviewer.locator("#p-P100")
        assert "on version 1" in listed.locator("h2").inner_text()
        assert "45 moved, 0 added, 0 removed." in listed.inner_text()
        listed.locator("summary").click()
        rows = listed.locator("table.moves tbody tr")
        assert rows.count() == 45  # 40 treatment events and 5 blood tests
        assert rows.nth(0).locator("td").all_inner_texts() == [
            "labs/c2\nBlood tests – before cycle 2", "2026-03-20 → 2026-03-27"]
        assert rows.nth(1).locator("td").all_inner_texts() == [
            "tc-6/c2/d0/dexamethasone/t1\nDexamethasone (premedication) – cycle 2, day 0, 08:00",
            "2026-03-22 → 2026-03-29"]
        author.goto(base + "/patients/P100")  # the other admin opens the move before it is made
        author.click(".newer-version >> text=See what moving to version 2 does…")
        author.wait_for_url(base + "/patients/P100/move?version=2")
        listed.locator("text=Move…").click()
        reviewer.wait_for_url(base + "/patients/P100/move?version=2")
        assert reviewer.locator("table.moves tbody tr").count() == 45
        reviewer.fill("input[name=reason]", "protocol amendment 2")
        reviewer.click("button[value=preview]")
        reviewer.click("button[value=commit]")
        reviewer.wait_for_url(base + "/patients/P100")
        assert reviewer.inner_text("p.flash") == (
            "Recorded: Moved to version 2 of Clinic TC (docetaxel + cyclophosphamide) every 21 days: "
            "protocol amendment 2 (change 1).")
        history = reviewer.locator("#changes + table tbody tr").first.locator("td").all_inner_texts()
        assert history[:3] == ["1", "Moved to version 2 of Clinic TC (docetaxel + cyclophosphamide) every 21 "
                               "days: protocol amendment 2", "chen.jie"]
        assert reviewer.locator(".newer-version").count() == 0
        events = reviewer.inner_text("#events")
        assert "2026-03-30" in events and "2026-03-23" not in events

        # The other admin's page was opened before the move: their move is refused, in words.
        author.fill("input[name=reason]", "amendment")
        author.click("button[value=commit]")
        assert author.inner_text("p.error >> nth=0") == (
            "The plan changed since you opened it. chen.jie moved the plan to version 2 of Clinic TC "
            "(docetaxel + cyclophosphamide) every 21 days at 09:00. Below is what your change does to the "
            "plan as it is now; confirm again if it is still right.")
        assert "P100 is on version 2 of 'tc-6' already" in author.inner_text("p.error >> nth=1")
        author.goto(base + "/templates/tc-6/2/patients")
        assert author.locator("#p-P100").count() == 0
    with opened(db) as registry:
        now = patients.snapshot(registry, "P100")
    assert moves.version_of(now.stored, now.changes) == 2
    assert [e.date.isoformat() for e in now.plan.events if e.ref.endswith("/d1/docetaxel")] == [
        "2026-03-02", "2026-03-30", "2026-04-27", "2026-05-25", "2026-06-22", "2026-07-20"]
