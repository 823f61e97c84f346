"""Events as JSON, CSV and a terminal table."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from scheduler.core.event import Event, Style
from scheduler.core.plan import Plan
from scheduler.core.workdays import WEEKDAY_NAMES

JSON_FIELDS = (
    "date", "weekday", "start", "end", "all_day", "kind", "component", "component_name",
    "code", "title", "dose", "regimen", "cycle", "day", "fraction", "fractions_total",
    "fraction_gy", "cumulative_gy", "plan_day", "uid", "moved_from", "reason", "note",
    "open_ended", "window_start", "window_end", "location", "category",
    "colour", "reminder_minutes", "discreet_title", "cycle_days", "total_gy", "clock_note",
    "ref", "status", "status_note",
)


def event_record(event: Event) -> dict[str, Any]:
    """One event as plain JSON values: dates YYYY-MM-DD, times ISO 8601 with offset."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    record = {
        "date": event.date.isoformat(),
        "weekday": WEEKDAY_NAMES[event.date.weekday()][:3],
        "start": iso(event.start),
        "end": iso(event.end),
        "all_day": event.all_day,
        "kind": event.kind,
        "component": event.component,
        "component_name": event.style.name,
        "code": event.style.code,
        "title": event.title,
        "dose": event.dose,
        "regimen": event.regimen,
        "cycle": event.cycle,
        "day": event.day,
        "fraction": event.fraction,
        "fractions_total": event.fractions_total,
        "fraction_gy": event.fraction_gy,
        "cumulative_gy": event.cumulative_gy,
        "plan_day": event.plan_day,
        "uid": event.uid,
        "moved_from": iso(event.moved_from),
        "reason": event.reason,
        "note": event.note,
        "open_ended": event.open_ended,
        "window_start": iso(event.window_start),
        "window_end": iso(event.window_end),
        "location": event.style.location,
        "category": event.style.category,
        "colour": event.style.colour,
        "reminder_minutes": event.style.reminder_minutes,
        "discreet_title": event.style.discreet_title,
        "cycle_days": event.cycle_days,
        "total_gy": event.total_gy,
        "clock_note": event.clock_note,
        "ref": event.ref,
        "status": event.status,
        "status_note": event.status_note,
    }
    if event.through is not None:  # only a calendar's span has one: plans' records unchanged
        record["through"] = event.through.isoformat()
    return record


def event_from_record(record: dict[str, Any]) -> Event:
    """The inverse of :func:`event_record` (the style's sort position is not kept: 0)."""
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    def instant(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    style = Style(
        name=record["component_name"],
        code=record["code"],
        location=record["location"],
        category=record["category"],
        colour=record["colour"],
        reminder_minutes=record["reminder_minutes"],
        discreet_title=record["discreet_title"],
        order=0,
    )
    return Event(
        uid=record["uid"],
        date=date.fromisoformat(record["date"]),
        start=instant(record["start"]),
        end=instant(record["end"]),
        kind=record["kind"],
        component=record["component"],
        style=style,
        title=record["title"],
        dose=record["dose"],
        plan_day=record["plan_day"],
        regimen=record["regimen"],
        cycle=record["cycle"],
        day=record["day"],
        cycle_days=record["cycle_days"],
        fraction=record["fraction"],
        fractions_total=record["fractions_total"],
        fraction_gy=record["fraction_gy"],
        cumulative_gy=record["cumulative_gy"],
        total_gy=record["total_gy"],
        moved_from=day(record["moved_from"]),
        reason=record["reason"],
        note=record["note"],
        open_ended=record["open_ended"],
        window_start=day(record["window_start"]),
        window_end=day(record["window_end"]),
        clock_note=record.get("clock_note"),
        ref=record.get("ref", ""),
        status=record.get("status"),
        status_note=record.get("status_note"),
        through=day(record.get("through")),
    )


def to_json(plan: Plan) -> str:
    """A JSON array of event records, one per line for easy diffs."""
    rows = [json.dumps(event_record(e), ensure_ascii=False) for e in plan.events]
    return "[\n" + ",\n".join(f"  {row}" for row in rows) + "\n]\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""A text cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
(the full-width forms too, in some locales)."""


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a text value that would start a formula gets a
    leading apostrophe, as OWASP's CSV-injection advice and spreadsheet-safe writers do
    ("=HYPERLINK(...)" becomes "'=HYPERLINK(...)"). Numbers, dates and times are left alone:
    they never start with one of :data:`FORMULA_STARTS` (an ISO date or time starts with a
    digit; negative numbers are not text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(plan: Plan) -> str:
    """The same records as CSV with a header row; text cells are spreadsheet-safe
    (:func:`spreadsheet_safe`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=JSON_FIELDS, lineterminator="\n")
    writer.writeheader()
    for event in plan.events:
        writer.writerow({k: ("" if v is None else spreadsheet_safe(v))
                         for k, v in event_record(event).items()})
    return buffer.getvalue()


def _when(event: Event) -> str:
    if event.start is None or event.end is None:
        return "all day"
    if event.end.date() != event.start.date():  # a multi-day infusion: the end's weekday
        return f"{event.start:%H:%M}-{event.end:%a %H:%M}"
    if event.start.utcoffset() != event.end.utcoffset():  # across a daylight saving change
        return f"{event.start:%H:%M %Z}-{event.end:%H:%M %Z}"
    return f"{event.start:%H:%M}-{event.end:%H:%M}"


def _short_note(event: Event) -> str:
    parts = []
    if event.moved_from is not None:
        parts.append(f"moved from {event.moved_from.isoformat()}: {event.reason}")
    if event.open_ended:
        parts.append("continuation dose")
    if event.kind == "drug" and event.end is not None and event.end.date() != event.date:
        parts.append(f"runs to {event.end.date().isoformat()} {event.end:%H:%M}")
    if event.kind == "fraction" and event.note:
        parts.append("course extended past closures")
    elif event.kind == "visit" and event.note:
        parts.append(event.note)
    if event.clock_note:
        parts.append(event.clock_note)
    return "; ".join(parts)


def plan_header(plan: Plan, say: Callable[[str], str] = str) -> list[str]:
    """What a reader must know before the rows: protocol, start, calendar, parameters, notes
    (each said by ``say``, as the shell says the fields a note names)."""
    request = plan.request
    calendar = request.calendar
    lines = [
        f"{plan.template.name}",
        f"Protocol {plan.template.source} · template {plan.template.id}",
        f"Start {plan.start.isoformat()} ({WEEKDAY_NAMES[plan.start.weekday()]}) · "
        f"time zone {request.timezone} · holidays {calendar.region} · "
        f"horizon {request.horizon} (to {plan.horizon_end.isoformat()})",
    ]
    if plan.parameters:
        used = ", ".join(
            f"{p.name} = {p.value}{' (default)' if p.is_default else ''}" for p in plan.parameters
        )
        lines.append(f"Parameters: {used}")
    if calendar.closures:
        lines.append("Closed: " + ", ".join(d.isoformat() for d in sorted(calendar.closures)))
    for resource, days in sorted(calendar.resource_closures.items()):
        lines.append(f"Closed for {resource} only: "
                     + ", ".join(f"{d.isoformat()} ({why})" for d, why in sorted(days.items())))
    if calendar.workdays:
        lines.append("Extra working days: "
                     + ", ".join(d.isoformat() for d in sorted(calendar.workdays)))
    lines.extend(f"Note: {say(note)}" for note in plan.notes)
    return lines


def to_text(plan: Plan, refs: bool = False, say: Callable[[str], str] = str) -> str:
    """A readable table with the plan header above it; ``refs`` adds each event's reference
    and recorded status (a registered patient's plan); ``say`` words the plan's notes for the
    shell that prints them."""
    rows: list[tuple[str, ...]] = [("Date", "Day", "Time", "Code", "Event", "Note")]
    if refs:
        rows = [("Date", "Day", "Time", "Code", "Ref", "Status", "Event", "Note")]
    for event in plan.events:
        row: tuple[str, ...] = (event.date.isoformat(), WEEKDAY_NAMES[event.date.weekday()][:3], _when(event))
        row += (event.style.code, event.ref, event.status or "") if refs else (event.style.code,)
        rows.append((*row, event.title, _short_note(event)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [*plan_header(plan, say), ""]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append(("  ".join([*cells, row[-1]])).rstrip())
    lines.append("")
    lines.append(f"{len(plan.events)} events, {plan.first_date.isoformat()} to "
                 f"{plan.last_date.isoformat()}")
    return "\n".join(lines) + "\n"
