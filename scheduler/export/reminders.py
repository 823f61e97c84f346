"""A plan's reminders: when the patient's calendar alerts them before a visit.

Written as a short list, ``evening@18:00,1h``: ``evening@HH:MM`` is the evening before at
that clock time, a span (``30m``, ``1h``, ``2h``, ``1d``) is that long before the visit
starts; ``none`` is no reminder. The default, the evening before at 18:00 and one hour
before, is what a day unit would phone about. Each visit gets one set (not one per drug);
an all-day clinic visit (blood tests) gets only the evening-before ones, and a home
infusion or daily medication none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from scheduler.core.errors import InputError

DEFAULT_REMINDERS = "evening@18:00,1h"
MAX_REMINDERS = 3
_SPAN = re.compile(r"(\d{1,3})\s*(m|min|h|d)")
_EVENING = re.compile(r"evening@([01]?\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class Reminder:
    """One alert: at ``evening`` the day before, or ``minutes`` before the start."""

    minutes: int | None = None
    evening: time | None = None

    @property
    def text(self) -> str:
        """As written in the setting (``evening@18:00``, ``1h``, ``30m``, ``2d``)."""
        if self.evening is not None:
            return f"evening@{self.evening:%H:%M}"
        assert self.minutes is not None
        if self.minutes % (24 * 60) == 0:
            return f"{self.minutes // (24 * 60)}d"
        if self.minutes % 60 == 0:
            return f"{self.minutes // 60}h"
        return f"{self.minutes}m"

    def trigger(self, start: datetime | date) -> timedelta | None:
        """How long before ``start`` it alerts (a VALARM's TRIGGER, negated); None when it
        does not apply (a span before an all-day visit, which has no clock time)."""
        if self.evening is not None:
            if isinstance(start, datetime):  # real elapsed time, right across a DST change
                at = datetime.combine(start.date() - timedelta(days=1), self.evening, start.tzinfo)
                return start.astimezone(UTC) - at.astimezone(UTC)
            return datetime.combine(start, time()) - datetime.combine(
                start - timedelta(days=1), self.evening)
        if not isinstance(start, datetime):
            return None
        assert self.minutes is not None
        return timedelta(minutes=self.minutes)


def parse_reminders(text: str, field: str = "reminders") -> tuple[Reminder, ...]:
    """``evening@18:00,1h`` -> reminders; InputError naming ``field`` for anything else."""
    text = text.strip().lower()
    if text in ("none", ""):
        return ()
    found: list[Reminder] = []
    for part in (p.strip() for p in text.split(",")):
        evening = _EVENING.fullmatch(part)
        span = _SPAN.fullmatch(part)
        if evening:
            found.append(Reminder(evening=time(int(evening[1]), int(evening[2]))))
        elif span:
            unit = {"m": 1, "min": 1, "h": 60, "d": 24 * 60}[span[2]]
            minutes = int(span[1]) * unit
            if not 0 < minutes <= 7 * 24 * 60:
                raise InputError(f"'{part}' is not between 1 minute and 7 days before", field=field)
            found.append(Reminder(minutes=minutes))
        else:
            raise InputError(f"'{part}' is not a reminder; write 'evening@18:00' (the "
                             "evening before at 18:00), a time before such as '1h' or '30m', "
                             "or 'none'", field=field)
    if len(found) > MAX_REMINDERS:
        raise InputError(f"at most {MAX_REMINDERS} reminders a visit", field=field)
    if len(set(found)) != len(found):
        raise InputError("the same reminder twice", field=field)
    return tuple(found)


def reminders_text(reminders: tuple[Reminder, ...]) -> str:
    """The setting as stored and shown (``none`` for no reminder)."""
    return ",".join(r.text for r in reminders) or "none"


def said(reminders: tuple[Reminder, ...], lang: str = "en") -> str:
    """In words: "the evening before at 18:00, 1 hour before"."""
    if not reminders:
        return {"en": "no reminders", "zh": "不提醒"}.get(lang, "no reminders")
    words = []
    for r in reminders:
        if r.evening is not None:
            words.append(f"前一天 {r.evening:%H:%M}" if lang == "zh" else
                         f"the evening before at {r.evening:%H:%M}")
            continue
        assert r.minutes is not None
        text = r.text
        number, unit = int(text[:-1]), text[-1]
        if lang == "zh":
            words.append(f"提前 {number} {dict(m='分钟', h='小时', d='天')[unit]}")
        else:
            name = dict(m="minute", h="hour", d="day")[unit]
            words.append(f"{number} {name}{'s' if number > 1 else ''} before")
    return ("、" if lang == "zh" else ", ").join(words)
