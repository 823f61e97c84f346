"""The components of a template: regimens and their drugs, radiotherapy courses, daily
medication, visits and hours, with the building blocks they share (parameters, anchors,
counts, display defaults). Part of :mod:`scheduler.core.protocol`, which re-exports these names."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from scheduler.core.fieldtypes import (
    ClockTime,
    Colour,
    CycleStartRule,
    DayList,
    Detail,
    Gray,
    Id,
    Label,
    Minutes,
    Offset,
    Paragraph,
    PlanDay,
    PositiveCount,
    Reminder,
    Rule,
    SpanField,
    Strict,
    _count,
    _text,
)

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
    day_tolerance: Annotated[int, Field(strict=True, ge=0, le=60)] | None = None
    """How many days (±) a dose may be given off its planned day before it is a deviation
    (``scheduler deviations``); None: any day off is one."""
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
    fractions_per_day: Literal[1, 2] = 1
    """Language 3: 2 for a twice-daily course; the second fraction is ``min_gap_hours`` after
    the first's clock ``time`` (elapsed time)."""
    min_gap_hours: Annotated[int, Field(strict=True, ge=1, le=12)] = 6

    @model_validator(mode="after")
    def _twice_daily(self) -> Radiotherapy:
        if self.fractions_per_day == 2:
            if self.time is None:
                raise ValueError("'fractions_per_day: 2' needs the first fraction's clock 'time'; "
                                 "the second is 'min_gap_hours' after it")
            if self.min_gap_days > 1:
                raise ValueError("'fractions_per_day: 2' gives fractions on consecutive working "
                                 "days: give no 'min_gap_days'")
        elif "min_gap_hours" in self.model_fields_set:
            raise ValueError("'min_gap_hours' goes with 'fractions_per_day: 2'")
        return self

    @property
    def weekly_limit(self) -> int:
        """Fractions a week: as written, else 5 treatment days' worth."""
        if "fractions_per_week" in self.model_fields_set:
            return self.fractions_per_week
        return 5 * self.fractions_per_day

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
