"""The first page: title, patient and version, the plan's facts, the treatment summary,
the parameters used, the plan's notes and the legend, in two columns."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from scheduler.export.pdf.context import _Context
from scheduler.export.pdf.legend import _legend_table, _Swatch
from scheduler.export.pdf.lines import _Lines
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


ROW_HEIGHT = 240
"""Points of text in one row of the treatment summary, at most (the frame is about 520 high):
a longer phase goes on in more rows, since a table row cannot break across pages."""


def _phase_table(ctx: _Context, width: float) -> Flowable:
    """The summary as a table: swatches on the left, name and dated lines on the right
    (a sentence instead when the plan has no events, e.g. after every component stopped)."""
    if not ctx.plan.events:
        return _para(ctx.words.t("no_events"))
    data: list[list[Any]] = []
    continued: list[int] = []  # rows a phase goes on after: no rule below them
    for phase in _phases(ctx):
        chips: list[Flowable] = []
        for kind, colour, code in phase.swatches:
            chips += [_Swatch(kind, colour, code), Spacer(1, 3)]
        text = [_para(phase.name, "bold"), *(_para(line) for line in phase.lines)]
        if phase.emphasis:
            text.append(_para(phase.emphasis, "bold"))
        rows = _rows_of(text, width - 58 - 2 - 6)  # the cell less its left and right padding
        for number, row in enumerate(rows):
            if number < len(rows) - 1:
                continued.append(len(data))
            data.append([chips if number == 0 else [], row])
    table = Table(data, colWidths=[58, width - 58], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        *([("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID)] if not continued else
          [("LINEBELOW", (0, r), (-1, r), 0.4, GRID) for r in range(len(data)) if r not in continued]),
    ]))
    return table


def _rows_of(text: list[Flowable], width: float) -> list[list[Flowable]]:
    """A phase's paragraphs in rows of at most :data:`ROW_HEIGHT` points (one row, as
    before, for every phase that fits: 44 weekly cycles take two)."""
    rows: list[list[Flowable]] = [[]]
    height = 0.0
    for item in text:
        _, tall = item.wrap(width, 10_000)
        if rows[-1] and height + tall > ROW_HEIGHT:
            rows.append([])
            height = 0.0
        rows[-1].append(item)
        height += tall
    return rows


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
    if ctx.plan.parameters:
        story.append(_para(words.t("parameters"), "heading"))
        for p in ctx.plan.parameters:
            how = words.t("param_default" if p.is_default else "param_set")
            story.append(_para(f"({how}): {p.description}", lead=f"{p.name} = {p.value}"))
    if ctx.plan.notes:
        story.append(_para(words.t("notes"), "heading"))
        story += [_para(note) for note in ctx.plan.notes]
    story.append(KeepTogether([_para(words.t("legend"), "heading"), _legend_table(ctx, column)]))
    return story


def _version_text(ctx: _Context) -> str:
    """"Version 2, replaces version 1 of 2026-01-01"."""
    text = ctx.words.t("version", n=ctx.version)
    if ctx.replaces is not None:
        number, issued = ctx.replaces
        text += ", " + ctx.words.t("replaces", n=number, date=issued.isoformat())
    return text
