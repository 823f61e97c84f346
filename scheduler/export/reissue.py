"""Versions of an issued plan: which events changed, which went away, and their SEQUENCE.

Pure: given what the last version said about each UID and the plan as it is now, decide
for every UID its SEQUENCE, DTSTAMP and status in the next version.

- unchanged event (same record): same SEQUENCE and DTSTAMP as before, so its VEVENT is
  byte-identical;
- changed event (date, time or any text): SEQUENCE one above the last issued, fresh DTSTAMP;
- new event: SEQUENCE 0, fresh DTSTAMP;
- event gone from the plan: issued as CANCELLED with SEQUENCE raised and a fresh DTSTAMP,
  and kept as CANCELLED (unchanged) in every later version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal

from scheduler.core.event import Event
from scheduler.core.plan import Plan
from scheduler.export.table import event_from_record, event_record

Status = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]


@dataclass(frozen=True)
class Entry:
    """What one version said about one UID."""

    sequence: int
    stamp: datetime
    cancelled: bool
    record: dict[str, Any]
    discreet: bool = False
    """Written with --discreet: the same event then has other text in the .ics."""

    def to_json(self) -> dict[str, Any]:
        """For storage."""
        return {"sequence": self.sequence, "stamp": self.stamp.isoformat(),
                "cancelled": self.cancelled, "record": self.record, "discreet": self.discreet}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Entry:
        """The inverse of :meth:`to_json`."""
        return cls(value["sequence"], datetime.fromisoformat(value["stamp"]),
                   value["cancelled"], dict(value["record"]), value.get("discreet", False))


@dataclass(frozen=True)
class Revision:
    """The next version: an entry per UID, and which UIDs changed, appeared or went away."""

    entries: dict[str, Entry]
    changed: frozenset[str]
    added: frozenset[str]
    cancelled: frozenset[str]

    def cancelled_events(self, zone: tzinfo, only_new: bool = False) -> tuple[Event, ...]:
        """The events this version cancels (``only_new``: since the last version), in the
        plan's zone, in UID order."""
        uids = self.cancelled if only_new else {u for u, e in self.entries.items() if e.cancelled}
        events = []
        for uid in sorted(uids):
            event = event_from_record(self.entries[uid].record)
            if event.start is not None and event.end is not None:
                event = event._replace(start=event.start.astimezone(zone),
                                       end=event.end.astimezone(zone))
            events.append(event)
        return tuple(events)


def _same(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """True when two records of one event say the same. A field that an older release did not
    write (``clock_note``, say) counts as empty, so upgrading does not change every event; the
    event's reference (``ref``), a name rather than something the patient sees, is compared
    only when both records have it."""
    keys = old.keys() | new.keys()
    if "ref" not in old:
        keys -= {"ref"}
    return all(old.get(key) == new.get(key) for key in keys)


def revise(
    previous: Mapping[str, Entry], plan: Plan, stamp: datetime, discreet: bool = False
) -> Revision:
    """The entries of the next version of ``plan`` after ``previous`` (empty for the first).

    Switching ``discreet`` on or off changes every event's text, so it counts as a change.
    """
    entries: dict[str, Entry] = {}
    changed: set[str] = set()
    added: set[str] = set()
    for event in plan.events:
        record = event_record(event)
        old = previous.get(event.uid)
        if old is None:
            entries[event.uid] = Entry(0, stamp, False, record, discreet)
            added.add(event.uid)
        elif not old.cancelled and _same(old.record, record) and old.discreet == discreet:
            entries[event.uid] = old
        else:
            entries[event.uid] = Entry(old.sequence + 1, stamp, False, record, discreet)
            changed.add(event.uid)
    cancelled: set[str] = set()
    for uid, old in previous.items():
        if uid in entries:
            continue
        if old.cancelled and old.discreet == discreet:
            entries[uid] = old
        elif old.cancelled:  # still cancelled, but its text changes
            entries[uid] = Entry(old.sequence + 1, stamp, True, old.record, discreet)
            changed.add(uid)
        else:
            entries[uid] = Entry(old.sequence + 1, stamp, True, old.record, discreet)
            cancelled.add(uid)
    return Revision(entries, frozenset(changed), frozenset(added), frozenset(cancelled))
