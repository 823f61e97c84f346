"""The protocol template schema: frozen, validated models of a YAML template.

A template is data. It names its components (drug regimens in cycles, radiotherapy courses,
daily home medication, visits), when each starts, and what happens when a date is not a
working day. The exact meaning of every field is in README.md ("Template language"); this
module only states the shapes and checks them. Loading YAML files lives in
:mod:`scheduler.core.loader`.
"""

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
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    model_validator,
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


# --- building blocks ---------------------------------------------------------------------


class Parameter(Strict):
    """A number the protocol leaves open; the coordinator may override it with ``--set``."""

    default: int = Field(strict=True)
    minimum: int = Field(1, strict=True)
    maximum: int = Field(1000, strict=True)
    description: Paragraph = Field(min_length=1)

    @model_validator(mode="after")
    def _default_in_range(self) -> Parameter:
        if self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum} is above maximum {self.maximum}")
        if not self.minimum <= self.default <= self.maximum:
            raise ValueError(
                f"default {self.default} is outside {self.minimum}..{self.maximum}"
            )
        return self


class Anchor(Strict):
    """Where something starts: plan ``day`` N, plan ``week`` N, or ``after`` another component.

    Day 1 is the start date (cycle 1 day 1); week N starts on day 7*(N-1)+1, so week 7 is
    day 43. ``after: rt`` with ``gap_days: 28`` is the date 28 days after the last event of
    component ``rt``. With ``from: last_day1`` (``after`` must then name a regimen) it is
    counted from the actual day 1 of the regimen's last cycle instead: ``{after: ac,
    gap_days: 14, from: last_day1}`` is the end of AC's last 14-day cycle, whatever drug of
    AC comes last (a day-2 pegfilgrastim does not shift it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    day: PlanDay | None = None
    week: PositiveCount | None = None
    after: Id | None = None
    gap_days: Offset = 0
    from_: Literal["last_event", "last_day1", "first_event"] = Field("last_event", alias="from")
    """Language 3: ``first_event`` counts from the component's first actual event."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Anchor:
        given = [name for name in ("day", "week", "after") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'day', 'week' or 'after'")
        if self.after is None and self.gap_days != 0:
            raise ValueError("'gap_days' goes with 'after'")
        if self.after is None and self.from_ != "last_event":
            raise ValueError("'from' goes with 'after'")
        return self


class OpenEnded(Strict):
    """Cycles given for at least ``minimum``, then on until an event (e.g. progression)."""

    minimum: SpanField
    until: Label = Field(min_length=1)
    translations: dict[Annotated[str, Field(pattern=r"^[a-z]{2}$")], Label] = {}
    """``until`` in other languages, for the printed calendar."""


class Capped(Strict):
    """A dose cap: at most ``up_to`` cycles, and only cycles whose day 1 falls within
    ``within`` of the first day 1, whichever comes first ("up to 18 doses or 2 years")."""

    up_to: PositiveCount
    within: SpanField | None = None
    until: str | None = Field(None, min_length=1)
    """What ends treatment before the cap (e.g. progression), printed with each dose."""
    translations: dict[Annotated[str, Field(pattern=r"^[a-z]{2}$")], str] = {}


def _count_kind(value: Any) -> str:
    if isinstance(value, Capped) or (isinstance(value, dict) and "up_to" in value):
        return "capped"
    return "open-ended" if isinstance(value, dict | OpenEnded) else "number"


CycleCount = Annotated[
    Annotated[int | str, _count(1), Tag("number")]
    | Annotated[OpenEnded, Tag("open-ended")]
    | Annotated[Capped, Tag("capped")],
    Discriminator(_count_kind),
]
"""``4``, ``$chemo_cycles``, ``{minimum: 6 months, until: progression}`` or
``{up_to: 18, within: 2 years}``."""


class Translation(Strict):
    """A component's name (and optionally dose text) in another language."""

    name: Label = Field(min_length=1)
    dose: Detail | None = None


Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]


class Defaults(Strict):
    """The display fields a template's ``defaults:`` block may set for every component."""

    time: ClockTime = None
    duration: Minutes | None = None
    location: Detail | None = None
    category: Label | None = None
    colour: Colour | None = None
    reminder: Reminder = None
    discreet_title: Label | None = None


DISPLAY_DEFAULT_FIELDS = tuple(Defaults.model_fields)


class Display(Defaults):
    """How a component's events look: title, dose text, time, place, colour, reminder."""

    name: Label = Field(min_length=1)
    code: Annotated[str, _text(6)] = Field(min_length=1, pattern=r"^\S+$")
    dose: Detail = ""
    translations: dict[Language, Translation] = {}
    resource: Id | None = None
    """The resource the component uses (e.g. ``linac``): a closure scoped to it closes this
    component only (``--closed 2026-03-04@linac=Linac service``)."""

    @model_validator(mode="after")
    def _timed_needs_duration(self) -> Display:
        timed = (self.time is not None or bool(getattr(self, "times", ()))
                 or isinstance(self, EndEvent))
        if timed and self.duration is None and not isinstance(self, EndEvent):
            raise ValueError("a component with a clock 'time' needs a 'duration'")
        if not timed and self.duration is not None:
            raise ValueError("'duration' needs a clock 'time' (all-day events have none)")
        minutes = self.duration or 0
        if minutes > 24 * 60 and not isinstance(self, Drug):
            raise ValueError(
                "only a drug's infusion may last longer than a day (duration "
                f"{minutes // 60}h{minutes % 60:02d}m)"
            )
        return self


class EndEvent(Display):
    """An event at the moment a drug's infusion ends, e.g. the pump disconnection of a 46-hour
    5-FU infusion; its ``time`` is the infusion's end, so it sets none of its own."""

    id: Id

    @model_validator(mode="after")
    def _no_own_time(self) -> EndEvent:
        if self.time is not None:
            raise ValueError("an 'at_end' event starts when the infusion ends: give no 'time'")
        return self


ClockList = Annotated[tuple[ClockTime, ...], Field(min_length=1, max_length=6)]
"""Several clock times a day (``["08:00", "20:00"]``): each is its own event."""


def _check_times(times: tuple[time | None, ...], single: time | None) -> None:
    if times and single is not None:
        raise ValueError("give 'time' or 'times', not both")
    if any(t is None for t in times):
        raise ValueError("'times' are clock times like '08:00'")
    if len(set(times)) != len(times):
        raise ValueError("'times' lists one time twice (two doses at one time)")


class Drug(Display):
    """One drug of a regimen, given on ``days`` of each of its ``cycles`` (at each of its
    ``times``, when it has several a day)."""

    id: Id
    days: DayList
    cycles: CycleCount | None = None
    on_non_working_day: Rule = "next"
    follows_day1: bool = Field(True, strict=True)
    window_days: Annotated[int, Field(strict=True, ge=0, le=60)] = 0
    at_end: EndEvent | None = None
    """An event when the infusion ends (needs a clock ``time`` and ``duration``)."""
    times: ClockList = ()
    on: Literal["working_days", "any_day"] | None = None
    """Language 3: a block of consecutive days (days 1-5) given on consecutive working days
    (a closed day moves the rest of the block past it, in order) or on every day whatever
    the day. None: each day is placed on its own by ``on_non_working_day``."""

    @model_validator(mode="after")
    def _a_block(self) -> Drug:
        _check_block(self)
        return self

    @model_validator(mode="after")
    def _end_needs_a_clock(self) -> Drug:
        _check_times(self.times, self.time)
        if self.at_end is not None and self.time is None:
            raise ValueError("'at_end' needs the drug's clock 'time' and 'duration' (when the "
                             "infusion starts and how long it runs)")
        return self


# --- components ----------------------------------------------------------------------------


class Regimen(Strict):
    """Drugs given in cycles of ``cycle_days``; cycle k+1 starts ``cycle_days`` after the
    actual day 1 of cycle k, so a cycle is never shortened by a late day 1."""

    kind: Literal["cycles"]
    id: Id
    name: Label = Field(min_length=1)
    cycle_days: Annotated[int, Field(strict=True, ge=1, le=365)]
    start: Anchor = Anchor.model_validate({"day": 1})
    cycles: CycleCount | None = None
    on_non_working_day: CycleStartRule = "next"
    drugs: list[Drug] = Field(min_length=1)
    translations: dict[Language, Translation] = {}
    reschedule: Literal["carry_forward", "original_grid"] = "carry_forward"
    """``carry_forward``: cycle k+1 is planned ``cycle_days`` after the actual day 1 of
    cycle k. ``original_grid``: cycle k is planned ``(k-1) * cycle_days`` after cycle 1's
    planned day 1, so one moved or delayed dose does not move the next."""
    continue_numbering: Id | None = None
    """The regimen whose cycle numbers this one continues (AC 1-4, then paclitaxel 5-8)."""
    resource: Id | None = None
    """The resource its day 1 and its drugs use, unless a drug names its own."""


class Radiotherapy(Display):
    """A course of ``total_dose_gy`` in fractions of ``dose_per_fraction_gy`` (or in
    ``fractions`` fractions, which need not divide evenly), on working days only, at most
    ``fractions_per_week`` in any calendar week (Monday to Sunday) and at least
    ``min_gap_days`` apart."""

    kind: Literal["radiotherapy"]
    id: Id
    start: Anchor
    total_dose_gy: Gray
    dose_per_fraction_gy: Gray | None = None
    fractions: Annotated[int, Field(strict=True, ge=1, le=100)] | None = None
    fractions_per_week: Annotated[int, Field(strict=True, ge=1, le=7)] = 5
    min_gap_days: Annotated[int, Field(strict=True, ge=1, le=14)] = 1
    planned_weeks: tuple[PositiveCount, PositiveCount] | None = None

    @model_validator(mode="after")
    def _a_prescription(self) -> Radiotherapy:
        if self.dose_per_fraction_gy is None and self.fractions is None:
            raise ValueError("give 'fractions' (the number prescribed), "
                             "'dose_per_fraction_gy', or both")
        return self

    @property
    def fraction_count(self) -> int:
        """Total fractions: as prescribed, else total dose / dose per fraction (checked to
        be whole)."""
        if self.fractions is not None:
            return self.fractions
        assert self.dose_per_fraction_gy is not None
        return int(self.total_dose_gy / self.dose_per_fraction_gy)

    def cumulative_gy(self, fraction: int) -> str:
        """The dose after ``fraction``: exact with a written dose per fraction; otherwise
        total x fraction / fractions (rounded to 0.01 Gy where it does not come out even),
        and exactly the total at the last fraction."""
        if self.dose_per_fraction_gy is not None:
            return str(self.dose_per_fraction_gy * fraction)
        if fraction == self.fraction_count:
            return str(self.total_dose_gy)
        return _gy_text(self.total_dose_gy * fraction / self.fraction_count)

    def per_fraction_text(self) -> str:
        """The dose per fraction as shown: as written, or total / fractions rounded to
        0.01 Gy (40 Gy in 15: "2.67")."""
        if self.dose_per_fraction_gy is not None:
            return str(self.dose_per_fraction_gy)
        return _gy_text(self.total_dose_gy / self.fraction_count)


def _gy_text(value: Decimal) -> str:
    """A dose in Gy: exact when it has at most two decimals (5.2), else rounded (2.67)."""
    rounded = value.quantize(Decimal("0.01"))
    if rounded == value:
        return f"{value.normalize():f}"
    return f"{rounded:f}"


class Daily(Display):
    """A medication taken every day from ``start``, for ``days`` days or ``through`` the
    last event of another component; ``skip`` leaves out non-working days. With
    ``on_days_of: rt`` instead, it is taken exactly on the dates of component ``rt`` (a
    hold or stop of ``rt`` holds or stops it too). ``times`` gives several doses a day."""

    kind: Literal["daily"]
    id: Id
    start: Anchor | None = None
    days: PositiveCount | None = None
    through: Id | None = None
    on_days_of: Id | None = None
    times: ClockList = ()
    on_non_working_day: Literal["keep", "skip"] = "keep"

    @model_validator(mode="before")
    @classmethod
    def _working_days_of_another(cls, data: Any) -> Any:
        """Dates taken from another component are its (working) days: ``skip``."""
        if isinstance(data, dict) and data.get("on_days_of") is not None:
            if data.get("on_non_working_day", "skip") != "skip":
                raise ValueError(f"'on_days_of' takes the dates of '{data['on_days_of']}'; "
                                 "give no 'on_non_working_day'")
            return {**data, "on_non_working_day": "skip"}
        return data

    @model_validator(mode="after")
    def _one_end(self) -> Daily:
        if self.on_days_of is not None:
            extra = [n for n in ("start", "days", "through") if getattr(self, n) is not None]
            if extra:
                raise ValueError(f"'on_days_of' takes its dates from '{self.on_days_of}': "
                                 f"give no '{extra[0]}'")
        else:
            if self.start is None:
                raise ValueError("give 'start' (or 'on_days_of')")
            if (self.days is None) == (self.through is None):
                raise ValueError("give exactly one of 'days' or 'through'")
        _check_times(self.times, self.time)
        return self


WindowDays = Annotated[int, Field(strict=True, ge=0, le=60)]


class Window(Strict):
    """An uneven window: ``before`` days before and ``after`` days after the planned date."""

    before: WindowDays
    after: WindowDays


class EachCycle(Strict):
    """A visit in every cycle of regimen ``of``: ``day`` is counted from each cycle's
    *actual* day 1 (0 is the day before it, -2 two days before), from cycle ``from_cycle``."""

    of: Id
    day: Annotated[int, Field(strict=True, ge=-60, le=365)]
    from_cycle: Annotated[int, Field(strict=True, ge=1, le=1000)] = 1


class Repeat(Strict):
    """A visit repeated every ``every_days`` (or ``every_weeks``) from its ``at`` date, on
    the plan's calendar (start + offset, not from the previous, possibly moved, visit).
    It ends after ``count`` visits, or (language 3) with the last visit planned on or before
    the last event of ``while_on`` (a drug or component): none is planned after it."""

    every_days: PositiveCount | None = None
    every_weeks: PositiveCount | None = None
    count: PositiveCount | None = None
    while_on: Id | None = None

    @model_validator(mode="after")
    def _complete(self) -> Repeat:
        if (self.every_days is None) == (self.every_weeks is None):
            raise ValueError("give exactly one of 'every_days' or 'every_weeks'")
        if self.count is None and self.while_on is None:
            raise ValueError("give 'count', 'while_on', or both: a repeat must end")
        return self


class Visit(Display):
    """A visit at an anchor (``at``), repeated (``repeat``) or in every cycle of a regimen
    (``each_cycle``), with an optional window of plus or minus ``window_days`` or an uneven
    ``window``. A visit is never skipped: a date that cannot be placed is an error."""

    kind: Literal["visit"]
    id: Id
    at: Anchor | None = None
    each_cycle: EachCycle | None = None
    repeat: Repeat | None = None
    window_days: WindowDays = 0
    window: Window | None = None
    on_non_working_day: Literal["next", "previous", "keep", "error"] = "next"
    previous_within_days: Annotated[int, Field(strict=True, ge=1, le=30)] = 3
    """Language 3: ``previous`` moves the visit at most this many days earlier; further, a
    visit before a cycle is on the morning of day 1 instead (any other, the next working
    day)."""

    @model_validator(mode="after")
    def _previous_limit(self) -> Visit:
        if "previous_within_days" in self.model_fields_set and self.on_non_working_day != "previous":
            raise ValueError("'previous_within_days' limits on_non_working_day: previous; this "
                             f"visit's rule is '{self.on_non_working_day}'")
        return self

    @model_validator(mode="after")
    def _one_timing(self) -> Visit:
        if (self.at is None) == (self.each_cycle is None):
            raise ValueError("give exactly one of 'at' or 'each_cycle'")
        if self.repeat is not None and self.at is None:
            raise ValueError("'repeat' goes with 'at' (the first visit)")
        if self.window is not None and self.window_days:
            raise ValueError("give 'window_days' or 'window', not both")
        return self

    @property
    def bounds(self) -> tuple[int, int]:
        """Days before and after the planned date the window allows."""
        if self.window is not None:
            return self.window.before, self.window.after
        return self.window_days, self.window_days


HourCount = Annotated[int, Field(strict=True, ge=0, le=720)]


class Hours(Display):
    """Language 3: events at exact hours after the start of each dose of a timed drug,
    measured in elapsed time (a series across a daylight saving change stays N hours apart):
    at ``hours`` (24, 48, 72), or every ``every_hours`` for ``doses`` from ``first_hours``.
    They are given whatever the day; a note says when one falls on a closed day."""

    kind: Literal["hours"]
    id: Id
    after_start_of: Id
    hours: tuple[HourCount, ...] = ()
    every_hours: Annotated[int, Field(strict=True, ge=1, le=168)] | None = None
    doses: Annotated[int, Field(strict=True, ge=1, le=100)] | None = None
    first_hours: HourCount = 0
    event: Literal["dose", "visit"] = "dose"

    @property
    def start(self) -> None:
        """No anchor of its own: it follows the doses of ``after_start_of``."""
        return None

    @model_validator(mode="after")
    def _one_series(self) -> Hours:
        if bool(self.hours) == (self.every_hours is not None or self.doses is not None):
            raise ValueError("give 'hours' (a list of offsets) or 'every_hours' with 'doses', "
                             "not both and not neither")
        if self.every_hours is not None and self.doses is None:
            raise ValueError("'every_hours' needs 'doses' (how many)")
        if self.doses is not None and self.every_hours is None:
            raise ValueError("'doses' needs 'every_hours' (how often)")
        if self.hours and "first_hours" in self.model_fields_set:
            raise ValueError("'first_hours' goes with 'every_hours'; with 'hours' each offset is "
                             "written in the list")
        if len(set(self.hours)) != len(self.hours):
            raise ValueError("'hours' lists one offset twice")
        return self

    def offsets(self) -> tuple[int, ...]:
        """Hours after the start of each dose, in order."""
        if self.hours:
            return tuple(sorted(self.hours))
        assert self.every_hours is not None and self.doses is not None
        return tuple(self.first_hours + self.every_hours * n for n in range(self.doses))


Component = Annotated[Regimen | Radiotherapy | Daily | Visit | Hours, Field(discriminator="kind")]


class CalendarDefaults(Strict):
    """The working-day calendar a protocol's site uses, unless the command line says otherwise."""

    holidays: str | None = None
    timezone: str | None = None


def with_defaults(data: Any) -> Any:
    """Template data with its ``defaults`` copied into every displayed component that does
    not set the field."""
    if not isinstance(data, dict) or not isinstance(data.get("defaults"), dict):
        return data
    inherited = {k: v for k, v in data["defaults"].items() if k in DISPLAY_DEFAULT_FIELDS}
    components = data.get("components")
    if not inherited or not isinstance(components, list):
        return data

    def merged(item: Any) -> Any:
        return {**inherited, **item} if isinstance(item, dict) else item

    new_components = []
    for item in components:
        if isinstance(item, dict) and item.get("kind") == "cycles":
            drugs = item.get("drugs")
            if isinstance(drugs, list):
                item = {**item, "drugs": [merged(d) for d in drugs]}
            new_components.append(item)
        else:
            new_components.append(merged(item))
    return {**data, "components": new_components}


class Template(Strict):
    """A whole protocol template."""

    id: Id
    name: Name = Field(min_length=1)
    source: Name = Field(min_length=1)
    reference: Annotated[str, _text(MAX_REFERENCE)] | None = None
    description: Paragraph | None = None
    calendar: CalendarDefaults = CalendarDefaults()
    parameters: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")], Parameter] = {}
    defaults: Defaults = Defaults()
    components: list[Component] = Field(min_length=1)
    provenance: list[dict[str, Any]] = []
    """Where a drafted template's values came from (``scheduler draft``); not used to plan."""

    @model_validator(mode="before")
    @classmethod
    def _inherit_defaults(cls, data: Any) -> Any:
        return with_defaults(data)

    # --- cross-field checks, each located by a field path -----------------------------------

    def problems(self, unjudged: frozenset[str] = frozenset()) -> list[tuple[tuple[str | int, ...], str]]:
        """Checks that span fields: ids, references, ranges. Empty when the template is sound.
        References to the ``unjudged`` ids (of components left out because they are invalid
        themselves) are not checked."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        seen: dict[str, tuple[str | int, ...]] = {}
        for where, ident in self._ids():
            if ident in seen and not self._same_drug_in_phases(seen[ident], where):
                hint = ""
                if "drugs" in where and "drugs" in seen[ident]:
                    hint = (" (one drug may be written in two regimens only with the same "
                            "fields, in a regimen that continues the other's cycle numbers)")
                found.append(((*where, "id"), f"id '{ident}' is used twice{hint}"))
            seen[ident] = where
        for where, ref in self._param_refs():
            if ref[1:] not in self.parameters:
                known = ", ".join(f"${n}" for n in self.parameters) or "none"
                found.append((where, f"unknown parameter '{ref}' (defined: {known})"))
        for index, component in enumerate(self.components):
            found.extend(self._component_problems(index, component, seen, unjudged))
            found.extend(language3_problems(self, index, component))
        cycle = self._dependency_cycle()
        if cycle:
            found.append((("components",), "components depend on each other in a loop: "
                          + " -> ".join(cycle)))
        return found

    def _same_drug_in_phases(
        self, first: tuple[str | int, ...], second: tuple[str | int, ...]
    ) -> bool:
        """True when an id names the same drug (every field equal) in two regimens, the
        second continuing the first's cycle numbers: pegfilgrastim on day 2 of AC cycles 1-4
        and of paclitaxel cycles 5-8. Each dose keeps its own cycle number."""
        if first[-1:] == ("at_end",) and second[-1:] == ("at_end",):
            first, second = first[:-1], second[:-1]  # the same drug's end event
        if len(first) != 4 or len(second) != 4 or first[2] != "drugs" or second[2] != "drugs":
            return False
        one, two = self.components[int(first[1])], self.components[int(second[1])]
        if not isinstance(one, Regimen) or not isinstance(two, Regimen) or one is two:
            return False
        if one.drugs[int(first[3])] != two.drugs[int(second[3])]:
            return False
        return two.continue_numbering == one.id or one.continue_numbering == two.id

    def _ids(self) -> list[tuple[tuple[str | int, ...], str]]:
        ids: list[tuple[tuple[str | int, ...], str]] = []
        for i, component in enumerate(self.components):
            ids.append((("components", i), component.id))
            if isinstance(component, Regimen):
                for j, drug in enumerate(component.drugs):
                    ids.append((("components", i, "drugs", j), drug.id))
                    if drug.at_end is not None:
                        ids.append((("components", i, "drugs", j, "at_end"), drug.at_end.id))
        return ids

    def _param_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        refs: list[tuple[tuple[str | int, ...], str]] = []

        def walk(value: Any, where: tuple[str | int, ...]) -> None:
            if isinstance(value, str) and value.startswith("$"):
                refs.append((where, value))
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    walk(getattr(value, name), (*where, name))
            elif isinstance(value, list | tuple):
                for j, item in enumerate(value):
                    walk(item, (*where, j))

        walk(self.components, ("components",))
        return refs

    def _component_problems(
        self, index: int, component: Any, ids: dict[str, tuple[str | int, ...]], unjudged: frozenset[str]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        where: tuple[str | int, ...] = ("components", index)
        found: list[tuple[tuple[str | int, ...], str]] = []
        regimens = {c.id for c in self.components if isinstance(c, Regimen)}
        anchor_field = "at" if isinstance(component, Visit) else "start"
        anchor = getattr(component, anchor_field)
        if anchor is not None and anchor.after is not None and anchor.after not in unjudged:
            if anchor.after not in ids:
                found.append(((*where, anchor_field, "after"), f"no component with id '{anchor.after}'"))
            elif anchor.after == component.id:
                found.append(((*where, anchor_field, "after"), "a component cannot start after itself"))
            elif anchor.from_ == "last_day1" and anchor.after not in regimens:
                found.append(((*where, anchor_field, "from"),
                              f"'from: last_day1' counts from a regimen's last cycle; "
                              f"'{anchor.after}' is not a regimen (kind: cycles)"))

        def reference(field: tuple[str, ...], target: str | None, what: str,
                      allowed: set[str] | None = None) -> None:
            if target is None or target in unjudged:
                return
            if target not in ids:
                found.append(((*where, *field), f"no component with id '{target}'"))
            elif target == component.id:
                found.append(((*where, *field), f"a component cannot {what} itself"))
            elif allowed is not None and target not in allowed:
                found.append(((*where, *field), f"'{target}' is not a regimen (kind: cycles)"))

        if isinstance(component, Daily):
            reference(("through",), component.through, "run through")
            reference(("on_days_of",), component.on_days_of, "be given on the days of")
        if isinstance(component, Visit):
            if component.each_cycle is not None:
                reference(("each_cycle", "of"), component.each_cycle.of, "follow", regimens)
                of = next((c for c in self.components if isinstance(c, Regimen)
                           and c.id == component.each_cycle.of), None)
                if of is not None and component.each_cycle.day > of.cycle_days:
                    found.append(((*where, "each_cycle", "day"),
                                  f"day {component.each_cycle.day} is past the end of a "
                                  f"{of.cycle_days}-day cycle of '{of.id}'"))
            if component.repeat is not None:
                reference(("repeat", "while_on"), component.repeat.while_on, "repeat while on")
        if isinstance(component, Regimen):
            reference(("continue_numbering",), component.continue_numbering,
                      "continue the numbering of", regimens)
            for j, drug in enumerate(component.drugs):
                if drug.cycles is None and component.cycles is None:
                    found.append(((*where, "drugs", j, "cycles"),
                                  "missing: give 'cycles' here or on the regimen"))
                late = [d for d in drug.days if d > component.cycle_days]
                if late:
                    found.append(((*where, "drugs", j, "days"),
                                  f"day {late[0]} is past the end of a {component.cycle_days}-day cycle"))
        if isinstance(component, Radiotherapy):
            found.extend(_radiotherapy_problems(where, component))
        return found

    def resources(self) -> set[str]:
        """The resources the components and drugs name (``linac``)."""
        found: set[str] = set()
        for component in self.components:
            found.update({component.resource} if component.resource else set())
            if isinstance(component, Regimen):
                found.update(d.resource for d in component.drugs if d.resource)
        return found

    def display_of(self, component_id: str) -> Display:
        """The display fields of a component or drug, by id (KeyError if there is none)."""
        for component in self.components:
            if isinstance(component, Regimen):
                for drug in component.drugs:
                    if drug.id == component_id:
                        return drug
                    if drug.at_end is not None and drug.at_end.id == component_id:
                        return drug.at_end
            elif component.id == component_id:
                return component
        raise KeyError(component_id)

    def dependencies(self) -> dict[str, set[str]]:
        """Component id -> ids of components (or regimens) whose dates it needs first."""
        owner = {c.id: c.id for c in self.components}
        for c in self.components:
            if isinstance(c, Regimen):
                owner.update({d.id: c.id for d in c.drugs})
                owner.update({d.at_end.id: c.id for d in c.drugs if d.at_end is not None})
        needs: dict[str, set[str]] = {}
        for c in self.components:
            anchor = c.at if isinstance(c, Visit) else c.start
            refs = {anchor.after} if anchor is not None and anchor.after else set()
            if isinstance(c, Daily):
                refs.update(r for r in (c.through, c.on_days_of) if r)
            if isinstance(c, Visit):
                if c.each_cycle is not None:
                    refs.add(c.each_cycle.of)
                if c.repeat is not None and c.repeat.while_on:
                    refs.add(c.repeat.while_on)
            if isinstance(c, Regimen) and c.continue_numbering:
                refs.add(c.continue_numbering)
            if isinstance(c, Hours):
                refs.add(c.after_start_of)
            needs[c.id] = {owner[r] for r in refs if r in owner}
        return needs

    def _dependency_cycle(self) -> list[str]:
        needs = self.dependencies()
        state: dict[str, int] = {}
        path: list[str] = []

        def visit(node: str) -> list[str]:
            state[node] = 1
            path.append(node)
            for nxt in sorted(needs.get(node, ())):
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt):], nxt]
                if nxt not in state:
                    loop = visit(nxt)
                    if loop:
                        return loop
            path.pop()
            state[node] = 2
            return []

        for node in needs:
            if node not in state:
                loop = visit(node)
                if loop:
                    return loop
        return []


def _radiotherapy_problems(
    where: tuple[str | int, ...], rt: Radiotherapy
) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    if rt.dose_per_fraction_gy is None:
        if rt.fraction_count > 100:
            found.append(((*where, "fractions"), f"{rt.fraction_count} fractions is more than 100"))
        count = Decimal(rt.fraction_count)
    else:
        count = rt.total_dose_gy / rt.dose_per_fraction_gy
    if rt.dose_per_fraction_gy is None:
        pass
    elif count != count.to_integral_value():
        found.append(((*where, "dose_per_fraction_gy"),
                      f"{rt.total_dose_gy} Gy is not a whole number of {rt.dose_per_fraction_gy} Gy "
                      f"fractions ({count.normalize():f}); for a prescription that does not "
                      "divide evenly, give the number of 'fractions' and leave this out"))
    elif rt.fractions is not None and rt.fractions != int(count):
        found.append(((*where, "fractions"),
                      f"{rt.fractions} fractions of {rt.dose_per_fraction_gy} Gy do not make "
                      f"{rt.total_dose_gy} Gy ({int(count)} do)"))
    elif int(count) > 100:
        found.append(((*where, "total_dose_gy"), f"{int(count)} fractions is more than 100"))
    if rt.planned_weeks is not None:
        first, last = rt.planned_weeks
        if isinstance(first, int) and isinstance(last, int) and last < first:
            found.append(((*where, "planned_weeks"), f"week {last} is before week {first}"))
    return found


def language3_problems(template: Template, index: int, component: Any
                       ) -> list[tuple[tuple[str | int, ...], str]]:
    """The checks of template language 3's constructs (days before day 1, blocks, hours,
    fractions a day), for one component."""
    where: tuple[str | int, ...] = ("components", index)
    found: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(component, Hours):
        drugs = {d.id: d for c in template.components if isinstance(c, Regimen) for d in c.drugs}
        target = drugs.get(component.after_start_of)
        if target is None:
            found.append(((*where, "after_start_of"),
                          f"'{component.after_start_of}' is not a drug of a regimen"))
        elif target.time is None and not target.times:
            found.append(((*where, "after_start_of"),
                          f"'{component.after_start_of}' has no clock 'time': hours after the "
                          "start of a dose need the time it starts"))
    if isinstance(component, Regimen) and isinstance(component.start.day, int) \
            and component.start.day < 1:
        found.append(((*where, "start", "day"),
                      f"a regimen's cycle 1 day 1 cannot come before day 1 of the plan (got "
                      f"day {component.start.day}); give a drug days before day 1 instead "
                      "(days: [0, 1, 2]), or start the plan earlier"))
    return found


def _check_block(drug: Drug) -> None:
    """``on`` is for a block of consecutive days, and says alone what a closed day does."""
    if drug.on is None:
        return
    if not any(b - a == 1 for a, b in zip(drug.days, drug.days[1:], strict=False)):
        raise ValueError(f"'on: {drug.on}' is for a block of consecutive days (like '1-5'); "
                         f"days {list(drug.days)} have none")
    if drug.on == "any_day" and "on_non_working_day" in drug.model_fields_set:
        raise ValueError("'on: any_day' gives the block whatever the day: give no "
                         "'on_non_working_day'")
    if drug.on == "working_days" and drug.on_non_working_day not in ("next", "previous"):
        raise ValueError(f"'on: working_days' moves the rest of the block past a closed day; "
                         f"its first day moves with 'next' or 'previous', not "
                         f"'{drug.on_non_working_day}'")

