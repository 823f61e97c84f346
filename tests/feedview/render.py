"""Render a feed in FullCalendar 6.1 (iCalendar plugin, ical.js 1.5) in headless Chromium, as a
patient's calendar app would show it; used by tests/test_feed_view.py and by
``python -m tests.feedview.render`` (the screenshots in samples/feed/).

Nothing is fetched from the network: Playwright answers the page's requests from node_modules
and from the feed's bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FILES = {
    "/view.html": (Path(__file__).with_name("view.html"), "text/html"),
    "/lib/ical.js": (ROOT / "node_modules/ical.js-1/build/ical.js", "text/javascript"),
    "/lib/fullcalendar.js": (ROOT / "node_modules/fullcalendar/index.global.min.js", "text/javascript"),
    "/lib/icalendar.js": (ROOT / "node_modules/@fullcalendar/icalendar/index.global.min.js",
                          "text/javascript"),
    "/lib/zh-cn.js": (ROOT / "node_modules/@fullcalendar/core/locales/zh-cn.global.min.js",
                      "text/javascript"),
}
ORIGIN = "http://calendar.test"
PHONE = {"width": 390, "height": 844}


@contextmanager
def phone() -> Iterator[Any]:
    """A Chromium page 390 px wide (a phone), offline."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="en-GB",
                                      timezone_id="Europe/London")
        try:
            yield context.new_page()
        finally:
            browser.close()


def show(page: Any, feed: bytes, view: str, day: str, tz: str, locale: str = "en") -> None:
    """Load ``feed`` into the page in FullCalendar's ``view`` around ``day`` (in zone ``tz``)."""
    def answer(route: Any) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path == "/feed.ics":
            route.fulfill(body=feed, content_type="text/calendar; charset=utf-8")
        elif path in FILES:
            file, kind = FILES[path]
            route.fulfill(body=file.read_bytes(), content_type=kind)
        else:
            route.abort()

    page.route("**/*", answer)
    page.goto(f"{ORIGIN}/view.html?view={view}&date={day}&tz={tz}&locale={locale}")
    page.wait_for_selector("body[data-loaded=yes]", timeout=15000)


def day_entries(page: Any, day: str, view: str) -> list[str]:
    """The titles of the entries FullCalendar shows on ``day`` (YYYY-MM-DD)."""
    if view == "timeGridWeek":
        selector = f"td.fc-timegrid-col[data-date='{day}'] .fc-timegrid-event .fc-event-title"
    else:
        selector = f"td.fc-daygrid-day[data-date='{day}'] .fc-daygrid-event .fc-event-title"
    return [element.inner_text() for element in page.query_selector_all(selector)]


def registered_feed(folder: Path, template: str, start: str, lang: str = "en",
                    per_event: bool = False, detail: bool = False) -> bytes:
    """The feed of a plan registered as a coordinator would (``patient add``, ``feed create``),
    as the server sends it."""
    from click.testing import CliRunner

    from scheduler.cli import cli
    from scheduler.registry import opened
    from scheduler.services import feed

    db = str(folder / f"{template}-{lang}.sqlite3")
    runner = CliRunner()
    for args in (["patient", "add", "P1", template, "--start", start, "--lang", lang,
                  "--now", "2026-01-01T00:00:00Z"],
                 ["feed", "create", "P1", "--base-url", "https://c.example.org",
                  "--now", "2026-01-01T00:00:00Z"],
                 *([["feed", "detail", "P1", "on", "--reason", "patient asked",
                     "--now", "2026-01-01T00:00:00Z"]] if detail else [])):
        result = runner.invoke(cli, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        if args[:2] == ["feed", "create"]:
            token = result.output.strip().rsplit("/", 1)[1].removesuffix(".ics")
    with opened(db) as registry:
        found = feed.lookup(registry.feed_state, token)
        assert found is not None
        return feed.document(registry, found, per_event).body


SHOTS = (
    ("mfolfox6-week", "mfolfox6", "2026-03-02", "en", False, "timeGridWeek", "Europe/London"),
    ("mfolfox6-month", "mfolfox6", "2026-03-02", "en", False, "dayGridMonth", "Europe/London"),
    ("mfolfox6-week-per-event", "mfolfox6", "2026-03-02", "en", True, "timeGridWeek", "Europe/London"),
    ("nct06478355-zh-week", "nct06478355", "2026-03-02", "zh", False, "timeGridWeek", "Asia/Shanghai"),
    ("nct06478355-zh-month", "nct06478355", "2026-03-02", "zh", False, "dayGridMonth",
     "Asia/Shanghai"),
)


def main() -> None:
    """Write samples/feed/*.png: the feeds of mFOLFOX6 (English) and the seed protocol
    (Chinese) at phone width, in week and month views (and mFOLFOX6 one event per drug)."""
    import tempfile

    out = ROOT / "samples" / "feed"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, template, start, lang, per_event, view, tz in SHOTS:
            folder = Path(scratch) / name
            folder.mkdir()
            body = registered_feed(folder, template, start, lang, per_event, detail=lang == "zh")
            with phone() as page:
                show(page, body, view, start, tz, "zh-cn" if lang == "zh" else "en")
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)


if __name__ == "__main__":
    main()
