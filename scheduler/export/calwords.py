"""The words of a patient's calendar (.ics and feed) in their language: en, zh or en+zh.

Names and doses come from the template's ``translations``; the rest (categories, "cycle 2,
day 8", the description's lines) from the small tables here. Text the template gives in
English only (a reason a day moved, a note) stays in English.
"""

from __future__ import annotations

import re

from scheduler.core.event import Event
from scheduler.core.plan import Plan

CATEGORIES_ZH = {
    "Chemotherapy": "化疗", "Chemotherapy at home": "居家化疗", "Follow-up": "随访",
    "Imaging": "影像检查", "Immunotherapy": "免疫治疗", "Medication at home": "居家用药",
    "Nursing": "护理", "Premedication": "预处理", "Radiotherapy": "放疗", "Supportive care": "支持治疗",
    "Surgery": "手术", "Tests": "检查", "Treatment": "治疗", "Blood test": "抽血化验",
    "Hormone therapy": "内分泌治疗", "Rescue": "解救治疗",
}
LOCATIONS_ZH = {
    "Day-treatment unit": "日间治疗中心", "Day-treatment ward": "日间病房", "Home": "居家",
    "Breast clinic": "乳腺门诊", "Phlebotomy": "采血室", "Radiology": "影像科",
    "Radiotherapy department": "放疗科", "Surgical department": "外科", "Urology clinic": "泌尿外科门诊",
    "Oncology ward": "肿瘤科病房",
}
"""The places the shipped templates name; a clinic's own place stays as its template says."""
_REST_ZH = (
    (re.compile(r"cycle (\d+), day (\d+)"), r"第 \1 周期第 \2 天"),
    (re.compile(r"before cycle (\d+)"), r"第 \1 周期前"),
    (re.compile(r"cycle (\d+)"), r"第 \1 周期"),
    (re.compile(r"fraction (\d+) of (\d+)"), r"第 \1/\2 次"),
    (re.compile(r"day (\d+) of (\d+)"), r"第 \1/\2 天"),
    (re.compile(r"(\d+) days"), r"\1 天"),
    (re.compile(r"(\d+) day"), r"\1 天"),
)
DISCREET_DESCRIPTION_ZH = "详情请看您的纸质治疗日历。"


class CalendarWords:
    """Names, titles and lines in the plan's language."""

    def __init__(self, plan: Plan, lang: str) -> None:
        self.plan = plan
        self.lang = lang

    def both(self, en: str, zh: str, separator: str = " ") -> str:
        """``en``, ``zh`` or both (Chinese first), as the language asks."""
        if self.lang == "en" or en == zh:
            return en if self.lang != "zh" else zh
        return zh if self.lang == "zh" else f"{zh}{separator}{en}"

    def _translation(self, component: str) -> object | None:
        try:
            display = self.plan.template.display_of(component)
        except KeyError:
            return None
        return display.translations.get("zh")

    def name_zh(self, event: Event) -> str:
        """The component's Chinese name (its English one when the template has none)."""
        translation = self._translation(event.component)
        return getattr(translation, "name", None) or event.style.name

    def name(self, event: Event) -> str:
        """The component's name in the plan's language."""
        return self.both(event.style.name, self.name_zh(event))

    def dose(self, event: Event) -> str:
        """The dose text in the plan's language."""
        translation = self._translation(event.component)
        zh = getattr(translation, "dose", None) or event.dose
        return self.both(event.dose, zh, " / ")

    def category(self, category: str) -> str:
        """A category ("Chemotherapy") in the plan's language."""
        return self.both(category, CATEGORIES_ZH.get(category, category))

    def location(self, location: str) -> str:
        """A place ("Radiotherapy department") in the plan's language."""
        return self.both(location, LOCATIONS_ZH.get(location, location))

    def title(self, event: Event) -> str:
        """An event's own title ("Radiotherapy – fraction 3 of 30") in the plan's language."""
        if self.lang == "en":
            return event.title
        name, _, rest = event.title.partition(" – ")
        if name != event.style.name:
            return self.both(event.title, event.title)
        for pattern, replacement in _REST_ZH:
            rest = pattern.sub(replacement, rest)
        zh = f"{self.name_zh(event)} {rest}".strip()
        return self.both(event.title, zh, " / ")

    def protocol(self) -> str:
        """The protocol's name in the plan's language (its citation for English)."""
        template = self.plan.template
        translation = template.translations.get("zh")
        zh = translation.name if translation is not None else template.source
        return self.both(template.source, zh, " / ")

    def cycle_line(self, event: Event) -> str:
        """ "Cycle 1, day 1 (21-day cycles)." in the plan's language."""
        if event.day is None:  # a visit of each cycle
            return self.both(f"Cycle {event.cycle}.", f"第 {event.cycle} 周期。", "\n")
        en = f"Cycle {event.cycle}, day {event.day}"
        zh = f"第 {event.cycle} 周期第 {event.day} 天"
        if event.cycle_days:
            en += f" ({event.cycle_days}-day cycles)"
            zh += f"（每 {event.cycle_days} 天一周期）"
        return self.both(en + ".", zh + "。", "\n")
