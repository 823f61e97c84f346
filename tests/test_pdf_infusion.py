"""A multi-day infusion on every day it runs in the printed calendar, as a patient reads it
(issue 14: "Every event on its day")."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest

from scheduler.core.plan import Plan
from scheduler.export.pdf import to_pdf

from .conftest import DATA, make_plan
from .test_pdf_patient import GENERATED, squash

RUNNING = {
    "en": "5FU46 infusion running (until Wed 09:15)",
    "zh": "5FU46 输注持续中（至周三 09:15）",
    "en+zh": "5FU46 infusion running (until Wed 09:15) / 输注持续中（至周三 09:15）",
}
LIST_NOTE = {
    "en": "Infusion runs until Wed 2026-03-04 09:15",
    "zh": "输注持续至2026-03-04（周三）09:15",
}
MARCH = {"en": "March 2026", "zh": "2026年3月", "en+zh": "March 2026 / 2026年3月"}
PUMP = {"en": "09:15 PUMP Pump disconnection", "zh": "09:15 PUMP 拆除输液泵",
        "en+zh": "+1 more (see list) / 另有1项（见列表）"}
"""In both languages the disconnection's two names no longer fit Wednesday's cell beside the
running pump: the cell says so and the list has it."""


def pages(plan: Plan, **kw: object) -> list[str]:
    """Each page's text, its whitespace run together into single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED, **kw)))  # type: ignore[arg-type]
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def page_titled(texts: list[str], title: str) -> str:
    return next(text for text in texts if text.startswith(title))


def mfolfox6_monday() -> Plan:
    """mFOLFOX6 from Monday 2 March 2026: the 46-hour 5-FU pump from 11:15 to Wednesday 09:15."""
    return make_plan("mfolfox6", "2026-03-02", tz="Europe/Paris", holidays="none")


def test_the_infusion_and_its_pump_disconnection_come_from_the_events():
    plan = mfolfox6_monday()
    infusion = next(e for e in plan.events if e.component == "fluorouracil-infusion")
    pump = next(e for e in plan.events if e.component == "pump-disconnect")
    assert (infusion.start.isoformat(), infusion.end.isoformat()) == (
        "2026-03-02T11:15:00+01:00", "2026-03-04T09:15:00+01:00")
    assert pump.start == infusion.end and pump.date == date(2026, 3, 4)


@pytest.mark.parametrize("lang", ["en", "zh", "en+zh"])
def test_each_day_the_pump_runs_says_so_until_the_disconnection(lang):
    march = page_titled(pages(mfolfox6_monday(), lang=lang, layout="full"), MARCH[lang])
    running = RUNNING[lang]
    # Tuesday 3: the pump is still running; Wednesday 4: still running, disconnected at 09:15;
    # Thursday 5: nothing. Each day's number comes before its lines.
    assert squash(f"3 {running} 4 {running} {PUMP[lang]} 5 6") in squash(march)
    # each cycle's days 2 and 3, nothing else: 3-4, 17-18 and 31 (1 April is on April's page)
    assert squash(march).count(squash(running)) == 5


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_list_says_when_the_infusion_ends(lang):
    texts = pages(mfolfox6_monday(), lang=lang)
    listing = squash(next(t for t in texts if t.startswith(("All events", "全部日程"))))
    # on the infusion's row, after its dose, before the pump disconnection's row
    row = re.search(r"2026-03-02\w*11:155FU46(.*?)2026-03-04(?:Wednesday|星期三)", listing)
    assert row is not None and squash(LIST_NOTE[lang]) in row.group(1)
    assert listing.count(squash(LIST_NOTE[lang])) == 1  # cycle 1 only: the others end later


def test_a_24_hour_infusion_runs_to_the_same_clock_time_the_next_day():
    plan = make_plan("flot", "2026-03-02", tz="Europe/Paris", holidays="none")
    infusion = next(e for e in plan.events if e.style.code == "5FU24")
    assert (infusion.start.isoformat(), infusion.end.isoformat()) == (
        "2026-03-02T12:30:00+01:00", "2026-03-03T12:30:00+01:00")
    march = page_titled(pages(plan, layout="full"), "March 2026")
    # day 2's dexamethasone premedication (added after the clinical read of December 2026)
    # sits between the running infusion and the disconnection
    assert ("3 5FU24 infusion running (until Tue 12:30) 08:00 DEX C1D2 12:30 PUMP Pump "
            "disconnection 4") in march
    listing = next(t for t in pages(plan) if t.startswith("All events"))
    assert "Infusion runs until Tue 2026-03-03 12:30" in listing


def test_the_compact_layout_lists_the_days_the_pump_runs():
    # From a Tuesday the blood tests fall on Mondays and May to August are quiet enough to list.
    plan = make_plan("mfolfox6", "2026-03-03", tz="Europe/Paris", holidays="none")
    texts = pages(plan)
    listed = page_titled(texts, "May 2026 – August 2026")
    assert ("Tue 12 May 09:00 OX+LV+5FU+5FU46 C6D1 Wed 13 May 5FU46 infusion running (until Thu 09:15) "
            "Thu 14 May 5FU46 infusion running (until Thu 09:15) 09:15 PUMP Pump disconnection "
            "Mon 25 May") in listed
    assert "5FU46 Fluorouracil 46-hour infusion" in listed  # its code explained on the page


def test_an_infusion_that_starts_in_one_month_runs_on_in_the_next_months_grid():
    plan = mfolfox6_monday()
    april = page_titled(pages(plan, layout="full"), "April 2026")
    assert april.startswith("April 2026 ")
    assert f"1 {RUNNING['en']} {PUMP['en']} 2" in april  # cycle 3 from Monday 30 March


def test_the_plans_last_page_reaches_the_last_day_an_infusion_runs():
    """A 72-hour infusion from Friday 30 January runs to Monday 2 February 10:30: February has
    a page though no event starts in it; a 36-hour one ends at 00:00 on Sunday 1 February,
    so it runs on Saturday only."""
    plan = make_plan(str(DATA / "templates" / "infusions_past_month_end.yaml"), "2026-01-30",
                     tz="Asia/Shanghai", holidays="none")
    assert plan.last_date == date(2026, 1, 30)
    texts = pages(plan, layout="full")
    january, february = page_titled(texts, "January 2026"), page_titled(texts, "February 2026")
    assert ("30 10:30 LI+ON C1D1 31 LI infusion running (until Mon 10:30) "
            "ON infusion running (until Sun 00:00) 1 ") in january
    assert "1 LI infusion running (until Mon 10:30) 2 LI infusion running (until Mon 10:30) 3 " in february
    assert "ON infusion running" not in february
    assert "LI Long infusion" in february and "ON Overnight infusion" not in february
    # compact: the two quiet months listed on one page, with February's days (in columns)
    listed = page_titled(pages(plan), "January 2026 – February 2026")
    expected = ["Fri 30 Jan 10:30 LI+ON C1D1 Sat 31 Jan LI infusion running (until Mon 10:30) "
                "ON infusion running (until Sun 00:00) February 2026",
                "Sun 1 Feb LI infusion running (until Mon 10:30)",
                "Mon 2 Feb LI infusion running (until Mon 10:30) LI Long infusion ON Overnight infusion"]
    positions = [listed.index(part) for part in expected]
    assert positions == sorted(positions) and "Tue 3 Feb" not in listed


@pytest.mark.parametrize("lang, cycle", [("en", "Blood tests Cycle 2"), ("zh", "抽血化验 第2周期")])
def test_a_visit_of_each_cycle_names_its_cycle_alone(lang, cycle):
    """The blood tests before each mFOLFOX6 cycle belong to a cycle but to none of its days:
    the list says "Cycle 2", not "Cycle 2, day None"."""
    texts = pages(mfolfox6_monday(), lang=lang)
    listing = " ".join(t for t in texts if t.startswith(("All events", "全部日程")))
    assert "None" not in listing
    assert re.search(rf"2026-03-13 \S+ (all day|全天) LAB {cycle} full blood count", listing)


def test_an_overnight_visit_is_no_infusion(tmp_path):
    """Found in review: any timed event past midnight was called an infusion. A sleep study
    from 21:00 to 08:00 shows on the day it starts, with no 'infusion' wording anywhere."""
    shipped = (DATA.parent.parent / "templates" / "breast-40-15.yaml").read_text()
    overnight = shipped.replace("    location: Breast clinic\n",
                                "    location: Breast clinic\n    time: \"21:00\"\n    duration: 11h\n")
    assert overnight != shipped
    path = tmp_path / "overnight.yaml"
    path.write_text(overnight)
    plan = make_plan(str(path), "2026-03-02", tz="Europe/London", holidays="none")
    visit = next(e for e in plan.events if e.kind == "visit")
    assert visit.end.date() > visit.start.date()
    for layout in ("full", "compact"):
        text = " ".join(pages(plan, layout=layout))
        assert "infusion" not in text.lower() and "Runs until" not in text
