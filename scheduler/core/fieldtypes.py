"""The field types of the template schema: text, counts, clock times, durations, doses,
colours and day lists, each checked as it is read, and the strict base model (frozen, unknown
fields refused). Part of :mod:`scheduler.core.protocol`, which re-exports these names."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
)

from scheduler.core.colours import NAMED_COLOURS
from scheduler.core.text import shown, text_problem
from scheduler.core.units import Span, parse_clock, parse_duration, parse_span

# --- field types -----------------------------------------------------------------------

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


def _text(max_length: int, multiline: bool = False) -> AfterValidator:
    """A text field of at most ``max_length`` characters, without control characters
    (:mod:`scheduler.core.text`); a line break only where ``multiline``."""

    def check(value: str) -> str:
        problem = text_problem(value, max_length, multiline)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


# Maximum lengths of the template's text (README, "Limits"): the printed calendar is laid out
# for them, and a test renders a template with every field at its maximum.
MAX_NAME = 200
"""A template's name and source."""
MAX_REFERENCE = 300
MAX_DESCRIPTION = 2000
MAX_LABEL = 80
"""A component's name, category, discreet title; an open-ended course's 'until'."""
MAX_DETAIL = 200
"""A dose text, a location."""

Name = Annotated[str, _text(MAX_NAME)]
Label = Annotated[str, _text(MAX_LABEL)]
Detail = Annotated[str, _text(MAX_DETAIL)]
Paragraph = Annotated[str, _text(MAX_DESCRIPTION, multiline=True)]

def _count(minimum: int) -> PlainValidator:
    """A whole number >= ``minimum`` (and <= 10000), or a ``$parameter`` reference."""

    def check(value: Any) -> int | str:
        if isinstance(value, str) and re.fullmatch(r"\$[a-z][a-z0-9_]{0,39}", value):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number or a parameter like $name (got {shown(value)})")
        if not minimum <= value <= 10_000:
            raise ValueError(f"must be between {minimum} and 10000 (got {value})")
        return value

    return PlainValidator(check)


PositiveCount = Annotated[int | str, _count(1)]
Offset = Annotated[int | str, _count(0)]
EARLIEST_DAY = -365
"""How far before day 1 a plan day may be (language 3: day 0 is the day before day 1)."""
PlanDay = Annotated[int | str, _count(EARLIEST_DAY)]
"""A plan day: 1 is the start date, 0 the day before it, -6 one week before day 1."""

Rule = Literal["next", "previous", "keep", "skip", "error"]
"""What happens when a date is not a working day: see README, "Non-working days"."""

CycleStartRule = Literal["next", "previous", "keep", "error"]


def _clock_or_all_day(value: Any) -> time | None:
    if value is None or value == "all-day":
        return None
    if isinstance(value, int):
        raise ValueError(f"write clock times in quotes, like '08:30' (got {value})")
    if not isinstance(value, str):
        raise ValueError("must be a clock time like '08:30' or 'all-day'")
    return parse_clock(value)


MAX_INFUSION_MINUTES = 7 * 24 * 60
"""The longest a drug's infusion may run (a pump connected for several days)."""


def _duration(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a duration like '45m', '4h' or '1h30m'")
    if isinstance(value, int):
        raise ValueError(f"write a unit: '{value}m' or '{value}h'")
    minutes = parse_duration(value)
    if minutes > MAX_INFUSION_MINUTES:
        raise ValueError(f"duration {shown(value)} is longer than 7 days")
    return minutes


MAX_REMINDER_DAYS = 28


def _reminder(value: Any) -> int | None:
    if value is None or value == "none":
        return None
    if not isinstance(value, str):
        raise ValueError("must be like '1d', '2h', '30m' or 'none'")
    match = re.fullmatch(r"([0-9]{1,5})\s*d", value.strip())
    minutes = int(match.group(1)) * 24 * 60 if match else parse_duration(value)
    if minutes > MAX_REMINDER_DAYS * 24 * 60:
        raise ValueError(f"reminder {shown(value)} is more than {MAX_REMINDER_DAYS} days before the event")
    return minutes


def _span(value: Any) -> Span:
    if isinstance(value, Span):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a span like '6 months', '26w' or '180d'")
    return parse_span(value)


MAX_GRAY = 1000


def _gray(value: Any) -> Decimal:
    """Doses in Gy as exact decimals: 1.8 stays 1.8 (23 x 1.8 = 41.4 exactly)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number of Gy, like 2.0")
    try:
        if len(str(value)) > 20:
            raise ArithmeticError
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"{shown(value)} is not a number of Gy") from None
    if not number.is_finite() or number <= 0:
        raise ValueError("must be a positive number of Gy")
    if number > MAX_GRAY:
        raise ValueError(f"must be at most {MAX_GRAY} Gy")
    if number != number.quantize(Decimal("0.001")):
        raise ValueError("must be given to at most 3 decimal places")
    return number


def _colour(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in NAMED_COLOURS:
        raise ValueError(f"{shown(value)} is not a CSS colour name (e.g. 'steelblue', 'darkorange')")
    return value.lower()


EARLIEST_DRUG_DAY = -60
"""The earliest day of a cycle a drug may be given on (language 3: day 0 is the day before
day 1, -6 a week before it)."""


def _days(value: Any) -> tuple[int, ...]:
    """``[1, 8]``, ``"1-5"``, ``"1, 8, 15"``, ``8`` -> sorted unique day numbers."""
    items = value if isinstance(value, list) else [value]
    days: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise ValueError("days are numbers like 1, 8 or ranges like '1-5'")
        if isinstance(item, int):
            days.add(item)
            continue
        if not isinstance(item, str):
            raise ValueError("days are numbers like 1, 8 or ranges like '1-5'")
        for part in item.split(","):
            match = re.fullmatch(r"\s*d?([0-9]{1,9})\s*(?:-\s*d?([0-9]{1,9})\s*)?", part)
            if not match:
                raise ValueError(f"{shown(part.strip())} is not a day like 8 or a range like '1-5'")
            first, last = int(match.group(1)), int(match.group(2) or match.group(1))
            if last < first:
                raise ValueError(f"range '{part.strip()}' ends before it starts")
            if last > 365:
                raise ValueError(f"day {last} is past the longest cycle (365 days)")
            days.update(range(first, last + 1))
    if not days:
        raise ValueError("needs at least one day")
    if min(days) < EARLIEST_DRUG_DAY:
        raise ValueError(f"day {min(days)} is too early: a drug's days go back at most to day "
                         f"{EARLIEST_DRUG_DAY} (day 0 is the day before day 1 of the cycle)")
    return tuple(sorted(days))


ClockTime = Annotated[time | None, PlainValidator(_clock_or_all_day)]
Minutes = Annotated[int, PlainValidator(_duration)]
Reminder = Annotated[int | None, PlainValidator(_reminder)]
SpanField = Annotated[Span, PlainValidator(_span)]
Gray = Annotated[Decimal, PlainValidator(_gray)]
Colour = Annotated[str, PlainValidator(_colour)]
DayList = Annotated[tuple[int, ...], BeforeValidator(_days)]


class Strict(BaseModel):
    """Frozen, and unknown fields are errors (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
