"""The printable patient calendar: a PDF with an overview, month grids and a list of every event.

Built only from ``plan.events`` and the plan's data (template, parameters, notes, calendar):
nothing here computes a treatment date. The calendar is only read to lay out months, shade
weekends, holidays and closures, and name them.

Pages, all landscape (A4 or Letter):

1. Overview: patient, protocol, start, time zone, version; a summary of every phase with its
   dates; the parameters used; the plan's notes; a legend of codes, shapes and colours.
2. One month grid per month from the first to the last event: each day lists its events in
   short form ("08:30 IO+nP+DDP C3D1", "14:00 RT 12/30", "TMZ daily").
3. The chronological list: date, weekday, time, code, name, cycle/day or fraction with the
   cumulative dose, dose text and notes (moved, continuation, changed), then cancelled events.

Every page has a footer with "Page n of N", the version and the protocol source. Colour is
never the only cue: each component has its code and a shape by kind (circle drug, square
radiotherapy fraction, triangle daily home medication, diamond visit), fills are light tints
and all text is dark, so the calendar prints legibly in greyscale. Body text is 9 pt or larger.

Chinese (``lang="zh"`` or ``"en+zh"``) uses reportlab's built-in CID font STSong-Light, which
is not embedded: viewers substitute a system CJK font (Acrobat, Preview and poppler with a CJK
font installed do). Latin text stays in Helvetica, run by run.

The output is deterministic: invariant mode, the creation date and document ID come from
``generated``, and nothing reads the clock or the environment.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, NamedTuple
from xml.sax.saxutils import escape

import holidays as holidays_lib
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from scheduler import __version__
from scheduler.event import Event, EventKind, Style
from scheduler.plan import Plan
from scheduler.protocol import Daily, OpenEnded, Radiotherapy, Regimen, Visit
from scheduler.workdays import WorkCalendar

Lang = Literal["en", "zh", "en+zh"]

# --- geometry and type ----------------------------------------------------------------------

PAPERS = {"a4": landscape(A4), "letter": landscape(LETTER)}
MARGIN = 28.0
FOOTER_BAND = 18.0
"""Space below the frame for the footer line."""
BODY = 9.0
"""Body text size; nothing in the PDF is smaller."""
LEADING = 10.6
ROW_PAD = 2.5
LIST_ROWS_PER_PAGE = 16
"""Events per list page. A standard row is two lines (name / cycle, dose, notes), and 16 of
them leave room on A4 and Letter for a few three-line rows; a page holds fewer rows only when
its rows are taller than that."""
LIST_COLUMNS = (0.10, 0.085, 0.07, 0.225, 0.30, 0.22)
"""Shares of the width: date, time, code, event, dose, notes."""
LIST_TITLE_HEIGHT = 22.0
LIST_HEAD_HEIGHT = 16.0

LATIN, LATIN_BOLD, CJK = "Helvetica", "Helvetica-Bold", "STSong-Light"

INK = colors.Color(0.08, 0.08, 0.08)
SOFT_INK = colors.Color(0.25, 0.25, 0.25)
GREYED_INK = colors.Color(0.5, 0.5, 0.5)
GRID = colors.Color(0.55, 0.55, 0.55)
FILLS = {
    "weekend": colors.Color(0.91, 0.91, 0.91),
    "holiday": colors.Color(0.82, 0.82, 0.82),
    "closed": colors.Color(0.86, 0.86, 0.86),
    "other": colors.Color(0.975, 0.975, 0.975),
}
ZEBRA = colors.Color(0.955, 0.955, 0.955)

MARK_MOVED, MARK_CONTINUATION, MARK_CHANGED, MARK_CANCELLED = "»", "†", "‡", "×"

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
WEEKDAYS_ZH_SHORT = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# --- labels ------------------------------------------------------------------------------------

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Treatment calendar", "治疗日历"),
    "patient": ("Patient", "患者"),
    "protocol": ("Protocol", "治疗方案"),
    "source": ("Source", "来源"),
    "start": ("Start (cycle 1, day 1)", "开始日期（第1周期第1天）"),
    "timezone": ("Time zone", "时区"),
    "holidays": ("Public holidays", "法定节假日"),
    "no_holidays": ("none (weekends only)", "无（仅周末）"),
    "closures": ("Clinic closed", "停诊日"),
    "workdays": ("Extra working days", "额外工作日"),
    "horizon": ("Open-ended treatment planned to", "持续治疗计划截至"),
    "generated": ("Generated", "生成时间"),
    "version": ("Version {n}", "第{n}版"),
    "replaces": ("replaces version {n} of {date}", "取代{date}的第{n}版"),
    "phases": ("Treatment summary", "治疗概要"),
    "parameters": ("Parameters used", "使用的参数"),
    "param_default": ("template default", "模板默认值"),
    "param_set": ("set for this plan", "本计划指定"),
    "notes": ("Notes", "注意事项"),
    "legend": ("Legend", "图例"),
    "list_title": ("All events in date order", "全部日程（按日期排列）"),
    "col_date": ("Date", "日期"),
    "col_time": ("Time", "时间"),
    "col_code": ("Code", "代码"),
    "col_event": ("Event", "项目"),
    "col_dose": ("Dose", "剂量"),
    "col_notes": ("Notes", "备注"),
    "all_day": ("all day", "全天"),
    "cycle_day": ("Cycle {c}, day {d}", "第{c}周期 第{d}天"),
    "fraction": ("Fraction {n} of {total} · {cum} of {gy} Gy", "第{n}/{total}次 · 累计{cum}/{gy} Gy"),
    "daily_day": ("Day {n} of {total}", "第{n}/{total}天"),
    "daily_short": ("daily", "每日"),
    "moved": ("Moved from {date}: {reason}", "由{date}改期：{reason}"),
    "continuation": ("Continuation dose, until {until}", "延续用药，直至：{until}"),
    "continuation_plain": ("Continuation dose", "延续用药"),
    "changed": ("Changed since version {n}", "自第{n}版以来有变更"),
    "cancelled_title": (
        "Cancelled since version {n}: no longer planned", "自第{n}版以来已取消（不再安排）",
    ),
    "cancelled": ("Cancelled", "已取消"),
    "extended": ("Course extended past closures", "因停诊顺延，分次数不变"),
    "kept": ("On a non-working day ({reason})", "非工作日（{reason}）照常"),
    "window": ("Window {a} to {b}", "时间窗 {a} 至 {b}"),
    "outside_window": ("Outside its window", "超出时间窗"),
    "weekend": ("weekend", "周末"),
    "holiday": ("public holiday (name shown)", "法定节假日（显示名称）"),
    "closed": ("Closed", "停诊"),
    "closed_legend": ("clinic closed (hatched)", "停诊（斜线）"),
    "makeup": ("Working day", "调休上班"),
    "other_month": ("other month", "非本月"),
    "mark_moved": ("moved from another day", "已改期"),
    "mark_cont": ("continuation dose", "延续用药"),
    "mark_changed": ("changed since version {n}", "自第{n}版以来有变更"),
    "moved_to": ("moved to {date}", "改至{date}"),
    "more": ("+{n} more (see list)", "另有{n}项（见列表）"),
    "page": ("Page {n} of {total}", "第{n}页，共{total}页"),
    "cycle": ("Cycle {c}", "第{c}周期"),
    "day_run": ("day {a} {first}", "第{a}天 {first}"),
    "days_run": ("days {a}–{b} {first} to {last}", "第{a}–{b}天 {first}至{last}"),
    "planned_doses": ("Planned doses ({n}): {dates}", "计划用药（{n}次）：{dates}"),
    "cont_doses": (
        "Continuation doses to {end} ({n}): {dates}", "延续用药（至{end}，{n}次）：{dates}",
    ),
    "continues": (
        "Continues until {until}.", "持续用药，直至：{until}。",
    ),
    "rt_summary": (
        "{n} fractions of {per} Gy, {gy} Gy in total. First: {first}. Last: {last}.",
        "共{n}次，每次{per} Gy，总剂量{gy} Gy。首次：{first}。末次：{last}。",
    ),
    "daily_summary": ("{how} from {first} to {last} ({n} days)", "{how}：{first}至{last}（共{n}天）"),
    "every_day": ("Every day", "每天"),
    "working_days": ("On working days", "工作日"),
    "kind_drug": ("drug, in cycles", "周期用药"),
    "kind_fraction": ("radiotherapy fraction", "放疗分次"),
    "kind_daily": ("daily home medication", "每日居家用药"),
    "kind_visit": ("visit", "就诊"),
}


# --- fonts and text ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    """Register the built-in Chinese CID font (no font file) once per process."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    pdfmetrics.registerFontFamily(CJK, normal=CJK, bold=CJK, italic=CJK, boldItalic=CJK)


@lru_cache(maxsize=4096)
def _is_latin(char: str) -> bool:
    """True for a character Helvetica can print (the WinAnsi set); others go to STSong-Light."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """Split text into (chunk, font) runs: Helvetica for Latin, STSong-Light for the rest."""
    latin = LATIN_BOLD if bold else LATIN
    runs: list[tuple[str, str]] = []
    for char in text:
        font = latin if _is_latin(char) else CJK
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + char, font)
        else:
            runs.append((char, font))
    return runs


@lru_cache(maxsize=16384)
def _width(text: str, size: float = BODY, bold: bool = False) -> float:
    """Printed width of ``text`` in points."""
    return sum(pdfmetrics.stringWidth(chunk, font, size) for chunk, font in _runs(text, bold))


def _draw(
    canv: Canvas, x: float, y: float, text: str, size: float = BODY, bold: bool = False,
    ink: colors.Color = INK,
) -> float:
    """Draw ``text`` with its baseline at ``y``, switching fonts by run; returns its width."""
    canv.setFillColor(ink)
    start = x
    for chunk, font in _runs(text, bold):
        if bold and font == CJK:
            _draw_cjk_bold(canv, x, y, chunk, size, ink)
        else:
            canv.setFont(font, size)
            canv.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, font, size)
    return x - start


def _draw_cjk_bold(canv: Canvas, x: float, y: float, text: str, size: float, ink: colors.Color) -> None:
    """STSong-Light has no bold face: fill and stroke the glyphs to embolden them."""
    canv.saveState()
    canv.setStrokeColor(ink)
    canv.setLineWidth(size * 0.045)
    text_object = canv.beginText(x, y)
    text_object.setFont(CJK, size)
    text_object.setTextRenderMode(2)
    text_object.textOut(text)
    canv.drawText(text_object)
    canv.restoreState()


_CJK_CHARS = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKEN = re.compile(rf"\s+|[{_CJK_CHARS}]|[^\s{_CJK_CHARS}]+")
"""Words, single CJK characters (a line may break between any two), and spaces."""


def _wrap(
    text: str, width: float, size: float = BODY, bold: bool = False, first: float | None = None
) -> list[str]:
    """Greedy line breaking at spaces and between CJK characters; ``first`` is the width of
    the first line when it differs. A word wider than a line is broken between characters;
    a newline starts a new line."""
    if "\n" in text:
        head, _, tail = text.partition("\n")
        return [*_wrap(head, width, size, bold, first), *_wrap(tail, width, size, bold)]
    lines: list[str] = []
    line, space = "", False

    def limit() -> float:
        return first if first is not None and not lines else width

    for token in _TOKEN.findall(text):
        if token.isspace():
            space = bool(line)
            continue
        candidate = f"{line} {token}" if space else line + token
        space = False
        if _width(candidate, size, bold) <= limit():
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        if _width(token, size, bold) <= limit():
            line = token
            continue
        for char in token:
            if line and _width(line + char, size, bold) > limit():
                lines.append(line)
                line = ""
            line += char
    if line or not lines:
        lines.append(line)
    return lines


def _markup(text: str, bold: bool = False) -> str:
    """Paragraph markup for plain text: escaped, with non-Latin runs in the CJK font."""
    parts = []
    for chunk, font in _runs(text):
        safe = escape(chunk)
        parts.append(safe if font == LATIN else f'<font face="{CJK}">{safe}</font>')
    joined = "".join(parts).replace("\n", "<br/>")
    return f"<b>{joined}</b>" if bold else joined


# --- colours and marks --------------------------------------------------------------------------


def _tint(colour: str | None, strength: float = 0.4) -> colors.Color:
    """A light tint of a CSS colour name (grey when none), so dark text on it stays legible."""
    base = colors.toColor(colour) if colour else colors.Color(0.5, 0.5, 0.5)
    return colors.Color(*(1 - strength * (1 - c) for c in (base.red, base.green, base.blue)))


def _draw_mark(canv: Canvas, kind: EventKind, x: float, y: float, size: float, colour: str | None) -> None:
    """The shape of a kind of event, centred on (x, y): a circle for a drug dose, a square for
    a radiotherapy fraction, a triangle for daily home medication, a diamond for a visit;
    filled with the component's tint and outlined in dark grey."""
    canv.saveState()
    canv.setFillColor(_tint(colour, 0.7))
    canv.setStrokeColor(SOFT_INK)
    canv.setLineWidth(0.6)
    half = size / 2
    if kind == "drug":
        canv.circle(x, y, half, stroke=1, fill=1)
    elif kind == "fraction":
        canv.rect(x - half, y - half, size, size, stroke=1, fill=1)
    else:
        path = canv.beginPath()
        if kind == "daily":
            path.moveTo(x - half, y - half)
            path.lineTo(x + half, y - half)
            path.lineTo(x, y + half)
        else:
            path.moveTo(x, y - half)
            path.lineTo(x + half, y)
            path.lineTo(x, y + half)
            path.lineTo(x - half, y)
        path.close()
        canv.drawPath(path, stroke=1, fill=1)
    canv.restoreState()


def _hatch(canv: Canvas, x: float, y: float, w: float, h: float) -> None:
    """Diagonal hatching over a box: a closed clinic, recognisable without colour."""
    canv.saveState()
    clip = canv.beginPath()
    clip.rect(x, y, w, h)
    canv.clipPath(clip, stroke=0, fill=0)
    canv.setStrokeColor(colors.Color(0.6, 0.6, 0.6))
    canv.setLineWidth(0.5)
    step = 7.0
    offset = -h
    while offset < w:
        canv.line(x + offset, y, x + offset + h, y + h)
        offset += step
    canv.restoreState()


# --- language ---------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _chinese_holidays(country: str, subdiv: str | None) -> holidays_lib.HolidayBase:
    """The ``holidays`` package's calendar for a country with its Chinese (zh_CN) names."""
    return holidays_lib.country_holidays(country, subdiv=subdiv, language="zh_CN")


Pair = tuple[str, str]
"""A text in English and in Chinese."""


def _cat(*parts: Pair | str) -> Pair:
    """Concatenate texts language by language; a plain string is the same in both."""
    return (
        "".join(p if isinstance(p, str) else p[0] for p in parts),
        "".join(p if isinstance(p, str) else p[1] for p in parts),
    )


def _join(pairs: Sequence[Pair], separator: Pair) -> Pair:
    """Join texts language by language, each with its own separator."""
    return separator[0].join(p[0] for p in pairs), separator[1].join(p[1] for p in pairs)


COLON: Pair = (": ", "：")
SEMICOLON: Pair = ("; ", "；")
COMMA: Pair = (", ", "、")


class _Words:
    """Labels, names and dates in the output language: English, Chinese or both.

    Texts are built as (English, Chinese) pairs and printed with :meth:`pick`: a label in
    both languages reads "Date / 日期", a sentence is an English line then a Chinese line.
    """

    def __init__(self, lang: Lang, plan: Plan) -> None:
        if lang not in ("en", "zh", "en+zh"):
            raise ValueError(f"lang must be 'en', 'zh' or 'en+zh' (got {lang!r})")
        self.lang = lang
        self.plan = plan
        self.calendar: WorkCalendar = plan.request.calendar
        public = self.calendar.public
        self._zh_holidays = None
        if lang != "en" and public is not None and "zh_CN" in getattr(public, "supported_languages", ()):
            self._zh_holidays = _chinese_holidays(public.country, getattr(public, "subdiv", None))

    def pick(self, pair: Pair, separator: str = " / ") -> str:
        """The text in the output language; both joined by ``separator`` (once if the same)."""
        en, zh = pair
        if self.lang == "en":
            return en
        if self.lang == "zh":
            return zh
        return en if en == zh else f"{en}{separator}{zh}"

    def fmt(self, key: str, **values: Pair | str | int | None) -> Pair:
        """A label filled in language by language; a pair value is used in its own language."""
        en, zh = LABELS[key]

        def half(index: int) -> dict[str, Any]:
            return {k: v[index] if isinstance(v, tuple) else v for k, v in values.items()}

        return en.format(**half(0)), zh.format(**half(1))

    def t(self, key: str, **values: Pair | str | int | None) -> str:
        """A short label ("Date / 日期" in both languages)."""
        return self.pick(self.fmt(key, **values))

    def say(self, key: str, **values: Pair | str | int | None) -> str:
        """A sentence (an English line, then a Chinese line, in both languages)."""
        return self.pick(self.fmt(key, **values), "\n")

    def weekday(self, day: date, short: bool = False) -> str:
        """The weekday's name: "Tuesday"/"Tue", "星期二"/"周二", or both."""
        en = WEEKDAYS_EN[day.weekday()]
        zh = (WEEKDAYS_ZH_SHORT if short else WEEKDAYS_ZH)[day.weekday()]
        return self.pick((en[:3] if short else en, zh), " ")

    def weekday_header(self, weekday: int) -> str:
        """A month grid's column head: "Monday", "星期一" or "Mon 星期一"."""
        if self.lang == "en+zh":
            return f"{WEEKDAYS_EN[weekday][:3]} {WEEKDAYS_ZH[weekday]}"
        return self.pick((WEEKDAYS_EN[weekday], WEEKDAYS_ZH[weekday]))

    def month(self, year: int, month: int) -> str:
        """A month grid's title: "February 2026", "2026年2月", or both."""
        return self.pick((f"{MONTHS_EN[month - 1]} {year}", f"{year}年{month}月"))

    def day_pair(self, day: date) -> Pair:
        """A date with its weekday: ("Tue 2026-02-24", "2026-02-24（周二）")."""
        return (
            f"{WEEKDAYS_EN[day.weekday()][:3]} {day.isoformat()}",
            f"{day.isoformat()}（{WEEKDAYS_ZH_SHORT[day.weekday()]}）",
        )

    def short_day_pair(self, day: date) -> Pair:
        """A date in a day cell: ("Tue 24 Feb", "2月24日（周二）")."""
        return (
            f"{WEEKDAYS_EN[day.weekday()][:3]} {day.day} {MONTHS_EN[day.month - 1][:3]}",
            f"{day.month}月{day.day}日（{WEEKDAYS_ZH_SHORT[day.weekday()]}）",
        )

    def day(self, day: date) -> str:
        """A date with its weekday, on its own: "Tue 2026-02-24", "2026-02-24（周二）"."""
        if self.lang == "en+zh":
            return f"{self.weekday(day, short=True)} {day.isoformat()}"
        return self.pick(self.day_pair(day))

    def holiday_pair(self, day: date) -> Pair | None:
        """The public holiday's name in English and Chinese (English where there is none)."""
        english = self.calendar.holiday_name(day)
        if english is None or self._zh_holidays is None:
            return None if english is None else (english, english)
        return english, self._zh_holidays.get(day) or english

    def holiday(self, day: date) -> str | None:
        """The public holiday's name in the output language."""
        pair = self.holiday_pair(day)
        return None if pair is None else self.pick(pair)

    def reason_pair(self, day: date | None, reason: str | None) -> Pair:
        """Why a day is closed: the holiday's or weekday's name in both languages."""
        reason = reason or ""
        if day is not None and self.calendar.holiday_name(day) == reason:
            return self.holiday_pair(day) or (reason, reason)
        if reason in WEEKDAYS_EN:
            return reason, WEEKDAYS_ZH[WEEKDAYS_EN.index(reason)]
        return reason, reason

    def name_pair(self, component: str, style: Style) -> Pair:
        """A component's name, from the template's translation for Chinese when it has one."""
        translation = self._translation(component)
        return style.name, translation.name if translation is not None else style.name

    def component_name(self, component: str, style: Style) -> str:
        """A component's name in the output language."""
        return self.pick(self.name_pair(component, style))

    def dose(self, event: Event) -> str:
        """The dose text, translated when the template has a Chinese dose text."""
        translation = self._translation(event.component)
        zh = translation.dose if translation is not None and translation.dose else event.dose
        return self.pick((event.dose, zh), "\n")

    def _translation(self, component: str) -> Any:
        if self.lang == "en":
            return None
        try:
            display = self.plan.template.display_of(component)
        except KeyError:
            return None
        return display.translations.get("zh")


# --- what each event says ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Everything the pages share."""

    plan: Plan
    words: _Words
    patient: str | None
    generated: datetime
    version: int
    replaces: tuple[int, date] | None
    changed: frozenset[str]
    cancelled: tuple[Event, ...]
    week_start: int
    daily_position: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_day: dict[date, list[Event]] = field(default_factory=dict)
    """The plan's events by date."""
    moved_away: dict[date, list[Event]] = field(default_factory=dict)
    """Moved events by the date they were moved from."""

    @property
    def previous(self) -> int:
        """The version the changed/cancelled marks compare with."""
        return self.replaces[0] if self.replaces else max(self.version - 1, 1)

    def until(self, component: str) -> str | None:
        """The "until ..." text of an open-ended drug, from the template."""
        try:
            display = self.plan.template.display_of(component)
        except KeyError:
            return None
        cycles = getattr(display, "cycles", None)
        return cycles.until if isinstance(cycles, OpenEnded) else None


def _daily_positions(events: Iterable[Event]) -> dict[str, tuple[int, int]]:
    """Daily medication: uid -> (n, total), its place in the component's run of days."""
    by_component: dict[str, list[Event]] = {}
    for event in events:
        if event.kind == "daily":
            by_component.setdefault(event.component, []).append(event)
    return {
        event.uid: (number, len(run))
        for run in by_component.values()
        for number, event in enumerate(run, start=1)
    }


def _by_date(events: Iterable[Event], key: Callable[[Event], date | None]) -> dict[date, list[Event]]:
    """Events grouped by a date of theirs (those without one are left out)."""
    groups: dict[date, list[Event]] = {}
    for event in events:
        day = key(event)
        if day is not None:
            groups.setdefault(day, []).append(event)
    return groups


def _clock(event: Event, words: _Words) -> str:
    """"10:30–13:30", "10:30" (ends after midnight) or "all day"."""
    if event.start is None:
        return words.t("all_day")
    if event.end is None or event.end.date() != event.start.date():
        return f"{event.start:%H:%M}"
    return f"{event.start:%H:%M}–{event.end:%H:%M}"


def _position(event: Event, ctx: _Context) -> str:
    """Cycle and day, fraction n of N with the cumulative dose, or day n of N of a daily span."""
    words = ctx.words
    if event.cycle is not None:
        return words.say("cycle_day", c=event.cycle, d=event.day)
    if event.fraction is not None:
        return words.say(
            "fraction", n=event.fraction, total=event.fractions_total, cum=event.cumulative_gy,
            gy=event.total_gy,
        )
    if event.uid in ctx.daily_position:
        number, total = ctx.daily_position[event.uid]
        return words.say("daily_day", n=number, total=total)
    return ""


def _moved_pair(event: Event, words: _Words) -> Pair:
    """"» Moved from Mon 2026-02-16: Chinese New Year's Eve", in both languages."""
    assert event.moved_from is not None
    return _cat(f"{MARK_MOVED} ", words.fmt(
        "moved", date=words.day_pair(event.moved_from),
        reason=words.reason_pair(event.moved_from, event.reason),
    ))


def _note_pairs(event: Event, ctx: _Context, cancelled: bool = False) -> list[Pair]:
    """An event's notes, each led by its mark where it has one: cancelled, moved,
    continuation, changed; then a dose kept on a non-working day, a radiotherapy course
    extended past closures, a visit's window."""
    words = ctx.words
    notes = []
    if cancelled:
        notes.append(_cat(f"{MARK_CANCELLED} ", words.fmt("cancelled")))
    if event.moved_from is not None:
        notes.append(_moved_pair(event, words))
    if event.open_ended:
        until = ctx.until(event.component)
        text = words.fmt("continuation", until=until) if until else words.fmt("continuation_plain")
        notes.append(_cat(f"{MARK_CONTINUATION} ", text))
    if event.uid in ctx.changed and not cancelled:
        notes.append(_cat(f"{MARK_CHANGED} ", words.fmt("changed", n=ctx.previous)))
    calendar = words.calendar
    if event.kind in ("drug", "visit") and event.moved_from is None and not calendar.is_working_day(
        event.date
    ):
        reason = words.reason_pair(event.date, calendar.closed_because(event.date))
        notes.append(words.fmt("kept", reason=reason))
    if event.kind == "fraction" and event.note:
        notes.append(words.fmt("extended"))
    if event.window_start is not None and event.window_end is not None:
        if not event.window_start <= event.date <= event.window_end:
            notes.append(words.fmt("outside_window"))
        elif event.kind == "visit":
            window = words.fmt("window", a=event.window_start.isoformat(), b=event.window_end.isoformat())
            notes.append(window)
    return notes


def _notes(event: Event, ctx: _Context, cancelled: bool = False) -> list[str]:
    """The list's notes for an event in the output language."""
    return [ctx.words.pick(note, "\n") for note in _note_pairs(event, ctx, cancelled)]


class _CellItem(NamedTuple):
    """One line of a day cell: events of the same day shown together."""

    kind: EventKind
    colour: str | None
    text: str


def _cell_items(events: Sequence[Event], ctx: _Context, brief: bool = False) -> list[_CellItem]:
    """A day's events in short form. Drugs of one regimen, cycle and day share a line
    ("08:30 IO+nP+DDP C3D1"); daily medication shares one line ("TMZ daily"); a fraction is
    "14:00 RT 12/30"; a visit shows its name. Marks: » moved, † continuation, ‡ changed.
    ``brief`` leaves out times and marks."""
    groups: dict[tuple[Any, ...], list[Event]] = {}
    for event in events:
        if event.kind == "drug":
            key: tuple[Any, ...] = ("drug", event.regimen, event.cycle, event.day)
        elif event.kind == "daily":
            key = ("daily",)
        else:
            key = (event.kind, event.uid)
        groups.setdefault(key, []).append(event)
    items = []
    for group in groups.values():
        first = group[0]
        codes = "+".join(dict.fromkeys(e.style.code for e in group))
        if first.kind == "drug":
            label = f"C{first.cycle}D{first.day}"
        elif first.kind == "fraction":
            label = f"{first.fraction}/{first.fractions_total}"
        elif first.kind == "daily":
            label = ctx.words.t("daily_short")
        else:
            name = ctx.words.component_name(first.component, first.style)
            label = "" if name == first.style.code else name
        starts = [e.start for e in group if e.start is not None]
        clock = f"{min(starts):%H:%M} " if starts else ""
        marks = "".join(
            mark for mark, flag in (
                (MARK_MOVED, any(e.moved_from is not None for e in group)),
                (MARK_CONTINUATION, any(e.open_ended for e in group)),
                (MARK_CHANGED, any(e.uid in ctx.changed for e in group)),
            ) if flag
        )
        suffix = f" {marks}" if marks and not brief else ""
        text = f"{'' if brief else clock}{codes} {label}".rstrip() + suffix
        items.append(_CellItem(first.kind, first.style.colour, text))
    return items


# --- overview page -------------------------------------------------------------------------------


def _styles(lang: Lang) -> dict[str, ParagraphStyle]:
    """Paragraph styles of the overview page (9 pt and up)."""
    wrap = "CJK" if lang == "zh" else None
    body = ParagraphStyle("body", fontName=LATIN, fontSize=BODY, leading=11.5, textColor=INK,
                          wordWrap=wrap)
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontName=LATIN_BOLD, fontSize=17, leading=21,
                                spaceAfter=4),
        "patient": ParagraphStyle("patient", parent=body, fontName=LATIN_BOLD, fontSize=13,
                                  leading=16, spaceAfter=4),
        "heading": ParagraphStyle("heading", parent=body, fontName=LATIN_BOLD, fontSize=11,
                                  leading=14, spaceBefore=8, spaceAfter=3, keepWithNext=1),
        "bold": ParagraphStyle("bold", parent=body, fontName=LATIN_BOLD),
    }


class _Swatch(Flowable):
    """A legend chip: the kind's shape in the component's tint, then its code in bold."""

    def __init__(self, kind: EventKind, colour: str | None, code: str) -> None:
        super().__init__()
        self.kind, self.colour, self.code = kind, colour, code
        self.width, self.height = 12 + _width(code, BODY, True), 11.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Its own fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """A tinted chip with the shape and the code."""
        canv = self.canv
        canv.saveState()
        canv.setFillColor(_tint(self.colour, 0.45))
        canv.setStrokeColor(GRID)
        canv.rect(-2, -2, self.width + 4, self.height + 2, stroke=1, fill=1)
        _draw_mark(canv, self.kind, 4.5, 3.5, 7, self.colour)
        _draw(canv, 11, 1, self.code, BODY, True)
        canv.restoreState()


class _ShadeSample(Flowable):
    """A small day cell sample for the legend: weekend, holiday, closure or other month."""

    def __init__(self, status: str) -> None:
        super().__init__()
        self.status = status
        self.width, self.height = 22.0, 10.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Its own fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """A small shaded (and for a closure, hatched) box."""
        canv = self.canv
        canv.saveState()
        canv.setFillColor(FILLS.get(self.status, colors.white))
        canv.setStrokeColor(GRID)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=1)
        if self.status == "closed":
            _hatch(canv, 0, 0, self.width, self.height)
        canv.restoreState()


def _kv_table(rows: list[tuple[str, str]], width: float, styles: dict[str, ParagraphStyle]) -> Table:
    """Label/value pairs in two columns."""
    data = [[Paragraph(_markup(k), styles["bold"]), Paragraph(_markup(v), styles["body"])] for k, v in rows]
    table = Table(data, colWidths=[width * 0.3, width * 0.7], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _header_rows(ctx: _Context) -> list[tuple[str, str]]:
    """The overview's facts: who, which protocol, when, where, which version."""
    plan, words = ctx.plan, ctx.words
    request, calendar = plan.request, plan.request.calendar
    template = plan.template
    zone = str(getattr(request.timezone, "key", request.timezone))
    local = ctx.generated.astimezone(request.timezone)
    rows = [
        (words.t("protocol"), template.name),
        (words.t("source"), " · ".join(x for x in (template.source, template.reference) if x)),
        (words.t("start"), words.day(plan.start)),
        (words.t("timezone"), zone),
        (words.t("holidays"), calendar.region if calendar.region != "none" else words.t("no_holidays")),
    ]
    if calendar.closures:
        rows.append((words.t("closures"), "; ".join(
            f"{d.isoformat()} ({calendar.closures[d]})" for d in sorted(calendar.closures)
        )))
    if calendar.workdays:
        rows.append((words.t("workdays"), "; ".join(
            f"{d.isoformat()} ({calendar.workdays[d]})" for d in sorted(calendar.workdays)
        )))
    if any(e.open_ended for e in plan.events):
        rows.append((words.t("horizon"), plan.horizon_end.isoformat()))
    rows += [
        (words.t("generated"), f"{local:%Y-%m-%d %H:%M} ({zone})"),
    ]
    return rows


def _day_runs(events: Sequence[Event], words: _Words) -> list[Pair]:
    """A cycle's days in short: "day 1 Tue 2026-02-24: IO, nP, DDP", and runs of consecutive
    days with the same drugs as "days 1–5 Tue 2026-05-12 to Sat 2026-05-16: TMZ5"."""
    by_day: dict[int, list[Event]] = {}
    for event in events:
        assert event.day is not None
        by_day.setdefault(event.day, []).append(event)
    runs: list[list[tuple[int, list[Event]]]] = []
    for number in sorted(by_day):
        group = by_day[number]
        codes = [e.style.code for e in group]
        if runs:
            last_number, last_group = runs[-1][-1]
            if (last_number == number - 1 and [e.style.code for e in last_group] == codes
                    and last_group[0].date + timedelta(days=1) == group[0].date):
                runs[-1].append((number, group))
                continue
        runs.append([(number, group)])
    texts = []
    for run in runs:
        (a, first), (b, last) = run[0], run[-1]
        if a == b:
            text = words.fmt("day_run", a=a, first=words.day_pair(first[0].date))
        else:
            text = words.fmt("days_run", a=a, b=b, first=words.day_pair(first[0].date),
                             last=words.day_pair(last[0].date))
        codes = [(code, code) for code in dict.fromkeys(e.style.code for e in first)]
        text = _cat(text, COLON, _join(codes, COMMA))
        moved = next((e for _, group in run for e in group if e.moved_from), None)
        if moved is not None:
            text = _cat(text, " ", _moved_pair(moved, words))
        texts.append(text)
    return texts


class _Phase(NamedTuple):
    """One entry of the treatment summary: its codes/shapes, name and lines of dates."""

    swatches: tuple[tuple[EventKind, str | None, str], ...]
    name: str
    lines: tuple[str, ...]
    emphasis: str | None = None


def _regimen_phases(regimen: Regimen, ctx: _Context) -> list[_Phase]:
    """A regimen: a line per cycle with its day 1 and drugs; open-ended drugs on their own,
    with their planned and continuation doses and what they continue until."""
    words = ctx.words
    events = [e for e in ctx.plan.events if e.regimen == regimen.id]
    if not events:
        return []
    open_ids = {d.id for d in regimen.drugs if isinstance(d.cycles, OpenEnded)}
    open_ids |= {e.component for e in events if e.open_ended}
    swatches = tuple(dict.fromkeys((e.kind, e.style.colour, e.style.code) for e in events))
    lines = []
    for cycle in sorted({e.cycle for e in events if e.cycle is not None}):
        in_cycle = [e for e in events if e.cycle == cycle]
        if all(e.component in open_ids for e in in_cycle):
            continue
        runs = _join(_day_runs(in_cycle, words), SEMICOLON)
        lines.append(words.pick(_cat(words.fmt("cycle", c=cycle), COLON, runs), "\n"))
    phases = []
    if lines:
        phases.append(_Phase(swatches, regimen.name, tuple(lines)))
    for drug in regimen.drugs:
        doses = [e for e in events if e.component == drug.id]
        if drug.id not in open_ids or not doses:
            continue
        planned = [e.date.isoformat() for e in doses if not e.open_ended]
        more = [e.date.isoformat() for e in doses if e.open_ended]
        drug_lines = []
        if planned:
            drug_lines.append(words.say("planned_doses", n=len(planned), dates=", ".join(planned)))
        if more:
            drug_lines.append(words.say(
                "cont_doses", end=ctx.plan.horizon_end.isoformat(), n=len(more), dates=", ".join(more)
            ))
        until = ctx.until(drug.id)
        style = doses[0].style
        phases.append(_Phase(
            ((doses[0].kind, style.colour, style.code),),
            words.component_name(drug.id, style),
            tuple(drug_lines),
            words.say("continues", until=until) if until else None,
        ))
    return phases


def _phases(ctx: _Context) -> list[_Phase]:
    """The treatment summary, in template order."""
    words = ctx.words
    phases: list[_Phase] = []
    for component in ctx.plan.template.components:
        if isinstance(component, Regimen):
            phases.extend(_regimen_phases(component, ctx))
            continue
        events = [e for e in ctx.plan.events if e.component == component.id]
        if not events:
            continue
        first, last = events[0], events[-1]
        swatch = ((first.kind, first.style.colour, first.style.code),)
        name = words.component_name(component.id, first.style)
        if isinstance(component, Radiotherapy):
            lines = [words.say(
                "rt_summary", n=len(events), per=first.fraction_gy, gy=first.total_gy,
                first=words.day_pair(first.date), last=words.day_pair(last.date),
            )]
            if first.moved_from is not None:
                lines.append(words.pick(_moved_pair(first, words), "\n"))
        elif isinstance(component, Daily):
            how = words.fmt("working_days" if component.on_non_working_day == "skip" else "every_day")
            lines = [words.say("daily_summary", how=how, first=words.day_pair(first.date),
                               last=words.day_pair(last.date), n=len(events))]
        elif isinstance(component, Visit):
            lines = []
            for visit in events:
                parts = [words.day_pair(visit.date), *_note_pairs(visit, ctx)]
                lines.append(words.pick(_join(parts, SEMICOLON), "\n"))
        else:  # pragma: no cover - the template schema has no other kind
            continue
        phases.append(_Phase(swatch, name, tuple(lines)))
    return phases


def _phase_table(ctx: _Context, width: float, styles: dict[str, ParagraphStyle]) -> Table:
    """The summary as a table: swatches on the left, name and dated lines on the right."""
    data = []
    for phase in _phases(ctx):
        chips: list[Flowable] = []
        for kind, colour, code in phase.swatches:
            chips += [_Swatch(kind, colour, code), Spacer(1, 3)]
        text = [Paragraph(_markup(phase.name, bold=True), styles["body"])]
        text += [Paragraph(_markup(line), styles["body"]) for line in phase.lines]
        if phase.emphasis:
            text.append(Paragraph(_markup(phase.emphasis, bold=True), styles["body"]))
        data.append([chips, text])
    table = Table(data, colWidths=[58, width - 58], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID),
    ]))
    return table


def _used_marks(ctx: _Context) -> list[tuple[str, str]]:
    """The marks this plan uses, with their legend label keys."""
    events = ctx.plan.events
    used = [
        (MARK_MOVED, "mark_moved", any(e.moved_from is not None for e in events)),
        (MARK_CONTINUATION, "mark_cont", any(e.open_ended for e in events)),
        (MARK_CHANGED, "mark_changed", any(e.uid in ctx.changed for e in events)),
    ]
    return [(mark, key) for mark, key, flag in used if flag]


def _used_shades(ctx: _Context) -> list[tuple[str, str]]:
    """The day shadings this plan's calendar can show, with their legend label keys."""
    calendar = ctx.words.calendar
    shades = [("weekend", "weekend")]
    if calendar.public is not None:
        shades.append(("holiday", "holiday"))
    if calendar.closures:
        shades.append(("closed", "closed_legend"))
    return shades


def _legend_components(ctx: _Context) -> list[tuple[EventKind, Style, str]]:
    """Each component of the plan once, in template order: kind, style, component id."""
    seen: dict[str, tuple[EventKind, Style, str]] = {}
    for event in sorted((*ctx.plan.events, *ctx.cancelled), key=lambda e: e.style.order):
        seen.setdefault(event.component, (event.kind, event.style, event.component))
    return list(seen.values())


def _legend_table(ctx: _Context, width: float, styles: dict[str, ParagraphStyle]) -> Table:
    """Legend: each component's swatch, code, name and kind; the marks; the day shadings."""
    words = ctx.words
    rows: list[list[Any]] = []
    for kind, style, component in _legend_components(ctx):
        name = words.component_name(component, style)
        rows.append([_Swatch(kind, style.colour, style.code),
                     Paragraph(_markup(f"{name} ({words.t('kind_' + kind)})"), styles["body"])])
    for mark, key in _used_marks(ctx):
        text = words.t(key, n=ctx.previous)
        rows.append([Paragraph(_markup(mark, bold=True), styles["bold"]),
                     Paragraph(_markup(text), styles["body"])])
    for status, key in (*_used_shades(ctx), ("other", "other_month")):
        rows.append([_ShadeSample(status), Paragraph(_markup(words.t(key)), styles["body"])])
    table = Table(rows, colWidths=[58, width - 58], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (0, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _overview(ctx: _Context, column: float, lang: Lang) -> list[Flowable]:
    """The first page's flowables, in two columns."""
    words = ctx.words
    styles = _styles(lang)
    story: list[Flowable] = [Paragraph(_markup(words.t("title")), styles["title"])]
    if ctx.patient:
        story.append(Paragraph(_markup(f"{words.t('patient')}: {ctx.patient}"), styles["patient"]))
    story.append(Paragraph(_markup(_version_text(ctx), bold=True), styles["body"]))
    story.append(Spacer(1, 6))
    story.append(_kv_table(_header_rows(ctx), column, styles))
    story.append(Paragraph(_markup(words.t("phases")), styles["heading"]))
    story.append(_phase_table(ctx, column, styles))
    if ctx.plan.parameters:
        story.append(Paragraph(_markup(words.t("parameters")), styles["heading"]))
        for p in ctx.plan.parameters:
            how = words.t("param_default" if p.is_default else "param_set")
            story.append(Paragraph(
                _markup(f"{p.name} = {p.value}", bold=True) + _markup(f" ({how}): {p.description}"),
                styles["body"],
            ))
    if ctx.plan.notes:
        story.append(Paragraph(_markup(words.t("notes")), styles["heading"]))
        story += [Paragraph(_markup(note), styles["body"]) for note in ctx.plan.notes]
    story.append(KeepTogether([
        Paragraph(_markup(words.t("legend")), styles["heading"]),
        _legend_table(ctx, column, styles),
    ]))
    return story


def _version_text(ctx: _Context) -> str:
    """"Version 2, replaces version 1 of 2026-01-01"."""
    text = ctx.words.t("version", n=ctx.version)
    if ctx.replaces is not None:
        number, issued = ctx.replaces
        text += ", " + ctx.words.t("replaces", n=number, date=issued.isoformat())
    return text


# --- month pages -----------------------------------------------------------------------------------


def _months(first: date, last: date) -> list[tuple[int, int]]:
    """(year, month) from the month of ``first`` to the month of ``last``."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _day_status(day: date, words: _Words) -> tuple[str, str | None]:
    """How a day cell looks: ("closed"|"holiday"|"weekend"|"workday"|"plain", label)."""
    calendar = words.calendar
    if day in calendar.closures:
        return "closed", f"{words.t('closed')}: {calendar.closures[day]}"
    working = calendar.is_working_day(day)
    holiday = words.holiday(day)
    if holiday is not None:
        if working:
            return "workday", f"{holiday} ({words.t('makeup')})"
        return "holiday", holiday
    if day.weekday() in calendar.weekend:
        if working:
            return "workday", calendar.workdays.get(day) or words.t("makeup")
        return "weekend", None
    if not working:
        return "weekend", calendar.closed_because(day)
    if day in calendar.workdays:
        return "workday", calendar.workdays[day]
    return "plain", None


class _LegendItem(NamedTuple):
    """One entry of a month page's legend strip."""

    draw: Callable[[Canvas, float, float], None]
    """Draws the symbol with its left edge at x, baseline at y."""
    symbol_width: float
    text: str


class _MonthPage(Flowable):
    """One month as a grid of weeks, filling the frame: title, weekday heads, day cells, and a
    legend strip at the bottom."""

    def __init__(self, ctx: _Context, year: int, month: int, legend: list[_LegendItem]) -> None:
        super().__init__()
        self.ctx, self.year, self.month, self.legend = ctx, year, month, legend

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """The whole frame: one flowable is one page."""
        self.width, self.height = available_width, available_height
        return available_width, available_height

    def draw(self) -> None:
        """Title, legend strip, weekday heads, then the weeks of day cells."""
        canv, words = self.canv, self.ctx.words
        width, height = self.width, self.height
        title_y = height - 16
        _draw(canv, 0, title_y, words.month(self.year, self.month), 16, True)
        side = " · ".join(x for x in (self.ctx.patient, self.ctx.plan.template.source) if x)
        _draw(canv, width - _width(side, BODY, True), title_y + 2, side, BODY, True)
        legend_lines = _layout_legend(self.legend, width)
        legend_height = len(legend_lines) * LEADING + 4
        _draw_legend(canv, legend_lines, 2)
        head_top = height - 26
        head_height = 15.0
        grid_top = head_top - head_height
        grid_bottom = legend_height + 2
        first = date(self.year, self.month, 1)
        offset = (first.weekday() - self.ctx.week_start) % 7
        days_in_month = ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - first).days
        weeks = -(-(offset + days_in_month) // 7)
        cell_w = width / 7
        cell_h = (grid_top - grid_bottom) / weeks
        canv.setFillColor(colors.Color(0.35, 0.35, 0.35))
        canv.rect(0, grid_top, width, head_height, stroke=0, fill=1)
        for column in range(7):
            weekday = (self.ctx.week_start + column) % 7
            label = words.weekday_header(weekday)
            x = column * cell_w + (cell_w - _width(label, BODY, True)) / 2
            _draw(canv, x, grid_top + 4, label, BODY, True, colors.white)
        grid_start = first - timedelta(days=offset)
        for index in range(weeks * 7):
            day = grid_start + timedelta(days=index)
            x = (index % 7) * cell_w
            y = grid_top - (index // 7 + 1) * cell_h
            self._cell(day, x, y, cell_w, cell_h)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.6)
        for row in range(weeks + 1):
            canv.line(0, grid_top - row * cell_h, width, grid_top - row * cell_h)
        for column in range(8):
            canv.line(column * cell_w, grid_top, column * cell_w, grid_top - weeks * cell_h)

    def _cell(self, day: date, x: float, y: float, w: float, h: float) -> None:
        """One day: shading, day number, holiday/closure label and moves away, then its
        events; what does not fit ends with "+N more (see list)"."""
        canv, words = self.canv, self.ctx.words
        pad = 3.0
        top = y + h - 10.5
        if day.month != self.month:
            canv.setFillColor(FILLS["other"])
            canv.rect(x, y, w, h, stroke=0, fill=1)
            _draw(canv, x + pad, top, str(day.day), 10, False, GREYED_INK)
            return
        status, label = _day_status(day, words)
        if status in FILLS:
            canv.setFillColor(FILLS[status])
            canv.rect(x, y, w, h, stroke=0, fill=1)
        if status == "closed":
            _hatch(canv, x, y, w, h)
        inner = w - 2 * pad
        number_w = _draw(canv, x + pad, top, str(day.day), 10, True)
        notes = [text for text in (label, *self._moved_away(day)) if text]
        note_lines = _wrap("\n".join(notes), inner, BODY, first=inner - number_w - 4) if notes else []
        for n, text in enumerate(note_lines):
            indent = number_w + 4 if n == 0 else 0
            _draw(canv, x + pad + indent, top - n * LEADING, text, BODY, False, SOFT_INK)
        first_line = max(len(note_lines), 1)
        capacity = int((h - 13) // LEADING) + 1
        items = _cell_items(self.ctx.by_day.get(day, []), self.ctx)
        blocks, hidden = _fit([(item, _wrap(item.text, inner - 10, BODY)) for item in items],
                              capacity - first_line)
        line = first_line
        for item, lines in blocks:
            _draw_mark(canv, item.kind, x + pad + 3.5, top - line * LEADING + 3.2, 6.5, item.colour)
            for text in lines:
                _draw(canv, x + pad + 10, top - line * LEADING, text, BODY)
                line += 1
        if hidden:
            _draw(canv, x + pad, top - line * LEADING, words.t("more", n=hidden), BODY, True)

    def _moved_away(self, day: date) -> list[str]:
        """Notes for the events moved away from ``day``: "» moved to Tue 24 Feb: IO+nP+DDP C3D1"."""
        words = self.ctx.words
        targets: dict[date, list[Event]] = {}
        for event in self.ctx.moved_away.get(day, []):
            targets.setdefault(event.date, []).append(event)
        notes = []
        for target, events in targets.items():
            items = ", ".join(item.text for item in _cell_items(events, self.ctx, brief=True))
            notes.append(f"{MARK_MOVED} {words.t('moved_to', date=words.short_day_pair(target))}: {items}")
        return notes


def _fit(
    blocks: list[tuple[_CellItem, list[str]]], budget: int
) -> tuple[list[tuple[_CellItem, list[str]]], int]:
    """The items (with their lines) that fit in ``budget`` lines, and how many are left out;
    when some are left out, one line is kept free for "+N more"."""
    if sum(len(lines) for _, lines in blocks) <= budget:
        return blocks, 0
    kept: list[tuple[_CellItem, list[str]]] = []
    used = 0
    for item, lines in blocks:
        if used + len(lines) > budget - 1:
            break
        kept.append((item, lines))
        used += len(lines)
    return kept, len(blocks) - len(kept)


def _legend_items(ctx: _Context) -> list[_LegendItem]:
    """What a month page's legend strip shows: components, marks, day shadings."""
    words = ctx.words
    items = []
    for kind, style, component in _legend_components(ctx):
        def symbol(
            canv: Canvas, x: float, y: float, kind: EventKind = kind, colour: str | None = style.colour
        ) -> None:
            _draw_mark(canv, kind, x + 3.5, y + 3.2, 6.5, colour)

        items.append(_LegendItem(symbol, 10, f"{style.code} {words.component_name(component, style)}"))
    for mark, key in _used_marks(ctx):
        def glyph(canv: Canvas, x: float, y: float, mark: str = mark) -> None:
            _draw(canv, x, y, mark, BODY, True)

        items.append(_LegendItem(glyph, _width(mark, BODY, True) + 3, words.t(key, n=ctx.previous)))
    for status, key in _used_shades(ctx):
        def shade(canv: Canvas, x: float, y: float, status: str = status) -> None:
            canv.saveState()
            canv.setFillColor(FILLS[status])
            canv.setStrokeColor(GRID)
            canv.rect(x, y - 1.5, 14, 9, stroke=1, fill=1)
            if status == "closed":
                _hatch(canv, x, y - 1.5, 14, 9)
            canv.restoreState()

        items.append(_LegendItem(shade, 17, words.t(key)))
    return items


def _layout_legend(items: list[_LegendItem], width: float) -> list[list[tuple[float, _LegendItem]]]:
    """Place legend items left to right, wrapping to a new line when the width is used up."""
    lines: list[list[tuple[float, _LegendItem]]] = [[]]
    x = 0.0
    for item in items:
        size = item.symbol_width + _width(item.text, BODY) + 12
        if lines[-1] and x + size > width:
            lines.append([])
            x = 0.0
        lines[-1].append((x, item))
        x += size
    return lines


def _draw_legend(canv: Canvas, lines: list[list[tuple[float, _LegendItem]]], bottom: float) -> None:
    """Draw a laid-out legend with its last line's baseline at ``bottom``."""
    for n, line in enumerate(lines):
        y = bottom + (len(lines) - 1 - n) * LEADING
        for x, item in line:
            item.draw(canv, x, y)
            _draw(canv, x + item.symbol_width, y, item.text, BODY)


# --- the list ----------------------------------------------------------------------------------------


class _Row(NamedTuple):
    """One row of the list, its cells already broken into lines."""

    cells: tuple[tuple[str, ...], ...]
    kind: EventKind | None
    colour: str | None
    lines: int
    heading: bool = False
    day: date | None = None

    @property
    def height(self) -> float:
        """The row's height in points."""
        return self.lines * LEADING + 2 * ROW_PAD


def _column_widths(width: float) -> list[float]:
    """The list's column widths for a frame ``width``."""
    return [width * share for share in LIST_COLUMNS]


def _event_row(event: Event, ctx: _Context, widths: list[float], cancelled: bool = False) -> _Row:
    """An event as a list row: date and weekday, time, code, name and position, dose, notes."""
    words = ctx.words
    inner = [w - 6 for w in widths]
    weekday = words.weekday(event.date, short=words.lang == "en+zh")
    date_cell = (event.date.isoformat(), *_wrap(weekday, inner[0]))
    time_cell = tuple(_wrap(_clock(event, words), inner[1]))
    code_cell = tuple(_wrap(event.style.code, inner[2] - 10, BODY, True))
    name = words.component_name(event.component, event.style)
    event_cell = (*_wrap(name, inner[3], BODY, True), *_wrap(_position(event, ctx), inner[3]))
    dose_cell = tuple(_wrap(words.dose(event), inner[4])) if event.dose else ()
    notes_cell = tuple(line for note in _notes(event, ctx, cancelled) for line in _wrap(note, inner[5]))
    cells = (date_cell, time_cell, code_cell, event_cell, dose_cell, notes_cell)
    return _Row(cells, event.kind, event.style.colour, max(2, *(len(c) for c in cells)), day=event.date)


def _heading_row(text: str, width: float) -> _Row:
    """A full-width heading inside the list (the cancelled events' section)."""
    lines = tuple(_wrap(text, width - 6, BODY, True))
    return _Row((lines,), None, None, len(lines), heading=True)


def _list_rows(ctx: _Context, width: float) -> list[_Row]:
    """Every event in date order, then the cancelled ones under their heading."""
    widths = _column_widths(width)
    rows = [_event_row(event, ctx, widths) for event in ctx.plan.events]
    if ctx.cancelled:
        title = f"{MARK_CANCELLED} " + ctx.words.t("cancelled_title", n=ctx.previous)
        rows.append(_heading_row(title, width))
        for event in sorted(ctx.cancelled, key=lambda e: e.sort_key):
            rows.append(_event_row(event, ctx, widths, cancelled=True))
    return rows


def _paginate(rows: list[_Row], available: float) -> list[list[_Row]]:
    """Rows per page: at most LIST_ROWS_PER_PAGE, fewer when they are taller than that."""
    pages: list[list[_Row]] = [[]]
    used = 0.0
    for row in rows:
        page = pages[-1]
        if page and (len(page) >= LIST_ROWS_PER_PAGE or used + row.height > available):
            pages.append([])
            used = 0.0
        pages[-1].append(row)
        used += row.height
    return pages if pages[0] else []


class _ListPage(Flowable):
    """One page of the list: its title, the column heads and its rows."""

    def __init__(self, ctx: _Context, rows: list[_Row]) -> None:
        super().__init__()
        self.ctx, self.rows = ctx, rows

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """The whole frame: one flowable is one page."""
        self.width, self.height = available_width, available_height
        return available_width, available_height

    def draw(self) -> None:
        """Title, column heads, rows; rows of the same date share a shade."""
        canv, words = self.canv, self.ctx.words
        width, height = self.width, self.height
        _draw(canv, 0, height - 15, words.t("list_title"), 14, True)
        side = " · ".join(x for x in (self.ctx.patient, self.ctx.plan.template.source) if x)
        _draw(canv, width - _width(side, BODY, True), height - 13, side, BODY, True)
        widths = _column_widths(width)
        heads = ("col_date", "col_time", "col_code", "col_event", "col_dose", "col_notes")
        head_y = height - LIST_TITLE_HEIGHT - LIST_HEAD_HEIGHT
        canv.setFillColor(colors.Color(0.35, 0.35, 0.35))
        canv.rect(0, head_y, width, LIST_HEAD_HEIGHT, stroke=0, fill=1)
        x = 0.0
        for key, column in zip(heads, widths, strict=True):
            _draw(canv, x + 3, head_y + 4.5, words.t(key), BODY, True, colors.white)
            x += column
        y = head_y
        shade, previous = True, None
        for row in self.rows:
            y -= row.height
            if row.day != previous:
                shade, previous = not shade, row.day
            self._row(row, y, widths, shade)

    def _row(self, row: _Row, y: float, widths: list[float], shade: bool) -> None:
        """Draw one row with its bottom at ``y``; ``shade`` alternates from date to date."""
        canv = self.canv
        width = sum(widths)
        if row.heading:
            canv.setFillColor(FILLS["holiday"])
            canv.rect(0, y, width, row.height, stroke=0, fill=1)
        elif shade:
            canv.setFillColor(ZEBRA)
            canv.rect(0, y, width, row.height, stroke=0, fill=1)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.4)
        canv.line(0, y, width, y)
        top = y + row.height - ROW_PAD - 8
        if row.heading:
            for n, text in enumerate(row.cells[0]):
                _draw(canv, 3, top - n * LEADING, text, BODY, True)
            return
        x = 0.0
        for column, (cell, column_width) in enumerate(zip(row.cells, widths, strict=True)):
            indent = 3.0
            if column == 2 and row.kind is not None:
                _draw_mark(canv, row.kind, x + 6.5, top + 3.2, 6.5, row.colour)
                indent = 13.0
            for n, text in enumerate(cell):
                bold = n == 0 and column in (0, 2, 3)
                _draw(canv, x + indent, top - n * LEADING, text, BODY, bold)
            x += column_width


# --- document ----------------------------------------------------------------------------------------


def _pdf_date(moment: datetime) -> str:
    """A PDF date string (UTC) for the document information dictionary."""
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def _canvas_maker(footer: Callable[[Canvas, int, int], None], generated: datetime) -> Callable[..., Canvas]:
    """A canvas class that holds pages back until the end to write "Page n of N" footers,
    with the creation date and document ID taken from ``generated``."""

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []
            stamp = _pdf_date(generated)
            self.setDateFormatter(lambda *_: stamp)
            # reportlab seeds the file ID from SOURCE_DATE_EPOCH or a fixed date; seed it from
            # the generated time instead, so that the bytes depend on the inputs alone.
            self._doc.signature = hashlib.md5(stamp.encode(), usedforsecurity=False)

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                footer(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return FooterCanvas


def _footer(ctx: _Context, page_width: float) -> Callable[[Canvas, int, int], None]:
    """The footer of every page: patient, protocol source, version; page n of N."""
    words = ctx.words
    left = " · ".join(x for x in (
        ctx.patient, ctx.plan.template.source, words.t("version", n=ctx.version),
        f"{words.t('generated')} {ctx.generated.astimezone(ctx.plan.request.timezone):%Y-%m-%d}",
    ) if x)

    def draw(canv: Canvas, number: int, total: int) -> None:
        canv.saveState()
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, MARGIN + 11, page_width - MARGIN, MARGIN + 11)
        _draw(canv, MARGIN, MARGIN, left, BODY, False, SOFT_INK)
        page = words.t("page", n=number, total=total)
        _draw(canv, page_width - MARGIN - _width(page, BODY, True), MARGIN, page, BODY, True)
        canv.restoreState()

    return draw


def to_pdf(
    plan: Plan,
    *,
    generated: datetime,
    patient: str | None = None,
    paper: Literal["a4", "letter"] = "a4",
    week_start: Literal["monday", "sunday"] = "monday",
    lang: Lang = "en",
    version: int = 1,
    replaces: tuple[int, date] | None = None,
    changed_uids: frozenset[str] = frozenset(),
    cancelled: tuple[Event, ...] = (),
) -> bytes:
    """The plan as a printable PDF calendar (landscape A4 or Letter).

    ``generated`` (an aware datetime) is the moment printed as "Generated" and the PDF's
    creation date; the same inputs give byte-identical output. ``replaces`` is the previous
    version's number and issue date, ``changed_uids`` the events changed since it, and
    ``cancelled`` its events that are no longer planned.
    """
    if generated.tzinfo is None or generated.utcoffset() is None:
        raise ValueError("generated must be an aware datetime (with a time zone)")
    if paper not in PAPERS:
        raise ValueError(f"paper must be 'a4' or 'letter' (got {paper!r})")
    if week_start not in ("monday", "sunday"):
        raise ValueError(f"week_start must be 'monday' or 'sunday' (got {week_start!r})")
    _register_fonts()
    words = _Words(lang, plan)
    ctx = _Context(
        plan=plan, words=words, patient=patient, generated=generated, version=version,
        replaces=replaces, changed=frozenset(changed_uids), cancelled=tuple(cancelled),
        week_start=0 if week_start == "monday" else 6,
        daily_position=_daily_positions(plan.events),
        by_day=_by_date(plan.events, lambda e: e.date),
        moved_away=_by_date(plan.events, lambda e: e.moved_from),
    )
    page_width, page_height = PAPERS[paper]
    frame_x, frame_y = MARGIN, MARGIN + FOOTER_BAND
    frame_w, frame_h = page_width - 2 * MARGIN, page_height - 2 * MARGIN - FOOTER_BAND
    gap = 24.0
    column = (frame_w - gap) / 2

    def frame(ident: str, x: float, w: float) -> Frame:
        return Frame(x, frame_y, w, frame_h, id=ident, leftPadding=0, rightPadding=0,
                     topPadding=0, bottomPadding=0)

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(page_width, page_height), invariant=1,
        leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + FOOTER_BAND,
        title=f"{words.t('title')} – {plan.template.source}", author="", subject=plan.template.name,
        creator=f"scheduler {__version__}", producer=f"scheduler {__version__} (reportlab)",
    )
    doc.addPageTemplates([
        PageTemplate("overview", [frame("left", frame_x, column),
                                  frame("right", frame_x + column + gap, column)]),
        PageTemplate("full", [frame("full", frame_x, frame_w)]),
    ])
    story = _overview(ctx, column, lang)
    story.append(NextPageTemplate("full"))
    legend = _legend_items(ctx)
    for year, month in _months(plan.first_date, plan.last_date):
        story += [PageBreak(), _MonthPage(ctx, year, month, legend)]
    available = frame_h - LIST_TITLE_HEIGHT - LIST_HEAD_HEIGHT
    for rows in _paginate(_list_rows(ctx, frame_w), available):
        story += [PageBreak(), _ListPage(ctx, rows)]
    doc.build(story, canvasmaker=_canvas_maker(_footer(ctx, page_width), generated))
    return buffer.getvalue()
