"""What the clinical read of December 2026 found missing from the shipped templates, added
in the templates' YAML (reviews/clinical-read-2026-12.md, "Cross-template recommendations"):
each addition's dates for one US and one CN start. The expected dates are worked out here
from the rule written in the template and the calendar (US federal holidays; China's days
off and make-up working days), not copied from the scheduler's output."""

from __future__ import annotations

from datetime import date, timedelta

from .conftest import dates, make_plan

NY, SH = "America/New_York", "Asia/Shanghai"


def _plus(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def _clock(plan, component):
    return sorted({e.start.strftime("%H:%M") for e in plan.events if e.component == component})


# --- capox: capecitabine from the evening of day 1 to the morning of day 15; labs ----------


def test_capox_us_capecitabine_evening_day1_to_morning_day15_and_labs():
    plan = make_plan("capox", "2026-08-17", holidays="US", tz=NY)
    # Cycle 2's day 1 moves from Labor Day (7 September) to Tuesday 8 September; every later
    # cycle is 21 days after the actual day 1 before it, so on a Tuesday.
    day1 = ["2026-08-17", "2026-09-08", "2026-09-29", "2026-10-20", "2026-11-10",
            "2026-12-01", "2026-12-22", "2027-01-12"]
    assert dates(plan.events, "oxaliplatin") == day1
    # 14 evening doses (days 1-14, 20:00) and 14 morning doses (days 2-15, 08:00) a cycle
    evening = dates(plan.events, "capecitabine-evening")
    morning = dates(plan.events, "capecitabine-morning")
    assert evening == [_plus(d, k) for d in day1 for k in range(14)]
    assert morning == [_plus(d, k) for d in day1 for k in range(1, 15)]
    assert _clock(plan, "capecitabine-evening") == ["20:00"]
    assert _clock(plan, "capecitabine-morning") == ["08:00"]
    # no capecitabine before oxaliplatin on day 1; the last dose is day 15's morning
    assert dates(plan.events, "capecitabine-morning", day=1) == []
    assert dates(plan.events, "capecitabine-morning", day=15) == [
        "2026-08-31", "2026-09-22", "2026-10-13", "2026-11-03", "2026-11-24", "2026-12-15",
        "2027-01-05", "2027-01-26"]
    # labs the working day before each cycle from cycle 2: before cycle 2 the day before is
    # Labor Day, so Friday 4 September; the others are the Monday before a Tuesday.
    assert dates(plan.events, "labs") == [
        "2026-09-04", "2026-09-28", "2026-10-19", "2026-11-09", "2026-11-30", "2026-12-21",
        "2027-01-11"]
    assert [e.cycle for e in plan.events if e.component == "labs"] == list(range(2, 9))


def test_capox_cn_across_national_day():
    plan = make_plan("capox", "2026-09-14", holidays="CN", tz=SH, sets={"cycles": 6})
    # Cycle 2 is planned on Monday 5 October (National Day, observed); 6 and 7 October are
    # days off too, so it is on Thursday 8 October; then every 21 days, on Thursdays.
    day1 = ["2026-09-14", "2026-10-08", "2026-10-29", "2026-11-19", "2026-12-10",
            "2026-12-31"]
    assert dates(plan.events, "oxaliplatin") == day1
    assert dates(plan.events, "capecitabine-evening", day=1) == day1
    assert dates(plan.events, "capecitabine-morning", day=15) == [_plus(d, 14) for d in day1]
    assert len(dates(plan.events, "capecitabine-evening")) == 6 * 14
    assert len(dates(plan.events, "capecitabine-morning")) == 6 * 14
    # Before cycle 2 the working day before 7 October is 30 September, more than 3 days
    # back: the labs are on the morning of day 1 (8 October). The others: the Wednesday before.
    assert dates(plan.events, "labs") == [
        "2026-10-08", "2026-10-28", "2026-11-18", "2026-12-09", "2026-12-30"]


# --- tc: blood tests before each cycle (dexamethasone days 0-2 was already there) ----------


def test_tc_us_labs_before_each_cycle_and_dexamethasone():
    plan = make_plan("tc", "2026-01-05", holidays="US", tz=NY)
    # Cycle 3 is planned on Presidents' Day (16 February) and moves to Tuesday 17 February;
    # cycle 4 is 21 days later, Tuesday 10 March.
    day1 = ["2026-01-05", "2026-01-26", "2026-02-17", "2026-03-10"]
    assert dates(plan.events, "docetaxel") == day1
    # Before cycle 2: Sunday 25 January -> Friday 23; before cycle 3: Monday 16 February is
    # the holiday -> Friday 13; before cycle 4: Monday 9 March.
    assert dates(plan.events, "labs") == ["2026-01-23", "2026-02-13", "2026-03-09"]
    # dexamethasone twice daily the day before, the day of and the day after docetaxel
    assert dates(plan.events, "dexamethasone") == [
        _plus(d, k) for d in day1 for k in (-1, 0, 1) for _ in range(2)]


def test_tc_cn_labs_across_the_spring_festival():
    plan = make_plan("tc", "2026-01-26", holidays="CN", tz=SH)
    # Cycle 2 is planned on Chinese New Year's Eve (16 February): closed to 23 February, so
    # Tuesday 24 February; cycle 3 on 17 March; cycle 4 on 7 April.
    day1 = ["2026-01-26", "2026-02-24", "2026-03-17", "2026-04-07"]
    assert dates(plan.events, "docetaxel") == day1
    # Before cycle 2 the working day before 23 February is Saturday 14 February (a make-up
    # day), 9 days back: on the morning of day 1. Before cycle 4, Monday 6 April is
    # Tomb-Sweeping Day (observed): Friday 3 April.
    assert dates(plan.events, "labs") == ["2026-02-24", "2026-03-16", "2026-04-03"]
    # dexamethasone is at home: day 0 of cycle 2 stays on the day off, 23 February
    assert dates(plan.events, "dexamethasone", day=0) == [
        "2026-01-25", "2026-01-25", "2026-02-23", "2026-02-23", "2026-03-16", "2026-03-16",
        "2026-04-06", "2026-04-06"]


# --- flot: dexamethasone days 0-2 and blood tests before each cycle ------------------------


def test_flot_us_dexamethasone_and_labs_in_both_phases():
    plan = make_plan("flot", "2026-01-05", holidays="US", tz=NY)
    day1 = ["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-17",
            "2026-05-26", "2026-06-09", "2026-06-23", "2026-07-07"]
    assert dates(plan.events, "docetaxel") == day1
    # twice daily, the day before, the day of and the day after every docetaxel (cycles 1-8)
    assert dates(plan.events, "dexamethasone") == [
        _plus(d, k) for d in day1 for k in (-1, 0, 1) for _ in range(2)]
    assert [e.cycle for e in plan.events if e.component == "dexamethasone"] == [
        c for c in range(1, 9) for _ in range(6)]
    assert _clock(plan, "dexamethasone") == ["08:00", "20:00"]
    # Before cycle 2 (Tuesday 20 January, moved from Martin Luther King Jr. Day) and cycle 4
    # (Tuesday 17 February, the day after Presidents' Day) the day before is a holiday: the
    # Friday before. Cycle 5's day before is Memorial Day (25 May): Friday 22 May.
    assert dates(plan.events, "labs") == ["2026-01-16", "2026-02-02", "2026-02-13"]
    assert dates(plan.events, "labs-postop") == [
        "2026-05-22", "2026-06-08", "2026-06-22", "2026-07-06"]
    assert [e.cycle for e in plan.events if e.component == "labs-postop"] == [5, 6, 7, 8]


def test_flot_cn_across_the_spring_festival():
    plan = make_plan("flot", "2026-01-19", holidays="CN", tz=SH)
    # Cycle 3 is planned on 16 February (Chinese New Year's Eve): Tuesday 24 February; cycle
    # 4 on 10 March; surgery 42 days later (21 April); cycle 5 56 days after it (16 June).
    day1 = ["2026-01-19", "2026-02-02", "2026-02-24", "2026-03-10",
            "2026-06-16", "2026-06-30", "2026-07-14", "2026-07-28"]
    assert dates(plan.events, "docetaxel") == day1
    assert dates(plan.events, "surgery") == ["2026-04-21"]
    # day 0 of cycle 3 is the day off on 23 February: kept, taken at home
    assert dates(plan.events, "dexamethasone", day=0) == [
        _plus(d, -1) for d in day1 for _ in range(2)]
    # Before cycle 2 the day before is Sunday 1 February: Friday 30 January. Before cycle 3
    # the working day before 23 February is 14 February, 9 days back: the morning of day 1.
    assert dates(plan.events, "labs") == ["2026-01-30", "2026-02-24", "2026-03-09"]
    assert dates(plan.events, "labs-postop") == [
        "2026-06-15", "2026-06-29", "2026-07-13", "2026-07-27"]


# --- folfirinox, r-chop-21, ddact: blood tests the working day before each cycle ----------


def test_folfirinox_us_labs_across_columbus_day_and_mlk_day():
    plan = make_plan("folfirinox", "2026-08-31", holidays="US", tz=NY)
    # Cycle 4 is planned on Columbus Day (12 October): Tuesday 13 October, then Tuesdays.
    assert dates(plan.events, "irinotecan") == [
        "2026-08-31", "2026-09-14", "2026-09-28", "2026-10-13", "2026-10-27", "2026-11-10",
        "2026-11-24", "2026-12-08", "2026-12-22", "2027-01-05", "2027-01-19", "2027-02-02"]
    # Monday cycles: the Friday before. Cycle 4: the day before is Columbus Day, so Friday
    # 9 October; cycle 11 (Tuesday 19 January 2027): the day before is Martin Luther King Jr.
    # Day, so Friday 15 January.
    assert dates(plan.events, "labs") == [
        "2026-09-11", "2026-09-25", "2026-10-09", "2026-10-26", "2026-11-09", "2026-11-23",
        "2026-12-07", "2026-12-21", "2027-01-04", "2027-01-15", "2027-02-01"]


def test_folfirinox_cn_labs_across_the_spring_festival_and_labour_day():
    plan = make_plan("folfirinox", "2026-02-02", holidays="CN", tz=SH)
    # (cycle days 1 as in test_library: 2 Feb, 24 Feb, 10 Mar, 24 Mar, 7 Apr, 21 Apr, 6 May,
    # 20 May, 3 Jun, 17 Jun, 1 Jul, 15 Jul.) Cycle 2: the working day before 23 February is 9
    # days back, so the morning of day 1; cycle 5: 6 April is Tomb-Sweeping Day (observed),
    # so Friday 3 April; cycle 7 (Wednesday 6 May): 5 May is a day off and the working day
    # before is 30 April, 5 days back, so the morning of day 1.
    assert dates(plan.events, "labs") == [
        "2026-02-24", "2026-03-09", "2026-03-23", "2026-04-03", "2026-04-20", "2026-05-06",
        "2026-05-19", "2026-06-02", "2026-06-16", "2026-06-30", "2026-07-14"]


def test_r_chop_21_us_labs_across_memorial_day():
    plan = make_plan("r-chop-21", "2026-05-04", holidays="US", tz=NY)
    # Cycle 2 is planned on Memorial Day (25 May): Tuesday 26 May, then Tuesdays.
    day1 = ["2026-05-04", "2026-05-26", "2026-06-16", "2026-07-07", "2026-07-28", "2026-08-18"]
    assert dates(plan.events, "rituximab") == day1
    assert dates(plan.events, "labs") == [
        "2026-05-22", "2026-06-15", "2026-07-06", "2026-07-27", "2026-08-17"]


def test_r_chop_21_cn_labs_across_labour_day():
    plan = make_plan("r-chop-21", "2026-04-13", holidays="CN", tz=SH)
    # Cycle 2 is planned on 4 May (Labour Day, observed); 5 May is a day off: Wednesday 6 May.
    day1 = ["2026-04-13", "2026-05-06", "2026-05-27", "2026-06-17", "2026-07-08", "2026-07-29"]
    assert dates(plan.events, "rituximab") == day1
    # before cycle 2 the working day before 5 May is 30 April, 5 days back: day 1's morning
    assert dates(plan.events, "labs") == [
        "2026-05-06", "2026-05-26", "2026-06-16", "2026-07-07", "2026-07-28"]


def test_ddact_us_labs_before_ac_and_paclitaxel_cycles():
    plan = make_plan("ddact", "2026-03-02", holidays="US", tz=NY)
    assert dates(plan.events, "doxorubicin") == [
        "2026-03-02", "2026-03-16", "2026-03-30", "2026-04-13"]
    assert dates(plan.events, "paclitaxel") == [
        "2026-04-27", "2026-05-11", "2026-05-26", "2026-06-09"]
    assert dates(plan.events, "labs") == ["2026-03-13", "2026-03-27", "2026-04-10"]
    # cycle 7 is on Tuesday 26 May (moved from Memorial Day): the Friday before, 22 May
    assert dates(plan.events, "labs-paclitaxel") == [
        "2026-04-24", "2026-05-08", "2026-05-22", "2026-06-08"]
    assert [e.cycle for e in plan.events if e.component == "labs-paclitaxel"] == [5, 6, 7, 8]


def test_ddact_cn_labs_across_the_spring_festival_and_labour_day():
    plan = make_plan("ddact", "2026-01-26", holidays="CN", tz=SH)
    # AC on 26 January, 9 February, 24 February, 10 March; paclitaxel on 24 March, 7 April,
    # 21 April and 6 May (docs/template-language.md's worked example)
    assert dates(plan.events, "paclitaxel") == [
        "2026-03-24", "2026-04-07", "2026-04-21", "2026-05-06"]
    assert dates(plan.events, "labs") == ["2026-02-06", "2026-02-24", "2026-03-09"]
    assert dates(plan.events, "labs-paclitaxel") == [
        "2026-03-23", "2026-04-03", "2026-04-20", "2026-05-06"]


def test_flot_pdf_gives_both_phases_blood_tests_one_mark():
    """flot has 9 components and the PDF 8 shapes: the blood tests after surgery repeat
    those before it (same code and name), so they share its mark and the other 8 differ."""
    from scheduler.export.pdf import _shapes, _template_components

    plan = make_plan("flot", "2026-01-05", holidays="US", tz=NY)
    shapes = _shapes(plan)
    assert shapes["labs-postop"] == shapes["labs"]
    assert "labs-postop" not in dict(_template_components(plan))
    others = {c: s for c, s in shapes.items() if c != "labs-postop"}
    assert len(set(others.values())) == len(others) == 8


# --- cross, cisplatin-rt-head-neck: weekly blood tests before each chemotherapy dose -------


def test_cross_us_weekly_labs_across_memorial_day():
    plan = make_plan("cross", "2026-05-04", holidays="US", tz=NY)
    # Week 4 is planned on Memorial Day (25 May): Tuesday 26 May, and week 5 a week later
    assert dates(plan.events, "carboplatin") == [
        "2026-05-04", "2026-05-11", "2026-05-18", "2026-05-26", "2026-06-02"]
    # the working day before each dose from week 2: Sundays go back to Friday; before week 4
    # the day before is Memorial Day itself, so Friday 22 May
    assert dates(plan.events, "labs") == ["2026-05-08", "2026-05-15", "2026-05-22", "2026-06-01"]


def test_cross_cn_weekly_labs_across_the_spring_festival():
    plan = make_plan("cross", "2026-02-02", holidays="CN", tz=SH)
    # Week 3 is planned on Chinese New Year's Eve (16 February): Tuesday 24 February
    assert dates(plan.events, "paclitaxel") == [
        "2026-02-02", "2026-02-09", "2026-02-24", "2026-03-03", "2026-03-10"]
    # before week 2: Sunday 8 and Saturday 7 February are closed, so Friday 6 February; before
    # week 3 the working day before 23 February is 9 days back: the morning of day 1
    assert dates(plan.events, "labs") == ["2026-02-06", "2026-02-24", "2026-03-02", "2026-03-09"]


def test_cisplatin_rt_us_weekly_labs_across_memorial_day():
    plan = make_plan("cisplatin-rt-head-neck", "2026-05-18", holidays="US", tz=NY)
    assert dates(plan.events, "cisplatin") == [
        "2026-05-18", "2026-05-26", "2026-06-02", "2026-06-09", "2026-06-16", "2026-06-23"]
    assert dates(plan.events, "labs") == [
        "2026-05-22", "2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22"]


def test_cisplatin_rt_cn_weekly_labs_across_national_day():
    plan = make_plan("cisplatin-rt-head-neck", "2026-09-14", holidays="CN", tz=SH)
    # Week 4 is planned on 5 October (National Day, observed); 6 and 7 October are days off:
    # Thursday 8 October, then Thursdays
    assert dates(plan.events, "cisplatin") == [
        "2026-09-14", "2026-09-21", "2026-09-28", "2026-10-08", "2026-10-15", "2026-10-22"]
    # Before week 2 the day before is Sunday 20 September, a make-up working day: kept.
    # Before week 3: Sunday 27 and Saturday 26 are closed, Friday 25 is the Mid-Autumn
    # Festival: Thursday 24 September (3 days back). Before week 4 the working day before
    # 7 October is 30 September, 7 days back: the morning of day 1.
    assert dates(plan.events, "labs") == [
        "2026-09-20", "2026-09-24", "2026-10-08", "2026-10-14", "2026-10-21"]


# --- stupp: PCP prophylaxis, weekly blood counts with radiotherapy, day-22 counts ----------


def test_stupp_us_pcp_prophylaxis_weekly_and_day22_counts():
    plan = make_plan("stupp", "2026-01-05", holidays="US", tz=NY)
    # 30 fractions: none on Martin Luther King Jr. Day (19 January) or Presidents' Day
    # (16 February), so the last is on Tuesday 17 February
    rt = dates(plan.events, "rt")
    assert (len(rt), rt[0], rt[-1]) == (30, "2026-01-05", "2026-02-17")
    # co-trimoxazole every day from day 1 to the last concurrent temozolomide (17 February)
    every_day = [_plus("2026-01-05", k) for k in range(44)]
    assert dates(plan.events, "tmz-concurrent") == every_day
    assert dates(plan.events, "pcp-prophylaxis") == every_day
    # a blood count a week after the first fraction, then weekly while on concurrent
    # temozolomide; Mondays that are holidays go back to the Friday before
    assert dates(plan.events, "fbc-weekly") == [
        "2026-01-12", "2026-01-16", "2026-01-26", "2026-02-02", "2026-02-09", "2026-02-13"]
    # adjuvant cycle 1 is 28 days after the last fraction: Tuesday 17 March; then every 28
    # days; the count is on day 22 (21 days after day 1)
    day1 = ["2026-03-17", "2026-04-14", "2026-05-12", "2026-06-09", "2026-07-07", "2026-08-04"]
    assert dates(plan.events, "tmz", day=1) == day1
    assert dates(plan.events, "fbc-day22") == [_plus(d, 21) for d in day1]
    assert [e.cycle for e in plan.events if e.component == "fbc-day22"] == list(range(1, 7))


def test_stupp_cn_across_the_spring_festival_and_labour_day():
    plan = make_plan("stupp", "2026-01-26", holidays="CN", tz=SH)
    # 5 fractions a week; 16-23 February closed; Saturday 28 February is a make-up working
    # day: the 30th fraction is on Friday 13 March
    rt = dates(plan.events, "rt")
    assert (len(rt), rt[-1]) == (30, "2026-03-13")
    assert dates(plan.events, "pcp-prophylaxis") == [_plus("2026-01-26", k) for k in range(47)]
    # weekly from 2 February: 16 February (closed) goes back to Saturday 14 February (a
    # make-up working day); for 23 February the working day before is 14 February, more than
    # 3 days back, so the next working day, 24 February
    assert dates(plan.events, "fbc-weekly") == [
        "2026-02-02", "2026-02-09", "2026-02-14", "2026-02-24", "2026-03-02", "2026-03-09"]
    # adjuvant cycle 1 on Friday 10 April (28 days after 13 March); its day 22 is 1 May,
    # Labour Day: the working day before, Thursday 30 April, within 48 hours
    day1 = ["2026-04-10", "2026-05-08", "2026-06-05", "2026-07-03", "2026-07-31", "2026-08-28"]
    assert dates(plan.events, "tmz", day=1) == day1
    assert dates(plan.events, "fbc-day22") == [
        "2026-04-30", "2026-05-29", "2026-06-26", "2026-07-24", "2026-08-21", "2026-09-18"]


# --- pembrolizumab-q6w, nivolumab-q4w: thyroid, liver and kidney tests before each dose ----


def test_pembrolizumab_us_labs_before_each_dose():
    plan = make_plan("pembrolizumab-q6w", "2026-01-05", holidays="US", tz=NY)
    labs = dates(plan.events, "labs")
    # before doses 2-18; dose 2 is on Tuesday 17 February (moved from Presidents' Day), so
    # its labs go back over the holiday to Friday 13 February; doses on Mondays: the Friday
    # before, except dose 5's: Friday 19 June is Juneteenth, so Thursday 18 June; dose 10
    # (Tuesday 19 January 2027, moved from Martin Luther King Jr. Day) and dose 14 (Tuesday
    # 6 July 2027, moved from Independence Day observed): the Friday before the holiday
    assert len(labs) == 17
    assert labs[:9] == ["2026-02-13", "2026-03-27", "2026-05-08", "2026-06-18", "2026-07-31",
                        "2026-09-11", "2026-10-23", "2026-12-04", "2027-01-15"]
    assert labs[12] == "2027-07-02" and labs[-1] == "2027-12-17"
    assert [e.cycle for e in plan.events if e.component == "labs"] == list(range(2, 19))


def test_pembrolizumab_cn_labs_before_each_dose():
    plan = make_plan("pembrolizumab-q6w", "2026-01-05", holidays="CN", tz=SH)
    # dose 2 is planned on 16 February and given on 24 February: its labs on the morning of
    # day 1; dose 4's day before is Sunday 10 May, and Saturday 9 May is a make-up working
    # day; dose 5's: Friday 19 June is the Dragon Boat Festival, so Thursday 18 June
    assert dates(plan.events, "labs")[:8] == [
        "2026-02-24", "2026-03-27", "2026-05-09", "2026-06-18", "2026-07-31", "2026-09-11",
        "2026-10-23", "2026-12-04"]


def test_nivolumab_us_labs_before_each_dose():
    plan = make_plan("nivolumab-q4w", "2026-03-02", holidays="US", tz=NY)
    # dose 4 moves from Memorial Day to Tuesday 26 May and the later doses with it
    assert dates(plan.events, "nivolumab")[3:5] == ["2026-05-26", "2026-06-23"]
    # dose 4's day before is Memorial Day: Friday 22 May; dose 9's (Tuesday 13 October) is
    # Columbus Day: Friday 9 October
    assert dates(plan.events, "labs") == [
        "2026-03-27", "2026-04-24", "2026-05-22", "2026-06-22", "2026-07-20", "2026-08-17",
        "2026-09-14", "2026-10-09", "2026-11-09", "2026-12-07", "2027-01-04", "2027-02-01"]


def test_nivolumab_cn_labs_before_each_dose():
    plan = make_plan("nivolumab-q4w", "2026-09-14", holidays="CN", tz=SH)
    assert dates(plan.events, "nivolumab")[:4] == [
        "2026-09-14", "2026-10-12", "2026-11-09", "2026-12-07"]
    # before dose 2 the day before is Sunday 11 October; Saturday 10 October is a make-up
    # working day, so the blood tests are then
    assert dates(plan.events, "labs")[:3] == ["2026-10-10", "2026-11-06", "2026-12-04"]


def test_stupp_discreet_calendar_tells_the_two_daily_medications_apart():
    """Both daily medications run over the same days: the visit calendar's discreet entries
    are "Medication" (temozolomide, no title of its own) and the template's "Tablet
    reminder" (co-trimoxazole), not two identical entries."""
    from datetime import UTC, datetime

    import icalendar

    from scheduler.export.ics import to_ics

    plan = make_plan("stupp", "2026-03-02", holidays="US", tz=NY)
    calendar = icalendar.Calendar.from_ical(
        to_ics(plan, stamp=datetime(2026, 1, 1, tzinfo=UTC), discreet=True))
    spans = sorted((str(v["SUMMARY"]), v.decoded("DTSTART").isoformat(),
                    v.decoded("DTEND").isoformat()) for v in calendar.walk("VEVENT")
                   if str(v["SUMMARY"]) in ("Medication", "Tablet reminder")
                   and v.decoded("DTSTART").isoformat() == "2026-03-02")
    # 30 fractions from Monday 2 March to Friday 10 April (no US holiday between): both run
    # to 10 April, so the all-day spans end on 11 April
    assert spans == [("Medication", "2026-03-02", "2026-04-11"),
                     ("Tablet reminder", "2026-03-02", "2026-04-11")]
