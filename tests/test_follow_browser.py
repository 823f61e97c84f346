"""Following the treatment in a real browser (Debian's Chromium, Playwright): record a dose
given late, the worklist with the urgent patient first, a linac closure previewed then
recorded."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from tests.test_browser import PASSWORD, _free_port, browser_page  # noqa: F401 - a fixture

SHOTS_FOLDER = "SCHEDULER_SCREENSHOTS"
"""Where the screenshots go (docs/follow-treatment for the documentation); else a temporary folder."""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 25, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, Clock, str]]:
    import uvicorn

    from scheduler.web import create_app

    db = str(tmp_path / "registry.sqlite3")
    runner = CliRunner()
    assert runner.invoke(cli, ["user", "add", "li.na", "--password-stdin", "--db", db],
                         input=PASSWORD + "\n").exit_code == 0
    for key, template, start in [("P017", "nct06478355", "2026-03-02"),
                                 ("P018", "cisplatin-rt-head-neck", "2026-04-06")]:
        added = runner.invoke(cli, ["patient", "add", key, template, "--start", start, "--db", db,
                                    "--now", "2026-03-01T00:00:00Z"])
        assert added.exit_code == 0, added.output
    clock = Clock()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(db, base_url=base, issue_dir=tmp_path / "issued", clock=clock)
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield base, clock, db
    running.should_exit = True
    thread.join(timeout=10)


def test_record_worklist_and_closure_in_the_browser(served, browser_page, tmp_path):  # noqa: F811
    base, clock, _ = served
    page = browser_page
    shots = Path(os.environ.get(SHOTS_FOLDER) or tmp_path)
    def log_in() -> None:
        page.goto(base + "/login")
        page.fill("input[name=name]", "li.na")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.wait_for_url(base + "/worklist")  # the first page after login

    log_in()

    # Record cycle 2 day 1's PD-1 dose as given two days late: preview, then commit.
    page.goto(base + "/patients/P017")
    row = page.locator("table.events tr", has_text="immunochemo/c2/d1/pd1")
    row.locator("a.record").click()
    page.wait_for_url(base + "/patients/P017/record?ref=immunochemo/c2/d1/pd1")
    assert page.input_value("input[name=on]") == "2026-03-23"
    page.fill("input[name=on]", "2026-03-25")
    page.click("button[value=preview]")
    page.wait_for_selector("text=What this record does")
    moved = page.locator(".diff tr", has_text="Cisplatin – cycle 3, day 1")
    assert moved.inner_text().split("\t")[1:3] == ["2026-04-13 Mon", "2026-04-15 Wed"]
    page.screenshot(path=str(shots / "record-preview.png"), full_page=True)
    page.click("button[value=commit]")
    page.wait_for_url(base + "/patients/P017")
    assert ("Recorded: immunochemo/c2/d1/pd1 given on 2026-03-25, 2 days after the plan (change 1)."
            in page.locator("p.flash").inner_text())
    assert page.locator("table.events tr", has_text="immunochemo/c2/d1/pd1").locator(
        ".status-given").inner_text() == "given"

    # A linac closure next Tuesday: the affected patient and every move before committing.
    clock.now = datetime(2026, 4, 20, 1, tzinfo=UTC)
    log_in()  # a session ends 12 hours after its login, and the clock moved by weeks
    page.goto(base + "/closures")
    page.fill("input[name=from]", "2026-04-21")
    page.fill("input[name=resource]", "linac")
    page.fill("input[name=reason]", "linac service")
    page.click("button[value=preview]")
    page.wait_for_selector("text=What this closure does")
    assert page.locator("section.affected h3").all_inner_texts() == [
        "P017: 24 moves", "P018: 22 moves"]  # the seed's fractions 7-30; 66 Gy/33's 12-33
    assert "moves within 48 hours for P017, P018" in page.content()
    page.screenshot(path=str(shots / "closure-preview.png"), full_page=True)
    page.click("button[value=commit]")
    page.wait_for_url(base + "/closures")
    assert "Closure 1 recorded: 2 plans changed." in page.locator("p.flash").inner_text()

    # Tomorrow's worklist: the urgent patient first, flagged.
    page.goto(base + "/worklist?from=2026-04-21&days=2")
    first = page.locator("table.worklist tbody tr").first
    assert first.get_attribute("class") == "urgent"
    assert first.locator("td").nth(2).inner_text() == "P018"  # its fraction is earlier in the day
    assert first.locator("td").nth(3).inner_text() == "rt/f12"
    assert "urgent" in first.locator("td").nth(7).inner_text()
    page.screenshot(path=str(shots / "worklist-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "worklist-390.png"), full_page=True)
    # on a phone each event is a card: its urgent flag and its patient are on the screen
    for column in (2, 7):
        box = first.locator("td").nth(column).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, (column, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("form.filters").is_hidden()
    assert page.locator("table.worklist").is_visible()
    # on paper every cell sits under its heading: the reference is printed, as its heading is
    headings = page.locator("table.worklist thead th")
    cells = page.locator("table.worklist tbody tr").first.locator("td")
    for column in range(headings.count()):
        heading, cell = headings.nth(column).bounding_box(), cells.nth(column).bounding_box()
        assert heading and cell and abs(heading["x"] - cell["x"]) < 1, (column, heading, cell)
    assert cells.nth(3).is_visible() and cells.nth(3).inner_text() == "rt/f12"
