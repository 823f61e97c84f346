"""Template language 2 (issue 12): each construct's worked example from the README, checked
to the day, and each misuse refused with file, line and field.

Expected dates were computed independently (datetime + the holidays package and
hand-written rules), not by the scheduler. CN starts cross the 2026 Spring Festival
(16-23 February closed; Saturdays 14 and 28 February are make-up working days); US starts
cross federal holidays.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.adjust import Delay, Hold, Stop
from scheduler.core.errors import TemplateError
from scheduler.core.expand import expand
from scheduler.core.loader import load_template_file, load_template_text, resolve_template
from scheduler.export.ics import to_ics

from .conftest import DATA, dates, make_plan
from .language3_bad import LANGUAGE3

BAD = DATA / "bad_language"
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


# --- 7. fractions that do not divide evenly; fewer than 5 a week ------------------------------

def test_hypofractionated_once_weekly_and_alternate_days_us():
    plan = make_plan(str(DATA / "templates" / "hypofractionated.yaml"), "2026-01-05",
                     holidays="US", tz="America/New_York")
    # Martin Luther King Jr. Day, Monday 19 January: that week's fraction is on Tuesday
    assert dates(plan.events, "weekly") == [
        "2026-01-05", "2026-01-12", "2026-01-20", "2026-01-26", "2026-02-02"]
    weekly = [e for e in plan.events if e.component == "weekly"]
    assert [e.cumulative_gy for e in weekly] == ["5.2", "10.4", "15.6", "20.8", "26"]
    assert weekly[0].fraction_gy == "5.2"
    assert dates(plan.events, "alternate") == [
        "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16"]


def test_alternate_days_across_presidents_day():
    plan = make_plan(str(DATA / "templates" / "hypofractionated.yaml"), "2026-02-09",
                     holidays="US", tz="America/New_York")
    assert dates(plan.events, "alternate") == [
        "2026-02-09", "2026-02-11", "2026-02-13", "2026-02-17", "2026-02-19", "2026-02-23"]


def test_uneven_prescription_is_noted_and_the_total_is_exact():
    plan = make_plan("breast-40-15", "2026-02-09", holidays="CN", tz="Asia/Shanghai")
    assert ("Radiotherapy: 40 Gy in 15 fractions does not divide evenly; the dose per fraction "
            "is shown rounded (2.67 Gy) and the cumulative dose at fraction 15 is exactly "
            "40 Gy.") in plan.notes
    rt = [e for e in plan.events if e.component == "rt"]
    assert rt[-1].cumulative_gy == "40"
    assert all(e.fraction_gy == "2.67" for e in rt)


# --- 6. phases after a regimen's end, continued numbering ------------------------------------

def test_after_last_event_is_the_trap_from_last_day1_is_the_fix():
    text = resolve_template("ddact")[1].read_text()
    trap = text.replace("{after: ac, gap_days: 14, from: last_day1}", "{after: ac, gap_days: 14}")
    assert trap != text
    template = load_template_text(trap, "ddact-trap.yaml")
    base = make_plan("ddact", "2026-01-26", holidays="CN", tz="Asia/Shanghai")
    shifted = expand(replace(base.request, template=template))
    # 14 days after the day-2 pegfilgrastim of cycle 4 (11 March) instead of after day 1
    assert dates(shifted.events, "paclitaxel")[0] == "2026-03-25"
    assert dates(base.events, "paclitaxel")[0] == "2026-03-24"


def test_a_delay_of_a_continued_cycle_uses_its_number():
    base = make_plan("ddact", "2026-01-26", holidays="CN", tz="Asia/Shanghai")
    request = replace(base.request, adjustments=(
        Delay("paclitaxel-phase", 6, 7, "neutropenia"),))
    plan = expand(request)
    assert dates(plan.events, "paclitaxel") == [
        "2026-03-24", "2026-04-14", "2026-04-28", "2026-05-12"]


# --- 3. before each cycle -------------------------------------------------------------------

def test_labs_before_each_cycle_cn_across_the_spring_festival():
    plan = make_plan("mfolfox6", "2026-01-26", holidays="CN", tz="Asia/Shanghai")
    day1 = dates(plan.events, "oxaliplatin")
    assert day1[:4] == ["2026-01-26", "2026-02-09", "2026-02-24", "2026-03-10"]
    labs = [e for e in plan.events if e.component == "labs"]
    # cycle 3's day 1 moved to 24 February; the working day before 23 February is Saturday
    # 14 February, 9 days earlier, past the 3-day limit (language 3, construct 6): the labs
    # are on the morning of day 1, 24 February
    assert [e.date.isoformat() for e in labs[:3]] == ["2026-02-06", "2026-02-24", "2026-03-09"]
    assert labs[1].moved_from == date(2026, 2, 23) and labs[1].title == "Blood tests – before cycle 3"
    assert labs[1].note == ("The working day before is 2026-02-14, more than 3 days before the "
                            "planned 2026-02-23: on the morning of day 1 instead, before treatment.")
    assert [e.cycle for e in labs] == list(range(2, 13))


def test_labs_follow_a_delayed_cycle():
    base = make_plan("mfolfox6", "2026-01-05", holidays="US", tz="America/New_York")
    plan = expand(replace(base.request, adjustments=(Delay("mfolfox6", 3, 7, "neutropenia"),)))
    assert dates(plan.events, "oxaliplatin")[2] == "2026-02-10"
    assert dates(plan.events, "labs")[1] == "2026-02-09"


# --- 4. on another component's days --------------------------------------------------------

def test_capecitabine_is_held_with_radiotherapy():
    base = make_plan("capecitabine-rt-rectal", "2026-11-02", holidays="US",
                     tz="America/New_York")
    held = expand(replace(base.request, adjustments=(
        Hold("rt", date(2026, 11, 16), 3, "diarrhoea grade 3"),)))
    rt = dates(held.events, "rt")
    assert "2026-11-16" not in rt and "2026-11-18" not in rt and len(rt) == 28
    assert sorted(set(dates(held.events, "capecitabine"))) == rt
    stopped = expand(replace(base.request, adjustments=(
        Stop("rt", date(2026, 12, 1), "toxicity"),)))
    assert max(dates(stopped.events, "capecitabine")) == "2026-11-30"


def test_capecitabine_has_two_doses_a_day_each_its_own_event():
    plan = make_plan("capecitabine-rt-rectal", "2026-11-02", holidays="US",
                     tz="America/New_York")
    cape = [e for e in plan.events if e.component == "capecitabine"]
    assert len(cape) == 56 and len({e.uid for e in cape}) == 56
    assert {e.start.strftime("%H:%M") for e in cape} == {"08:00", "20:00"}


# --- 2. repeating assessments; 5. dose caps ---------------------------------------------------

def test_cap_within_comes_first_and_repeat_with_count_and_uneven_window():
    plan = make_plan(str(DATA / "templates" / "capped_and_repeated.yaml"), "2026-01-05",
                     holidays="US", tz="America/New_York")
    assert dates(plan.events, "drug") == [
        "2026-01-05", "2026-01-26", "2026-02-17", "2026-03-10", "2026-03-31"]
    assert ("Drug: up to 10 cycles or 3 months, whichever comes first: 5 cycles planned, the "
            "last on 2026-03-31; the 3 months limit is reached first (no cycle may start on or "
            "after 2026-04-05).") in plan.notes
    echo = [e for e in plan.events if e.component == "echo"]
    assert [e.date.isoformat() for e in echo] == ["2026-03-23", "2026-06-15", "2026-09-04"]
    # Labor Day (7 September): the previous working day, inside the -3/+0 window
    assert echo[2].moved_from == date(2026, 9, 7)
    assert (echo[2].window_start, echo[2].window_end) == (date(2026, 9, 4), date(2026, 9, 7))
    assert not echo[2].outside_window


def test_scans_keep_the_plan_calendar_not_the_moved_scan():
    plan = make_plan("pembrolizumab-q6w", "2026-01-05", holidays="US", tz="America/New_York")
    scans = [e for e in plan.events if e.component == "ct-scan"]
    # scan 4 moved from Labor Day to 8 September; scan 5 is still 63 days after scan 4's
    # planned date (7 September), on 9 November
    assert scans[3].date == date(2026, 9, 8) and scans[4].date == date(2026, 11, 9)


def test_scans_end_with_the_last_dose_before_a_stop():
    base = make_plan("pembrolizumab-q6w", "2026-01-05", holidays="US", tz="America/New_York")
    plan = expand(replace(base.request, adjustments=(
        Stop("pembrolizumab", date(2026, 6, 1), "progression"),)))
    assert dates(plan.events, "pembrolizumab")[-1] == "2026-05-11"
    # language 3: none after the last dose (11 May); language 2 planned one on 6 July
    assert dates(plan.events, "ct-scan") == ["2026-03-02", "2026-05-04"]


# --- 1. multi-day infusions --------------------------------------------------------------------

def test_pump_disconnection_on_a_non_working_day_says_so_cn():
    plan = make_plan("mfolfox6", "2026-01-29", holidays="CN", tz="Asia/Shanghai")
    pumps = [e for e in plan.events if e.component == "pump-disconnect"]
    assert [e.date.isoformat() for e in pumps[:4]] == [
        "2026-01-31", "2026-02-14", "2026-02-28", "2026-03-14"]
    assert pumps[0].note == ("On a non-working day (Saturday): the infusion ends then whatever "
                             "the day; plan a home-nurse or ward visit, or move the cycle.")
    assert pumps[1].note is None and pumps[2].note is None  # make-up working Saturdays
    assert "(Saturday)" in pumps[3].note
    assert pumps[0].start == datetime(2026, 1, 31, 9, 15, tzinfo=SHANGHAI)
    infusion = next(e for e in plan.events if e.component == "fluorouracil-infusion")
    assert infusion.note == "Infusion runs 46h, to Saturday 2026-01-31 09:15."


def test_multi_day_infusion_in_the_ics_is_one_timed_event_spanning_days():
    plan = make_plan("mfolfox6", "2026-01-29", holidays="CN", tz="Asia/Shanghai")
    ics = to_ics(plan, stamp=datetime(2026, 1, 1, tzinfo=UTC)).decode().replace("\r\n ", "")
    assert "DTSTART;TZID=Asia/Shanghai:20260129T111500" in ics
    assert "DTEND;TZID=Asia/Shanghai:20260131T091500" in ics
    assert "plan a home-nurse or ward visit" in ics


def test_generate_writes_the_pdf_of_a_plan_with_the_new_constructs(tmp_path):
    for template in ("mfolfox6", "capecitabine-rt-rectal", "pembrolizumab-q6w", "ddact"):
        result = CliRunner().invoke(cli, ["generate", template, "--start", "2026-03-02",
                                          "--holidays", "US", "--tz", "America/New_York",
                                          "--now", "2026-01-01T00:00:00Z", "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"{template}_2026-03-02.pdf").stat().st_size > 1000


# --- 8. per-regimen rescheduling policy ------------------------------------------------------

def test_original_grid_keeps_later_doses_carry_forward_moves_them():
    base = make_plan("pembrolizumab-q6w", "2026-01-05", holidays="US", tz="America/New_York")
    delayed = (Delay("pembrolizumab-q6w", 2, 7, "infusion reaction"),)
    grid = expand(replace(base.request, adjustments=delayed))
    assert dates(grid.events, "pembrolizumab")[:3] == ["2026-01-05", "2026-02-23", "2026-03-30"]
    text = resolve_template("pembrolizumab-q6w")[1].read_text()
    template = load_template_text(text.replace("reschedule: original_grid",
                                               "reschedule: carry_forward"), "carry.yaml")
    carry = expand(replace(base.request, template=template, adjustments=delayed))
    assert dates(carry.events, "pembrolizumab")[:3] == ["2026-01-05", "2026-02-23", "2026-04-06"]
    assert any("rescheduling policy 'carry_forward'" in n for n in carry.notes)


# --- misuse: located errors ------------------------------------------------------------------

EXPECTED = {
    "at_end_with_own_time.yaml": [":17: components[0].drugs[0].at_end:", "give no 'time'"],
    "at_end_without_time.yaml": [":11: components[0].drugs[0]:",
                                 "'at_end' needs the drug's clock 'time' and 'duration'"],
    "bad_reschedule.yaml": [":10: components[0].reschedule: must be 'carry_forward' or 'original_grid' "
                            "(got 'grid')"],
    "cap_bad_span.yaml": [":10: components[0].drugs[0].cycles.within:", "'two years' is not a span"],
    "cap_of_zero.yaml": [":10: components[0].drugs[0].cycles.up_to:", "between 1 and 10000"],
    "continue_numbering_of_visit.yaml": [":11: components[1].continue_numbering:",
                                         "'v' is not a regimen"],
    "each_cycle_and_at.yaml": [":12: components[1]:", "exactly one of 'at' or 'each_cycle'"],
    "each_cycle_day_past_the_cycle.yaml": [":12: components[1].each_cycle.day:",
                                           "day 15 is past the end of a 14-day cycle of 'r'"],
    "each_cycle_of_radiotherapy.yaml": [":6: components[1].each_cycle.of:", "'rt' is not a regimen"],
    "from_last_day1_of_radiotherapy.yaml": [":6: components[1].at.from:",
                                            "'rt' is not a regimen"],
    "from_without_after.yaml": [":5: components[0].at:", "'from' goes with 'after'"],
    "infusion_longer_than_a_week.yaml": [":11: components[0].drugs[0].duration:",
                                         "'200h' is longer than 7 days"],
    "min_gap_zero.yaml": [":5: components[0].min_gap_days: must be at least 1 (got 0)"],
    "on_days_of_unknown.yaml": [":5: components[0].on_days_of:", "no component with id 'rt'"],
    "on_days_of_with_start.yaml": [":6: components[1]:", "give no 'start'"],
    "repeat_while_on_unknown.yaml": [":5: components[0].repeat.while_on:",
                                     "no component with id 'pembro'"],
    "repeat_without_end.yaml": [":5: components[0].repeat:", "a repeat must end"],
    "rt_without_prescription.yaml": [":5: components[0]:", "give 'fractions'"],
    "same_id_in_two_phases_differs.yaml": [":20: components[1].drugs[0].id:",
                                           "id 'd' is used twice (one drug may be written"],
    "same_id_in_two_phases_without_continued_numbers.yaml": [":19: components[1].drugs[0].id:",
                                                             "id 'd' is used twice"],
    "times_twice.yaml": [":6: components[1]:", "lists one time twice"],
    "times_without_duration.yaml": [":6: components[1]:", "needs a 'duration'"],
    "visit_longer_than_a_day.yaml": [":5: components[0]:",
                                     "only a drug's infusion may last longer than a day"],
    "visit_skip.yaml": [":5: components[0].on_non_working_day: must be one of 'next', 'previous', "
                        "'keep' or 'error' (got 'skip')"],
    "window_and_window_days.yaml": [":5: components[0]:", "give 'window_days' or 'window'"],
    **LANGUAGE3,
}


def test_every_bad_language_file_has_an_expectation():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_misuse_is_refused_with_a_located_message(name):
    with pytest.raises(TemplateError) as caught:
        load_template_file(BAD / name)
    message = str(caught.value)
    assert message.startswith(str(BAD / name))
    for fragment in EXPECTED[name]:
        assert fragment in message, message


@pytest.mark.parametrize("name", ["visit_skip.yaml", "repeat_without_end.yaml"])
def test_misuse_exits_2_through_the_cli(name, tmp_path):
    result = CliRunner().invoke(cli, ["generate", str(BAD / name), "--start", "2026-01-05",
                                      "--holidays", "none", "--tz", "UTC", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_every_shipped_template_file_is_named_after_its_id():
    for path in Path(resolve_template("mfolfox6")[1]).parent.glob("*.yaml"):
        assert load_template_file(path).id == path.stem


# --- 9. closures for one resource ----------------------------------------------------------

HN_RT_LINAC_CLOSED = [
    "2026-05-18", "2026-05-19", "2026-05-20", "2026-05-21", "2026-05-22", "2026-05-27",
    "2026-05-28", "2026-05-29", "2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04",
    "2026-06-05", "2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12",
    "2026-06-15", "2026-06-16", "2026-06-17", "2026-06-18", "2026-06-22", "2026-06-23",
    "2026-06-24", "2026-06-25", "2026-06-26", "2026-06-29", "2026-06-30", "2026-07-01",
    "2026-07-02", "2026-07-06", "2026-07-07", "2026-07-08", "2026-07-09"]


def test_a_linac_service_day_closes_radiotherapy_only_us():
    plan = make_plan("cisplatin-rt-head-neck", "2026-05-18", holidays="US",
                     tz="America/New_York", closed=("2026-05-26@linac=Linac service",))
    assert dates(plan.events, "rt") == HN_RT_LINAC_CLOSED
    # the infusion unit is open: cisplatin, moved from Memorial Day, is on 26 May
    assert dates(plan.events, "cisplatin")[:2] == ["2026-05-18", "2026-05-26"]
    sixth = [e for e in plan.events if e.component == "rt"][5]
    assert sixth.note.startswith("No radiotherapy on 2026-05-25 to 2026-05-26: Memorial Day; "
                                 "Linac service.")
    assert "Closed for linac only: 2026-05-26 (Linac service)." in plan.notes  # kept by the registry too
    assert not plan.request.calendar.is_working_day(date(2026, 5, 25))
    assert plan.request.calendar.is_working_day(date(2026, 5, 26))


def test_a_coupled_drug_follows_its_resource_closure():
    plan = make_plan("capecitabine-rt-rectal", "2026-11-02", holidays="US",
                     tz="America/New_York", closed=("2026-11-04@linac=Linac service",))
    rt = dates(plan.events, "rt")
    assert "2026-11-04" not in rt and len(rt) == 28
    assert sorted(set(dates(plan.events, "capecitabine"))) == rt


def test_resource_closures_from_a_site_file(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("holidays: US\ntimezone: America/New_York\nclosed:\n"
                    "  - {date: 2026-05-26, reason: Linac service, resource: linac}\n"
                    "  - {date: 2026-06-12, reason: Department training}\n")
    result = CliRunner().invoke(cli, ["show", "cisplatin-rt-head-neck", "--start", "2026-05-18",
                                      "--site", str(site), "--json"])
    assert result.exit_code == 0, result.output
    import json
    events = json.loads(result.stdout)
    rt = [e["date"] for e in events if e["component"] == "rt"]
    assert "2026-05-26" not in rt and "2026-06-12" not in rt
    assert "2026-05-26" in [e["date"] for e in events if e["component"] == "cisplatin"]
    assert "Closed for linac only: 2026-05-26 (Linac service)" in CliRunner().invoke(
        cli, ["show", "cisplatin-rt-head-neck", "--start", "2026-05-18", "--site", str(site)]
    ).output


@pytest.mark.parametrize(("args", "message"), [
    (["--closed", "2026-05-26@ct=CT down"],
     "--closed ...@ct: no component of template 'cisplatin-rt-head-neck' uses resource 'ct' "
     "(its resources: linac)"),
    (["--closed", "2026-05-26@Linac!=x"], "'Linac!' is not a resource name"),
    (["--workday", "2026-05-23@linac=x"], "an extra working day is for the whole site"),
])
def test_resource_closure_misuse(args, message):
    result = CliRunner().invoke(cli, ["show", "cisplatin-rt-head-neck", "--start", "2026-05-18",
                                      "--holidays", "US", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_a_site_workday_may_not_name_a_resource(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("workdays:\n  - {date: 2026-05-23, resource: linac}\n")
    result = CliRunner().invoke(cli, ["show", "cross", "--start", "2026-05-18", "--site",
                                      str(site)])
    assert result.exit_code == 2
    assert "only a closure may name a 'resource'" in result.output


# --- China, across the 2026 Spring Festival -------------------------------------------------

def test_original_grid_across_the_spring_festival_cn():
    plan = make_plan("pembrolizumab-q6w", "2026-01-05", holidays="CN", tz="Asia/Shanghai")
    # dose 2 is moved from 16 February (Spring Festival) to 24 February; dose 3 stays on the
    # grid, 30 March (carried forward it would be 7 April)
    assert dates(plan.events, "pembrolizumab")[:6] == [
        "2026-01-05", "2026-02-24", "2026-03-30", "2026-05-11", "2026-06-22", "2026-08-03"]
    scans = [e for e in plan.events if e.component == "ct-scan"]
    assert [e.date.isoformat() for e in scans[:4]] == [
        "2026-03-02", "2026-05-06", "2026-07-06", "2026-09-07"]
    assert scans[1].moved_from == date(2026, 5, 4)  # Labour Day days off


def test_coupled_drug_and_linac_closure_across_the_spring_festival_cn():
    plan = make_plan("capecitabine-rt-rectal", "2026-02-09", holidays="CN", tz="Asia/Shanghai",
                     closed=("2026-03-04@linac=Linac service",))
    rt = dates(plan.events, "rt")
    assert rt == [
        "2026-02-09", "2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13", "2026-02-24",
        "2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28", "2026-03-02", "2026-03-03",
        "2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12",
        "2026-03-13", "2026-03-16", "2026-03-17", "2026-03-18", "2026-03-19", "2026-03-20",
        "2026-03-23", "2026-03-24", "2026-03-25", "2026-03-26"]
    assert sorted(set(dates(plan.events, "capecitabine"))) == rt
    assert "2026-02-28" in rt  # the make-up working Saturday


def test_cap_across_the_spring_festival_cn():
    plan = make_plan("nivolumab-q4w", "2026-01-05", holidays="CN", tz="Asia/Shanghai")
    assert dates(plan.events, "nivolumab") == [
        "2026-01-05", "2026-02-02", "2026-03-02", "2026-03-30", "2026-04-27", "2026-05-25",
        "2026-06-22", "2026-07-20", "2026-08-17", "2026-09-14", "2026-10-12", "2026-11-09",
        "2026-12-07"]
    assert any("13 cycles planned, the last on 2026-12-07; the 13-cycle limit is reached "
               "first" in n for n in plan.notes)


def test_scans_while_on_a_drug_stopped_before_its_first_dose_are_none_and_noted():
    base = make_plan("pembrolizumab-q6w", "2026-01-05", holidays="US", tz="America/New_York")
    plan = expand(replace(base.request, adjustments=(
        Stop("pembrolizumab", date(2026, 1, 5), "declined"),)))
    assert dates(plan.events, "ct-scan") == []
    assert ("CT scan (response assessment): none planned, because 'pembrolizumab', which it "
            "repeats while on, has no events in this plan.") in plan.notes


def test_a_phase_after_a_stopped_regimen_follows_its_last_given_cycle():
    """Found by the nightly-size property run: AC stopped after its first dose; paclitaxel
    starts 14 days after the last AC day 1 given and is numbered after it, and a stopped
    pegfilgrastim dose does not block the date of a later one."""
    base = make_plan("ddact", "2020-01-01", holidays="none", tz="UTC", sets={"ac_cycles": 2})
    plan = expand(replace(base.request, adjustments=(Stop("ac", date(2020, 1, 2), "x"),)))
    assert dates(plan.events, "doxorubicin") == ["2020-01-01"]
    assert dates(plan.events, "paclitaxel") == [
        "2020-01-15", "2020-01-29", "2020-02-12", "2020-02-26"]
    assert [e.cycle for e in plan.events if e.component == "paclitaxel"] == [2, 3, 4, 5]
    assert dates(plan.events, "pegfilgrastim") == [
        "2020-01-16", "2020-01-30", "2020-02-13", "2020-02-27"]
