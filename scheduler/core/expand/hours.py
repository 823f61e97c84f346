"""Hours after a dose (``kind: hours``, language 3): events at exact hours after the start
of each dose of a timed drug (leucovorin 24 hours after high-dose methotrexate, then every 6
hours for 10 doses; methotrexate levels at 24, 48 and 72 hours). Measured in elapsed time,
so a series across a daylight saving change stays N hours apart and its local times are shown
as they fall. They are given whatever the day; a note says when one falls on a closed day."""

from __future__ import annotations

from datetime import UTC, timedelta

from scheduler.core.event import EventKind
from scheduler.core.protocol import Hours
from scheduler.core.workdays import Placement

from .state import Expansion


def expand_hours(x: Expansion, series: Hours) -> None:
    doses = [e for e in x.events if e.component == series.after_start_of and e.start is not None]
    offsets = series.offsets()
    total = len(offsets)
    kind: EventKind = "drug" if series.event == "dose" else "visit"
    for dose in doses:
        assert dose.start is not None
        day1 = dose.date - timedelta(days=(dose.day or 1) - 1)
        for number, hours in enumerate(offsets, start=1):
            instant = (dose.start.astimezone(UTC) + timedelta(hours=hours)).astimezone(
                x.request.timezone)
            day = instant.date()
            reason = x.calendar.for_resource(series.resource).closed_because(day)
            note = (f"On a non-working day ({reason}): given whatever the day, {hours} hours "
                    f"after the start of the dose." if reason else None)
            x.emit(
                series,
                identity=f"{series.id}\x00c{dose.cycle}\x00d{dose.day}\x00n{number}",
                kind=kind,
                component=series.id,
                when=Placement(day, reason=reason),
                title=f"{series.name} – {number} of {total}, cycle {dose.cycle} (+{hours} h)",
                dose=series.dose or series.name,
                note=note,
                instant=instant,
                regimen=dose.regimen,
                cycle=dose.cycle,
                day=(day - day1).days + 1,
            )
