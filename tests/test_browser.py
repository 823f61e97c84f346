"""The main flows in a real browser: Debian's Chromium, driven by Playwright, against the
app served by uvicorn on 127.0.0.1 (nothing is downloaded; CI installs chromium)."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from tests.interop.parsers import IN_CI

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, over a new registry with one coordinator."""
    import uvicorn

    from scheduler.web import create_app

    db = str(tmp_path / "registry.sqlite3")
    added = CliRunner().invoke(
        cli, ["user", "add", "li.na", "--password-stdin", "--db", db], input=PASSWORD + "\n"
    )
    assert added.exit_code == 0
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        db, base_url=base, issue_dir=tmp_path / "issued", clock=lambda: datetime(2026, 1, 2, 9, tzinfo=UTC)
    )
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield base
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page(tmp_path):
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def test_a_coordinator_registers_delays_issues_and_subscribes(server, browser_page, tmp_path):
    page = browser_page
    page.goto(server + "/patients/new")
    assert page.url.startswith(server + "/login?next=")
    page.fill("input[name=name]", "li.na")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    assert page.url == server + "/patients/new"

    # Register the seed protocol; the preview follows the fields as they are typed.
    page.fill("input[name=key]", "P017")
    page.fill("input[name=label]", "Patient 017")
    page.select_option("select[name=template]", "nct06478355")
    page.fill("input[name=start]", "2026-03-02")
    page.wait_for_selector("#preview >> text=60 events")
    assert page.locator("#preview table.month").count() == 3
    page.click("button[value=save]")
    page.wait_for_url(server + "/patients/P017")
    assert page.locator("p.flash").inner_text() == "Registered P017: 60 events."

    # Delay cycle 3 by 7 days: preview what moves, then record it.
    page.click("text=Delay a cycle")
    page.fill("input[name=cycle]", "3")
    page.fill("input[name=days]", "7")
    page.fill("input[name=reason]", "neutropenia")
    page.click("button[value=preview]")
    page.wait_for_selector("text=What this change does")
    moves = page.locator(".diff h3").first.inner_text()
    assert moves == "21 events move"
    row = page.locator(".diff tr", has_text="Cisplatin – cycle 3, day 1")
    assert row.inner_text().split("\t")[1:3] == ["2026-04-13 Mon", "2026-04-20 Mon"]
    page.click("button[value=commit]")
    page.wait_for_url(server + "/patients/P017")
    assert "Recorded: cycle 3 of immunochemo delayed 7 days: neutropenia (change 1)." in page.content()
    changes = page.locator("#changes + table")
    assert "li.na" in changes.inner_text()

    # Issue version 1 and download its PDF.
    page.click("text=Issue version 1")
    page.wait_for_selector("text=Issued version 1")
    with page.expect_download() as download:
        page.click("table.versions >> text=PDF")
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename == "P017_nct06478355_2026-03-02_v1.pdf"

    # Give the patient a feed: the subscribe page shows the address and its QR code once.
    page.click("text=Give the patient a feed")
    page.click("button[value=create]")
    url = page.locator("input.url").input_value()
    assert url.startswith(server + "/feed/") and url.endswith(".ics")
    assert page.locator(".qr svg").count() == 1
    with urllib.request.urlopen(url) as response:
        body = response.read()
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VCALENDAR" in body and b"Treatment visit" in body
    for _ in range(30):  # fetch times are written in batches, once a second (web/fetches.py)
        page.reload()
        if "Last fetched" in page.content():
            break
        time.sleep(0.2)
    assert "Last fetched" in page.content()


def test_a_second_coordinator_on_a_stale_page_is_told(server, browser_page):
    """Two tabs on one patient: the second change, made on a page opened before the first
    was recorded, is refused and previewed again."""
    page = browser_page
    page.goto(server + "/login")
    page.fill("input[name=name]", "li.na")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.goto(server + "/patients/new")
    page.select_option("select[name=template]", "nct06478355")
    page.fill("input[name=key]", "P018")
    page.fill("input[name=start]", "2026-01-05")
    page.click("button[value=save]")
    page.wait_for_url(server + "/patients/P018")
    other = page.context.new_page()
    for tab, reason in ((page, "first"), (other, "second")):
        tab.goto(server + "/patients/P018/change?kind=hold")
        tab.select_option("select[name=component]", "rt")
        tab.fill("input[name=from]", "2026-03-02")
        tab.fill("input[name=days]", "2")
        tab.fill("input[name=reason]", reason)
        tab.click("button[value=preview]")
        tab.wait_for_selector("text=What this change does")
    page.click("button[value=commit]")
    page.wait_for_url(server + "/patients/P018")
    other.click("button[value=commit]")
    other.wait_for_selector("text=The plan changed since you opened it.")
    assert other.locator("input[name=revision]").input_value() == "1"
