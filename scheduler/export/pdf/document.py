"""The document: page templates (two columns for the overview, one frame for the rest), a
canvas that numbers the pages "n of N" and stamps the creation date, the footer, and the
story of overview, month pages and list pages."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, NextPageTemplate, PageBreak, PageTemplate

from scheduler import __version__
from scheduler.export.pdf.context import _Context
from scheduler.export.pdf.listing import LIST_HEAD_HEIGHT, LIST_TITLE_HEIGHT, _list_rows, _ListPage, _paginate
from scheduler.export.pdf.month import _MonthPage, _months
from scheduler.export.pdf.monthlist import _is_sparse, _month_list_pages
from scheduler.export.pdf.overview import _overview
from scheduler.export.pdf.style import BODY, GRID, SOFT_INK
from scheduler.export.pdf.text import _Text, _width

PAPERS = {"a4": landscape(A4), "letter": landscape(LETTER)}
MARGIN = 28.0
FOOTER_BAND = 18.0
"""Space below the frame for the footer line."""


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
        ctx.patient, words.protocol_short(), words.t("version", n=ctx.version),
        f"{words.t('generated')} {ctx.generated.astimezone(ctx.plan.request.timezone):%Y-%m-%d}",
    ) if x)

    def draw(canv: Canvas, number: int, total: int) -> None:
        canv.saveState()
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, MARGIN + 11, page_width - MARGIN, MARGIN + 11)
        page = words.t("page", n=number, total=total)
        with _Text(canv) as text:
            text.put(MARGIN, MARGIN, left, BODY, False, SOFT_INK)
            text.put(page_width - MARGIN - _width(page, BODY, True), MARGIN, page, BODY, True)
        canv.restoreState()

    return draw


def _month_runs(
    ctx: _Context, months: list[tuple[int, int]]
) -> list[tuple[bool, list[tuple[int, int]]]]:
    """The months in runs: (listed, months). In the compact layout, two or more consecutive
    months with few treatment days are listed together; every other month (a quiet month on
    its own saves no page, and its grid reads better) and every month in the full layout is
    a grid of its own."""
    runs: list[tuple[bool, list[tuple[int, int]]]] = []
    for year, month in months:
        listed = ctx.layout == "compact" and _is_sparse(ctx, year, month)
        if runs and listed and runs[-1][0]:
            runs[-1][1].append((year, month))
        else:
            runs.append((listed, [(year, month)]))
    grids = [(False, [month]) for listed, run in runs if listed and len(run) == 1 for month in run]
    return [run if not (run[0] and len(run[1]) == 1) else grids.pop(0) for run in runs]


def _fits_one_page(story: list[Flowable], like: BaseDocTemplate) -> bool:
    """True when ``story`` (the overview) fits on the first page of a document laid out like
    ``like``: surely when its blocks, with the tallest once more for what a column break can
    waste, take less than the two columns; else a trial layout into a scratch document."""
    frames = like.pageTemplates[0].frames
    scratch = Canvas(io.BytesIO(), pagesize=like.pagesize)
    heights = [f.wrapOn(scratch, frames[0].width, frames[0].height)[1] + f.getSpaceBefore()
               + f.getSpaceAfter() for f in story]
    if sum(heights) + max(heights, default=0) < sum(frame.height for frame in frames):
        return True
    trial = BaseDocTemplate(io.BytesIO(), pagesize=like.pagesize, invariant=1)
    trial.addPageTemplates([like.pageTemplates[0]])
    trial.build(list(story))
    return bool(trial.page == 1)


def _render(ctx: _Context, paper: Literal["a4", "letter"]) -> bytes:
    """Lay out and build the whole document on ``paper``: the overview, a page per month from
    the first to the last event (or the last day an infusion still runs), then the list pages."""
    plan, words = ctx.plan, ctx.words
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
        title=f"{words.t('title')} – {words.pick(words.protocol_pair())}", author="",
        subject=words.t("subject", name=words.protocol_pair()), keywords=[plan.template.source],
        lang={"en": "en", "zh": "zh-CN", "en+zh": "en"}[words.lang],
        creator=f"scheduler {__version__}", producer=f"scheduler {__version__} (reportlab)",
    )
    doc.addPageTemplates([
        PageTemplate("overview", [frame("left", frame_x, column),
                                  frame("right", frame_x + column + gap, column)]),
        PageTemplate("full", [frame("full", frame_x, frame_w)]),
    ])
    legend = (_fits_one_page(_overview(ctx, column), doc)
              or not _fits_one_page(_overview(ctx, column, legend=False), doc))
    story = _overview(ctx, column, legend)  # laid out afresh: a trial leaves its flowables split
    story.append(NextPageTemplate("full"))
    last = max((plan.last_date, *ctx.running, *(change.start for change in ctx.changes)))
    for listed, months in _month_runs(ctx, _months(plan.first_date, last)):
        if listed:
            for page in _month_list_pages(ctx, months, frame_w, frame_h):
                story += [PageBreak(), page]
        else:
            (year, month), = months
            story += [PageBreak(), _MonthPage(ctx, year, month)]
    available = frame_h - LIST_TITLE_HEIGHT - LIST_HEAD_HEIGHT
    for rows in _paginate(_list_rows(ctx, frame_w), available):
        story += [PageBreak(), _ListPage(ctx, rows)]
    doc.build(story, canvasmaker=_canvas_maker(_footer(ctx, page_width), ctx.generated))
    return buffer.getvalue()
