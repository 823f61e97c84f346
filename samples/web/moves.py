"""Screenshots of moving patients to a new template version and of a delay's preview, at 1280
and 390 px, in headless Chromium (Debian's; nothing is downloaded).

Run from the repository root: ``.venv/bin/python samples/web/moves.py``. A temporary registry
holds two admins, a clinic template ``tc-6`` with version 2 (28-day cycles) published, patient
P100 on version 1 with cycle 2 given two days late, and the seed protocol's P017 with its
first dose recorded.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import uvicorn
from click.testing import CliRunner
from playwright.sync_api import sync_playwright

from scheduler.cli import cli
from scheduler.core.loader import load_template_text
from scheduler.registry import opened
from scheduler.services import clinic_templates, patients, people, treatment
from scheduler.services.options import PlanOptions
from scheduler.web import create_app

sys.path.insert(0, str(Path(__file__).parent))
from make import ARGS, CHROMIUM, HERE, free_port

PASSWORD = "correct horse battery"
NOW = datetime(2026, 4, 1, 9, tzinfo=UTC)


def registry(db: str) -> None:
    tc = (Path("templates") / "tc.yaml").read_text()
    v1 = tc.replace("id: tc\n", "id: tc-6\n").replace(
    "{of: tc,", "{of: tc-6,").replace("name: TC", "name: Clinic TC").replace(
        "default: 4", "default: 6")
    with opened(db, create=True) as found:
        for name in ("li.na", "chen.jie"):
            people.add(found, people.new(name, PASSWORD, "admin", "root", NOW))
        saved = clinic_templates.draft(found, v1, "li.na", NOW)
        clinic_templates.approve(found, "tc-6", saved.version, "chen.jie", NOW)
        patients.register(found, patients.prepare_loaded(
            "P100", None, load_template_text(v1, "registry:tc-6 v1"), v1.encode("utf-8"), "registry:tc-6 v1",
            PlanOptions(start=date(2026, 3, 2)), NOW, "li.na").stored)
        treatment.record(found, "P100", "tc-6/c2/d1/docetaxel", "given", date(2026, 3, 25), None, "", "li.na",
                         NOW)
        saved = clinic_templates.draft(found, v1.replace("cycle_days: 21", "cycle_days: 28"), "li.na", NOW)
        clinic_templates.approve(found, "tc-6", saved.version, "chen.jie", NOW)
    for args in (["patient", "add", "P017", "nct06478355", "--start", "2026-03-02"],
                 ["record", "P017", "immunochemo/c1/d1/pd1", "--status", "given"]):
        result = CliRunner().invoke(cli, [*args, "--db", db, "--now", "2026-03-02T10:00:00Z"])
        assert result.exit_code == 0, result.output


def main() -> None:
    db = str(Path(tempfile.mkdtemp()) / "registry.sqlite3")
    registry(db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(db, base_url=base, issue_dir=Path(tempfile.mkdtemp()), clock=lambda: NOW)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/login")
            page.fill("input[name=name]", "chen.jie")
            page.fill("input[name=password]", PASSWORD)
            page.click("button.primary")
            page.wait_for_url(base + "/worklist")

            def both(name: str, path: str, then: object = None) -> None:
                for width, prefix in ((1280, ""), (390, "phone-")):
                    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
                    page.goto(base + path)
                    if callable(then):
                        then()
                    page.screenshot(path=str(HERE / f"{prefix}{name}.png"), full_page=True)
                    print(f"Wrote samples/web/{prefix}{name}.png")

            both("18-move-candidates", "/templates/tc-6/2/patients",
                 lambda: page.click("#p-P100 summary"))
            both("19-move", "/patients/P100/move?version=2")

            def delay() -> None:
                page.fill("input[name=cycle]", "3")
                page.fill("input[name=days]", "7")
                page.fill("input[name=reason]", "neutropenia")
                page.click("button[value=preview]")

            both("20-delay-effects", "/patients/P017/change?kind=delay", delay)
            browser.close()
    finally:
        server.should_exit = True


if __name__ == "__main__":
    main()
