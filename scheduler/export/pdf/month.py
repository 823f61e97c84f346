"""The month pages: one grid of weeks per month, each day cell shaded by what kind of day it
is, with its holiday or closure, the events moved away from it, and its events in short."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from scheduler.core.event import Event
from scheduler.export.pdf.context import _Context, _day_status, _until_pair
from scheduler.export.pdf.legend import _draw_legend, _layout_legend, _legend_items
from scheduler.export.pdf.page import _FullPage
from scheduler.export.pdf.shapes import Shape, _draw_mark, _hatch
from scheduler.export.pdf.style import (
    BODY,
    FILLS,
    GREYED_INK,
    GRID,
    HEAD_FILL,
    LEADING,
    MARK_CHANGED,
    MARK_CONTINUATION,
    MARK_MOVED,
    SOFT_INK,
    WHITE,
)
from scheduler.export.pdf.text import _draw, _Text, _width, _wrap


def _months(first: date, last: date) -> list[tuple[int, int]]:
    """(year, month) from the month of ``first`` to the month of ``last``."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


MARK_STEP = 7.5
"""The distance between the marks of events that share a line of a day cell."""
TEXT_INDENT = 11.0
"""Where the second and later lines of an event's text begin in a day cell."""


class _CellItem(NamedTuple):
    """One line of a day cell: events of the same day shown together, each with its mark."""

    marks: tuple[tuple[Shape, str | None], ...]
    """Each component's shape and colour, in the order of the codes in the text."""
    text: str

    @property
    def indent(self) -> float:
        """Where the text's first line begins: after the marks."""
        return MARK_STEP * len(self.marks) + 3.5

    def lines(self, width: float) -> tuple[str, ...]:
        """The text broken into lines ``width`` wide: the first after the marks, the others
        from :data:`TEXT_INDENT` (under the first mark's right edge)."""
        return _wrap(self.text, width - TEXT_INDENT, BODY, first=width - self.indent)


def _cell_items(
    events: Sequence[Event], ctx: _Context, brief: bool = False, running: Sequence[Event] = ()
) -> list[_CellItem]:
    """A day's events in short form. Drugs of one regimen, cycle and day share a line
    ("08:30 IO+nP+DDP C3D1"); daily medication shares one line ("TMZ daily"); a fraction is
    "14:00 RT 12/30"; a visit shows its name. Marks: » moved, † continuation, ‡ changed.
    ``brief`` leaves out times and marks. First, the infusions ``running`` on from an
    earlier day, those that end together on one line: "5FU46 infusion running (until Wed
    09:15)"."""
    items = _running_items(running, ctx)
    groups: dict[tuple[Any, ...], list[Event]] = {}
    for event in events:
        if event.kind == "drug":
            key: tuple[Any, ...] = ("drug", event.regimen, event.cycle, event.day)
        elif event.kind == "daily":
            key = ("daily",)
        else:
            key = (event.kind, event.uid)
        groups.setdefault(key, []).append(event)
    for group in groups.values():
        first = group[0]
        codes = "+".join(dict.fromkeys(e.style.code for e in group))
        if first.kind == "drug":
            label = first.cycle_code
        elif first.kind == "fraction":
            label = f"{first.fraction}/{first.fractions_total}"
        elif first.kind == "daily":
            label = ctx.words.t("daily_short")
        else:
            name = ctx.words.component_name(first.component, first.style)
            label = "" if name == first.style.code else name
        starts = [e.start for e in group if e.start is not None]
        clock = f"{min(starts):%H:%M} " if starts else ""
        signs = "".join(
            mark for mark, flag in (
                (MARK_MOVED, any(e.moved_from is not None for e in group)),
                (MARK_CONTINUATION, any(e.open_ended for e in group)),
                (MARK_CHANGED, any(e.uid in ctx.changed for e in group)),
            ) if flag
        )
        suffix = f" {signs}" if signs and not brief else ""
        text = f"{'' if brief else clock}{codes} {label}".rstrip() + suffix
        marks = tuple(dict.fromkeys((ctx.shape(e), e.style.colour) for e in group))
        items.append(_CellItem(marks, text))
    return items


def _running_items(running: Sequence[Event], ctx: _Context) -> list[_CellItem]:
    """The continuation lines of infusions started on an earlier day, each with its drug's
    mark: "5FU46 infusion running (until Wed 09:15)"; those that end together share one."""
    groups: dict[Any, list[Event]] = {}
    for event in running:
        groups.setdefault(event.end, []).append(event)
    items = []
    for group in groups.values():
        codes = "+".join(dict.fromkeys(e.style.code for e in group))
        until = ctx.words.t("running", until=_until_pair(group[0], ctx.words, with_date=False))
        marks = tuple(dict.fromkeys((ctx.shape(e), e.style.colour) for e in group))
        items.append(_CellItem(marks, f"{codes} {until}"))
    return items


class _MonthPage(_FullPage):
    """One month as a grid of weeks, filling the frame: title, weekday heads, day cells, and a
    legend strip at the bottom."""

    def __init__(self, ctx: _Context, year: int, month: int) -> None:
        super().__init__()
        self.ctx, self.year, self.month = ctx, year, month
        first = date(year, month, 1)
        self.days = [day for day in (first + timedelta(days=n) for n in range(31)) if day.month == month]
        shown = [e for day in self.days for e in (
            *ctx.by_day.get(day, ()), *ctx.moved_away.get(day, ()), *ctx.running.get(day, ()))]
        self.legend = _legend_items(ctx, shown, self.days)

    def draw(self) -> None:
        """Title, weekday heads, the weeks of day cells, then the legend strip."""
        canv, words = self.canv, self.ctx.words
        width, height = self.width, self.height
        title_y = height - 16
        with _Text(canv) as text:
            self._title(text, words.month(self.year, self.month), title_y, 16)
        legend_lines = _layout_legend(self.legend, width)
        legend_height = len(legend_lines) * LEADING + 4
        head_top = height - 26
        head_height = 15.0
        grid_top = head_top - head_height
        grid_bottom = legend_height + 2
        first = date(self.year, self.month, 1)
        offset = (first.weekday() - self.ctx.week_start) % 7
        days_in_month = ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - first).days
        weeks = -(-(offset + days_in_month) // 7)
        cell_w = width / 7
        cell_h = (grid_top - grid_bottom) / weeks
        canv.setFillColor(HEAD_FILL)
        canv.rect(0, grid_top, width, head_height, stroke=0, fill=1)
        with _Text(canv) as text:
            for column in range(7):
                weekday = (self.ctx.week_start + column) % 7
                label = words.weekday_header(weekday)
                x = column * cell_w + (cell_w - _width(label, BODY, True)) / 2
                text.put(x, grid_top + 4, label, BODY, True, WHITE)
        grid_start = first - timedelta(days=offset)
        for index in range(weeks * 7):
            day = grid_start + timedelta(days=index)
            x = (index % 7) * cell_w
            y = grid_top - (index // 7 + 1) * cell_h
            self._cell(day, x, y, cell_w, cell_h)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.6)
        for row in range(weeks + 1):
            canv.line(0, grid_top - row * cell_h, width, grid_top - row * cell_h)
        for column in range(8):
            canv.line(column * cell_w, grid_top, column * cell_w, grid_top - weeks * cell_h)
        _draw_legend(canv, legend_lines, 2)  # after the days: text extraction reads it last

    def _cell(self, day: date, x: float, y: float, w: float, h: float) -> None:
        """One day: shading, day number, holiday/closure label and moves away, then its
        events; what does not fit ends with "+N more (see list)". The marks are written as they
        come; the cell's text, one text object, when it is complete."""
        canv, words = self.canv, self.ctx.words
        pad = 3.0
        top = y + h - 10.5
        if day.month != self.month:
            canv.setFillColor(FILLS["other"])
            canv.rect(x, y, w, h, stroke=0, fill=1)
            _draw(canv, x + pad, top, str(day.day), 10, False, GREYED_INK)
            return
        status, label = _day_status(day, words)
        if status in FILLS:
            canv.setFillColor(FILLS[status])
            canv.rect(x, y, w, h, stroke=0, fill=1)
        inner = w - 2 * pad
        number = str(day.day)
        number_w = _width(number, 10, True)
        changes = [words.pick(change.text) for change in self.ctx.changes_on(day)]
        notes = [text for text in (label, *_moved_away(self.ctx, day), *changes) if text]
        note_lines = _wrap("\n".join(notes), inner, BODY, first=inner - number_w - 4) if notes else ()
        first_line = max(len(note_lines), 1)
        capacity = int((h - 13) // LEADING) + 1
        items = _cell_items(self.ctx.by_day.get(day, []), self.ctx, running=self.ctx.running.get(day, ()))
        blocks, hidden = _fit([(item, item.lines(inner)) for item in items],
                              capacity - first_line)
        if status == "closed":  # below the text, never through it
            used = first_line + sum(len(lines) for _, lines in blocks) + (1 if hidden else 0)
            text_bottom = top - (used - 1) * LEADING - 4
            _hatch(canv, x, y, w, max(text_bottom - y, 6.0))
        with _Text(canv) as text:
            text.put(x + pad, top, number, 10, True)
            for n, note in enumerate(note_lines):
                indent = number_w + 4 if n == 0 else 0
                text.put(x + pad + indent, top - n * LEADING, note, BODY, False, SOFT_INK)
            line = first_line
            for item, lines in blocks:
                for n, (shape, colour) in enumerate(item.marks):
                    _draw_mark(canv, shape, x + pad + 3.5 + n * MARK_STEP, top - line * LEADING + 3.2, 6.5,
                               colour)
                for n, event_line in enumerate(lines):
                    indent = item.indent if n == 0 else TEXT_INDENT
                    text.put(x + pad + indent, top - line * LEADING, event_line, BODY)
                    line += 1
            if hidden:
                text.put(x + pad, top - line * LEADING, words.t("more", n=hidden), BODY, True)

def _moved_away(ctx: _Context, day: date) -> list[str]:
    """Notes for the events moved away from ``day``: "» moved to Tue 24 Feb: IO+nP+DDP C3D1"."""
    words = ctx.words
    targets: dict[date, list[Event]] = {}
    for event in ctx.moved_away.get(day, []):
        targets.setdefault(event.date, []).append(event)
    notes = []
    for target, events in targets.items():
        items = ", ".join(item.text for item in _cell_items(events, ctx, brief=True))
        notes.append(f"{MARK_MOVED} {words.t('moved_to', date=words.short_day_pair(target))}: {items}")
    return notes


def _fit(
    blocks: list[tuple[_CellItem, tuple[str, ...]]], budget: int
) -> tuple[list[tuple[_CellItem, tuple[str, ...]]], int]:
    """The items (with their lines) that fit in ``budget`` lines, and how many are left out;
    when some are left out, one line is kept free for "+N more"."""
    if sum(len(lines) for _, lines in blocks) <= budget:
        return blocks, 0
    kept: list[tuple[_CellItem, tuple[str, ...]]] = []
    used = 0
    for item, lines in blocks:
        if used + len(lines) > budget - 1:
            break
        kept.append((item, lines))
        used += len(lines)
    return kept, len(blocks) - len(kept)
