"""Screenshots of every page of the web app, from a demo registry, in headless Chromium.

Run from the repository root: ``.venv/bin/python samples/web/make.py``. It makes a registry in
a temporary folder (one coordinator, the seed protocol for patient P017 with a delay and doses
recorded, a folder of the clinic's own templates with one valid and one draft), serves
it on a free port of 127.0.0.1, drives Debian's Chromium through Playwright (nothing is
downloaded) and writes one PNG per page into this folder; the ``-zh`` ones in Chinese, as a
browser that asks for Chinese sees them.
"""

from __future__ import annotations

import re
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from click.testing import CliRunner
from playwright.sync_api import sync_playwright

from scheduler.cli import cli
from scheduler.web import create_app

HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    db = str(folder / "registry.sqlite3")
    invoke = CliRunner().invoke
    invoke(cli, ["user", "add", "li.na", "--admin", "--password-stdin", "--now", "2026-03-02T08:00:00Z",
                 "--author", "root", "--db", db],
           input="correct horse battery\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clinic = folder / "clinic-templates"  # the clinic's own templates (serve --templates)
    clinic.mkdir()
    tc = (Path("templates") / "tc.yaml").read_text()
    clinic_tc = (re.sub(r"^name: TC", "name: Clinic TC, 6 cycles", tc.replace("\nid: tc\n", "\nid: tc-6\n"),
                        flags=re.M).replace("default: 4", "default: 6"))
    (clinic / "tc-6.yaml").write_text(clinic_tc)
    (clinic / "draft.yaml").write_text("id: draft\nname: A draft\ncomponents: []\n")
    app = create_app(db, base_url=base, issue_dir=folder / "issued",
                     clock=lambda: datetime(2026, 3, 20, 9, tzinfo=UTC), templates_folder=clinic)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def shot(name: str, full: bool = True) -> None:
                page.screenshot(path=str(HERE / f"{name}.png"), full_page=full)
                print(f"Wrote samples/web/{name}.png")

            page.goto(base + "/")
            shot("01-login", full=False)
            page.fill("input[name=name]", "li.na")
            page.fill("input[name=password]", "correct horse battery")
            page.click("button.primary")
            page.goto(base + "/patients/new")
            page.fill("input[name=key]", "P017")
            page.fill("input[name=label]", "Patient 017")
            page.select_option("select[name=template]", "nct06478355")
            page.fill("input[name=start]", "2026-03-02")
            page.click("button[value=preview]")
            shot("03-register-preview")
            page.click("button[value=save]")
            page.goto(base + "/patients/P017/change?kind=delay")
            page.fill("input[name=cycle]", "3")
            page.fill("input[name=days]", "7")
            page.fill("input[name=reason]", "neutropenia")
            page.click("button[value=preview]")
            shot("05-delay-preview")
            page.click("button[value=commit]")
            page.click("text=Issue version 1")
            shot("04-patient")
            page.goto(base + "/patients/P017/subscribe")
            page.click("button[value=create]")
            shot("06-subscribe")
            page.goto(base + "/")
            shot("02-patients", full=False)
            page.goto(base + "/templates")
            shot("07-templates", full=False)
            page.goto(base + "/validate")
            page.fill("textarea[name=text]", re.sub("cycle_days: 21", "cycle_days: 0",
                      (Path("templates") / "nct06478355.yaml").read_text()))
            page.click("button.primary")
            shot("08-validate", full=False)
            page.goto(base + "/admin/people")
            page.fill("input[name=name]", "wang.fang")
            page.click("button[value=add]")
            page.fill("input[name=name]", "zhao.lei")
            page.select_option("form.row select[name=role]", "viewer")
            page.click("button[value=add]")
            shot("09-people")
            link = page.input_value("#reset-link")
            page.goto(base + "/account")
            shot("10-account", full=False)
            page.goto(base + "/admin/templates")
            page.fill("textarea[name=text]", clinic_tc.replace("cycle_days: 21", "cycle_days: 0"))
            page.wait_for_selector("#template-check ul.problems")
            shot("15-clinic-template-problems", full=False)
            page.fill("textarea[name=text]", clinic_tc)
            page.fill("input[name=start]", "2026-03-02")
            page.wait_for_selector("#template-check >> text=/[0-9]+ events/")
            page.click("button[value=draft]")
            page.fill("textarea[name=text]", clinic_tc)
            page.fill("input[name=start]", "2026-03-02")
            page.wait_for_selector("#template-check >> text=/[0-9]+ events/")
            shot("16-clinic-templates", full=True)
            page.goto(base + "/admin/settings")
            page.fill("input[name=name]", "Fourth Hospital")
            page.fill("input[name=region]", "CN")
            page.fill("input[name=timezone]", "Asia/Shanghai")
            page.fill("textarea[name=closed]", "2026-04-13..2026-04-14=Department move\n"
                                               "2026-03-05@linac=Linac service")
            page.fill("textarea[name=workdays]", "2026-03-07=Saturday clinic")
            page.fill("input[name=reason]", "opening the registry")
            page.click("form.card button.primary")
            shot("17-site-settings", full=True)
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(link)
            phone.screenshot(path=str(HERE / "phone-11-reset.png"))
            phone.fill("input[name=new]", "correct horse battery")
            phone.fill("input[name=repeat]", "correct horse battery")
            phone.click("button.primary")
            print("Wrote samples/web/phone-11-reset.png")
            page.set_viewport_size({"width": 390, "height": 844})
            for name, path, full in (("02-patients", "/", True), ("03-register", "/patients/new", False),
                                     ("04-patient", "/patients/P017", False),
                                     ("05-delay", "/patients/P017/change?kind=delay", False),
                                     ("07-templates", "/templates", False),
                                     ("09-people", "/admin/people", True),
                                     ("16-clinic-templates", "/admin/templates", True),
                                     ("17-site-settings", "/admin/settings", True)):
                page.goto(base + path)
                shot(f"phone-{name}", full=full)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(base + "/patients/P017")
            page.emulate_media(media="print")
            shot("12-patient-print", full=True)
            # What the coordinators of the seed trial did since: doses recorded, one given late,
            # one not given; a feed their patient's phone fetched.
            for ref, status, extra in (
                    ("immunochemo/c1/d1/pd1", "given", []),
                    ("immunochemo/c1/d8/nab-paclitaxel", "given", ["--on", "2026-03-11"]),
                    ("immunochemo/c1/d1/cisplatin", "not-given", ["--reason", "肌酐升高"])):
                done = invoke(cli, ["record", "P017", ref, "--status", status, *extra, "--author", "li.na",
                                    "--now", "2026-03-12T08:00:00Z", "--db", db])
                assert done.exit_code == 0, done.output
            chinese = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = chinese.new_page()  # the browser asks for Chinese: Accept-Language zh-CN
            page.goto(base + "/login")
            page.fill("input[name=name]", "li.na")
            page.fill("input[name=password]", "correct horse battery")
            page.click("button.primary")
            page.goto(base + "/worklist?days=7")
            shot("18-worklist-week-zh", full=True)
            page.goto(base + "/patients/P017")
            shot("13-patient-zh", full=False)
            page.goto(base + "/deviations")
            shot("19-deviations-zh", full=False)
            page.goto(base + "/closures")
            page.fill("input[name=from]", "2026-04-14")  # the seed's radiotherapy, week 7
            page.fill("input[name=reason]", "院内停电")
            page.click("button[value=preview]")
            shot("20-closure-preview-zh", full=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(base + "/patients/P017")
            shot("phone-13-patient-zh", full=False)
            page.goto(base + "/worklist?days=7")
            shot("phone-18-worklist-zh", full=False)
            page.goto(base + "/admin/people")
            shot("phone-14-people-zh", full=False)
            browser.close()
    finally:
        server.should_exit = True


if __name__ == "__main__":
    sys.exit(main())
