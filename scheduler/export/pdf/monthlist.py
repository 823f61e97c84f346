"""The compact layout: months with few treatment days are printed as a list of their days,
several months to a page in columns, instead of a month grid each.

A year of continuation doses every three weeks made six nearly empty month grids; here they
share a page, each day with its marks, events, holiday and notes as a day cell shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from scheduler.export.pdf.context import _Context, _day_status
from scheduler.export.pdf.legend import _draw_legend, _layout_legend, _legend_items
from scheduler.export.pdf.month import MARK_STEP, TEXT_INDENT, _cell_items, _CellItem, _moved_away
from scheduler.export.pdf.page import _FullPage
from scheduler.export.pdf.shapes import _draw_mark
from scheduler.export.pdf.style import BODY, GRID, LEADING, SOFT_INK
from scheduler.export.pdf.text import _Text, _width, _wrap

SPARSE_DAYS = 6
"""A month with at most this many days with something to show (events, events moved away,
holds and stops) is listed in the compact layout; a busier month gets its grid (the seed
plan's February, with the Spring Festival's moves and the first week of radiotherapy, has
seven)."""
COLUMNS = 3
COLUMN_GAP = 18.0
HEADING_LINES = 2
"""A month's heading takes two lines (its title and the space before it)."""
TITLE_HEIGHT = 30.0


def _month_days(year: int, month: int) -> list[date]:
    """Every date of a month."""
    first = date(year, month, 1)
    return [day for day in (first + timedelta(days=n) for n in range(31)) if day.month == month]


def _treatment_days(ctx: _Context, year: int, month: int) -> list[date]:
    """The days of a month with events, moves away, holds or stops."""
    return [day for day in _month_days(year, month)
            if ctx.by_day.get(day) or ctx.moved_away.get(day) or ctx.changes_on(day)]


def _shown_days(ctx: _Context, year: int, month: int) -> list[date]:
    """The days of a month that have something to show: its treatment days and the days an
    infusion started earlier is still running."""
    return [day for day in _month_days(year, month)
            if ctx.by_day.get(day) or ctx.moved_away.get(day) or ctx.changes_on(day)
            or ctx.running.get(day)]


def _is_sparse(ctx: _Context, year: int, month: int) -> bool:
    """True for a month the compact layout lists instead of drawing its grid (the days an
    infusion is still running do not count: they follow a treatment day)."""
    return len(_treatment_days(ctx, year, month)) <= SPARSE_DAYS


class _Entry(NamedTuple):
    """One block of a month list: a month's heading, or a day with its lines."""

    day: date | None
    heading: str
    notes: tuple[str, ...]
    items: tuple[tuple[_CellItem, tuple[str, ...]], ...]

    @property
    def lines(self) -> int:
        """The block's height in lines."""
        if self.day is None:
            return HEADING_LINES
        return max(len(self.notes) + sum(len(lines) for _, lines in self.items), 1)


def _entries(ctx: _Context, months: Sequence[tuple[int, int]], label_width: float,
             column_width: float) -> list[_Entry]:
    """The blocks of the listed months: each month's heading, then its days."""
    words = ctx.words
    entries = []
    inner = column_width - label_width
    for year, month in months:
        entries.append(_Entry(None, words.month(year, month), (), ()))
        for day in _shown_days(ctx, year, month):
            _, label = _day_status(day, words)
            changes = [words.pick(change.text) for change in ctx.changes_on(day)]
            notes = [text for text in (label, *_moved_away(ctx, day), *changes) if text]
            note_lines = _wrap("\n".join(notes), inner, BODY) if notes else ()
            items = tuple((item, item.lines(inner)) for item in _cell_items(
                ctx.by_day.get(day, []), ctx, running=ctx.running.get(day, ())))
            entries.append(_Entry(day, "", note_lines, items))
    if not any(entry.day for entry in entries):  # months with nothing at all: their names only
        return [entry for entry in entries if entry.day is None]
    return entries


def _day_label(ctx: _Context, day: date) -> str:
    """A day's label in the list: "Tue 12 May", "5月12日（周二）"."""
    return ctx.words.pick(ctx.words.short_day_pair(day), " ")


def _paginate_entries(
    entries: list[_Entry], lines_per_column: int, continued: str = " (continued)"
) -> list[list[list[_Entry]]]:
    """Entries into pages of columns; a heading is never left at the foot of a column, and a
    column that goes on with a month's days repeats its heading, marked ``continued``."""
    pages: list[list[list[_Entry]]] = [[[]]]
    used = 0
    heading = ""
    for index, entry in enumerate(entries):
        following = entries[index + 1].lines if entry.day is None and index + 1 < len(entries) else 0
        if pages[-1][-1] and used + entry.lines + following > lines_per_column:
            if len(pages[-1]) == COLUMNS:
                pages.append([])
            pages[-1].append([])
            used = 0
            if entry.day is not None and heading:
                pages[-1][-1].append(_Entry(None, heading + continued, (), ()))
                used += HEADING_LINES
        if entry.day is None:
            heading = entry.heading
        pages[-1][-1].append(entry)
        used += entry.lines
    return pages


class _MonthListPage(_FullPage):
    """A page of listed months: a title naming them, the days in columns, a legend strip."""

    def __init__(self, ctx: _Context, title: str, columns: list[list[_Entry]], label_width: float) -> None:
        super().__init__()
        self.ctx, self.title, self.columns, self.label_width = ctx, title, columns, label_width
        shown = [e for column in columns for entry in column if entry.day is not None
                 for e in (*ctx.by_day.get(entry.day, ()), *ctx.moved_away.get(entry.day, ()),
                           *ctx.running.get(entry.day, ()))]
        days = [entry.day for column in columns for entry in column if entry.day is not None]
        self.legend = _legend_items(ctx, shown, days, shades=False)

    def draw(self) -> None:
        """Title, the columns of days, then the legend strip."""
        canv = self.canv
        width, height = self.width, self.height
        with _Text(canv) as text:
            self._title(text, self.title, height - 16, 16)
        column_width = (width - (COLUMNS - 1) * COLUMN_GAP) / COLUMNS
        top = height - TITLE_HEIGHT - 10
        for number, column in enumerate(self.columns):
            x = number * (column_width + COLUMN_GAP)
            if number:
                canv.setStrokeColor(GRID)
                canv.setLineWidth(0.4)
                canv.line(x - COLUMN_GAP / 2, top + 10, x - COLUMN_GAP / 2, 30)
            self._column(column, x, top, column_width)
        _draw_legend(canv, _layout_legend(self.legend, width), 2)

    def _column(self, entries: list[_Entry], x: float, top: float, width: float) -> None:
        """One column: month headings and days, each day as one text object."""
        canv = self.canv
        line = 0
        for entry in entries:
            y = top - line * LEADING
            if entry.day is None:
                with _Text(canv) as text:
                    text.put(x, y - LEADING * 0.6, entry.heading, 11, True)
                line += entry.lines
                continue
            with _Text(canv) as text:
                text.put(x, y, _day_label(self.ctx, entry.day), BODY, True)
                row = 0
                for note in entry.notes:
                    text.put(x + self.label_width, y - row * LEADING, note, BODY, False, SOFT_INK)
                    row += 1
                for item, lines in entry.items:
                    for n, (shape, colour) in enumerate(item.marks):
                        _draw_mark(canv, shape, x + self.label_width + 3.5 + n * MARK_STEP,
                                   y - row * LEADING + 3.2, 6.5, colour)
                    for n, item_line in enumerate(lines):
                        indent = item.indent if n == 0 else TEXT_INDENT
                        text.put(x + self.label_width + indent, y - row * LEADING, item_line, BODY)
                        row += 1
            line += entry.lines


def _month_list_pages(ctx: _Context, months: Sequence[tuple[int, int]], width: float,
                      height: float) -> list[_MonthListPage]:
    """The pages that list ``months`` (consecutive months of the compact layout)."""
    words = ctx.words
    column_width = (width - (COLUMNS - 1) * COLUMN_GAP) / COLUMNS
    labels = [_day_label(ctx, day) for year, month in months for day in _shown_days(ctx, year, month)]
    label_width = max((_width(label, BODY, True) for label in labels), default=40.0) + 8
    entries = _entries(ctx, months, label_width, column_width)
    shown = [e for year, month in months for day in _month_days(year, month)
             for e in (*ctx.by_day.get(day, ()), *ctx.moved_away.get(day, ()), *ctx.running.get(day, ()))]
    legend_lines = len(_layout_legend(
        _legend_items(ctx, shown, [d for y, m in months for d in _month_days(y, m)], shades=False), width))
    lines_per_column = int((height - TITLE_HEIGHT - 10 - legend_lines * LEADING - 12) // LEADING)
    (first_year, first_month), (last_year, last_month) = months[0], months[-1]
    title = words.month(first_year, first_month)
    if len(months) > 1:
        title += f" – {words.month(last_year, last_month)}"
    continued = words.pick((" (continued)", "（续）"), " ")
    pages = _paginate_entries(entries, max(lines_per_column, 8), continued)
    if len(pages) == 1:  # balance the columns of a single page
        total = sum(entry.lines for entry in entries)
        balanced = _paginate_entries(entries, max(-(-total // COLUMNS) + HEADING_LINES, 8), continued)
        if len(balanced) == 1:
            pages = balanced
    return [_MonthListPage(ctx, title, columns, label_width) for columns in pages]
