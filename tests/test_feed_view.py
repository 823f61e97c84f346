"""The feed as a patient's calendar app shows it: FullCalendar 6.1 (iCalendar plugin, ical.js
1.5, from node_modules) in headless Chromium at phone width (tests/feedview)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.feedview.render import CHROMIUM, FILES, day_entries, phone, registered_feed, show

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or not all(path.exists() for path, _ in FILES.values()),
    reason="needs /usr/bin/chromium and 'npm ci' (FullCalendar, ical.js 1.5)")


@pytest.mark.parametrize("view", ["timeGridWeek", "dayGridMonth"])
def test_a_treatment_day_shows_one_visit_and_the_pump(tmp_path, view):
    visits = registered_feed(tmp_path, "mfolfox6", "2026-03-02")
    (tmp_path / "each").mkdir()
    each = registered_feed(tmp_path / "each", "mfolfox6", "2026-03-02", per_event=True)
    with phone() as page:
        show(page, visits, view, "2026-03-02", "Europe/London")
        assert page.viewport_size["width"] == 390
        assert sorted(day_entries(page, "2026-03-02", view)) == ["Treatment at home", "Treatment visit"]
        if view == "timeGridWeek":  # the pump runs on, then is disconnected on day 3
            assert sorted(day_entries(page, "2026-03-04", view)) == [
                "Hospital appointment", "Treatment at home"]
        show(page, each, view, "2026-03-02", "Europe/London")
        # one per drug: oxaliplatin, leucovorin, the bolus and the 46-hour infusion
        assert len(day_entries(page, "2026-03-02", view)) == 4


def test_a_chinese_plan_reads_in_chinese_in_the_calendar(tmp_path):
    body = registered_feed(tmp_path, "nct06478355", "2026-03-02", lang="zh")
    with phone() as page:
        show(page, body, "timeGridWeek", "2026-03-02", "Asia/Shanghai", "zh-cn")
        assert day_entries(page, "2026-03-02", "timeGridWeek") == ["治疗"]
        assert "周一" in page.inner_text(".fc-col-header")
