"""RFC 5545 calendar export.

One VEVENT per clinic visit (or per event, the staff form: see
:mod:`scheduler.export.visits`) with a stable UID, ``SEQUENCE:0`` and a DTSTAMP that is an input, so
the same plan gives byte-identical files. Timed events carry a TZID whose VTIMEZONE is
built by ``icalendar`` from zoneinfo, limited to the plan's dates; all-day events use
``VALUE=DATE`` with an exclusive DTEND. Continuation doses of an open-ended drug are
``STATUS:TENTATIVE``. With ``discreet``, titles, descriptions, categories and places carry
no drug, diagnosis or dose.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Component, Parameters, Timezone, vDatetime, vDuration
from icalendar import Event as VEvent
from icalendar.parser import Contentline

from scheduler import __version__
from scheduler.core.event import Event
from scheduler.core.plan import Plan
from scheduler.export.calwords import DISCREET_DESCRIPTION_ZH, CalendarWords
from scheduler.export.reissue import Revision
from scheduler.export.reminders import DEFAULT_REMINDERS, Reminder, parse_reminders
from scheduler.export.visits import calendar_plan, transparent

PRODID = f"-//scheduler//Treatment schedule {__version__}//EN"
DISCREET_CALENDAR_NAME = "Hospital appointments"
DISCREET_DESCRIPTION = "Details are on your printed treatment calendar."
CANCELLED_PREFIX = "Cancelled: "
NOT_GIVEN = ("missed", "not-given")
"""Recorded statuses that cancel an event in a calendar (it stays in the plan, marked)."""


@functools.lru_cache(maxsize=64)
def _vtimezone(zone_name: str, first_year: int, last_year: int) -> Timezone:
    """The zone's VTIMEZONE for whole calendar years, built by icalendar from zoneinfo.

    Whole years rather than the plan's exact dates, so that the plans of a cohort share one
    (building it is the slowest step of an export); Asia/Shanghai is one STANDARD block.
    An observance listed with RDATE and no RRULE also lists its DTSTART as an RDATE:
    RFC 5545 counts DTSTART as an onset anyway, but ical.js (Thunderbird) skips it when
    there are RDATEs, and would read a plan across a DST change an hour off.
    """
    zone = Timezone.from_tzinfo(
        ZoneInfo(zone_name),
        tzid=zone_name,
        first_date=date(first_year, 1, 1),
        last_date=date(last_year, 12, 31),
    )
    for observance in zone.subcomponents:
        if "RDATE" in observance and "RRULE" not in observance:
            onsets = [observance.decoded("DTSTART")]
            for rdate in _as_list(observance.pop("RDATE")):
                onsets.extend(value.dt for value in rdate.dts)
            for onset in onsets:  # one RDATE line each: some readers take one value a line
                observance.add("rdate", onset)
    return zone


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _written_as_utc(zone: tzinfo) -> bool:
    """True for zones icalendar writes as UTC ('Z'): UTC, GMT, UCT, Zulu... (no VTIMEZONE)."""
    sample = datetime(2026, 1, 1, 12, tzinfo=zone)
    written: bytes = vDatetime(sample).to_ical()  # type: ignore[no-untyped-call]
    return written.endswith(b"Z")


def calendar_name(plan: Plan, patient: str | None, discreet: bool, lang: str = "en") -> str:
    """The name a calendar client shows for the imported calendar.

    Without commas: X-WR-CALNAME is written as it is, and vobject reads only the part
    before the first comma (escaping it would show backslashes in other clients).
    """
    words = CalendarWords(plan, lang)
    if discreet:
        return words.both(DISCREET_CALENDAR_NAME, "医院预约")
    name = words.both(f"{plan.template.source} treatment plan", f"{words.protocol()} 治疗计划")
    name = f"{name} – {patient}" if patient else name
    return " ".join(name.replace(",", " ").split())


def _cycle_sentence(event: Event) -> str:
    """``Cycle 2, day 3 (14-day cycles).``, or ``Cycle 2.`` for a visit of each cycle."""
    if event.day is None:
        return f"Cycle {event.cycle}."
    length = f" ({event.cycle_days}-day cycles)" if event.cycle_days is not None else ""
    return f"Cycle {event.cycle}, day {event.day}{length}."


def describe(event: Event, plan: Plan, lang: str = "en") -> str:
    """The DESCRIPTION text: dose, cycle/day or fraction, why it moved, notes, protocol."""
    words = CalendarWords(plan, lang)
    if lang != "en":
        return _described(event, words)
    lines = []
    if event.dose:
        lines.append(event.dose)
    if event.cycle is not None:
        lines.append(_cycle_sentence(event))
    if event.fraction is not None:
        lines.append(
            f"Fraction {event.fraction} of {event.fractions_total}: {event.fraction_gy} Gy, "
            f"cumulative {event.cumulative_gy} of {event.total_gy} Gy."
        )
    if event.moved_from is not None:
        lines.append(f"Moved from {event.moved_from.isoformat()} ({event.reason}).")
    if event.note:
        lines.append(event.note)
    if event.clock_note:
        lines.append(event.clock_note)
    lines.append(f"Protocol: {plan.template.source}.")
    return "\n".join(lines)


def _described(event: Event, words: CalendarWords) -> str:
    """:func:`describe` in Chinese, or in both languages (dose and names are the entry's own,
    already in the plan's language: :mod:`scheduler.export.visits`)."""
    lines = [event.dose] if event.dose else []
    if event.cycle is not None:
        lines.append(words.cycle_line(event))
    if event.fraction is not None:
        lines.append(words.both(
            f"Fraction {event.fraction} of {event.fractions_total}: {event.fraction_gy} Gy, "
            f"cumulative {event.cumulative_gy} of {event.total_gy} Gy.",
            f"第 {event.fraction}/{event.fractions_total} 次：{event.fraction_gy} Gy，"
            f"累计 {event.cumulative_gy}/{event.total_gy} Gy。", "\n"))
    if event.moved_from is not None:
        lines.append(words.both(f"Moved from {event.moved_from.isoformat()} ({event.reason}).",
                                f"由 {event.moved_from.isoformat()} 改期（{event.reason}）。", "\n"))
    if event.note:
        lines.append(event.note)
    if event.clock_note:
        lines.append(event.clock_note)
    lines.append(words.both(f"Protocol: {words.plan.template.source}.",
                            f"方案：{words.protocol()}。", "\n"))
    return "\n".join(lines)


@dataclass(frozen=True)
class _Item:
    """One VEVENT to write: the event and what this version says about it."""

    event: Event
    sequence: int
    stamp: datetime
    cancelled: bool


class _Values:
    """Property values of one calendar. Values that repeat from event to event (DTSTAMP,
    SEQUENCE, TRANSP, STATUS, a component's CATEGORIES, LOCATION, COLOR, its alarm's ACTION
    and TRIGGER) are made once and shared, so that :func:`_serialize` writes each once."""

    def __init__(self) -> None:
        self._shared: dict[tuple[type, str, Hashable], object] = {}

    def put(self, component: Component, name: str, value: object) -> None:
        """Set a property that differs from event to event (UID, DTSTART, SUMMARY...)."""
        component[name] = _value_type(type(component), name)(value)

    def share(self, component: Component, name: str, value: Hashable) -> None:
        """Set a property whose value recurs: one value object for all its uses."""
        key = (type(component), name, value)
        shared = self._shared.get(key)
        if shared is None:
            made = list(value) if isinstance(value, tuple) else value
            shared = self._shared[key] = _value_type(type(component), name)(made)
        component[name] = shared


def _vevent(item: _Item, plan: Plan, discreet: bool, values: _Values,
            reminders: tuple[Reminder, ...] | None, lang: str = "en") -> VEvent:
    event = item.event
    vevent = VEvent()
    put = functools.partial(values.put, vevent)
    share = functools.partial(values.share, vevent)
    put("UID", event.uid)
    share("DTSTAMP", item.stamp.astimezone(UTC))
    share("SEQUENCE", item.sequence)
    if event.start is None:
        put("DTSTART", event.date)
        put("DTEND", (event.through or event.date) + timedelta(days=1))
    else:
        assert event.end is not None
        put("DTSTART", event.start)
        put("DTEND", event.end)
    share("TRANSP", "TRANSPARENT" if transparent(event) else "OPAQUE")
    share("STATUS", _status(item))
    summary = event.style.discreet_title if discreet else event.title
    if item.cancelled or event.status in NOT_GIVEN:
        summary = CalendarWords(plan, lang).both(f"{CANCELLED_PREFIX}{summary}", f"已取消：{summary}")
    put("SUMMARY", summary)
    if discreet:
        share("DESCRIPTION", CalendarWords(plan, lang).both(
            DISCREET_DESCRIPTION, DISCREET_DESCRIPTION_ZH, "\n"))
    else:
        put("DESCRIPTION", describe(event, plan, lang))
        words = CalendarWords(plan, lang)
        share("CATEGORIES", (words.category(event.style.category or event.style.name),))
        if event.style.location:
            share("LOCATION", words.location(event.style.location))
        if event.style.colour:
            share("COLOR", event.style.colour)
    if item.cancelled or event.status in NOT_GIVEN:
        return vevent
    if reminders is None:  # the staff form: the template's reminder for each event
        before = [] if event.style.reminder_minutes is None else [
            timedelta(minutes=event.style.reminder_minutes)]
    elif transparent(event) and not (event.start is None and event.kind == "visit"):
        before = []  # no alarm for a home infusion or medication; an all-day visit has one
    else:
        found = (r.trigger(event.start or event.date) for r in reminders)
        before = [t for t in found if t is not None]
    for ahead in before:
        alarm = Alarm()
        values.share(alarm, "ACTION", "DISPLAY")
        values.put(alarm, "DESCRIPTION", summary)
        values.share(alarm, "TRIGGER", -ahead)
        vevent.add_component(alarm)
    return vevent


@functools.cache
def _value_type(component: type[Component], name: str) -> type:
    """icalendar's value type for a property of a component (vText, vDDDTypes...)."""
    return component.types_factory.for_property(name)


def _status(item: _Item) -> str:
    """CANCELLED for an event gone from the plan or recorded as missed or not given,
    TENTATIVE for a continuation dose."""
    if item.cancelled or item.event.status in NOT_GIVEN:
        return "CANCELLED"
    return "TENTATIVE" if item.event.open_ended else "CONFIRMED"


def _items(plan: Plan, stamp: datetime, revision: Revision | None) -> list[_Item]:
    """Every VEVENT of this version, cancelled ones included, in date order."""
    if revision is None:
        return [_Item(event, 0, stamp, False) for event in plan.events]
    zone = plan.request.timezone
    items = []
    for event in plan.events:
        entry = revision.entries[event.uid]
        items.append(_Item(event, entry.sequence, entry.stamp, False))
    for gone in revision.cancelled_events(zone):
        entry = revision.entries[gone.uid]
        items.append(_Item(gone, entry.sequence, entry.stamp, True))
    # A stable sort: the plan's own order stays, cancelled events slot in by date and time.
    items.sort(key=lambda item: (item.event.date, item.event.start is not None,
                                 item.event.start.timestamp() if item.event.start else 0.0))
    return items


def to_ics(
    plan: Plan,
    *,
    stamp: datetime,
    patient: str | None = None,
    discreet: bool = False,
    revision: Revision | None = None,
    refresh: timedelta | None = None,
    per_event: bool = False,
    lang: str = "en",
    reminders: tuple[Reminder, ...] | None = None,
) -> bytes:
    """The plan as an iCalendar file (CRLF line ends, lines folded at 75 octets).

    Without ``revision`` every event is ``SEQUENCE:0`` with DTSTAMP ``stamp``. With one
    (see :mod:`scheduler.export.reissue`), each event takes its version's SEQUENCE and DTSTAMP,
    and events gone from the plan are written as ``STATUS:CANCELLED``. ``refresh`` (for a
    subscribed feed) is how often clients should fetch it again: ``REFRESH-INTERVAL``
    (RFC 7986) and ``X-PUBLISHED-TTL`` (Outlook's name for it).

    The events are written as the patient's calendar shows them, one entry per visit
    (:func:`scheduler.export.visits.calendar_plan`; a ``revision`` is then of those entries),
    or one per event with ``per_event``. ``reminders`` (the plan's setting, see
    :mod:`scheduler.export.reminders`) are one alarm set per visit; without, a visit has the
    default ones, and the staff form each event's template reminder.
    """
    entries = calendar_plan(plan, per_event, lang)
    if reminders is None and not per_event:
        reminders = parse_reminders(DEFAULT_REMINDERS)
    return _serialize(_calendar(entries, stamp, patient, discreet, revision, refresh, reminders,
                                lang))


def _calendar(
    plan: Plan, stamp: datetime, patient: str | None, discreet: bool, revision: Revision | None,
    refresh: timedelta | None = None, reminders: tuple[Reminder, ...] | None = None,
    lang: str = "en",
) -> Calendar:
    """The plan as an icalendar ``Calendar`` (see :func:`to_ics`)."""
    items = _items(plan, stamp, revision)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = calendar_name(plan, patient, discreet, lang)
    calendar.add("x-wr-calname", name)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    zone = plan.request.timezone
    zone_name = str(zone.key) if hasattr(zone, "key") else str(zone)
    timed = any(item.event.start is not None for item in items)
    if not _written_as_utc(zone):
        calendar.add("x-wr-timezone", zone_name)
        if timed:
            first = min(i.event.date for i in items)
            last = max(i.event.date for i in items)
            calendar.add_component(_vtimezone(zone_name, first.year, last.year))
    values = _Values()
    for item in items:
        calendar.add_component(_vevent(item, plan, discreet, values, reminders, lang))
    return calendar


FOLD_AT = 75
"""RFC 5545 3.1: content lines longer than 75 octets are folded (icalendar folds before the
75th octet, so a line of at most 74 octets is never folded)."""


_NO_PARAMETERS = Parameters()
"""Shared by the lines whose value has no parameters (read, never changed)."""


def _serialize(calendar: Calendar) -> bytes:
    """``calendar.to_ical()``, byte for byte, built from icalendar's own pieces
    (``property_items`` and ``Contentline``) with three shortcuts.

    ``Component.content_line`` makes a new empty ``Parameters`` for every line, whether the
    value has parameters or not, and ``Contentline.to_ical`` folds every line one character
    at a time, most of the export's time. Here lines without parameters share one empty
    ``Parameters``; lines shorter than :data:`FOLD_AT` octets (nearly all) are encoded
    directly, and longer ones are still folded by icalendar; and a value object that stands
    under the same name in many events (see :class:`_Values`) is written once.
    """
    lines = []
    written: dict[tuple[str, int], bytes] = {}
    # Keyed by the value object's id: property_items() holds every value until the loop
    # ends, so an id cannot be reused by another value meanwhile.
    for name, value in calendar.property_items():
        key = (name, id(value))
        data = written.get(key)
        if data is None:
            params = cast(Parameters, getattr(value, "params", _NO_PARAMETERS))
            line = Contentline.from_parts(name, params, value)
            data = line.encode()
            if len(data) >= FOLD_AT:
                data = line.to_ical()
            written[key] = data
        lines.append(data)
    return b"\r\n".join(lines) + b"\r\n"
