"""A one-page handout: how the patient adds their treatment calendar to their phone.

In the plan's language (en, zh, en+zh): the QR code of the feed's address, the address, and
three short steps for each calendar client, each with the link that client wants
(:mod:`scheduler.export.links`).
"""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from scheduler import __version__
from scheduler.export.links import links
from scheduler.export.pdf.overview import QR_SIZE, _qr_path
from scheduler.export.pdf.style import SOFT_INK
from scheduler.export.pdf.text import _draw, _wrap

A4 = (595.2756, 841.8898)
MARGIN = 50.0


TEXTS = {
    "title": ("Your treatment calendar on your phone", "在手机上查看您的治疗日历"),
    "intro": ("Add it once: your calendar then shows every visit, with reminders, and updates "
              "itself when your plan changes.",
              "只需添加一次：日历会显示每次就诊并提醒您，治疗计划有变化时会自动更新。"),
    "scan": ("Scan with your phone's camera, or type the address:", "用手机相机扫描二维码，或输入以下地址："),
    "private": ("This address is yours alone: do not share it. Ask the clinic for a new one if "
                "you lose it.", "此地址仅供您本人使用，请勿分享。如有遗失，请联系医院。"),
}
STEPS = (
    (("iPhone, iPad or Mac (Apple Calendar)", "iPhone、iPad 或 Mac（苹果日历）"), "webcal", (
        ("Scan the code with the Camera, or open this link:", "用相机扫描二维码，或打开此链接："),
        ("Tap Subscribe, then Add.", "点击“订阅”，然后点击“添加”。"),
        ("Your visits appear in the Calendar app.", "就诊安排会出现在“日历”中。"),
    )),
    (("Google Calendar (Android, or a computer)", "谷歌日历（安卓手机或电脑）"), "google", (
        ("On a computer, signed in to Google, open this link:", "在已登录谷歌账号的电脑上打开此链接："),
        ("Click Add to add the calendar.", "点击“添加”。"),
        ("On the phone, Google Calendar > Settings: turn the calendar on.",
         "在手机谷歌日历的“设置”中打开此日历。"),
    )),
    (("Outlook", "Outlook"), "https", (
        ("Outlook on the web: Add calendar > Subscribe from web, paste:",
         "网页版 Outlook：添加日历 > 从网页订阅，粘贴："),
        ("Give it a name and click Import.", "填写名称后点击“导入”。"),
        ("Outlook on a computer: open the Apple link above instead.",
         "电脑版 Outlook：请打开上方苹果日历的链接。"),
    )),
)


def _said(pair: tuple[str, str], lang: str) -> list[str]:
    en, zh = pair
    if lang == "zh":
        return [zh]
    if lang == "en+zh" and en != zh:
        return [en, zh]
    return [en]


def to_handout(url: str, lang: str = "en", label: str | None = None) -> bytes:
    """The handout of the feed at ``url`` as PDF bytes (one A4 page)."""
    width, height = A4
    buffer = io.BytesIO()
    canv = Canvas(buffer, pagesize=A4, invariant=1)
    canv.setTitle(_said(TEXTS["title"], lang)[0])
    canv.setCreator(f"scheduler {__version__}")
    canv.setProducer(f"scheduler {__version__} (reportlab)")
    column = width - 2 * MARGIN
    y = height - MARGIN - 18
    for line in _said(TEXTS["title"], lang):
        _draw(canv, MARGIN, y, line, 17, bold=True)
        y -= 22
    if label:
        _draw(canv, MARGIN, y, label, 11, ink=SOFT_INK)
        y -= 16
    for text in _said(TEXTS["intro"], lang):
        for line in _wrap(text, column, 10.5):
            _draw(canv, MARGIN, y, line, 10.5)
            y -= 14
    y -= 6
    scale = 1.6
    canv.saveState()
    canv.translate(MARGIN, y - QR_SIZE * scale)
    canv.scale(scale, scale)
    canv.addLiteral(_qr_path(url))
    canv.restoreState()
    text_x = MARGIN + QR_SIZE * scale + 16
    text_y = y - 16
    for text in _said(TEXTS["scan"], lang):
        for line in _wrap(text, width - MARGIN - text_x, 10.5):
            _draw(canv, text_x, text_y, line, 10.5)
            text_y -= 14
    for line in _wrap(url, width - MARGIN - text_x, 10, bold=True):
        _draw(canv, text_x, text_y, line, 10, bold=True)
        text_y -= 13
    text_y -= 6
    for text in _said(TEXTS["private"], lang):
        for line in _wrap(text, width - MARGIN - text_x, 9):
            _draw(canv, text_x, text_y, line, 9, ink=SOFT_INK)
            text_y -= 12
    y = min(y - QR_SIZE * scale, text_y) - 20
    every = links(url)
    for heading, link, steps in STEPS:
        _draw(canv, MARGIN, y, " / ".join(_said(heading, lang)), 12, bold=True)
        y -= 17
        for number, step in enumerate(steps, start=1):
            for index, text in enumerate(_said(step, lang)):
                lines = _wrap(text, column - 18, 10)
                for line in lines:
                    if index == 0 and line is lines[0]:
                        _draw(canv, MARGIN, y, f"{number}.", 10)
                    _draw(canv, MARGIN + 18, y, line, 10)
                    y -= 13
            if number == 1:
                target = getattr(every, link)
                for line in _wrap(target, column - 18, 8.5):
                    _draw(canv, MARGIN + 18, y, line, 8.5, ink=SOFT_INK)
                    y -= 11
        y -= 10
    canv.showPage()
    canv.save()
    return buffer.getvalue()
