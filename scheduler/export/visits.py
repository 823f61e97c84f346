"""The plan as a patient's calendar shows it: one entry per clinic visit.

A plan has one event per drug; a patient's calendar wants one entry per trip to the clinic.
:func:`calendar_plan` turns the events into entries (still :class:`~scheduler.core.event.Event`
records, so that re-issue and the feed version them as they version events):

- a **visit**: the timed events of one day at one place that run back to back or overlap,
  one entry spanning them all, titled by the visit ("Treatment visit"; with detail
  "Chemotherapy: oxaliplatin, leucovorin, fluorouracil bolus"), each treatment and its time
  in the description;
- a **home infusion** (a drug whose infusion runs on past its day, the 46-hour pump): an entry
  of its own, shown free (``TRANSP:TRANSPARENT``, see :func:`transparent`), and a line of the
  visit that starts it;
- **daily medication**: one all-day entry per run of consecutive days (``through``), free;
- anything else (blood tests, a lone visit that is not a drug) stays as it is.

A visit's UID comes from what stays when its contents change: the plan's key and the
regimen, cycle and day of its treatments (or the component and fraction), never a drug or
a patient identifier, so stopping one drug of a visit keeps its UID and raises its SEQUENCE.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from scheduler.core.event import Event, Style
from scheduler.core.expand.rules import DISCREET_TITLES
from scheduler.core.plan import Plan
from scheduler.export.calwords import CATEGORIES_ZH, CalendarWords

VISIT_TITLE = {"en": "Treatment visit", "zh": "治疗"}
HOME_TITLE = {"en": "Treatment at home", "zh": "居家治疗"}
MEDICATION_TITLE = {"en": "Medication", "zh": "服药"}
TREATMENT = {"en": "Treatment", "zh": "治疗"}


def said(words: dict[str, str], lang: str) -> str:
    """A title in the plan's language: English, Chinese, or both ("治疗 Treatment visit")."""
    if lang == "zh":
        return words["zh"]
    if lang == "en+zh":
        return f"{words['zh']} {words['en']}"
    return words["en"]


def runs_on(event: Event) -> bool:
    """True for a drug whose infusion runs on past the day it starts (a pump taken home)."""
    if event.kind != "drug" or event.start is None or event.end is None:
        return False
    last = (event.end - timedelta(microseconds=1)).date()
    return last > event.start.date()


def transparent(event: Event) -> bool:
    """True for an entry that leaves the patient free: all-day, daily medication, a home
    infusion. Only the clinic's timed visits are busy."""
    return event.start is None or event.kind == "daily" or runs_on(event)


def calendar_plan(plan: Plan, per_event: bool = False, lang: str = "en") -> Plan:
    """The plan with its events as the calendar's entries (see the module docstring);
    ``per_event`` keeps one entry per event (the staff form, for clinic systems)."""
    if per_event:
        return plan
    entries = sorted((entry for entry, _members in _grouped(plan, lang)), key=lambda e: e.sort_key)
    return dataclasses.replace(plan, events=tuple(entries))


def entry_uids(plan: Plan, per_event: bool = False, lang: str = "en") -> dict[str, str]:
    """Each event's UID -> the UID of the calendar entry it is part of (a home infusion is
    its own entry, though the visit that starts it lists it)."""
    if per_event:
        return {event.uid: event.uid for event in plan.events}
    found: dict[str, str] = {}
    for entry, members in _grouped(plan, lang):
        for member in members:
            if member.uid not in found or runs_on(member):
                found[member.uid] = entry.uid
    return found


Grouped = list[tuple[Event, list[Event]]]


def _grouped(plan: Plan, lang: str) -> Grouped:
    """The calendar's entries, each with the events it is made of."""
    key = plan.request.plan_key
    words = CalendarWords(plan, lang)
    entries: Grouped = []
    timed: list[Event] = []
    daily: list[Event] = []
    for event in plan.events:
        if event.kind == "daily":
            daily.append(event)
        elif event.start is None:
            entries.append((_said(event, words), [event]))
        else:
            timed.append(event)
    entries.extend(_visits(timed, key, words))
    entries.extend(_daily_spans(daily, key, words))
    return entries


def _said(event: Event, words: CalendarWords) -> Event:
    """An event kept as it is, its title and dose in the plan's language."""
    if words.lang == "en":
        return event
    style = event.style._replace(discreet_title=_discreet(event, words))
    return event._replace(title=words.title(event), dose=words.dose(event), style=style)


DISCREET_ZH = {"Treatment visit": "治疗", "Hospital appointment": "医院预约",
               "Medication reminder": "服药提醒"}


def _discreet(event: Event, words: CalendarWords) -> str:
    title = event.style.discreet_title
    return words.both(title, DISCREET_ZH.get(title, title))


def _uid(plan_key: str, identity: str) -> str:
    return hashlib.sha256(f"{plan_key}\x00{identity}".encode()).hexdigest()[:32] + "@scheduler"


def _member_key(event: Event) -> str:
    """What a visit's UID is made of: the regimen, cycle and day of a drug (shared by every
    drug of the regimen that day), the component and fraction or cycle, else the event's UID."""
    if event.cycle is not None:
        return f"{event.regimen or event.component}\x00c{event.cycle}\x00d{event.day}"
    if event.fraction is not None:
        return f"{event.component}\x00f{event.fraction}"
    return event.uid


def _visits(events: Sequence[Event], plan_key: str, words: CalendarWords) -> Grouped:
    """Timed events grouped into visits; home infusions as entries of their own."""
    groups: list[list[Event]] = []
    homes: list[Event] = []
    open_groups: dict[tuple[date, str | None], tuple[list[Event], datetime]] = {}
    for event in sorted(events, key=lambda e: (e.date, e.start, e.style.order)):
        assert event.start is not None and event.end is not None
        place = (event.date, event.style.location)
        current = open_groups.get(place)
        if runs_on(event):
            homes.append(event)
            if current is not None and event.start <= current[1]:
                current[0].append(event)  # a line of the visit that connects the pump
            continue
        if current is not None and event.start <= current[1]:
            group, end = current
            group.append(event)
            open_groups[place] = (group, max(end, event.end))
        else:
            group = [event]
            groups.append(group)
            open_groups[place] = (group, event.end)
    seen: dict[str, int] = {}
    result = []
    for group in groups:
        identity = "visit\x00" + min(_member_key(e) for e in group if not runs_on(e))
        seen[identity] = seen.get(identity, 0) + 1
        if seen[identity] > 1:  # the same cycle and day twice (a dose moved apart)
            identity += f"\x00{seen[identity]}"
        result.append((_visit(group, _uid(plan_key, identity), words), group))
    result.extend((_home(event, words), [event]) for event in homes)
    return result


def _lower(name: str) -> str:
    """A drug's name inside a title: "Cisplatin" -> "cisplatin", "PD-1 inhibitor" stays."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _clock(event: Event) -> str:
    assert event.start is not None and event.end is not None
    if runs_on(event):
        return f"{event.start:%H:%M}"
    return f"{event.start:%H:%M}–{event.end:%H:%M}"


def _visit(group: list[Event], uid: str, words: CalendarWords) -> Event:
    """One visit's entry: from its first start to its last end (a home infusion's start)."""
    first = group[0]
    own = [e for e in group if not runs_on(e)]
    lang = words.lang
    if len(group) == 1 and first.kind != "drug":
        return _said(first, words)._replace(uid=uid)  # a lone fraction or visit: its own title
    start = min(e.start for e in own if e.start is not None)
    end = max(e.end for e in own if e.end is not None)
    categories = _unique(e.style.category or said(TREATMENT, "en") for e in group)
    en = f"{' + '.join(categories)}: {', '.join(_unique(_lower(e.style.name) for e in own))}"
    zh = (f"{'＋'.join(_unique(CATEGORIES_ZH.get(c, c) for c in categories))}："
          f"{'、'.join(_unique(words.name_zh(e) for e in own))}")
    title = words.both(en, zh, " / ")
    lines = []
    for event in group:
        line = f"{_clock(event)} {words.name(event)}"
        if event.dose:
            line += f": {words.dose(event)}" if lang == "en" else f"：{words.dose(event)}"
        if runs_on(event):
            assert event.end is not None
            line += words.both(f" (runs on at home until {event.end:%a %Y-%m-%d %H:%M})",
                               f"（居家持续输注至 {event.end:%Y-%m-%d %H:%M}）")
        lines.append(line)
    cycles = {(e.regimen, e.cycle, e.day, e.cycle_days) for e in own}
    regimen, cycle, day, cycle_days = cycles.pop() if len(cycles) == 1 else (None, None, None, None)
    moved = next((e for e in group if e.moved_from is not None), None)
    notes = _unique(e.note for e in own if e.note)
    clock_notes = _unique(e.clock_note for e in group if e.clock_note)
    reminders = [e.style.reminder_minutes for e in group if e.style.reminder_minutes is not None]
    drug = any(e.kind == "drug" for e in group)
    style = Style(
        name=title,
        code="+".join(_unique(e.style.code for e in group)),
        location=first.style.location,
        category=" + ".join(words.category(c) for c in categories),
        colour=first.style.colour,
        reminder_minutes=max(reminders) if reminders else None,
        discreet_title=said(VISIT_TITLE, lang) if drug else first.style.discreet_title,
        order=min(e.style.order for e in group),
    )
    return first._replace(
        uid=uid, start=start, end=end, kind="drug" if drug else first.kind,
        component="+".join(_unique(e.component for e in group)), style=style, title=title,
        dose="\n".join(lines), regimen=regimen, cycle=cycle, day=day, cycle_days=cycle_days,
        fraction=None, fractions_total=None, fraction_gy=None, cumulative_gy=None, total_gy=None,
        moved_from=moved.moved_from if moved else None, reason=moved.reason if moved else None,
        note="\n".join(notes) or None, clock_note="\n".join(clock_notes) or None,
        open_ended=all(e.open_ended for e in group), window_start=None, window_end=None,
        # a recorded status is the visit's only when every treatment of it has it
        status=first.status if all(e.status == first.status for e in own) else None,
        status_note=first.status_note if all(e.status == first.status for e in own) else None,
    )


def _home(event: Event, words: CalendarWords) -> Event:
    """A home infusion's own entry: free time, no alarm (the visit that starts it has one)."""
    event = _said(event, words)
    style = event.style._replace(discreet_title=said(HOME_TITLE, words.lang), reminder_minutes=None)
    return event._replace(style=style)


def _daily_spans(events: Sequence[Event], plan_key: str, words: CalendarWords) -> Grouped:
    """Daily medication as one all-day entry per run of consecutive days, per component."""
    by_component: dict[str, list[Event]] = {}
    for event in events:
        by_component.setdefault(event.component, []).append(event)
    result = []
    for component, doses in by_component.items():
        days: dict[date, list[Event]] = {}
        for event in doses:
            days.setdefault(event.date, []).append(event)
        run: list[date] = []
        for day in sorted(days):
            if run and day != run[-1] + timedelta(days=1):
                result.append((_span(component, run, days, plan_key, words),
                               [e for d in run for e in days[d]]))
                run = []
            run.append(day)
        if run:
            result.append((_span(component, run, days, plan_key, words),
                           [e for d in run for e in days[d]]))
    return result


def _span(component: str, run: list[date], days: dict[date, list[Event]], plan_key: str,
          words: CalendarWords) -> Event:
    first = days[run[0]][0]
    times = _unique(f"{e.start:%H:%M}" for d in run for e in days[d] if e.start is not None)
    count = len(run)
    title = words.both(f"{first.style.name} – {count} day{'s' if count > 1 else ''}",
                       f"{words.name_zh(first)}（{count} 天）", " / ")
    lines = [words.both(f"Take {first.dose or first.style.name}",
                        f"服用：{words.dose(first) if first.dose else words.name_zh(first)}", "\n")]
    if times:
        lines.append(words.both(f"At {', '.join(times)} each day.", f"每天 {'、'.join(times)}。", "\n"))
    lines.append(words.both(
        f"Every day from {run[0]:%a %Y-%m-%d} to {run[-1]:%a %Y-%m-%d} ({count} days).",
        f"每天，{run[0]:%Y-%m-%d} 至 {run[-1]:%Y-%m-%d}（共 {count} 天）。", "\n"))
    moved = [e for d in run for e in days[d] if e.moved_from is not None]
    # "Medication", unless the template gave the medication a discreet title of its own (two
    # daily medications over the same days, stupp's temozolomide and co-trimoxazole, would
    # otherwise be two identical entries)
    own = first.style.discreet_title
    discreet = own if own != DISCREET_TITLES["daily"] else said(MEDICATION_TITLE, words.lang)
    style = first.style._replace(discreet_title=discreet, reminder_minutes=None)
    return first._replace(
        uid=_uid(plan_key, f"daily\x00{component}\x00{run[0].isoformat()}"),
        start=None, end=None, style=style, title=title, dose="\n".join(lines),
        moved_from=moved[0].moved_from if moved else None,
        reason=moved[0].reason if moved else None, clock_note=None,
        through=run[-1] if count > 1 else None,
    )
