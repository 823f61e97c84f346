"""The first page: title, patient and version, the plan's facts, the treatment summary,
the notes for the patient and the legend, in two columns."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from scheduler.export.pdf.context import _Context
from scheduler.export.pdf.legend import _legend_table, _Swatch
from scheduler.export.pdf.lines import _Lines
from scheduler.export.pdf.notes import _patient_notes, _stop_of
from scheduler.export.pdf.phases import _phases
from scheduler.export.pdf.shapes import Shape
from scheduler.export.pdf.style import BODY, GRID
from scheduler.export.pdf.words import Pair

STYLES: dict[str, dict[str, Any]] = {
    "body": {"size": BODY, "leading": 11.5},
    "bold": {"size": BODY, "leading": 11.5, "bold": True},
    "title": {"size": 17, "leading": 21, "bold": True, "space_after": 4},
    "patient": {"size": 13, "leading": 16, "bold": True, "space_after": 4},
    "heading": {"size": 11, "leading": 14, "bold": True, "space_before": 8, "space_after": 3,
                "keep_with_next": True},
}
"""Text styles of the overview page (9 pt and up)."""


def _para(text: str, style: str = "body", lead: str = "") -> _Lines:
    """A paragraph of ``text`` in one of :data:`STYLES`."""
    return _Lines(text, lead=lead, **STYLES[style])


def _kv_table(rows: list[tuple[str, str]], width: float) -> Table:
    """Label/value pairs in two columns."""
    data = [[_para(k, "bold"), _para(v)] for k, v in rows]
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
    local = ctx.generated.astimezone(request.timezone)
    rows = [
        (words.t("protocol"), words.pick(words.protocol_pair())),
        (words.t("source"), " · ".join(x for x in (template.source, template.reference) if x)),
        (words.t("start"), words.day(plan.start)),
        (words.t("timezone"), words.pick(words.zone_pair())),
        (words.t("holidays"), words.pick(_region_name(calendar.region))
         if calendar.region != "none" else words.t("no_holidays")),
    ]
    if calendar.closures:
        rows.append((words.t("closures"), "; ".join(
            f"{d.isoformat()} ({calendar.closures[d]})" for d in sorted(calendar.closures)
        )))
    if calendar.workdays:
        rows.append((words.t("workdays"), "; ".join(
            f"{d.isoformat()} ({calendar.workdays[d]})" for d in sorted(calendar.workdays)
        )))
    if any(e.open_ended and _stop_of(plan, e.component, e.regimen) is None for e in plan.events):
        rows.append((words.t("horizon"), plan.horizon_end.isoformat()))  # not once it stopped
    rows += [
        (words.t("generated"), words.pick((
            f"{local:%Y-%m-%d %H:%M} ({getattr(request.timezone, 'key', request.timezone)})",
            f"{local:%Y-%m-%d %H:%M}（{words.zone_pair()[1]}）"))),
    ]
    return rows


class _PhaseHead(Flowable):
    """A phase's head: its swatches in a row, then its name in bold; a rule above it."""

    def __init__(self, swatches: tuple[tuple[Shape, str | None, str], ...], name: str) -> None:
        super().__init__()
        self.chips = [_Swatch(shape, colour, code) for shape, colour, code in swatches]
        self.name = name
        self.spaceBefore, self.keepWithNext = 5.0, True
        self.name_block = _Lines(name, bold=True)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Chips and name on one line, the name wrapped in what the chips leave."""
        self.chips_width = sum(chip.width + 6 for chip in self.chips)
        _, height = self.name_block.wrap(available_width - self.chips_width, available_height)
        self.width, self.height = available_width, max(height, 13.0) + 3
        return self.width, self.height

    def draw(self) -> None:
        """The rule, the chips, the name."""
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.4)
        canv.line(0, self.height, self.width, self.height)
        canv.restoreState()
        x = 2.0
        for chip in self.chips:
            chip.drawOn(canv, x, self.height - 13)
            x += chip.width + 6
        self.name_block.drawOn(canv, self.chips_width + 2, self.height - 3 - self.name_block.height)


COUNTRY_NAMES_ZH = {"CN": "中国", "HK": "中国香港", "MO": "中国澳门", "TW": "中国台湾", "SG": "新加坡"}
"""Chinese names of the regions a Chinese calendar is most often printed for."""


def _region_name(region: str) -> Pair:
    """A holiday region in words: "CN" -> ("China", "中国"), "US-CA" -> ("United States (CA)",
    ...), from the ``holidays`` package's country list (the code itself when it is unknown)."""
    from holidays import registry

    country, _, subdivision = region.partition("-")
    english = next((key.replace("_", " ").title() for key, names in registry.COUNTRIES.items()
                    if names[1] == country), country)
    chinese = COUNTRY_NAMES_ZH.get(country, english)
    if subdivision:
        return f"{english} ({subdivision})", f"{chinese}（{subdivision}）"
    return english, chinese


def _phase_flowables(ctx: _Context) -> list[Flowable]:
    """The summary: for each phase its head (swatches and name), then its dated lines, each
    a paragraph that may break across columns (a sentence instead when the plan has no
    events, e.g. after every component stopped)."""
    if not ctx.plan.events:
        return [_para(ctx.words.t("no_events"))]
    story: list[Flowable] = []
    for phase in _phases(ctx):
        story.append(_PhaseHead(phase.swatches, phase.name))
        story += [_para(line) for line in phase.lines]
        if phase.emphasis:
            story.append(_para(phase.emphasis, "bold"))
    return story


def _overview(ctx: _Context, column: float, legend: bool = True) -> list[Flowable]:
    """The first page's flowables, in two columns; ``legend`` adds the legend (the month pages
    have theirs, so it is left out when only it would take the overview to a second page)."""
    words = ctx.words
    head: list[Flowable] = [_para(words.t("title"), "title")]
    if ctx.patient:
        head.append(_para(f"{words.t('patient')}: {ctx.patient}", "patient"))
    head.append(_para(_version_text(ctx), "bold"))
    story: list[Flowable] = head if ctx.feed_url is None else [_with_qr(head, ctx, column)]
    story.append(Spacer(1, 6))
    story.append(_kv_table(_header_rows(ctx), column))
    story.append(_para(words.t("phases"), "heading"))
    story += _phase_flowables(ctx)
    notes = _patient_notes(ctx.plan, words)
    if notes:
        story.append(_para(words.t("notes"), "heading"))
        story += [_para(words.pick(note, "\n")) for note in notes]
    if legend:
        story.append(KeepTogether([_para(words.t("legend"), "heading"), _legend_table(ctx, column)]))
    return story


QR_SIZE = 84.0
"""The QR code's side in points, its quiet zone included (about 3 cm: a phone reads it from
arm's length)."""


@lru_cache(maxsize=64)
def _qr_path(url: str) -> str:
    """``url`` as a QR code QR_SIZE wide (quiet zone included), as PDF path operators: the
    dark modules that reportlab's own QR widget lays out (error correction level M), filled
    in one path. Encoding takes reportlab's pure-Python encoder a good part of a PDF's time,
    so each address is encoded once per process."""
    # Imported here: reportlab.graphics.barcode loads every barcode kind (30-60 ms), and only
    # a calendar with a feed address has a QR code.
    from reportlab.graphics.barcode.qr import QrCodeWidget

    widget = QrCodeWidget(url, barLevel="M", barWidth=QR_SIZE, barHeight=QR_SIZE)
    group = widget.draw()  # type: ignore[no-untyped-call]  # (the stubs leave it untyped)
    boxes = [node for node in group.contents if node.fillColor is not None]
    rects = " ".join(f"{fp_str(b.x, b.y, b.width, b.height)} re" for b in boxes)
    return f"q 0 g {rects} f Q"


class _QrCode(Flowable):
    """The QR code of a web address, QR_SIZE square."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.width = self.height = QR_SIZE

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Its own fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """The dark modules, one path."""
        self.canv.addLiteral(_qr_path(self.url))


def _with_qr(head: list[Flowable], ctx: _Context, width: float) -> Table:
    """The title lines on the left; on the right, the QR code of the patient's live calendar
    feed with "Scan to add your treatment calendar to your phone" under it."""
    assert ctx.feed_url is not None
    caption = _Lines(ctx.words.say("scan"), leading=11.0)
    table = Table([[head, [_QrCode(ctx.feed_url), caption]]], colWidths=[width - QR_SIZE - 12, QR_SIZE + 12],
                  hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _version_text(ctx: _Context) -> str:
    """"Version 2, replaces version 1 of 2026-01-01"."""
    text = ctx.words.t("version", n=ctx.version)
    if ctx.replaces is not None:
        number, issued = ctx.replaces
        text += ", " + ctx.words.t("replaces", n=number, date=issued.isoformat())
    return text
