"""The first page: title, patient and version, the plan's facts, the treatment summary,
the parameters used, the plan's notes and the legend, in two columns."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from scheduler.export.pdf.context import _Context
from scheduler.export.pdf.legend import _legend_table, _Swatch
from scheduler.export.pdf.phases import _phases
from scheduler.export.pdf.style import BODY, GRID, INK, LATIN, LATIN_BOLD
from scheduler.export.pdf.text import _markup
from scheduler.export.pdf.words import Lang


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


def _phase_table(ctx: _Context, width: float, styles: dict[str, ParagraphStyle]) -> Flowable:
    """The summary as a table: swatches on the left, name and dated lines on the right
    (a sentence instead when the plan has no events, e.g. after every component stopped)."""
    if not ctx.plan.events:
        return Paragraph(_markup(ctx.words.t("no_events")), styles["body"])
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
