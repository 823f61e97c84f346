"""The list pages: every event in date order with its time, code, name and place in the
plan, dose and notes, then the cancelled events; a fixed number of rows per page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from scheduler.core.event import Event
from scheduler.export.pdf.context import _clock, _Context, _notes, _position
from scheduler.export.pdf.notes import _Change
from scheduler.export.pdf.page import _FullPage
from scheduler.export.pdf.shapes import Shape, _draw_mark
from scheduler.export.pdf.style import BODY, FILLS, GRID, HEAD_FILL, LEADING, MARK_CANCELLED, WHITE, Ink
from scheduler.export.pdf.text import _Text, _wrap

ROW_PAD = 2.5
LIST_ROWS_PER_PAGE = 16
"""Events per list page. A standard row is two lines (name / cycle, dose, notes), and 16 of
them leave room on A4 and Letter for a few three-line rows; a page holds fewer rows only when
its rows are taller than that."""
LIST_COLUMNS = (0.10, 0.085, 0.07, 0.225, 0.30, 0.22)
"""Shares of the width: date, time, code, event, dose, notes."""
LIST_TITLE_HEIGHT = 22.0
LIST_HEAD_HEIGHT = 16.0
ZEBRA: Ink = (0.955, 0.955, 0.955)


class _Row(NamedTuple):
    """One row of the list, its cells already broken into lines."""

    cells: tuple[tuple[str, ...], ...]
    kind: Shape | None
    """The shape of the event's mark (None for a heading, a hold or a stop)."""
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
    return _Row(cells, ctx.shape(event), event.style.colour, max(2, *(len(c) for c in cells)), day=event.date)


def _run_row(run: list[Event], ctx: _Context, widths: list[float]) -> _Row:
    """Daily medication on consecutive days, with nothing to note, as one row: the first and
    last date, the time, code, name and days n to m, the dose (the compact layout's list)."""
    words = ctx.words
    inner = [w - 6 for w in widths]
    first, last = run[0], run[-1]
    date_cell = (first.date.isoformat(), *_wrap(words.t("to_date", date=last.date.isoformat()), inner[0]))
    time_cell = tuple(_wrap(_clock(first, words), inner[1]))
    code_cell = tuple(_wrap(first.style.code, inner[2] - 10, BODY, True))
    (a, total), (b, _) = ctx.daily_position[first.uid], ctx.daily_position[last.uid]
    name = words.component_name(first.component, first.style)
    event_cell = (*_wrap(name, inner[3], BODY, True),
                  *_wrap(words.say("daily_days", a=a, b=b, total=total), inner[3]))
    dose_cell = tuple(_wrap(words.dose(first), inner[4])) if first.dose else ()
    cells = (date_cell, time_cell, code_cell, event_cell, dose_cell, ())
    return _Row(cells, ctx.shape(first), first.style.colour, max(2, *(len(c) for c in cells)),
                day=first.date)


def _daily_runs(ctx: _Context) -> dict[str, list[Event]]:
    """Runs of two or more daily doses of one component on consecutive days at the same time
    with no notes, by the uid of their first dose."""
    by_component: dict[str, list[Event]] = {}
    for event in ctx.plan.events:
        if event.kind == "daily":
            by_component.setdefault(event.component, []).append(event)
    runs: dict[str, list[Event]] = {}
    for events in by_component.values():
        run: list[Event] = []
        for event in events:
            plain = not _notes(event, ctx)
            if (run and plain and event.date == run[-1].date + timedelta(days=1)
                    and _clock(event, ctx.words) == _clock(run[0], ctx.words)):
                run.append(event)
                continue
            if len(run) > 1:
                runs[run[0].uid] = run
            run = [event] if plain else []
        if len(run) > 1:
            runs[run[0].uid] = run
    return runs


def _change_row(change: _Change, ctx: _Context, widths: list[float]) -> _Row:
    """A hold or stop as a list row at its first day: date, the code, the sentence."""
    words = ctx.words
    weekday = words.weekday(change.start, short=words.lang == "en+zh")
    date_cell = (change.start.isoformat(), *_wrap(weekday, widths[0] - 6))
    text_cell = tuple(_wrap(words.pick(change.note, "\n"), sum(widths[3:]) - 6))
    cells = (date_cell, (), (), text_cell, (), ())
    return _Row(cells, None, None, max(2, len(date_cell), len(text_cell)), day=change.start)


def _heading_row(text: str, width: float) -> _Row:
    """A full-width heading inside the list (the cancelled events' section)."""
    lines = tuple(_wrap(text, width - 6, BODY, True))
    return _Row((lines,), None, None, len(lines), heading=True)


def _list_rows(ctx: _Context, width: float) -> list[_Row]:
    """Every event in date order, then the cancelled ones under their heading; the holds and
    stops at their first day. In the compact layout, daily medication on consecutive days
    with nothing to note is one row a run ("Days 1–42 of 42")."""
    widths = _column_widths(width)
    changes = sorted(ctx.changes, key=lambda c: c.start)
    runs = _daily_runs(ctx) if ctx.layout == "compact" else {}
    in_runs = {event.uid for run in runs.values() for event in run[1:]}
    rows = []
    for event in ctx.plan.events:
        while changes and changes[0].start <= event.date:
            rows.append(_change_row(changes.pop(0), ctx, widths))
        if event.uid in runs:
            rows.append(_run_row(runs[event.uid], ctx, widths))
        elif event.uid not in in_runs:
            rows.append(_event_row(event, ctx, widths))
    rows += [_change_row(change, ctx, widths) for change in changes]
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


class _ListPage(_FullPage):
    """One page of the list: its title, the column heads and its rows."""

    def __init__(self, ctx: _Context, rows: list[_Row]) -> None:
        super().__init__()
        self.ctx, self.rows = ctx, rows

    def draw(self) -> None:
        """Title, column heads, rows; rows of the same date share a shade."""
        canv, words = self.canv, self.ctx.words
        width, height = self.width, self.height
        with _Text(canv) as text:
            self._title(text, words.t("list_title"), height - 15, 14)
        widths = _column_widths(width)
        heads = ("col_date", "col_time", "col_code", "col_event", "col_dose", "col_notes")
        head_y = height - LIST_TITLE_HEIGHT - LIST_HEAD_HEIGHT
        canv.setFillColor(HEAD_FILL)
        canv.rect(0, head_y, width, LIST_HEAD_HEIGHT, stroke=0, fill=1)
        with _Text(canv) as text:
            x = 0.0
            for key, column in zip(heads, widths, strict=True):
                text.put(x + 3, head_y + 4.5, words.t(key), BODY, True, WHITE)
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
        if row.heading or shade:
            canv.setFillColor(FILLS["holiday"] if row.heading else ZEBRA)
            canv.rect(0, y, width, row.height, stroke=0, fill=1)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.4)
        canv.line(0, y, width, y)
        top = y + row.height - ROW_PAD - 8
        if row.heading:
            with _Text(canv) as text:
                for n, line in enumerate(row.cells[0]):
                    text.put(3, top - n * LEADING, line, BODY, True)
            return
        if row.kind is not None:
            _draw_mark(canv, row.kind, widths[0] + widths[1] + 6.5, top + 3.2, 6.5, row.colour)
        with _Text(canv) as text:
            x = 0.0
            for column, (cell, column_width) in enumerate(zip(row.cells, widths, strict=True)):
                indent = 13.0 if column == 2 and row.kind is not None else 3.0
                for n, line in enumerate(cell):
                    bold = n == 0 and column in (0, 2, 3)
                    text.put(x + indent, top - n * LEADING, line, BODY, bold)
                x += column_width
