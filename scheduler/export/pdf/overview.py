"""The first page: title, patient and version, the plan's facts, the treatment summary,
the notes for the patient and the legend, in two columns."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from scheduler.export.pdf.context import _Context
from scheduler.export.pdf.legend import _legend_table, _Swatch
from scheduler.export.pdf.lines import _Lines
from scheduler.export.pdf.notes import _patient_notes
from scheduler.export.pdf.phases import _phases
from scheduler.export.pdf.style import BODY, GRID

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


def _phase_table(ctx: _Context, width: float) -> Flowable:
    """The summary as a table: swatches on the left, name and dated lines on the right
    (a sentence instead when the plan has no events, e.g. after every component stopped)."""
    if not ctx.plan.events:
        return _para(ctx.words.t("no_events"))
    data = []
    for phase in _phases(ctx):
        chips: list[Flowable] = []
        for kind, colour, code in phase.swatches:
            chips += [_Swatch(kind, colour, code), Spacer(1, 3)]
        text = [_para(phase.name, "bold"), *(_para(line) for line in phase.lines)]
        if phase.emphasis:
            text.append(_para(phase.emphasis, "bold"))
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


def _overview(ctx: _Context, column: float) -> list[Flowable]:
    """The first page's flowables, in two columns."""
    words = ctx.words
    story: list[Flowable] = [_para(words.t("title"), "title")]
    if ctx.patient:
        story.append(_para(f"{words.t('patient')}: {ctx.patient}", "patient"))
    story.append(_para(_version_text(ctx), "bold"))
    story.append(Spacer(1, 6))
    story.append(_kv_table(_header_rows(ctx), column))
    story.append(_para(words.t("phases"), "heading"))
    story.append(_phase_table(ctx, column))
    notes = _patient_notes(ctx.plan, words)
    if notes:
        story.append(_para(words.t("notes"), "heading"))
        story += [_para(words.pick(note, "\n")) for note in notes]
    story.append(KeepTogether([_para(words.t("legend"), "heading"), _legend_table(ctx, column)]))
    return story


def _version_text(ctx: _Context) -> str:
    """"Version 2, replaces version 1 of 2026-01-01"."""
    text = ctx.words.t("version", n=ctx.version)
    if ctx.replaces is not None:
        number, issued = ctx.replaces
        text += ", " + ctx.words.t("replaces", n=number, date=issued.isoformat())
    return text
