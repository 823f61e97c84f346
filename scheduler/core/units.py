"""Small quantities written in templates and on the command line: clock times, durations, spans.

- clock time: ``"08:30"`` (24-hour).
- duration: ``"45m"``, ``"4h"``, ``"1h30m"`` -> minutes.
- span: ``"6 months"``, ``"12m"``, ``"52w"``, ``"28d"``, ``"1y"`` -> (months, days); months are
  calendar months (2026-08-31 + 6 months = 2027-02-28), years are 12 months, weeks 7 days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from dateutil.relativedelta import relativedelta

from scheduler.core.text import shown

# Numbers have at most 5 digits: longer ones are refused in words, never converted.
_CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_DURATION = re.compile(r"^(?:([0-9]{1,5})\s*h)?\s*(?:([0-9]{1,5})\s*m(?:in)?)?$")
_SPAN = re.compile(
    r"^([0-9]{1,5})\s*(d|days?|w|wk|weeks?|m|mo|months?|y|yr|years?)$", re.IGNORECASE
)
MAX_SPAN_MONTHS = 1200
"""A span is at most 100 years (a plan itself may reach at most 10 years past its start)."""


def parse_clock(text: str) -> time:
    """``"08:30"`` -> ``time(8, 30)``; raises ValueError otherwise."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"{shown(text)} is not a 24-hour clock time like '08:30'")
    return time(int(match.group(1)), int(match.group(2)))


def parse_duration(text: str) -> int:
    """``"1h30m"`` -> 90 (minutes); raises ValueError for anything else or zero."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or not match or not any(match.groups()):
        raise ValueError(f"{shown(text)} is not a duration like '45m', '4h' or '1h30m'")
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if minutes <= 0:
        raise ValueError(f"duration {shown(text)} must be longer than zero")
    return minutes


@dataclass(frozen=True, slots=True)
class Span:
    """A length of time in calendar months plus days, as protocols state it."""

    months: int = 0
    days: int = 0
    text: str = ""

    def after(self, day: date) -> date:
        """The date this span after ``day`` (month ends clamp: Aug 31 + 6 months = Feb 28).

        dateutil, not pendulum: the ``holidays`` package has imported it already, where
        pendulum would add 15-25 ms to every start (tests/test_coldstart.py checks that the
        dates are pendulum's)."""
        return day + relativedelta(months=self.months, days=self.days)

    def __str__(self) -> str:
        return self.text


def parse_span(text: str) -> Span:
    """``"6 months"`` -> Span(months=6); raises ValueError for anything else or zero."""
    match = _SPAN.match(str(text).strip())
    if not match:
        raise ValueError(f"{shown(text)} is not a span like '6 months', '12m', '26w' or '90d'")
    number, unit = int(match.group(1)), match.group(2).lower()
    if number <= 0:
        raise ValueError(f"span {shown(text)} must be longer than zero")
    months = number * (12 if unit.startswith("y") else 1 if unit.startswith("m") else 0)
    days = number * (7 if unit.startswith("w") else 1 if unit.startswith("d") else 0)
    if months + days / 30.44 > MAX_SPAN_MONTHS:
        raise ValueError(f"span {shown(text)} is longer than {MAX_SPAN_MONTHS // 12} years")
    if unit.startswith("d"):
        return Span(days=number, text=f"{number} day{'s' * (number != 1)}")
    if unit.startswith("w"):
        return Span(days=7 * number, text=f"{number} week{'s' * (number != 1)}")
    if unit.startswith("m"):
        return Span(months=number, text=f"{number} month{'s' * (number != 1)}")
    return Span(months=12 * number, text=f"{number} year{'s' * (number != 1)}")
