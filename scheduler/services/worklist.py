"""The worklist: every event of every active plan in a range of days, with what needs doing.

One indexed query of the ``current_events`` cache (:mod:`scheduler.services.derived`), never
an expansion. Flags, decided from a given moment (``now``, an input):

- ``urgent``: a change recorded in the last :data:`RECENT` moved or cancelled the event, and
  it now falls, or fell before the change, within the next :data:`SOON`: the patient must be
  told directly (a subscribed calendar may not show it in time); never an event recorded as
  given or done;
- ``unissued``: the event changed since the plan's last issued version (or it was never issued);
- ``never-fetched``: the plan has a live feed that no calendar has fetched yet;
- ``labs-due``: a blood test not yet done.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import io
import json
import operator
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from scheduler.core.errors import InputError
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

_HAPPENED = frozenset(("done", "given"))
"""An event recorded as given or done is never urgent: the patient was there, whatever moved it."""
_DONE = frozenset(("done", "given", "cancelled", *NEEDS_REASON))
"""A blood test with one of these statuses is no longer due."""


class _Window(NamedTuple):
    """The moments the flags are decided against, computed once a worklist."""

    now: datetime
    recent: datetime
    """now - RECENT: a change since then is recent."""
    soon: datetime
    """now + SOON."""
    today: str
    soon_day: str

    @classmethod
    def at(cls, now: datetime) -> _Window:
        return cls(now, now - RECENT, now + SOON, now.date().isoformat(),
                   (now + SOON).date().isoformat())

    def is_soon(self, day: str, start: str | None) -> bool:
        """True when the event (its start, else its whole day) overlaps now .. now + SOON."""
        if start is not None:
            return self.now <= _instant(start) <= self.soon
        return self.today <= day <= self.soon_day


def flags_of(day: str, start: str | None, status: str | None, labs: str, was_date: str | None,
             changed_at: str | None, plan: store.PlanState, window: _Window) -> tuple[str, ...]:
    """The worklist flags of one cached event of ``plan``."""
    flags = []
    changed = _instant(changed_at) if changed_at is not None else None
    if changed is not None and status not in _HAPPENED and window.recent <= changed <= window.now and (
            window.is_soon(day, start) or (was_date is not None and window.is_soon(was_date, None))):
        flags.append("urgent")
    if status != "cancelled" and (plan.issued_at is None or (
            changed is not None and changed > _instant(plan.issued_at))):
        flags.append("unissued")
    if plan.feed_live and not plan.feed_fetched:
        flags.append("never-fetched")
    if labs == "labs" and status not in _DONE:
        flags.append("labs-due")
    return tuple(flags)


def _plain_flags(issued: bool, fetched: bool | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The flags of the events of a plan (issued or not; feed fetched, not fetched, or no live
    feed: None) that no change touched and that have no status (most of them), without and
    with ``labs-due``: what :func:`flags_of` gives them."""
    plain = (() if issued else ("unissued",)) + (("never-fetched",) if fetched is False else ())
    return plain, (*plain, "labs-due")


_PLAIN = {never: {fetched: _plain_flags(not never, fetched) for fetched in (None, False, True)}
          for never in (True, False)}
"""Never issued -> feed state -> :func:`_plain_flags`: the flags of an untouched event, looked
up rather than decided on each of thousands of rows. SQLite's driver gives ``feed_fetched``
as 0 or 1, which find False and True (equal numbers hash alike)."""


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while thousands of rows and lines are made.

    None of them can form a cycle, but each few hundred new objects start a collection, and
    every so often a full one walks every object of the process: reading 23,800 rows took
    145 ms of processor time with the collector and 92 ms without, the same as the driver
    alone. Reference counting still frees everything as usual; the collector runs again after.
    The pause is for the whole process (the web app's other threads too) and lasts as long as
    the read, a fraction of a second; only the caller that found it running turns it back on,
    so it is back on once that worklist is done, even while another one still runs."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


_order = operator.itemgetter(1, 2, 0, 3)
"""By date, time (timed before all-day: every shown time starts with a digit, and "all day"
sorts after digits), patient, reference: a key made in C, a fifth of the time of a lambda."""


def worklist(registry: Registry, first: date, days: int, now: datetime,
             resource: str | None = None) -> list[Item]:
    """The worklist from ``first`` for ``days`` days (one range scan), urgent items first,
    then by date, time and patient. An urgent event (moved or cancelled by a recent change,
    within the next 48 hours) is listed even outside the range, so that the first page of
    the day shows whom to tell, whatever days it lists (a second read, of the moved events
    around those 48 hours only, when the range does not hold them all). InputError naming
    the resources in use when ``resource`` is none of them (a typing error lists nothing).

    Each line is made from its cached row as read, with no per-row formatting (the rebuild
    stored the display time) and the flags of untouched events decided once a plan."""
    with _collector_paused():
        items = _worklist(registry, first, days, now, resource)
    if resource is not None and not items and not store.uses_resource(registry, resource):
        in_use = ", ".join(store.resources_in_use(registry)) or "none"
        raise InputError(f"no active plan uses the resource '{resource}' (resources in use: {in_use})",
                         "resource")
    return items


def _worklist(registry: Registry, first: date, days: int, now: datetime,
              resource: str | None) -> list[Item]:
    last = first + timedelta(days=days - 1)
    low, high = first.isoformat(), last.isoformat()
    rows = store.due(registry, first, last, resource)
    window = _Window.at(now)
    dates = {(first + timedelta(days=n)).isoformat(): first + timedelta(days=n) for n in range(days)}
    new = tuple.__new__  # Item's own __new__ is a Python function: 1.09 µs against 0.63 (timeit)
    urgent: list[Item] = []
    others: list[Item] = []
    for row in rows:
        key, day, shown, ref, title, where, status, was, changed, _start, labs, issued, fetched = row
        if changed is None and status is None:
            # untouched by any change and not recorded: in the range (only a change sets the
            # former date that the other index is read by), with its plan's flags
            flags = _PLAIN[issued is None][fetched][labs == "labs"]
            others.append(new(Item, (key, dates.get(day) or date.fromisoformat(day), shown, ref, title,
                                     where, "planned", flags, None, None)))
            continue
        item = _touched(row, window)
        if item.urgent:
            urgent.append(item)
        elif low <= day <= high:
            others.append(item)
    parts = _outside(window, first, last)
    for row in store.moved_around(registry, parts, resource) if parts else ():
        day, was = row[1], row[7]
        if not (low <= day <= high or (was is not None and low <= was <= high)):  # not read above
            item = _touched(row, window)
            if item.urgent:
                urgent.append(item)
    urgent.sort(key=_order)
    others.sort(key=_order)
    return urgent + others


def _touched(row: Any, window: _Window) -> Item:
    """The line of an event a change or a record touched: its flags decided one by one."""
    key, day, shown, ref, title, where, status, was, changed, start, labs, issued, fetched = row
    plan = store.PlanState(issued, fetched is not None, bool(fetched))
    flags = flags_of(day, start, status, labs, was, changed, plan, window)
    moved = was is not None and was != day
    return Item(key, date.fromisoformat(day), shown, ref, title, where,
                status or ("moved" if moved else "planned"), flags,
                date.fromisoformat(was) if moved else None, changed)


def _outside(window: _Window, first: date, last: date) -> list[tuple[date, date]]:
    """The days around the next 48 hours (a day more each side: the plans' zones) that the
    range ``first`` .. ``last`` does not hold: none, one or two spans."""
    around = (window.now - timedelta(days=1)).date(), (window.soon + timedelta(days=1)).date()
    parts = []
    if around[0] < first:
        parts.append((around[0], min(around[1], first - timedelta(days=1))))
    if around[1] > last:
        parts.append((max(around[0], last + timedelta(days=1)), around[1]))
    return [(a, b) for a, b in parts if a <= b]


COLUMNS = ("patient_key", "date", "time", "ref", "title", "where", "status", "flags",
           "moved_from", "changed_at")


_text = json.encoder.encode_basestring
"""The standard library's own string encoder, as ``json.dumps(..., ensure_ascii=False)`` uses it."""


_FLAGS_JSON: dict[tuple[str, ...], str] = {}
"""A set of flags -> its JSON array (a handful of sets repeat on every line)."""


def _json_line(item: Item) -> str:
    """``json.dumps(item.record(), ensure_ascii=False)``, written out for the fixed shape of a
    line: every string goes through the standard library's encoder, so the bytes are the same
    (tests/test_follow_worklist.py compares the two on quotes, backslashes, control characters,
    emoji and CJK). timeit, one line, this machine busy: 4.8 µs, against 31 µs for
    ``json.dumps`` of its record."""
    flags = _FLAGS_JSON.get(item.flags)
    if flags is None:
        flags = _FLAGS_JSON[item.flags] = json.dumps(list(item.flags))
    moved = f'"{item.moved_from.isoformat()}"' if item.moved_from else "null"
    changed = "null" if item.changed_at is None else _text(item.changed_at)
    return (f'{{"patient_key": {_text(item.patient_key)}, "date": "{item.date.isoformat()}", '
            f'"time": {_text(item.time)}, "ref": {_text(item.ref)}, "title": {_text(item.title)}, '
            f'"where": {_text(item.where)}, "status": {_text(item.status)}, "flags": {flags}, '
            f'"moved_from": {moved}, "changed_at": {changed}}}')


def to_json(items: list[Item]) -> str:
    """The worklist as a JSON array, one item a line."""
    with _collector_paused():
        rows = [_json_line(i) for i in items]
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
