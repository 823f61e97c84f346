"""The worklist: every event of every active plan in a range of days, with what needs doing.

One indexed query of the ``current_events`` cache (:mod:`scheduler.services.derived`), never
an expansion. Flags, decided from a given moment (``now``, an input):

- ``urgent``: a change recorded in the last :data:`RECENT` moved or cancelled the event, and
  it now falls, or fell before the change, within the next :data:`SOON`: the patient must be
  told directly (a subscribed calendar may not show it in time);
- ``unissued``: the event changed since the plan's last issued version (or it was never issued);
- ``never-fetched``: the plan has a live feed that no calendar has fetched yet;
- ``labs-due``: a blood test not yet done.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from scheduler.core.event import Day
from scheduler.core.record import NEEDS_REASON
from scheduler.export.table import spreadsheet_safe
from scheduler.registry import Registry
from scheduler.registry import follow as store

SOON = timedelta(hours=48)
RECENT = timedelta(days=7)
FLAGS = ("urgent", "unissued", "never-fetched", "labs-due")


class Item(NamedTuple):
    """One line of the worklist (a NamedTuple: thousands are made at once)."""

    patient_key: str
    date: date
    time: str
    """``HH:MM-HH:MM`` in the plan's zone, or ``all day``."""
    ref: str
    title: str
    where: str
    """The event's location, else its resource."""
    status: str
    flags: tuple[str, ...]
    moved_from: Day | None
    changed_at: str | None

    @property
    def urgent(self) -> bool:
        """True when the patient must be told directly."""
        return "urgent" in self.flags

    def record(self) -> dict[str, Any]:
        """As JSON values."""
        return {"patient_key": self.patient_key, "date": self.date.isoformat(), "time": self.time,
                "ref": self.ref, "title": self.title, "where": self.where, "status": self.status,
                "flags": list(self.flags),
                "moved_from": self.moved_from.isoformat() if self.moved_from else None,
                "changed_at": self.changed_at}


_instant = functools.lru_cache(maxsize=8192)(datetime.fromisoformat)
"""An ISO timestamp parsed once: a change's time repeats on every event it moved."""


def _is_soon(day: str, start: str | None, now: datetime) -> bool:
    """True when the event (its start, else its whole day) overlaps now .. now + SOON."""
    if start is not None:
        return now <= _instant(start) <= now + SOON
    return now.date().isoformat() <= day <= (now + SOON).date().isoformat()


def flags_of(row: store.Due, now: datetime) -> tuple[str, ...]:
    """The worklist flags of one cached event at ``now``."""
    flags = []
    changed = _instant(row.changed_at) if row.changed_at is not None else None
    if changed is not None and now - RECENT <= changed <= now and (
            _is_soon(row.date, row.start, now)
            or (row.was_date is not None and _is_soon(row.was_date, None, now))):
        flags.append("urgent")
    if row.status != "cancelled" and (row.issued_at is None or (
            changed is not None and changed > _instant(row.issued_at))):
        flags.append("unissued")
    if row.feed_live and not row.feed_fetched:
        flags.append("never-fetched")
    if row.flags == "labs" and row.status not in ("done", "given", "cancelled", *NEEDS_REASON):
        flags.append("labs-due")
    return tuple(flags)


def _time(row: store.Due) -> str:
    """``08:30-09:30`` (wall clock of the plan's zone, as stored), ``all day``, or
    ``11:15-Wed 09:15`` for an end on another day."""
    if row.start is None or row.end is None:
        return "all day"
    if row.end[:10] != row.start[:10]:  # a multi-day infusion: the end's weekday
        return f"{row.start[11:16]}-{datetime.fromisoformat(row.end):%a} {row.end[11:16]}"
    return f"{row.start[11:16]}-{row.end[11:16]}"


def worklist(registry: Registry, first: date, days: int, now: datetime,
             resource: str | None = None) -> list[Item]:
    """The worklist from ``first`` for ``days`` days (one range scan), urgent items first,
    then by date, time and patient. An event moved out of the range is listed only when
    urgent (it fell within the next 48 hours)."""
    last = first + timedelta(days=days - 1)
    low, high = first.isoformat(), last.isoformat()
    urgent: list[Item] = []
    others: list[Item] = []
    for row in store.due(registry, first, last, resource):
        flags = flags_of(row, now)
        is_urgent = "urgent" in flags
        if not low <= row.date <= high and not is_urgent:
            continue
        moved = row.was_date is not None and row.was_date != row.date
        item = Item(row.patient_key, date.fromisoformat(row.date), _time(row), row.ref, row.title,
                    row.location or row.resource or "",
                    row.status or ("moved" if moved else "planned"), flags,
                    date.fromisoformat(row.was_date) if row.was_date is not None and moved else None,
                    row.changed_at)
        (urgent if is_urgent else others).append(item)
    for group in (urgent, others):  # by date, timed before all-day, time, patient, reference
        group.sort(key=lambda i: (i.date, i.time == "all day", i.time, i.patient_key, i.ref))
    return urgent + others


COLUMNS = ("patient_key", "date", "time", "ref", "title", "where", "status", "flags",
           "moved_from", "changed_at")


def to_json(items: list[Item]) -> str:
    """The worklist as a JSON array, one item a line."""
    rows = [json.dumps(i.record(), ensure_ascii=False) for i in items]
    return "[\n" + ",\n".join(f"  {row}" for row in rows) + "\n]\n" if rows else "[]\n"


def to_csv(items: list[Item]) -> str:
    """The worklist as CSV; a cell that a spreadsheet would read as a formula is made text
    (:func:`scheduler.export.table.spreadsheet_safe`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in items:
        values = item.record()
        values["flags"] = " ".join(item.flags)
        writer.writerow({k: "" if v is None else spreadsheet_safe(v) for k, v in values.items()})
    return buffer.getvalue()


def to_text(items: list[Item], first: date, days: int) -> str:
    """The worklist as a table for a terminal."""
    last = first + timedelta(days=days - 1)
    span = first.isoformat() if days == 1 else f"{first.isoformat()} to {last.isoformat()}"
    rows = [("DATE", "TIME", "PATIENT", "REF", "EVENT", "WHERE", "STATUS", "FLAGS")]
    for i in items:
        status = i.status + (f" (was {i.moved_from.isoformat()})" if i.moved_from else "")
        rows.append((i.date.isoformat(), i.time, i.patient_key, i.ref, i.title, i.where, status,
                     " ".join(i.flags)))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    lines = [f"Worklist {span}: {len(items)} event(s), "
             f"{sum(i.urgent for i in items)} urgent", ""]
    for row in rows:
        lines.append("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)),
                                row[-1]]).rstrip())
    return "\n".join(lines) + "\n"
