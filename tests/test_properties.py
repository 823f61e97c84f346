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

from scheduler.core.adjust import Delay, Hold
from scheduler.core.errors import PlanError
from scheduler.core.expand import expand
from scheduler.core.loader import resolve_template
from scheduler.core.plan import PlanRequest, plan_key
from scheduler.core.protocol import Radiotherapy, Regimen
from scheduler.core.units import parse_span
from scheduler.core.workdays import make_calendar
from scheduler.export.ics import to_ics

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
    parsed = Calendar.from_ical(to_ics(plan, stamp=datetime(2026, 1, 1, tzinfo=UTC), per_event=True))
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
    from scheduler.export.reissue import revise
    from scheduler.export.visits import calendar_plan

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
    # The patient's calendar: the revisions are of its visits (export.visits).
    version1 = revise({}, calendar_plan(plan1), stamp1)
    version2 = revise(version1.entries, calendar_plan(plan2), stamp2)
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


# --- template language 2 (issue 12): the regimen library under random calendars ---------------

from scheduler.core.adjust import Stop  # noqa: E402
from scheduler.core.protocol import Capped, Daily, Visit  # noqa: E402

LIBRARY = {name: resolve_template(name)[0] for name in (
    "mfolfox6", "pembrolizumab-q6w", "ddact", "capecitabine-rt-rectal", "breast-40-15",
    "capox", "folfirinox", "flot", "tc", "r-chop-21", "nivolumab-q4w", "fast-forward",
    "cisplatin-rt-head-neck")}


# Five properties over the library: 100 plans each by default, the nightly profile's count
# (10,000) when it is set.
LIBRARY_EXAMPLES = (10_000 if os.environ.get("SCHEDULER_HYPOTHESIS_PROFILE") == "nightly"
                    else 100)


def _member_ids(template):
    ids = []
    for component in template.components:
        ids.append(component.id)
        if isinstance(component, Regimen):
            for drug in component.drugs:
                ids.append(drug.id)
                if drug.at_end is not None:
                    ids.append(drug.at_end.id)
    return ids


@st.composite
def library_requests(draw):
    """A random plan of a library template: start 2020-2035, region, site closures and
    linac-only closures, extra workdays, parameters, a delay and a hold or stop."""
    name = draw(st.sampled_from(sorted(LIBRARY)))
    template = LIBRARY[name]
    start = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    region = draw(st.sampled_from(REGIONS))
    window = [start + timedelta(days=i) for i in range(0, 200)]
    closures = draw(st.lists(st.sampled_from(window), max_size=5, unique=True))
    linac = draw(st.lists(st.sampled_from(window), max_size=4, unique=True))
    weekend = [d for d in window if d.weekday() >= 5 and d not in closures and d not in linac]
    workdays = draw(st.lists(st.sampled_from(weekend), max_size=3, unique=True))
    parameters = {
        pname: draw(st.integers(spec.minimum, min(spec.maximum, spec.minimum + 11)))
        for pname, spec in template.parameters.items()
    }
    adjustments: list = []
    regimens = [c for c in template.components if isinstance(c, Regimen)]
    if regimens and draw(st.booleans()):
        regimen = draw(st.sampled_from(regimens))
        adjustments.append(Delay(regimen.id, draw(st.integers(1, 2)), draw(st.integers(1, 14)),
                                 "random delay"))
    if draw(st.booleans()):
        target = draw(st.sampled_from(_member_ids(template)))
        when = draw(st.sampled_from(window[:150]))
        if draw(st.booleans()):
            adjustments.append(Hold(target, when, draw(st.integers(1, 5)), "random hold"))
        else:
            adjustments.append(Stop(target, when, "random stop"))
    resources = template.resources()
    return PlanRequest(
        template=template,
        start=start,
        calendar=make_calendar(region, {d: "random closure" for d in closures},
                               {d: "random workday" for d in workdays},
                               {"linac": {d: "linac service" for d in linac}} if resources else None),
        timezone=__import__("zoneinfo").ZoneInfo(draw(st.sampled_from(ZONES))),
        plan_key=plan_key(name, start, "P"),
        parameters=parameters,
        horizon=parse_span(draw(st.sampled_from(["6m", "12m", "18m"]))),
        shift_start=True,
        adjustments=tuple(adjustments),
    )


def _expand_or_refused(request):
    """A plan. Two refusals are by design and skipped: a delay of a cycle the plan does not
    have, and a phase anchored after a component stopped before it began; every other
    refusal fails the property."""
    try:
        return expand(request)
    except PlanError as error:
        text = str(error)
        if not (text.startswith("cannot delay cycle") or "stopped before it began" in text):
            raise
        assume(False)
        return None


@settings(max_examples=LIBRARY_EXAMPLES)
@given(library_requests())
def test_library_plans_start_on_time_are_sorted_unique_and_never_double_book_a_drug(request):
    plan = _expand_or_refused(request)
    # language 3: only a day before day 1 (0, -6) may fall before the start
    assert all(e.date >= plan.start for e in plan.events if e.day is None or e.day >= 1)
    keys = [e.sort_key for e in plan.events]
    assert keys == sorted(keys)
    assert len({e.uid for e in plan.events}) == len(plan.events)
    assert expand(request).events == plan.events
    seen = set()
    for event in plan.events:
        moment = (event.component, event.start or event.date)
        assert moment not in seen, event  # no two doses of one drug at one time
        seen.add(moment)


@settings(max_examples=LIBRARY_EXAMPLES)
@given(library_requests())
def test_library_radiotherapy_totals_are_preserved(request):
    plan = _expand_or_refused(request)
    stopped = {a.component for a in request.adjustments if isinstance(a, Stop)}
    for rt in (c for c in request.template.components if isinstance(c, Radiotherapy)):
        if rt.id in stopped:
            continue
        calendar = request.calendar.for_resource(rt.resource)
        fractions = [e for e in plan.events if e.component == rt.id]
        assert [e.fraction for e in fractions] == list(range(1, rt.fraction_count + 1))
        assert fractions[-1].cumulative_gy == str(rt.total_dose_gy) or (
            rt.dose_per_fraction_gy is not None
            and fractions[-1].cumulative_gy == str(rt.dose_per_fraction_gy * rt.fraction_count))
        assert float(fractions[-1].cumulative_gy) == float(rt.total_dose_gy)
        for event in fractions:
            assert calendar.is_working_day(event.date), event
        for earlier, later in itertools.pairwise(fractions):
            assert (later.date - earlier.date).days >= rt.min_gap_days


@settings(max_examples=LIBRARY_EXAMPLES)
@given(library_requests())
def test_library_coupled_drugs_are_exactly_on_their_anchor_dates(request):
    plan = _expand_or_refused(request)
    touched = {a.component for a in request.adjustments if isinstance(a, Hold | Stop)}
    for daily in (c for c in request.template.components
                  if isinstance(c, Daily) and c.on_days_of is not None):
        anchor = {e.date for e in plan.events if e.component == daily.on_days_of}
        doses = [e for e in plan.events if e.component == daily.id]
        per_day: dict[date, int] = {}
        for event in doses:
            per_day[event.date] = per_day.get(event.date, 0) + 1
        if daily.id in touched:
            assert set(per_day) <= anchor
        else:
            assert set(per_day) == anchor
        assert all(n == len(daily.times or (None,)) for n in per_day.values())


@settings(max_examples=LIBRARY_EXAMPLES)
@given(library_requests())
def test_library_caps_are_never_exceeded(request):
    plan = _expand_or_refused(request)
    for regimen in (c for c in request.template.components if isinstance(c, Regimen)):
        for drug in regimen.drugs:
            if not isinstance(drug.cycles, Capped):
                continue
            doses = [e for e in plan.events if e.component == drug.id]
            if not doses:
                continue
            up_to = drug.cycles.up_to
            limit = request.parameters[up_to[1:]] if isinstance(up_to, str) else up_to
            assert len({e.cycle for e in doses}) <= limit
            first = min(e.date for e in plan.events if e.regimen == regimen.id and e.day == 1)
            if drug.cycles.within is not None:
                end = drug.cycles.within.after(first)
                assert all(e.date < end for e in doses if e.day == 1)


@settings(max_examples=LIBRARY_EXAMPLES)
@given(library_requests())
def test_library_visits_before_cycles_and_pump_disconnections(request):
    plan = _expand_or_refused(request)
    template = request.template
    for visit in (c for c in template.components
                  if isinstance(c, Visit) and c.each_cycle is not None):
        each = visit.each_cycle
        day1 = {}
        for event in plan.events:
            if event.regimen == each.of and event.day == 1:
                day1.setdefault(event.cycle, event.date)
        held = {getattr(a, "component", None) for a in request.adjustments} & {visit.id}
        labs = {e.cycle: e.date for e in plan.events if e.component == visit.id}
        expected = {c for c in day1 if c >= each.from_cycle}
        assert set(labs) <= expected if held else set(labs) == expected
        for cycle, when in labs.items():
            if each.day <= 0 and visit.on_non_working_day == "previous":
                # before day 1, at most previous_within_days earlier than planned; further back,
                # on the morning of day 1 (language 3)
                assert when <= day1[cycle]
                planned = day1[cycle] + timedelta(days=each.day - 1)
                assert (planned - when).days <= visit.previous_within_days
    infusions = {(e.component, e.cycle): e for e in plan.events if e.end is not None}
    for regimen in (c for c in template.components if isinstance(c, Regimen)):
        for drug in (d for d in regimen.drugs if d.at_end is not None):
            for pump in (e for e in plan.events if e.component == drug.at_end.id):
                assert pump.start == infusions[(drug.id, pump.cycle)].end
