"""Property-based tests over random plans (hypothesis).

The default run tries a few hundred plans. For the nightly-style run of 10,000 and more:

    SCHEDULER_HYPOTHESIS_PROFILE=nightly .venv/bin/python -m pytest tests/test_properties.py
"""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from scheduler.adjust import Delay, Hold
from scheduler.errors import PlanError
from scheduler.expand import expand
from scheduler.export.ics import to_ics
from scheduler.loader import resolve_template
from scheduler.plan import PlanRequest, plan_key
from scheduler.protocol import Radiotherapy, Regimen
from scheduler.units import parse_span
from scheduler.workdays import make_calendar

settings.register_profile("default", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("SCHEDULER_HYPOTHESIS_PROFILE", "default"))

TEMPLATES = {name: resolve_template(name)[0] for name in ("nct06478355", "cross", "stupp")}
REGIONS = ["none", "CN", "US", "US-CA", "GB-ENG", "DE", "JP", "FR", "IN"]
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "UTC", "Australia/Sydney"]


@st.composite
def requests(draw):
    """A random plan: template, start 2020-2035, region, closures, workdays, parameters,
    delays and a radiotherapy hold."""
    name = draw(st.sampled_from(sorted(TEMPLATES)))
    template = TEMPLATES[name]
    start = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    region = draw(st.sampled_from(REGIONS))
    window = [start + timedelta(days=i) for i in range(0, 200)]
    closures = draw(st.lists(st.sampled_from(window), max_size=6, unique=True))
    weekend = [d for d in window if d.weekday() >= 5 and d not in closures]
    workdays = draw(st.lists(st.sampled_from(weekend), max_size=3, unique=True))
    parameters = {
        pname: draw(st.integers(spec.minimum, min(spec.maximum, spec.minimum + 11)))
        for pname, spec in template.parameters.items()
    }
    adjustments = []
    regimens = [c for c in template.components if isinstance(c, Regimen)]
    if regimens and draw(st.booleans()):
        count = regimens[0].cycles or regimens[0].drugs[0].cycles
        if isinstance(count, str):
            count = parameters[count[1:]]
        highest = min(3, count) if isinstance(count, int) else 3
        adjustments.append(Delay(regimens[0].id, draw(st.integers(1, highest)),
                                 draw(st.integers(1, 14)), "random delay"))
    if draw(st.booleans()):
        adjustments.append(Hold("rt", draw(st.sampled_from(window[:120])),
                                draw(st.integers(1, 5)), "random hold"))
    return PlanRequest(
        template=template,
        start=start,
        calendar=make_calendar(region, {d: "random closure" for d in closures},
                               {d: "random workday" for d in workdays}),
        timezone=__import__("zoneinfo").ZoneInfo(draw(st.sampled_from(ZONES))),
        plan_key=plan_key(name, start, "P"),
        parameters=parameters,
        horizon=parse_span(draw(st.sampled_from(["6m", "12m", "18m"]))),
        shift_start=True,
        adjustments=tuple(adjustments),
    )


@given(requests())
def test_radiotherapy_course_is_whole_and_on_working_days(request):
    plan = expand(request)
    rt = next(c for c in request.template.components if isinstance(c, Radiotherapy))
    fractions = [e for e in plan.events if e.component == rt.id]
    assert [e.fraction for e in fractions] == list(range(1, rt.fraction_count + 1))
    holds = [a for a in request.adjustments if isinstance(a, Hold)]
    per_week: dict[tuple[int, int], int] = {}
    for event in fractions:
        assert request.calendar.is_working_day(event.date), event
        assert not any(h.covers(event.date) for h in holds), event
        week = tuple(event.date.isocalendar()[:2])
        per_week[week] = per_week.get(week, 0) + 1
    assert max(per_week.values()) <= rt.fractions_per_week
    assert fractions[-1].cumulative_gy == str(rt.dose_per_fraction_gy * rt.fraction_count)


@given(requests())
def test_cycles_are_never_shorter_than_their_length(request):
    plan = expand(request)
    for regimen in (c for c in request.template.components if isinstance(c, Regimen)):
        day1 = {}
        for event in plan.events:
            if event.regimen == regimen.id and event.day == 1:
                day1.setdefault(event.cycle, event.date)
        cycles = sorted(day1)
        assert cycles == list(range(1, len(cycles) + 1))
        for earlier, later in itertools.pairwise(cycles):
            assert (day1[later] - day1[earlier]).days >= regimen.cycle_days


@given(requests())
def test_later_days_follow_the_actual_day_1_unless_moved_with_a_reason(request):
    plan = expand(request)
    day1 = {(e.component, e.cycle): e.date for e in plan.events if e.day == 1}
    for event in plan.events:
        if event.day and event.day > 1 and (event.component, event.cycle) in day1:
            expected = day1[(event.component, event.cycle)] + timedelta(days=event.day - 1)
            if event.date != expected:
                assert event.moved_from == expected
                assert event.reason


@given(requests())
def test_sorted_unique_stable_and_never_on_a_closed_day_unless_kept(request):
    plan = expand(request)
    keys = [e.sort_key for e in plan.events]
    assert keys == sorted(keys)
    uids = [e.uid for e in plan.events]
    assert len(set(uids)) == len(uids)
    assert expand(request).events == plan.events
    for event in plan.events:
        if event.kind == "drug" and not request.calendar.is_working_day(event.date):
            assert request.template.display_of(event.component).on_non_working_day == "keep"
            assert "kept as the template says" in (event.note or ""), event


# Exporting and parsing an .ics is slow: 25 plans by default, 1,000 in the nightly profile.
ICS_EXAMPLES = 1000 if os.environ.get("SCHEDULER_HYPOTHESIS_PROFILE") == "nightly" else 25


@settings(max_examples=ICS_EXAMPLES)
@given(requests())
def test_ics_and_json_agree(request):
    from scheduler.export.table import event_record

    plan = expand(request)
    request_again = replace(request)
    assert expand(request_again).events == plan.events
    parsed = Calendar.from_ical(to_ics(plan, stamp=datetime(2026, 1, 1, tzinfo=UTC)))
    by_uid = {str(v["UID"]): v for v in parsed.walk("VEVENT")}
    assert set(by_uid) == {e.uid for e in plan.events}
    for event in plan.events:
        record = event_record(event)
        vevent = by_uid[event.uid]
        start = vevent.decoded("DTSTART")
        if record["start"] is None:
            assert start == event.date
        else:
            assert start == datetime.fromisoformat(record["start"])
            assert vevent.decoded("DTEND") == datetime.fromisoformat(record["end"])


@settings(max_examples=ICS_EXAMPLES)
@given(requests(), st.integers(1, 3), st.integers(-3, 14))
def test_reissue_raises_sequence_exactly_where_the_event_changed(request, cycle, days):
    """Version 1 without adjustments, version 2 with one more delay: parsed side by side,
    every version-1 UID is still there; SEQUENCE rose exactly for events whose start, end,
    title or description changed, and for events that went away (now CANCELLED)."""
    from scheduler.reissue import revise

    first_request = replace(request, adjustments=())
    regimens = [c for c in request.template.components if isinstance(c, Regimen)]
    if not regimens or days == 0:
        return
    count = regimens[0].cycles or regimens[0].drugs[0].cycles
    if isinstance(count, str):
        count = request.parameters[count[1:]]
    cycle = min(cycle, count) if isinstance(count, int) else cycle
    second_request = replace(request, adjustments=(Delay(regimens[0].id, cycle, days, "x"),))
    stamp1, stamp2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    plan1 = expand(first_request)
    try:
        plan2 = expand(second_request)
    except PlanError:  # a negative delay that would overtake a cycle or the start is refused
        assume(False)
    version1 = revise({}, plan1, stamp1)
    version2 = revise(version1.entries, plan2, stamp2)
    old = {str(v["UID"]): v for v in Calendar.from_ical(
        to_ics(plan1, stamp=stamp1, revision=version1)).walk("VEVENT")}
    new = {str(v["UID"]): v for v in Calendar.from_ical(
        to_ics(plan2, stamp=stamp2, revision=version2)).walk("VEVENT")}
    assert set(old) <= set(new)
    for uid, vevent in new.items():
        if uid not in old:
            assert vevent["SEQUENCE"] == 0
            continue
        before = old[uid]
        cancelled = str(vevent["STATUS"]) == "CANCELLED"
        changed = cancelled or any(
            before.get(name) != vevent.get(name) if name in ("SUMMARY", "DESCRIPTION")
            else before.decoded(name) != vevent.decoded(name)
            for name in ("DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"))
        assert vevent["SEQUENCE"] == (1 if changed else 0), uid
        assert vevent.decoded("DTSTAMP") == (stamp2 if changed else stamp1)
