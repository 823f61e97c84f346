"""The printable PDF calendar, read back with pypdf: every event on its month page and in the
list, holiday names, page counts and sizes, week start, Chinese, versions, determinism."""

from __future__ import annotations

import io
import math
import re
import weakref
from collections import Counter
from datetime import UTC, date, datetime

import pypdf
import pytest

from scheduler.core.event import Event
from scheduler.core.plan import Plan
from scheduler.export.pdf import to_pdf
from scheduler.export.pdf.listing import LIST_ROWS_PER_PAGE
from scheduler.export.pdf.style import BODY as BODY_SIZE

from .conftest import make_plan

GENERATED = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
A4_LANDSCAPE = (841.89, 595.28)
LETTER_LANDSCAPE = (792.0, 612.0)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- helpers -------------------------------------------------------------------------------------


def read(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def lines(page: pypdf.PageObject) -> list[str]:
    """The page's text, one drawn string per line (reportlab draws each in its own block)."""
    return [line.strip() for line in page.extract_text().splitlines() if line.strip()]


def flat(page: pypdf.PageObject) -> str:
    """The page's text with all white space collapsed (wrapped lines joined by a space)."""
    return " ".join(lines(page))


def squash(text: str) -> str:
    """Text without white space: pypdf puts spaces where Latin and Chinese runs meet
    ("2026 年2 月"), so Chinese text is compared with all spaces removed on both sides."""
    return re.sub(r"\s+", "", text)


def has(text: str, expected: str) -> bool:
    """``expected`` is in ``text``, white space aside."""
    return squash(expected) in squash(text)


def day_cells(page: pypdf.PageObject) -> dict[int, str]:
    """A month page's day cells of that month: day number -> the cell's text.

    A cell begins with its day number, drawn in 10 pt Helvetica-Bold (greyed days of the
    neighbouring months are not bold and are left out); all text up to the next number is
    the cell's. The footer ends up in the last cell, which does no harm to the checks.
    """
    cells: dict[int, list[str]] = {}
    current: list[int | None] = [None]

    def visit(text, cm, tm, font, size):
        stripped = text.strip()
        if not stripped:
            return
        if size == 10 and stripped.isdigit():
            bold = font is not None and font.get("/BaseFont") == "/Helvetica-Bold"
            current[0] = int(stripped) if bold else None
            if bold:
                cells[int(stripped)] = []
        elif current[0] is not None:
            cells[current[0]].append(stripped)

    page.extract_text(visitor_text=visit)
    return {day: " ".join(" ".join(parts).split()) for day, parts in cells.items()}


def months_spanned(plan: Plan) -> list[tuple[int, int]]:
    first, last = plan.first_date, plan.last_date
    return [
        (year, month)
        for year in range(first.year, last.year + 1)
        for month in range(1, 13)
        if (first.year, first.month) <= (year, month) <= (last.year, last.month)
    ]


FIRST_MONTH_PAGE: weakref.WeakKeyDictionary[pypdf.PdfReader, int] = weakref.WeakKeyDictionary()


def month_page(reader: pypdf.PdfReader, plan: Plan, day: date) -> pypdf.PageObject:
    """The month page of ``day``: the month pages follow the overview, one per month."""
    if reader not in FIRST_MONTH_PAGE:
        year, month = plan.first_date.year, plan.first_date.month
        titles = (squash(f"{MONTHS[month - 1]} {year}"), f"{year}年{month}月")
        FIRST_MONTH_PAGE[reader] = next(
            i for i, page in enumerate(reader.pages) if squash(flat(page)).startswith(titles)
        )
    return reader.pages[FIRST_MONTH_PAGE[reader] + months_spanned(plan).index((day.year, day.month))]


def list_rows(reader: pypdf.PdfReader, plan: Plan) -> list[str]:
    """The list's rows (each the text of one row), from the pages after the last month page.

    A row begins with its date in bold (dates in notes are not bold); text that follows,
    up to the next row, is the row's (the cancelled heading and the footer join the row
    above them).
    """
    last_month = month_page(reader, plan, plan.last_date)
    start = next(i for i, page in enumerate(reader.pages) if page is last_month) + 1
    rows: list[list[str]] = []

    def visit(text, cm, tm, font, size):
        stripped = text.strip()
        if not stripped:
            return
        bold = font is not None and font.get("/BaseFont") == "/Helvetica-Bold"
        if bold and ISO_DATE.match(stripped):
            rows.append([stripped])
        elif rows:
            rows[-1].append(stripped)

    for page in reader.pages[start:]:
        page.extract_text(visitor_text=visit)
    return [" ".join(row) for row in rows]


def codes_pattern(code: str) -> str:
    """A code alone or inside a group of codes joined by '+' ("IO+nP+DDP")."""
    return rf"(?:[^\s+]+\+)*{re.escape(code)}(?:\+[^\s+]+)*"


def cell_pattern(event: Event, plan: Plan) -> str:
    """How an event reads in its day cell: "08:30 IO+nP+DDP C3D1", "14:00 RT 12/30", "TMZ daily".

    Drugs of one regimen, cycle and day share a line with the earliest time of the group.
    """
    code = codes_pattern(event.style.code)
    if event.kind == "drug":
        group = [e for e in plan.events if e.date == event.date and e.regimen == event.regimen
                 and e.cycle == event.cycle and e.day == event.day]
        starts = [e.start for e in group if e.start is not None]
        clock = f"{min(starts):%H:%M} " if starts else ""
        return rf"(?:^|\s){clock}{code} C{event.cycle}D{event.day}(?:\s|$)"
    if event.kind == "fraction":
        clock = f"{event.start:%H:%M} " if event.start else ""
        return rf"(?:^|\s){clock}{code} {event.fraction}/{event.fractions_total}(?:\s|$)"
    if event.kind == "daily":
        return rf"(?:^|\s){code} daily"
    return rf"(?:^|\s){code}\b"


def position_text(event: Event, plan: Plan) -> str:
    """The list's cycle/fraction/day text of an event."""
    if event.cycle is not None and event.day is None:  # a visit of each cycle (blood tests)
        return f"Cycle {event.cycle}"
    if event.cycle is not None:
        return f"Cycle {event.cycle}, day {event.day}"
    if event.fraction is not None:
        return (f"Fraction {event.fraction} of {event.fractions_total} · {event.cumulative_gy} "
                f"of {event.total_gy} Gy")
    if event.kind == "daily":
        run = [e for e in plan.events if e.component == event.component]
        return f"Day {run.index(event) + 1} of {len(run)}"
    return ""


def time_text(event: Event) -> str:
    if event.start is None:
        return "all day"
    return f"{event.start:%H:%M}–{event.end:%H:%M}"


# --- plans ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed12():
    plan = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai", horizon="12m")
    data = to_pdf(plan, generated=GENERATED, patient="Patient 017", layout="full")
    return plan, data, read(data)


@pytest.fixture(scope="module")
def seed6():
    plan = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai", horizon="6m")
    data = to_pdf(plan, generated=GENERATED, layout="full")
    return plan, data, read(data)


@pytest.fixture(scope="module")
def stupp():
    plan = make_plan("stupp", "2026-03-02", holidays="GB-ENG", tz="Europe/London")
    data = to_pdf(plan, generated=GENERATED, paper="letter", layout="full")
    return plan, data, read(data)


@pytest.fixture(scope="module")
def seed_zh():
    plan = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai")
    data = to_pdf(plan, generated=GENERATED, lang="zh", layout="full")
    return plan, data, read(data)


@pytest.fixture(scope="module")
def reissue():
    """Version 2 of the seed plan: 3 TP cycles instead of 4 and a linac service day on
    9 March, so cycle 4's chemotherapy is cancelled and fractions from 9 March move."""
    before = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai")
    after = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai",
                      sets={"chemo_cycles": 3}, closed=("2026-03-09=Linac service",))
    old = {e.uid: e for e in before.events}
    changed = frozenset(e.uid for e in after.events
                        if e.uid in old and (old[e.uid].date, old[e.uid].start) != (e.date, e.start))
    new_uids = {e.uid for e in after.events}
    cancelled = tuple(e for e in before.events if e.uid not in new_uids)
    data = to_pdf(after, generated=GENERATED, patient="Patient 017", version=2, layout="full",
                  replaces=(1, date(2025, 12, 20)), changed_uids=changed, cancelled=cancelled)
    return after, changed, cancelled, read(data)


# --- every event where it belongs ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["seed12", "seed6", "stupp"])
def test_every_event_is_in_its_day_cell_on_its_month_page(name, request):
    plan, _, reader = request.getfixturevalue(name)
    for year, month in months_spanned(plan):
        page = month_page(reader, plan, date(year, month, 1))
        assert lines(page)[0] == f"{MONTHS[month - 1]} {year}"
    cells_by_month: dict[tuple[int, int], dict[int, str]] = {}
    for event in plan.events:
        key = (event.date.year, event.date.month)
        if key not in cells_by_month:
            cells_by_month[key] = day_cells(month_page(reader, plan, event.date))
        cell = cells_by_month[key][event.date.day]
        assert re.search(cell_pattern(event, plan), cell), (event.title, event.date, cell)


def test_days_of_other_months_are_greyed_and_list_no_events(seed12):
    plan, _, reader = seed12
    march = month_page(reader, plan, date(2026, 3, 1))
    # The March grid starts on Monday 23 February; 24-28 February hold fractions 1-5,
    # which belong to the February page only.
    assert sorted(day_cells(march)) == list(range(1, 32))
    text = flat(march)
    for fraction in range(1, 6):
        assert f"RT {fraction}/30" not in text
    assert "RT 6/30" in text


def test_every_event_is_in_the_list_once(seed12, stupp):
    for plan, _, reader in (seed12, stupp):
        rows = list_rows(reader, plan)
        assert len(rows) == len(plan.events)
        unmatched = list(rows)
        for event in plan.events:
            wanted = [event.date.isoformat(), WEEKDAYS[event.date.weekday()], time_text(event),
                      event.style.code, event.style.name, position_text(event, plan), event.dose]
            match = next((r for r in unmatched if r.startswith(event.date.isoformat())
                          and all(w in r for w in wanted)), None)
            assert match is not None, (event.title, wanted)
            unmatched.remove(match)
        assert [r[:10] for r in rows] == sorted(r[:10] for r in rows)


def test_stupp_daily_temozolomide_is_one_short_line_per_day(stupp):
    plan, _, reader = stupp
    daily = [e for e in plan.events if e.component == "tmz-concurrent"]
    assert len(daily) == 44
    cells = {month: day_cells(month_page(reader, plan, date(2026, month, 1))) for month in (3, 4)}
    for event in daily:
        cell = cells[event.date.month][event.date.day]
        # co-trimoxazole (PCP prophylaxis, added after the clinical read of December 2026)
        # runs on the same days, so the two share the day's one short line
        assert cell.count("TMZ+PCP daily") == 1, cell
        assert "more" not in cell
        fraction = next((e for e in plan.events if e.date == event.date and e.kind == "fraction"), None)
        if fraction:
            assert f"09:00 RT {fraction.fraction}/30" in cell


# --- holidays, closures, moves -------------------------------------------------------------------


def test_chinese_holidays_are_named_in_their_cells(seed12):
    plan, _, reader = seed12
    february = day_cells(month_page(reader, plan, date(2026, 2, 1)))
    assert february[16].startswith("Chinese New Year's Eve")
    assert february[17].startswith("Chinese New Year (Spring Festival)")
    assert february[14].startswith("Working day")  # official make-up working Saturday
    assert february[28].startswith("Working day") and "RT 5/30" in february[28]
    assert february[10] == ""  # an ordinary working day with no event
    october = day_cells(month_page(reader, plan, date(2026, 10, 1)))
    assert october[1].startswith("National Day")


def test_us_holidays_and_a_site_closure_are_shown():
    plan = make_plan("cross", "2026-11-02", holidays="US", tz="America/New_York",
                     closed=("2026-11-10=Linac service",))
    reader = read(to_pdf(plan, generated=GENERATED))
    november = day_cells(month_page(reader, plan, date(2026, 11, 1)))
    assert november[26].startswith("Thanksgiving Day")
    assert november[11].startswith("Veterans Day")
    assert november[10].startswith("Closed: Linac service")
    assert "RT" not in november[10]
    overview = flat(reader.pages[0])
    assert "Clinic closed 2026-11-10 (Linac service)" in overview
    assert "Surgery (target date) Mon 2027-01-11; Window 2027-01-04 to 2027-01-18" in overview


def test_moved_events_are_marked_in_cell_list_and_at_their_old_date(seed12):
    plan, _, reader = seed12
    february = day_cells(month_page(reader, plan, date(2026, 2, 1)))
    assert "08:30 IO+nP+DDP C3D1 »" in february[24]
    assert "14:00 RT 1/30 »" in february[24]
    assert "» moved to Tue 24 Feb: IO+nP+DDP C3D1, RT 1/30" in february[16]
    rows = list_rows(reader, plan)
    moved = [r for r in rows if "» Moved from Mon 2026-02-16: Chinese New Year's Eve" in r]
    assert [r[:10] for r in moved] == ["2026-02-24"] * 4
    assert sum("Course extended past closures" in r for r in rows) == 1


def test_continuation_doses_are_marked_and_the_summary_says_until_when(seed12):
    plan, _, reader = seed12
    rows = list_rows(reader, plan)
    marked = [r for r in rows if "† Continuation dose, until progression, intolerance or withdrawal" in r]
    continuation = [e for e in plan.events if e.open_ended]
    assert len(continuation) == 8
    assert [r[:10] for r in marked] == [e.date.isoformat() for e in continuation]
    july = day_cells(month_page(reader, plan, date(2026, 7, 1)))
    assert "08:30 IO C10D1 †" in july[21]
    overview = flat(reader.pages[0])
    assert "Continues until progression, intolerance or withdrawal." in overview
    assert ("Planned doses (9): 2026-01-05, 2026-01-26, 2026-02-24, 2026-03-17, 2026-04-07, "
            "2026-04-28, 2026-05-19, 2026-06-09, 2026-06-30") in overview
    assert "Continuation doses to 2027-01-05 (8): 2026-07-21," in overview


# --- first page ----------------------------------------------------------------------------------


def test_overview_page(seed12):
    plan, _, reader = seed12
    text = flat(reader.pages[0])
    for expected in (
        "Treatment calendar", "Patient: Patient 017", "Version 1",
        plan.template.name, "NCT06478355 · https://clinicaltrials.gov/study/NCT06478355",
        "Start (cycle 1, day 1) Mon 2026-01-05", "Time zone China Time (Asia/Shanghai)",
        "Public holidays China",
        "Generated 2026-01-01 16:00 (Asia/Shanghai)",
        "Cycle 1: day 1 Mon 2026-01-05: IO, nP, DDP; day 8 Mon 2026-01-12: nP",
        "Cycle 3: day 1 Tue 2026-02-24: IO, nP, DDP » Moved from Mon 2026-02-16: Chinese New Year's Eve",
        "Cycle 4: day 1 Tue 2026-03-17: IO, nP, DDP; day 8 Tue 2026-03-24: nP",
        "30 fractions of 2.0 Gy, 60 Gy in total. First: Tue 2026-02-24. Last: Fri 2026-04-03.",
        "Radiotherapy ends on Fri 2026-04-03, after the planned weeks 7–12",
        "IO PD-1 inhibitor (drug, in cycles)", "DDP Cisplatin (drug, in cycles)",
        "RT Radiotherapy (radiotherapy fraction)",
    ):
        assert expected in text, expected
    assert "Cycle 5:" not in text  # cycles with only the open-ended drug are summarised apart
    assert "changed since version" not in text  # no changes: the mark is not in the legend


def test_stupp_summary_has_daily_span_and_adjuvant_cycles(stupp):
    _, _, reader = stupp
    text = flat(reader.pages[0])
    assert "Every day from Mon 2026-03-02 to Tue 2026-04-14 (44 days)" in text
    assert "Cycle 1: days 1–5 Tue 2026-05-12 to Sat 2026-05-16: TMZ5" in text
    assert "Cycle 6: days 1–5 Tue 2026-09-29 to Sat 2026-10-03: TMZ5" in text
    assert "adjuvant_cycles" not in text  # a parameter's name is the coordinator's word


# --- pages ---------------------------------------------------------------------------------------


# stupp: 104 events, and (the clinical read of December 2026) 44 days of co-trimoxazole, 6
# weekly blood counts during radiotherapy and 6 day-22 counts: 160
@pytest.mark.parametrize("name, months, events", [("seed6", 6, 51), ("seed12", 12, 59), ("stupp", 8, 160)])
def test_page_count(name, months, events, request):
    """The full layout: one overview page, one page per month spanned, and the list at
    LIST_ROWS_PER_PAGE events a page (every row of these plans is a standard row). The
    compact layout's page counts are in tests/test_pdf_patient.py."""
    plan, _, reader = request.getfixturevalue(name)
    assert len(months_spanned(plan)) == months
    assert len(plan.events) == events
    list_pages = math.ceil(events / LIST_ROWS_PER_PAGE)
    assert len(reader.pages) == 1 + months + list_pages
    assert "Treatment calendar" in flat(reader.pages[0])
    assert all(lines(p)[0] == "All events in date order" for p in reader.pages[1 + months:])
    # 6 months: 1 + 6 + ceil(51 / 16) = 11; 12 months: 1 + 12 + ceil(59 / 16) = 17.


def test_footer_on_every_page(seed12):
    _, _, reader = seed12
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = lines(page)
        assert text[-1] == f"Page {number} of {total}"
        assert text[-2] == ("Patient 017 · PD-1 inhibitor + nab-paclitaxel/cisplatin · Version 1 · "
                            "Generated 2026-01-01")  # the regimen's name, not its citation


@pytest.mark.parametrize("paper, size", [("a4", A4_LANDSCAPE), ("letter", LETTER_LANDSCAPE)])
def test_paper_size(paper, size):
    plan = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai", horizon="6m")
    reader = read(to_pdf(plan, generated=GENERATED, paper=paper))
    assert len(reader.pages) == 9  # compact: 1 + grids of January to March + 1 listing April to June + 4
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(size, abs=0.01)


def test_week_start_sunday_changes_the_columns(seed6):
    plan, _, reader = seed6
    sunday = read(to_pdf(plan, generated=GENERATED, week_start="sunday", layout="full"))
    february = date(2026, 2, 1)  # a Sunday

    def heads(page):
        return [line for line in lines(page) if line in WEEKDAYS]

    def first_number(page):
        return next(line for line in lines(page)[1:] if line.isdigit())

    assert heads(month_page(reader, plan, february)) == list(WEEKDAYS)
    assert heads(month_page(sunday, plan, february)) == ["Sunday", *WEEKDAYS[:6]]
    # Monday first: the grid opens on Monday 26 January; Sunday first: on Sunday 1 February.
    assert first_number(month_page(reader, plan, february)) == "26"
    assert first_number(month_page(sunday, plan, february)) == "1"
    assert len(sunday.pages) == len(reader.pages)
    cells = day_cells(month_page(sunday, plan, february))
    assert "08:30 IO+nP+DDP C3D1 »" in cells[24]


def test_text_is_never_smaller_than_9_points(seed12, seed_zh):
    sizes: Counter[float] = Counter()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes[size] += 1

    for _, _, reader in (seed12, seed_zh):
        for page in reader.pages:
            page.extract_text(visitor_text=visit)
    assert sizes[9.0] > 1000 and min(sizes) >= 9


# --- Chinese -------------------------------------------------------------------------------------


def test_chinese_labels_names_and_holidays(seed_zh):
    plan, _, reader = seed_zh
    overview = flat(reader.pages[0])
    for expected in ("治疗日历", "第1版", "顺铂", "白蛋白结合型紫杉醇",
                     "开始日期（第1周期第1天） 2026-01-05（周一）",
                     "第3周期：第1天 2026-02-24（周二）：IO、nP、DDP » 由2026-02-16（周一）改期：农历除夕",
                     "持续用药，直至：疾病进展、不能耐受或患者退出"):
        assert has(overview, expected), expected
    february = month_page(reader, plan, date(2026, 2, 1))
    assert squash(flat(february)).startswith("2026年2月")
    assert has(flat(february), "星期一 星期二 星期三 星期四 星期五 星期六 星期日")
    cells = {day: squash(text) for day, text in day_cells(february).items()}
    assert cells[16].startswith("农历除夕")
    assert cells[17].startswith("春节")
    assert cells[14].startswith("调休上班")
    assert "Chinese New Year" not in flat(february)
    rows = [squash(row) for row in list_rows(reader, plan)]
    cisplatin = [r for r in rows if "顺铂" in r and "第3周期第1天" in r]
    assert len(cisplatin) == 1 and "由2026-02-16（周一）改期：农历除夕" in cisplatin[0]
    assert "星期二" in cisplatin[0] and "顺铂60–75mg/m²，静脉输注并水化" in cisplatin[0]
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert squash(flat(page)).endswith(f"第{number}页，共{total}页")


def test_bilingual_labels():
    plan = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai", horizon="6m")
    reader = read(to_pdf(plan, generated=GENERATED, lang="en+zh"))
    february = month_page(reader, plan, date(2026, 2, 1))
    assert squash(flat(february)).startswith(squash("February 2026 / 2026年2月"))
    assert has(flat(february), "Mon 星期一 Tue 星期二")
    assert has(day_cells(february)[16], "Chinese New Year's Eve / 农历除夕")
    overview = flat(reader.pages[0]) + " " + flat(reader.pages[1])
    assert has(overview, "Cisplatin / 顺铂")
    # sentences: the English line, then the Chinese line
    assert has(overview, "Cycle 3: day 1 Tue 2026-02-24: IO, nP, DDP » Moved from Mon 2026-02-16: "
                         "Chinese New Year's Eve; day 8 Tue 2026-03-03: nP "
                         "第3周期：第1天 2026-02-24（周二）：IO、nP、DDP")


def test_a_line_of_latin_and_chinese_runs_extracts_as_one_line():
    plan = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai", horizon="6m")
    reader = read(to_pdf(plan, generated=GENERATED, lang="zh", patient="张三 (A)"))
    assert {"患者: 张三 (A)", "第1版"} <= set(lines(reader.pages[0]))


def test_non_cn_holidays_stay_english_in_chinese_output():
    plan = make_plan("cross", "2026-11-02", holidays="US", tz="America/New_York")
    reader = read(to_pdf(plan, generated=GENERATED, lang="zh"))
    november = day_cells(month_page(reader, plan, date(2026, 11, 1)))
    assert november[26].startswith("Thanksgiving Day")
    assert squash(flat(month_page(reader, plan, date(2026, 11, 1)))).startswith("2026年11月")
    assert has(november[23], "09:00 PTX+CBP C4D1")


# --- versions ------------------------------------------------------------------------------------


def test_reissue_shows_version_changes_and_cancellations(reissue):
    plan, changed, cancelled, reader = reissue
    assert len(cancelled) == 3 and changed
    overview = flat(reader.pages[0])
    assert "Version 2, replaces version 1 of 2025-12-20" in overview
    assert "‡ changed since version 1" in overview
    for page in reader.pages:
        assert "Version 2" in lines(page)[-2]
    rows = list_rows(reader, plan)
    marked = {r[:10] for r in rows if "‡ Changed since version 1" in r}
    assert marked == {e.date.isoformat() for e in plan.events if e.uid in changed}
    assert sum("‡ Changed since version 1" in r for r in rows) == len(changed)
    heading = "× Cancelled since version 1: no longer planned"
    assert heading in flat(reader.pages[-1])
    gone = [r for r in rows if re.search("× Cancelled(?! since)", r)]
    assert sorted(r[:10] for r in gone) == sorted(e.date.isoformat() for e in cancelled)
    assert all("Cycle 4" in r for r in gone)
    march = day_cells(month_page(reader, plan, date(2026, 3, 1)))
    assert march[9].startswith("Closed: Linac service")
    assert re.search(r"14:00 RT \d+/30 ‡", march[10])


# --- determinism and speed -----------------------------------------------------------------------


def test_same_inputs_give_identical_bytes(seed6, monkeypatch):
    plan, data, _ = seed6
    assert to_pdf(plan, generated=GENERATED, layout="full") == data
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert to_pdf(plan, generated=GENERATED, layout="full") == data
    compact = to_pdf(plan, generated=GENERATED)
    assert to_pdf(plan, generated=GENERATED) == compact
    later = to_pdf(plan, generated=datetime(2026, 1, 2, 8, 0, tzinfo=UTC), layout="full")
    assert later != data
    assert read(later).metadata["/CreationDate"] == "D:20260102080000+00'00'"
    assert read(data).metadata["/CreationDate"] == "D:20260101080000+00'00'"


def test_generated_must_be_aware(seed6):
    plan, _, _ = seed6
    with pytest.raises(ValueError, match="aware"):
        to_pdf(plan, generated=datetime(2026, 1, 1, 8, 0))


def test_patient_label_is_printed_but_not_in_metadata(seed12):
    _, _, reader = seed12
    assert "Patient 017" not in str(reader.metadata)
    assert reader.metadata["/Title"] == ("Treatment calendar – PD-1 inhibitor + nab-paclitaxel/"
                                         "cisplatin (TP) with radiotherapy, oesophageal SCC")


# --- line breaking -------------------------------------------------------------------------------


def test_closing_punctuation_never_begins_a_line():
    """A Chinese closing bracket or comma takes the character before it to the next line; after
    a Latin word it hangs at the end of the line instead."""
    from scheduler.export.pdf.text import _width, _wrap

    label = "开始日期（第1周期第1天）"
    room = _width("开始日期（第1周期第1天", BODY_SIZE, True) + 0.5  # all but the bracket fits
    assert _wrap(label, room, BODY_SIZE, True) == ("开始日期（第1周期第1", "天）")
    lines = _wrap("持续用药，直至：疾病进展、不能耐受或患者退出。", 60)
    assert lines == ("持续用药，直", "至：疾病进", "展、不能耐受", "或患者退出。")
    assert _wrap("Cycle 1，then", _width("Cycle 1", BODY_SIZE) + 0.5) == ("Cycle 1，", "then")
    # two marks in a row go on together, with the character before them
    assert _wrap("他说好。）然后继续", _width("他说好。", BODY_SIZE) + 0.5) == ("他说", "好。）然", "后继续")
    assert _wrap("abc 天）", _width("abc 天", BODY_SIZE) + 0.5) == ("abc", "天）")


def test_a_word_too_wide_for_a_shortened_first_line_begins_on_the_next():
    """After a day number or a bold lead-in the first line is shorter; a word that does not
    fit there but fits a whole line is not cut, it moves down."""
    from scheduler.export.pdf.lines import _Lines
    from scheduler.export.pdf.text import _width, _wrap

    assert _wrap("Thanksgiving Day", 60, first=20) == ("", "Thanksgiving", "Day")
    assert _wrap("Thanksgiving Day", 200, first=100) == ("Thanksgiving Day",)
    long_name = "number_of_weekly_cisplatin_doses_during_chemoradiotherapy = 6"
    block = _Lines("(template default): Number of doses.", lead=long_name)
    width = _width(long_name, BODY_SIZE, True) + 20  # the lead fits, "(template" does not
    assert laid_out(block, width) == (long_name, "(template default): Number of doses.")
    narrow = _width(long_name, BODY_SIZE, True) * 0.6  # the lead itself is wrapped, in bold
    block.wrap(narrow, 1000)
    pieces = [piece for row in block.rows for piece in row]
    lead = "".join(text for _, text, bold in pieces if bold)
    assert lead.replace(" ", "") == long_name.replace(" ", "")
    assert all(x + _width(text, BODY_SIZE, bold) <= narrow for x, text, bold in pieces)


def test_a_split_paragraph_leaves_no_line_alone():
    """A paragraph of the overview split between columns keeps two lines or more in each part;
    with less room it moves on whole."""
    from scheduler.export.pdf.lines import _Lines

    block = _Lines("one two three four five", leading=10)
    width = 30.0  # one word a line
    assert block.wrap(width, 1000) == (width, 50)
    assert block.split(width, 19.9) == []  # one line of room: no orphan, it moves on whole
    assert [laid_out(part, width) for part in block.split(width, 20)] == [
        ("one", "two"), ("three", "four", "five")]
    assert [laid_out(part, width) for part in block.split(width, 45)] == [
        ("one", "two", "three"), ("four", "five")]
    assert block.split(width, 50) == [block]  # it fits whole


def laid_out(block, width: float) -> tuple[str, ...]:
    """A block's lines once laid out ``width`` wide (a bold lead-in joined to its text)."""
    block.wrap(width, 1000)
    return tuple(" ".join(text for _, text, _ in row if text) for row in block.rows)
