"""Labels, names and dates in the output language: English, Chinese or both.

Texts are (English, Chinese) pairs until printed; public holidays get their Chinese names
from the ``holidays`` package.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Literal

import holidays as holidays_lib

from scheduler.core.event import Event, Style
from scheduler.core.plan import Plan
from scheduler.core.workdays import WorkCalendar

Lang = Literal["en", "zh", "en+zh"]

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
WEEKDAYS_ZH_SHORT = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Treatment calendar", "治疗日历"),
    "scan": ("Scan to add your treatment calendar to your phone", "扫码将治疗日历添加到手机"),
    "subject": ("Treatment calendar: {name}", "治疗日历：{name}"),
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
    "no_events": ("No treatment is scheduled in this plan.", "本计划中没有安排治疗。"),
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
    "daily_days": ("Days {a}–{b} of {total}, every day", "第{a}–{b}天（共{total}天），每天"),
    "to_date": ("to {date}", "至{date}"),
    "moved": ("Moved from {date}: {reason}", "由{date}改期：{reason}"),
    "continuation": ("Continuation dose, until {until}", "延续用药，直至：{until}"),
    "runs_until": ("Infusion runs until {until}", "输注持续至{until}"),
    "running": ("infusion running (until {until})", "输注持续中（至{until}）"),
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
    "code_cycle": ("cycle {c}, day {d}", "第{c}周期第{d}天"),
    "code_fraction": ("radiotherapy fraction {n} of {total}", "放疗第{n}次（共{total}次）"),
    "substituted_legend": (
        "Day off (substituted from a date): a day off in exchange for working on that date",
        "休息日（由某日调休）：因该日上班而调换的休息日",
    ),
    "observed_legend": (
        "(observed): the day off for a holiday that falls on a weekend", "（补假）：节日逢周末时补休的日子",
    ),
    "makeup_legend": (
        "Working day: an official working day on a weekend or holiday (make-up day)",
        "调休上班：周末或节假日中的法定上班日",
    ),
    "moved_to": ("moved to {date}", "改至{date}"),
    "more": ("+{n} more (see list)", "另有{n}项（见列表）"),
    "page": ("Page {n} of {total}", "第{n}页，共{total}页"),
    "cycle": ("Cycle {c}", "第{c}周期"),
    "drugs": ("Drugs", "药物"),
    "day_run": ("day {a} {first}", "第{a}天 {first}"),
    "days_run": ("days {a}–{b} {first} to {last}", "第{a}–{b}天 {first}至{last}"),
    "planned_doses": ("Planned doses ({n}): {dates}", "计划用药（{n}次）：{dates}"),
    "cont_doses": (
        "Continuation doses to {end} ({n}): {dates}", "延续用药（至{end}，{n}次）：{dates}",
    ),
    "cont_doses_given": ("Continuation doses ({n}): {dates}", "延续用药（{n}次）：{dates}"),
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


_DELAYED = re.compile(r"^(?:[Dd]elayed (-?\d+)|[Bb]rought forward (\d+)) days?: (.*)$", re.DOTALL)
"""The reason the expansion gives a delayed cycle (:meth:`scheduler.core.adjust.Delay.shift`):
"delayed 7 days: low neutrophil count", "brought forward 2 days: patient travels"."""


def _delay_pair(reason: str) -> Pair:
    """A delay's reason in words: "Delayed 7 days: ...", "Brought forward 2 days: ..."."""
    found = _DELAYED.match(reason)
    if found is None:
        return reason, reason
    days = int(found.group(1)) if found.group(1) is not None else -int(found.group(2))
    why = found.group(3)
    unit = "day" if abs(days) == 1 else "days"
    if days < 0:
        return f"Brought forward {-days} {unit}: {why}", f"提前{-days}天：{why}"
    return f"Delayed {days} {unit}: {why}", f"推迟{days}天：{why}"


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
        self.status_cache: dict[date, tuple[str, str | None]] = {}
        """How each day cell looks (see ``context._day_status``)."""
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
        if _DELAYED.match(reason):
            return _join([_delay_pair(part) for part in reason.split("; ")], SEMICOLON)
        return reason, reason

    def protocol_pair(self) -> Pair:
        """The protocol's name, in Chinese from the template's ``translations`` when the
        template language has them for the template itself (it may, in time)."""
        template = self.plan.template
        translation = (getattr(template, "translations", None) or {}).get("zh")
        name = getattr(translation, "name", None) or translation
        return template.name, name if isinstance(name, str) and name else template.name

    def protocol_short(self) -> str:
        """The regimen's name without its parenthesis or qualifiers ("mFOLFOX6"), for titles,
        page headers and footers (never the citation)."""
        en, zh = self.protocol_pair()
        return self.pick((re.split(r" \(|, ", en, maxsplit=1)[0],
                          re.split(r"（|，", zh, maxsplit=1)[0]))

    def zone_pair(self) -> Pair:
        """The plan's time zone in words: ("China Time (Asia/Shanghai)", "中国（上海）时间")."""
        from babel.dates import get_timezone_location, get_timezone_name

        zone = self.plan.request.timezone
        key = str(getattr(zone, "key", zone))
        try:
            en = f"{get_timezone_name(zone, locale='en')} ({key})"
            zh = get_timezone_location(zone, locale="zh_CN")
        except (LookupError, ValueError):
            return key, key
        return (key if "Unknown" in en else en), (key if "未知" in zh else zh)

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
