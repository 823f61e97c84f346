"""What the clinic's browser tests share: a served app over a registry with an admin, and
Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from tests.interop.parsers import IN_CI

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli_run(db: str, *args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", db], input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


@contextlib.contextmanager
def served(db: str, tmp_path: Path, **options: Any) -> Iterator[str]:
    """The app over ``db`` on a free port of 127.0.0.1; yields its base URL."""
    import uvicorn

    from scheduler.web import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    options.setdefault("clock", lambda: NOW)
    app = create_app(db, base_url=base, issue_dir=tmp_path / "issued", **options)
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield base
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A Playwright browser on Debian's Chromium."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, base: str, name: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(base + "/worklist")  # the first page after login
