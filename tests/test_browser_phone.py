"""On a phone and on paper, in Chromium: every page at 390 px wide scrolls only downwards,
the navigation keeps "Log out" visible, and the printed patient page has no navigation or
buttons but its calendar and events."""

from __future__ import annotations

import pytest

from tests.clinic_browser import PASSWORD, chromium, cli_run, log_in, served

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """A served registry: an admin, a coordinator, patient P017 on the seed protocol with a
    delay and an issued version, and a feed."""
    tmp_path = tmp_path_factory.mktemp("phone")
    db = str(tmp_path / "registry.sqlite3")
    cli_run(db, "user", "add", "li.na", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    cli_run(db, "user", "add", "wang.fang", "--password-stdin", stdin=PASSWORD + "\n")
    cli_run(db, "patient", "add", "P017", "nct06478355", "--start", "2026-01-05", "--label",
            "Patient 017 with a rather long label", "--now", "2026-01-02T09:00:00Z")
    cli_run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia",
            "--now", "2026-02-20T09:00:00Z", "--author", "li.na")
    cli_run(db, "issue", "P017", "--output", str(tmp_path / "out"), "--now", "2026-02-20T10:00:00Z")
    with served(db, tmp_path) as base:
        yield base


PAGES = ["/", "/patients/new", "/patients/P017", "/patients/P017/change?kind=delay",
         "/patients/P017/change?kind=hold", "/patients/P017/revert/1", "/patients/P017/subscribe",
         "/templates", "/validate", "/admin/people", "/admin/templates",
         "/admin/settings", "/account", "/no-such-page", "/worklist", "/worklist?from=2026-02-23&days=7",
         "/deviations", "/closures", "/templates/draft", "/patients/P017/record?ref=immunochemo/c4/d1/pd1"]


def test_every_page_fits_a_phone_and_keeps_log_out_visible(clinic):
    with chromium() as browser:
        page = browser.new_context(viewport=PHONE, device_scale_factor=1).new_page()
        page.goto(clinic + "/login")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        log_in(page, clinic, "li.na")
        wide = {}
        for path in PAGES:
            page.goto(clinic + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[path] = width
            logout = page.locator("header button:has-text('Log out')")
            assert logout.is_visible(), path
            box = logout.bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"], path
            colour, background = page.evaluate("""() => {
                const b = document.querySelector("header button.link");
                let e = b; let bg = "rgba(0, 0, 0, 0)";
                while (e && (bg === "rgba(0, 0, 0, 0)" || bg === "transparent")) {
                  bg = getComputedStyle(e).backgroundColor; e = e.parentElement; }
                return [getComputedStyle(b).color, bg]; }""")
            assert colour != background, path
            nav = page.locator("header nav").bounding_box()
            assert nav is not None and nav["height"] < 60, (path, nav)  # one row, not a wrapped pile
        # A delay's preview: every moved event with its old and new day, on the phone's width.
        page.goto(clinic + "/patients/P017/change?kind=delay")
        page.fill("input[name=cycle]", "4")
        page.fill("input[name=days]", "7")
        page.fill("[name=reason]", "neutropenia")
        page.click("button[value=preview]")
        page.wait_for_selector("section.diff")
        if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
            wide["delay preview"] = page.evaluate("document.documentElement.scrollWidth")
        first = page.locator("section.diff table.events tbody tr").first
        box = first.locator("td").nth(2).bounding_box()  # the new day is on the screen
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
        # what the delay does comes before the button that records it
        moves, form = page.locator("section.diff").bounding_box(), page.locator("form.card").bounding_box()
        assert moves is not None and form is not None and moves["y"] < form["y"], (moves, form)
        assert wide == {}


def test_the_patient_page_opens_on_what_is_next_and_prints_without_navigation(clinic, tmp_path):
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        log_in(page, clinic, "li.na")
        page.goto(clinic + "/patients/P017")
        # The clock says 2026-03-10: March first, January and February folded.
        captions = page.locator("#calendar > .months table.month caption").all_inner_texts()
        assert captions[0] == "March 2026"
        assert page.locator("#calendar details.past summary").inner_text() == "Earlier months (2)"
        assert not page.locator("#calendar details.past table.month").first.is_visible()
        first_row = page.locator("#events > table.events tbody tr").first.inner_text()
        assert first_row.split("\t")[0] >= "2026-02-24"  # the last two weeks stay open (Record…)
        assert page.locator("#events details.past summary").inner_text().startswith("Past events (")
        legend = page.locator(".legend").inner_text()
        assert "Weekend" in legend and "moved" in legend
        # Times in the plan's zone (the seed protocol's Asia/Shanghai), not UTC: the delay was
        # recorded 2026-02-20T09:00Z, 17:00 in Shanghai.
        assert page.locator("#changes + table tbody tr td:nth-child(4)").first.inner_text() == (
            "2026-02-20 17:00")
        page.emulate_media(media="print")
        for hidden in ("header.top", "nav", ".actions-bar", "#changes", "#versions", "details.danger"):
            assert not page.locator(hidden).first.is_visible(), hidden
        assert page.locator("button:visible").count() == 0
        assert page.locator("#calendar table.month:visible").count() >= 1
        assert page.locator("#events table.events:visible").count() == 1
        pdf = page.pdf(format="A4")
        (tmp_path / "patient.pdf").write_bytes(pdf)
    from pypdf import PdfReader

    pages = PdfReader(tmp_path / "patient.pdf").pages
    text = "".join(p.extract_text() for p in pages)
    assert "Log out" not in text and "Register a plan" not in text and "March 2026" in text
    assert len(pages) <= 6
