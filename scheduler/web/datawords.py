"""Data in the page's language: what the templates, the ``holidays`` package, the registry and
the library give in English, said in Chinese on a Chinese page.

- Names of templates, components and drugs: the template's own ``translations`` (every shipped
  template has Chinese names); an event's title ("Radiotherapy – fraction 3 of 30") as the
  patient's Chinese calendar says it (:class:`scheduler.export.calwords.CalendarWords`).
- Public holidays and days off: the ``holidays`` package's own Chinese names.
- Statuses, worklist flags and deviation kinds: words of the catalog.
- The library's messages (errors and notes): :data:`LIBRARY` rewords the ones a coordinator
  meets, pattern by pattern, after :func:`scheduler.web.forms.in_web_words` has named the
  field with the form's label; a message it does not know stays as the library says it.

On an English page every function gives its input back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from scheduler.export.calwords import LOCATIONS_ZH
from scheduler.web.i18n import N_, _, current, ngettext

STATUSES = {"given": N_("given"), "done": N_("done"), "missed": N_("missed"), "not-given": N_("not given"),
            "cancelled": N_("cancelled"), "planned": N_("planned"), "moved": N_("moved")}
"""An event's status, as the worklist and the event list show it."""
FLAGS = {"urgent": N_("urgent"), "unissued": N_("unissued"), "never-fetched": N_("never fetched"),
         "labs-due": N_("labs due"), "labs": N_("labs")}
"""The worklist's flags."""
CLIENTS = {name: name for name in (N_("Google Calendar"), N_("Apple Calendar"), N_("Outlook"),
                                   N_("Thunderbird"), N_("ICSx⁵ (Android)"))}
"""The calendar clients :mod:`scheduler.services.clients` recognises."""


def where(value: str | None) -> str:
    """A place a template names (``Radiotherapy department``) in the page's language."""
    if not value:
        return ""
    return LOCATIONS_ZH.get(value, value) if chinese() else value


def deviation(found: Any) -> str:
    """What happened, for the deviations page (:class:`scheduler.services.deviations.Deviation`);
    an English page shows the library's own words."""
    if not chinese():
        return str(found.text)
    if found.kind in ("missed", "not-given"):
        return _("%(status)s (planned %(day)s)", status=status(found.kind), day=found.planned)
    what = status("done" if found.ref.count("/") == 1 and found.kind == "outside-window" else "given")
    days = abs(found.days)
    if found.kind == "outside-window":
        if found.days > 0:
            return _("%(status)s on %(day)s, %(days)s days after its window", status=status_of(found, what),
                     day=found.on, days=days)
        return _("%(status)s on %(day)s, %(days)s days before its window", status=status_of(found, what),
                 day=found.on, days=days)
    if found.days > 0:
        return _("%(status)s on %(day)s, %(days)s days after the planned day", status=status_of(found, what),
                 day=found.on, days=days)
    return _("%(status)s on %(day)s, %(days)s days before the planned day", status=status_of(found, what),
             day=found.on, days=days)


def status_of(found: Any, default: str) -> str:
    """The recorded status of a deviation, from its text (``given`` or ``done``)."""
    first = str(found.text).split(" ", 1)[0]
    return status(first) if first in STATUSES else default


def ago(then: datetime, now: datetime) -> str:
    """``3 hours ago``, ``just now``, in the page's language."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds >= 86400:
        count = seconds // 86400
        return ngettext("%(count)s day ago", "%(count)s days ago", count) % {"count": count}
    if seconds >= 3600:
        count = seconds // 3600
        return ngettext("%(count)s hour ago", "%(count)s hours ago", count) % {"count": count}
    if seconds >= 60:
        count = seconds // 60
        return ngettext("%(count)s minute ago", "%(count)s minutes ago", count) % {"count": count}
    return _("just now")


def fetched_by(client: str | None, at: str | None, now: datetime) -> str | None:
    """``fetched by Google Calendar 3 hours ago``, or None when no calendar client has."""
    if client is None or at is None:
        return None
    shown = _(CLIENTS[client]) if client in CLIENTS else client
    return _("fetched by %(client)s %(ago)s", client=shown, ago=ago(datetime.fromisoformat(at), now))


def chinese() -> bool:
    return current.get() == "zh"


def status(value: str | None) -> str:
    """An event's status in words of the page's language: ``not-given`` -> ``not given``,
    ``未给药`` (the command line and the exports keep the value itself)."""
    if not value:
        return ""
    return _(STATUSES[value]) if value in STATUSES else value


def flag(value: str) -> str:
    """A worklist flag in words of the page's language: ``never-fetched`` -> ``never
    fetched``, ``未被日历获取``."""
    return _(FLAGS[value]) if value in FLAGS else value


def named(thing: Any) -> str:
    """A template's, component's or drug's name in the page's language (its own Chinese name)."""
    name = str(getattr(thing, "name", thing))
    if chinese():
        translation = getattr(thing, "translations", {}).get("zh")
        found = getattr(translation, "name", None) if translation is not None else None
        if found:
            return str(found)
        return _names().get(name, name)
    return name


@cache
def _names() -> dict[str, str]:
    """English name -> Chinese name of every shipped template, component and drug."""
    from scheduler.core.loader import load_template_file, shipped_templates
    from scheduler.core.protocol import Regimen

    found: dict[str, str] = {}

    def learn(thing: Any) -> None:
        translation = thing.translations.get("zh")
        if translation is not None and getattr(translation, "name", None):
            found.setdefault(thing.name, translation.name)

    for info in shipped_templates():
        template = load_template_file(info.path)
        learn(template)
        for component in template.components:
            learn(component)
            if isinstance(component, Regimen):
                for drug in component.drugs:
                    learn(drug)
    return found


_REST = (
    (re.compile(r"\bcycle (\d+), day (-?\d+)\b"), r"第\1周期第\2天"),
    (re.compile(r"\bbefore cycle (\d+)\b"), r"第\1周期前"),
    (re.compile(r"\bcycle (\d+)\b"), r"第\1周期"),
    (re.compile(r"\bfraction (\d+) of (\d+)\b"), r"第\1/\2次"),
    (re.compile(r"\bfractions (\d+)(?:–|-)(\d+) of (\d+)\b"), r"第\1–\2/\3次"),
    (re.compile(r"\bday (\d+) of (\d+)\b"), r"第\1/\2天"),
    (re.compile(r"\bweek (\d+)\b"), r"第\1周"),
    (re.compile(r"\bdose (\d+)\b"), r"第\1次"),
    (re.compile(r"\b(\d+) days\b"), r"\1天"),
    (re.compile(r"\b(\d+) day\b"), r"\1天"),
)


def title(text: str, template: Any = None) -> str:
    """An event's title (``Radiotherapy – fraction 3 of 30``) in the page's language:
    ``放疗 第3/30次``."""
    if not chinese() or not text:
        return text
    name, dash, rest = text.partition(" – ")
    zh = _component_names(template).get(name) or _names().get(name)
    if zh is None:
        return text
    for pattern, replacement in _REST:
        rest = pattern.sub(replacement, rest)
    return f"{zh} {rest}".strip() if dash else zh


def _component_names(template: Any) -> dict[str, str]:
    if template is None:
        return {}
    from scheduler.core.protocol import Regimen

    found = {}
    for component in template.components:
        for thing in (component, *(component.drugs if isinstance(component, Regimen) else ())):
            translation = thing.translations.get("zh")
            if translation is not None and getattr(translation, "name", None):
                found[thing.name] = translation.name
    return found


@cache
def _holidays() -> list[tuple[str, str]]:
    """(English, Chinese) names of China's public holidays and days off, the longest first
    (the ``holidays`` package's own translations; dates as ISO, as the calendar gives them)."""
    import holidays as holidays_lib

    pairs: dict[str, str] = {}
    years = range(2020, 2036)
    english = holidays_lib.country_holidays("CN", years=years)
    chinese_names = holidays_lib.country_holidays("CN", years=years, language="zh_CN")
    american = re.compile(r"(\d\d)/(\d\d)/(\d{4})")
    for day, name in english.items():
        for one, other in zip(name.split("; "), chinese_names.get(day, "").split("; "), strict=False):
            pairs.setdefault(american.sub(r"\3-\1-\2", one), other)
    general = {"Working day": "工作日", "Saturday": "星期六", "Sunday": "星期日", "Monday": "星期一",
               "Tuesday": "星期二", "Wednesday": "星期三", "Thursday": "星期四", "Friday": "星期五"}
    return sorted({**pairs, **general}.items(), key=lambda pair: -len(pair[0]))


def holiday(text: str | None) -> str:
    """Public holidays' names in ``text`` in the page's language (``Labor Day`` -> ``劳动节``)."""
    if not text or not chinese():
        return text or ""
    for english, zh in _holidays():
        if english in text:
            text = text.replace(english, zh)
    return text


Rewording = Callable[[re.Match[str]], str]


def _status_zh(match: re.Match[str], group: int = 1) -> str:
    return status(match.group(group).replace(" ", "-"))


def _days_zh(count: str, side: str) -> str:
    return f"{'晚' if side == 'after' else '早'} {count} 天"


_DATE = r"(\d{4}-\d\d-\d\d)"
_UNTIL_ZH = {"progression, intolerance or withdrawal": "疾病进展、不能耐受或退出",
             "progression or unacceptable toxicity": "疾病进展或出现不可接受的毒性",
             "recurrence or unacceptable toxicity": "复发或出现不可接受的毒性"}
"""The ends of open-ended treatment the shipped templates state."""
_UNITS_ZH = {"month": "个月", "week": "周", "day": "天", "year": "年"}
_LIBRARY: list[tuple[str, str | Rewording]] = [
    # notes on a plan (scheduler.core.expand.run, .radiotherapy, scheduler.services.options)
    (r"Parameter (\w+) = (\S+) is the template default \(.*\)\.?(?=;|$)", r"参数 \1 = \2 为模板默认值"),
    (r"Adjustment: cycle (\d+) of (\S+) delayed (-?\d+) days?: (.*?)\.$", r"调整：\2 第 \1 周期推迟 \3 天：\4。"),
    (r"Adjustment: cycle (\d+) of (\S+) brought forward (\d+) days?: (.*?)\.$", r"调整：\2 第 \1 周期提前 \3 天：\4。"),
    (r"Adjustment: (\S+) held " + _DATE + " to " + _DATE + r": (.*?)\.$", r"调整：\1 于 \2 至 \3 暂停：\4。"),
    (r"Adjustment: (\S+) stopped from " + _DATE + r": (.*?)\.$", r"调整：\1 自 \2 起停止：\3。"),
    (r"Adjustment: closed(?: for (\S+))? (.+?) \(closure (\d+)\): (.*?)\.$",
     lambda m: f"调整：{m.group(1) + ' ' if m.group(1) else ''}停诊 {m.group(2).replace(' to ', ' 至 ')}"
               f"（停诊 {m.group(3)}）：{m.group(4)}。"),
    (r"Closed for (\S+) only: (.*)\.$", r"仅 \1 停用：\2。"),
    (r"^closed(?: for (\S+))? (\d{4}-\d\d-\d\d(?: to \d{4}-\d\d-\d\d)?) \(closure (\d+)\): (.*)$",
     lambda m: f"{m.group(1) + ' ' if m.group(1) else ''}停诊 {m.group(2).replace(' to ', ' 至 ')}"
               f"（停诊 {m.group(3)}）：{m.group(4)}"),
    (r"(.+) ends on " + _DATE + r", in week (\d+), after the planned weeks (\S+), because of non-working days; "
     r"all (\d+) fractions are kept\.",
     lambda m: f"{named(m.group(1))}于 {m.group(2)} 结束（第 {m.group(3)} 周），晚于原定的第 {m.group(4)} 周，"
               f"因遇非工作日；{m.group(5)} 次分割全部保留。"),
    (r"Public holidays for (\S+) in (\d{4}) are incomplete \(.*?only up to (\d{4}).*?\); check the dates in "
     r"\d{4} against the clinic's own calendar\.",
     r"\1 \2 年的法定节假日数据不完整（节假日数据只有截至 \3 年的官方放假和调休安排，\2 年按常规规则推算）；"
     r"请对照本院日历核对 \2 年的日期。"),
    (r"The plan begins before day 1: (.+?) on " + _DATE + r", (\d+) days? before day 1 \(" + _DATE + r"\)\.",
     lambda m: f"计划在第 1 天之前开始：{title(m.group(1).rsplit(', ', 1)[0])}"
               f"{' ' + m.group(1).rsplit(', ', 1)[1] if ', ' in m.group(1) else ''}，{m.group(2)}，"
               f"比第 1 天（{m.group(4)}）早 {m.group(3)} 天。"),
    (r"start date " + _DATE + r" \((.+?)\) is not a working day: (.+?)\. Choose a working day",
     r"开始日期 \1（\2）不是工作日：\3。请选择一个工作日"),
    # what happened to an event (scheduler.core.record)
    (r"(\S+) (given|done) on " + _DATE + r", the planned day", lambda m: f"{m.group(1)} {m.group(3)} "
     f"{_status_zh(m, 2)}（原定日期）"),
    (r"(\S+ )?(given|done) on " + _DATE + r", (\d+) days? (after|before) the plan",
     lambda m: f"{m.group(1) or ''}{m.group(3)} {_status_zh(m, 2)}，比原定日期{_days_zh(m.group(4), m.group(5))}"),
    (r"[Gg]iven on " + _DATE + r", (\d+) days? (after|before) the plan",
     lambda m: f"{m.group(1)} 给药，比原定日期{_days_zh(m.group(2), m.group(3))}"),
    (r"[Dd]one on " + _DATE + r", (\d+) days? (after|before) the plan",
     lambda m: f"{m.group(1)} 完成，比原定日期{_days_zh(m.group(2), m.group(3))}"),
    (r"(\S+) (missed|not-given): ", lambda m: f"{m.group(1)} {_status_zh(m, 2)}："),
    (r"^(missed|not given|not-given): ", lambda m: f"{_status_zh(m)}："),
    (r"\b[Dd]elayed (-?\d+) days?: ", r"推迟 \1 天："),
    (r"\b[Dd]elayed (-?\d+) days?$", r"推迟 \1 天"),
    (r"Window: " + _DATE + " to " + _DATE + r"\.", r"时间窗：\1 至 \2。"),
    # refusals (scheduler.services, scheduler.core)
    (r"cannot delay cycle (\d+) of '([^']+)': the plan has (\d+) cycles", r"无法推迟 \2 第 \1 周期：该计划共 \3 个周期"),
    (r"'([^']*)' is not a number from (\d+) to (\d+)", r"“\1”不是 \2 至 \3 之间的数字"),
    (r"'([^']*)' is not a whole number", r"“\1”不是整数"),
    (r"give a number from (-?\d+) to (\d+)", r"请填写 \1 至 \2 之间的数字"),
    (r"'([^']*)' is not a real date", r"“\1”不是有效日期"),
    (_DATE + r" is in the future \(today is " + _DATE + r" in (\S+)\): record '([\w-]+)' once it has happened",
     lambda m: f"{m.group(1)} 尚未到来（{m.group(3)} 时区今天是 {m.group(2)}）：请在实际发生后再记录“{status(m.group(4))}”"),
    (r"(\S+) is planned for " + _DATE + r", in the future \(today is " + _DATE + r" in (\S+)\): record '([\w-]+)' "
     r"once it has happened", lambda m: f"{m.group(1)} 原定于 {m.group(2)}，尚未到来（{m.group(4)} 时区今天是 "
                              f"{m.group(3)}）：请在实际发生后再记录“{status(m.group(5))}”"),
    (r"say why the event was (missed|not given)", lambda m: f"请说明{_status_zh(m)}的原因"),
    (r"a delay of 0 days changes nothing", "推迟 0 天不会改变任何日程"),
    (r"there is no closure (\d+)", r"没有编号为 \1 的停诊"),
    (r"give some text", "请填写内容"),
    (r"user '([^']+)' exists already", r"用户 \1 已存在"),
    (r"(\S+) version (\d+): you drafted it, so a second admin must approve it",
     r"\1 第 \2 版：这是您起草的，须由另一位管理员批准"),
    (r"(\S+) version (\d+) was approved already, by (\S+)", r"\1 第 \2 版已由 \3 批准"),
    (r"This password link is not known: ask an admin for a new one\.", "此密码链接无效：请向管理员索取新链接。"),
    (r"This password link has been used already: ask an admin for a new one\.",
     "此密码链接已使用过：请向管理员索取新链接。"),
    (r"This password link expired (\S+ \S+) UTC: ask an admin for a new one\.",
     r"此密码链接已于 \1（UTC）过期：请向管理员索取新链接。"),
    (r"This password link's user is disabled: ask an admin\.", "此密码链接的用户已停用：请联系管理员。"),
    (r"new password: the two entries differ", "新密码：两次输入不一致"),
    # notes of the regimen expansion (scheduler.core.expand.regimen)
    (r"Continuation dose: given until (.+?); the planned minimum \((\d+) (month|week|day|year)s?\) ends "
     + _DATE + r"\.",
     lambda m: f"维持剂量：持续给药，直至{_UNTIL_ZH.get(m.group(1), m.group(1))}；计划最短疗程"
               f"（{m.group(2)} {_UNITS_ZH[m.group(3)]}）于 {m.group(4)} 结束。"),
    (r"On a non-working day \((.+?)\), kept as the template says\.",
     lambda m: f"遇非工作日（{holiday(m.group(1))}），按模板保留原定日期。"),
    # moving a plan to a new version of its clinic template (scheduler.services.moves)
    (r"template '(\S+)' has no version (\d+)", r"模板 \1 没有第 \2 版"),
    (r"version (\d+) of '(\S+)' is a draft: a second admin must approve it before patients move to it",
     r"\2 第 \1 版仍是草稿：须由另一位管理员批准后，患者才能转入"),
    (r"version (\d+) of '(\S+)' has no (regimen|component) '(\S+)', which change (\d+) (delays|holds|stops) "
     r"\((.*)\)",
     lambda m: f"{m.group(2)} 第 {m.group(1)} 版没有{'方案' if m.group(3) == 'regimen' else '组成部分'} "
               f"{m.group(4)}，而第 {m.group(5)} 项变更"
               f"{ {'delays': '推迟', 'holds': '暂停', 'stops': '停止'}[m.group(6)]}了它（{m.group(7)}）"),
    (r"version (\d+) of '(\S+)' has no event (\S+), which change (\d+) recorded \((.*)\)",
     r"\2 第 \1 版没有事件 \3，而第 \4 项变更记录了它（\5）"),
    (r"version (\d+) of '(\S+)' cannot take this plan's history: (.*)", r"\2 第 \1 版无法套用此计划的变更记录：\3"),
    (r"version (\d+) of '(\S+)' cannot keep cycle (\d+) of (\S+) on " + _DATE + ", the day it was given",
     r"\2 第 \1 版无法让 \4 第 \3 周期保持在实际给药日 \5"),
    (r"version (\d+) of '(\S+)' cannot keep cycle (\d+) of (\S+) on " + _DATE + ", where it began, before "
     r"the move", r"\2 第 \1 版无法让 \4 第 \3 周期保持在更换版本前已开始的 \5"),
    (r"(\S+)'s plan is on the template '(\S+)', which has no versions in the registry: only a clinic "
     r"template's plans move to a new version",
     r"\1 的计划使用模板 \2，该模板在登记库中没有版本：只有本院模板的计划才能转到新版本"),
    (r"(\S+) is on version (\d+) of '(\S+)' already", r"\1 已在使用 \3 第 \2 版"),
    (r"closure (\S+): closed(?: for (\S+))? already by closure ([\d, ]+) \(revert that one first to change "
     r"its reason\)", lambda m: f"停诊 {m.group(1)}：{'资源 ' + m.group(2) + ' ' if m.group(2) else ''}已由停诊 "
     f"{m.group(3)} 关闭（如需修改原因，请先撤销该停诊）"),
    (r"no active plan uses the resource '(.+?)' \(resources in use: (.*)\)",
     r"没有进行中的计划使用资源 \1（在用的资源：\2）"),
    (r"what the move keeps changed since the preview \((.*)\): look at the move again before you make it",
     r"预览之后，转版本要保留的内容已有变化（\1）：请重新查看后再转"),
    (r"cycle (\d+) of (\S+) began on " + _DATE, r"\2 第 \1 周期已于 \3 开始"),
    (r" ?\(closure (\d+)\)", r"（停诊 \1）"),  # a closure's number, wherever a note names it
    # a remedy joined to its message by the library's "; ", between Chinese words
    (r"(?<=[\u4e00-\u9fff\w）]); (?=[\u4e00-\u9fff])", "；"),
]
LIBRARY = [(re.compile(pattern), zh) for pattern, zh in _LIBRARY]
"""The library's messages a coordinator meets, as a Chinese page says them (a pattern of the
English message, and its Chinese words with the pattern's groups)."""


def library(text: str) -> str:
    """A message of the library (already worded by the web shell) in the page's language."""
    if not chinese() or not text:
        return text
    for pattern, zh in LIBRARY:
        text = pattern.sub(zh, text)
    return holiday(text)


def install(env: Any) -> None:
    """The filters the pages use: ``status``, ``flag``, ``named``, ``title``, ``holiday``,
    ``library``, ``where``; and ``deviation_words``."""
    env.filters.update(status=status, flag=flag, named=named, title=title, holiday=holiday,
                       library=library, where=where,
                       client=lambda name: _(CLIENTS[name]) if name in CLIENTS else name)
    env.globals["deviation_words"] = deviation
