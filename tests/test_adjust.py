"""Delays, holds and stops: the plan is recomputed with them, never edited."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.core.adjust import Delay, Hold, Stop, from_record, to_record
from scheduler.core.errors import InputError, PlanError
from scheduler.core.expand import expand

from .conftest import DATA, dates, make_plan

SEED = "nct06478355"


def adjusted(plan, *adjustments):
    """The same request with adjustments added."""
    from dataclasses import replace

    return expand(replace(plan.request, adjustments=adjustments))


@pytest.fixture(scope="module")
def march():
    # Start Monday 2 March 2026, CN: cycle 3 day 1 and radiotherapy (week 7) on 13 April.
    return make_plan(SEED, "2026-03-02", holidays="CN", tz="Asia/Shanghai")


def test_plan_before_the_delay(march):
    assert dates(march.events, "cisplatin") == ["2026-03-02", "2026-03-23", "2026-04-13",
                                                "2026-05-06"]  # 4-5 May: Labor Day


def test_delay_cycle_3_by_7_days(march):
    delayed = adjusted(march, Delay("immunochemo", 3, 7, "neutropenia"))
    assert dates(delayed.events, "nab-paclitaxel") == [
        "2026-03-02", "2026-03-09", "2026-03-23", "2026-03-30",
        "2026-04-20", "2026-04-27", "2026-05-11", "2026-05-18",
    ]
    assert dates(delayed.events, "pd1", open_ended=False) == [
        "2026-03-02", "2026-03-23", "2026-04-20", "2026-05-11", "2026-06-01",
        "2026-06-22", "2026-07-13", "2026-08-03", "2026-08-24",
    ]
    c3 = next(e for e in delayed.events if e.component == "cisplatin" and e.cycle == 3)
    assert (c3.moved_from, c3.reason) == (date(2026, 4, 13), "Delayed 7 days: neutropenia")
    assert "Adjustment: cycle 3 of immunochemo delayed 7 days: neutropenia." in delayed.notes


def test_delay_leaves_radiotherapy_unchanged(march):
    delayed = adjusted(march, Delay("immunochemo", 3, 7, "neutropenia"))
    rt = dates(delayed.events, "rt")
    assert rt == dates(march.events, "rt")
    assert rt[0] == "2026-04-13"
    assert rt[13:18] == ["2026-04-30", "2026-05-06", "2026-05-07", "2026-05-08", "2026-05-09"]
    assert rt[-1] == "2026-05-26"


def test_delay_keeps_uids_of_the_same_planned_events(march):
    delayed = adjusted(march, Delay("immunochemo", 3, 7, "neutropenia"))
    before = {(e.component, e.cycle, e.day, e.fraction): e.uid for e in march.events}
    after = {(e.component, e.cycle, e.day, e.fraction): e.uid for e in delayed.events}
    shared = before.keys() & after.keys()
    assert len(shared) >= 50
    assert all(before[k] == after[k] for k in shared)


def test_delay_outside_a_window_is_reported():
    plan = make_plan(str(DATA / "templates" / "windowed.yaml"), "2026-03-02",
                     holidays="none", tz="UTC")
    late = adjusted(plan, Delay("windowed-regimen", 2, 7, "infection"))
    c2 = next(e for e in late.events if e.cycle == 2 and e.day == 1)
    assert c2.date == date(2026, 3, 30)
    assert (c2.window_start, c2.window_end) == (date(2026, 3, 20), date(2026, 3, 26))
    assert "Outside its window of ±3 days." in c2.note
    small = adjusted(plan, Delay("windowed-regimen", 2, 2, "public holiday"))
    c2 = next(e for e in small.events if e.cycle == 2 and e.day == 1)
    assert c2.note is None


def test_radiotherapy_hold_keeps_all_fractions():
    plan = make_plan(SEED, "2026-01-05", holidays="none", tz="UTC")
    assert dates(plan.events, "rt")[-1] == "2026-03-27"
    held = adjusted(plan, Hold("rt", date(2026, 3, 2), 2, "mucositis"))
    fractions = [e for e in held.events if e.component == "rt"]
    assert len(fractions) == 30
    assert date(2026, 3, 2) not in {e.date for e in fractions}
    assert date(2026, 3, 3) not in {e.date for e in fractions}
    assert fractions[10].date == date(2026, 3, 4)
    assert "No radiotherapy on 2026-03-02 to 2026-03-03: held: mucositis." in fractions[10].note
    assert fractions[-1].date == date(2026, 3, 31)  # two working days later


def test_drug_hold_leaves_out_the_held_dose():
    plan = make_plan(SEED, "2026-01-05", holidays="none", tz="UTC")
    held = adjusted(plan, Hold("nab-paclitaxel", date(2026, 2, 2), 1, "neuropathy"))
    assert dates(held.events, "nab-paclitaxel") == [
        "2026-01-05", "2026-01-12", "2026-01-26",
        "2026-02-16", "2026-02-23", "2026-03-09", "2026-03-16",
    ]
    assert dates(held.events, "cisplatin") == dates(plan.events, "cisplatin")


def test_stop_cancels_the_rest_of_a_component():
    plan = make_plan(SEED, "2026-01-05", holidays="none", tz="UTC")
    stopped = adjusted(plan, Stop("pd1", date(2026, 7, 1), "progression"))
    assert dates(stopped.events, "pd1")[-1] < "2026-07-01"
    assert len(dates(stopped.events, "pd1")) == 9
    assert dates(stopped.events, "rt") == dates(plan.events, "rt")


def test_stopping_a_regimen_stops_all_its_drugs():
    plan = make_plan(SEED, "2026-01-05", holidays="none", tz="UTC")
    stopped = adjusted(plan, Stop("immunochemo", date(2026, 2, 1), "toxicity"))
    assert all(e.date < date(2026, 2, 1) for e in stopped.events if e.kind == "drug")


def test_stopping_radiotherapy_moves_what_is_anchored_after_it():
    plan = make_plan("stupp", "2026-03-02", holidays="none", tz="UTC")
    stopped = adjusted(plan, Stop("rt", date(2026, 3, 16), "deterioration"))
    assert dates(stopped.events, "rt")[-1] == "2026-03-13"
    assert dates(stopped.events, "tmz-concurrent")[-1] == "2026-03-13"
    assert dates(stopped.events, "tmz")[0] == "2026-04-10"  # 28 days after 13 March


def test_bad_adjustments_are_refused():
    plan = make_plan(SEED, "2026-01-05", holidays="none", tz="UTC")
    with pytest.raises(InputError, match="'rt' is not a regimen of template 'nct06478355'"):
        adjusted(plan, Delay("rt", 1, 7, "x"))
    with pytest.raises(InputError, match="'surgery' is not a component"):
        adjusted(plan, Stop("surgery", date(2026, 2, 1), "x"))
    with pytest.raises(PlanError, match="cannot delay cycle 40 of 'immunochemo': the plan has 18 cycles"):
        adjusted(plan, Delay("immunochemo", 40, 7, "x"))


def test_records_round_trip():
    for adjustment in (Delay("r", 3, 7, "x"), Hold("rt", date(2026, 3, 2), 2, "y"),
                       Stop("pd1", date(2026, 7, 1), "z")):
        assert from_record(*to_record(adjustment)) == adjustment


def test_stopping_what_another_component_waits_for_is_a_clear_error():
    plan = make_plan("stupp", "2026-03-02", holidays="none", tz="UTC")
    with pytest.raises(PlanError, match="runs through 'rt', which has no events"):
        adjusted(plan, Stop("rt", date(2026, 3, 2), "did not start"))


def test_an_event_past_ten_years_is_refused():
    from scheduler.core.loader import parse_template

    data = {"id": "far", "name": "Far", "source": "test", "components": [
        {"kind": "visit", "id": "far-visit", "name": "Far visit", "code": "FV",
         "at": {"day": 4000}}]}
    template = parse_template(data, {}, "inline")
    plan = make_plan(SEED, "2026-01-05", holidays="none", tz="UTC")
    from dataclasses import replace

    with pytest.raises(PlanError, match="'far-visit' runs past 2036-01-05, more than 10 years"):
        expand(replace(plan.request, template=template, parameters={}))


def test_a_negative_delay_may_not_overtake_the_cycle_before():
    plan = make_plan(SEED, "2026-03-02", holidays="CN", tz="Asia/Shanghai")
    with pytest.raises(PlanError, match=r"cycle 2 day 1 would fall on 2026-03-02, before "
                                        r"cycle 1 is over \(its last dose is on 2026-03-09\)"):
        adjusted(plan, Delay("immunochemo", 2, -21, "x"))
    # brought back inside cycle 1 (before its day 8): refused, in words for a coordinator
    with pytest.raises(PlanError, match=r"cycle 2 day 1 would fall on 2026-03-03, before "
                                        r"cycle 1 is over \(its last dose is on 2026-03-09\): a "
                                        r"negative delay"):
        adjusted(plan, Delay("immunochemo", 2, -20, "x"))
    with pytest.raises(PlanError, match="cycle 2 day 1 would fall on 2026-02-24, before the "
                                        "start date 2026-03-02"):
        adjusted(plan, Delay("immunochemo", 2, -30, "x"))
    with pytest.raises(PlanError, match="cycle 1 day 1 would fall on 2026-02-25, before the "
                                        "start date 2026-03-02"):
        adjusted(plan, Delay("immunochemo", 1, -5, "x"))
    earlier = adjusted(plan, Delay("immunochemo", 2, -3, "clinic holiday"))
    assert dates(earlier.events, "cisplatin")[1] == "2026-03-20"  # the Friday before
    assert ("Immunochemotherapy (21-day cycles): cycle 1 lasts 18 days, shorter than its 21, "
            "because cycle 2 was brought forward (clinic holiday).") in earlier.notes
    assert not [n for n in plan.notes if "shorter than" in n]


def test_previous_rule_across_a_long_closure_is_refused():
    # Cycle 4 (planned Mon 16 Feb) moves back to Fri 13 Feb; cycle 5 (planned 20 Feb) too.
    with pytest.raises(PlanError, match="cycle 5 day 1 would fall on 2026-02-13, before "
                                        r"cycle 4 is over \(its last dose is on 2026-02-13\)"):
        make_plan(str(DATA / "templates" / "weekly_previous.yaml"), "2026-01-26",
                  holidays="CN", tz="Asia/Shanghai", closed=("2026-02-14..2026-02-23=Closure",))


def test_two_doses_of_one_drug_on_one_day_move_the_later_one():
    # language 3's collision rule: day 4 (Saturday) and day 5 (Sunday) both move to Monday
    # 9 March; day 4 takes it and day 5, the later planned day, moves to Tuesday 10 March
    plan = make_plan(str(DATA / "templates" / "five_days_next.yaml"), "2026-03-04",
                     holidays="none", tz="UTC")
    doses = [e for e in plan.events if e.kind == "drug"]
    assert [e.date.isoformat() for e in doses] == [
        "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10"]
    assert doses[4].moved_from == date(2026, 3, 8)
    assert doses[4].note == "Moved to the next working day: 2026-03-09 already holds cycle 1 day 4."


def test_a_delay_says_day_or_days_and_brought_forward():
    assert Delay("immunochemo", 3, 1, "neutropenia").describe() == (
        "cycle 3 of immunochemo delayed 1 day: neutropenia")
    assert Delay("immunochemo", 3, 7, "neutropenia").describe() == (
        "cycle 3 of immunochemo delayed 7 days: neutropenia")
    assert Delay("immunochemo", 3, -2, "patient travels").describe() == (
        "cycle 3 of immunochemo brought forward 2 days: patient travels")


def test_the_moved_events_reason_says_day_or_days_and_brought_forward():
    """The reason a delayed cycle's events carry (the .ics, the PDF and the tables say it):
    ``Delayed 1 day`` and ``Brought forward 2 days``, as the history says them."""
    from dataclasses import replace

    from scheduler.core.loader import resolve_template
    from scheduler.services.options import PlanOptions
    from scheduler.services.patients import request_for

    template, _path = resolve_template("nct06478355")
    request = request_for(template, PlanOptions(start=date(2026, 3, 2)), "P").request
    for days, said in ((1, "Delayed 1 day: neutropenia"), (7, "Delayed 7 days: neutropenia"),
                       (-2, "Brought forward 2 days: neutropenia")):
        plan = expand(replace(request, adjustments=(Delay("immunochemo", 3, days, "neutropenia"),)))
        pd1 = next(e for e in plan.events if e.ref == "immunochemo/c3/d1/pd1")
        assert pd1.reason is not None and pd1.reason.startswith(said), (days, pd1.reason)
