"""Calendars for a whole cohort from one CSV file, on every CPU core.

Columns: ``key``, ``template``, ``start`` (required); ``label``, ``holidays``, ``tz``,
``closed`` and ``workday`` (dates or ranges separated by ``;``), ``set`` (``NAME=VALUE``
separated by ``;``), ``horizon``, ``shift_start`` (``yes``/``no``) (optional). A row with
bad data is reported with its line number; the other rows go on.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scheduler.errors import InputError, SchedulerError
from scheduler.expand import expand
from scheduler.files import file_label, plan_filename, write_files
from scheduler.loader import resolve_template
from scheduler.options import (
    PlanOptions,
    parse_assignment,
    parse_date,
    parse_date_range,
    parse_horizon,
    request_for,
)
from scheduler.outputs import OutputOptions, render
from scheduler.protocol import Template

REQUIRED = ("key", "template", "start")
OPTIONAL = ("label", "holidays", "tz", "closed", "workday", "set", "horizon", "shift_start",
            "plan_key")
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Row:
    """One patient of the cohort, as read from the CSV (line numbers count the header)."""

    line: int
    key: str
    label: str | None
    template: str
    options: PlanOptions


@dataclass(frozen=True)
class RowResult:
    """What became of one row: the files written, or the error."""

    line: int
    key: str
    files: tuple[str, ...] = ()
    events: int = 0
    error: str | None = None


@dataclass
class Cohort:
    """The rows of a CSV that could be read, and the lines that could not."""

    rows: list[Row] = field(default_factory=list)
    errors: list[RowResult] = field(default_factory=list)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _row(line: int, record: dict[str, str]) -> Row:
    def cell(name: str) -> str:
        return (record.get(name) or "").strip()

    for name in REQUIRED:
        if not cell(name):
            raise InputError(f"'{name}' is empty")
    shift = cell("shift_start").lower()
    if shift not in ("", "yes", "no", "true", "false"):
        raise InputError(f"shift_start: '{shift}' is not yes or no")
    options = PlanOptions(
        start=parse_date(cell("start"), "start"),
        holidays=cell("holidays") or None,
        closed=tuple(parse_date_range(v, "closed") for v in _split(cell("closed"))),
        workdays=tuple(parse_date_range(v, "workday") for v in _split(cell("workday"))),
        sets=tuple(parse_assignment(v) for v in _split(cell("set"))),
        timezone=cell("tz") or None,
        shift_start=shift in ("yes", "true"),
        plan_key=cell("plan_key") or None,
        **({"horizon": parse_horizon(cell("horizon"))} if cell("horizon") else {}),
    )
    return Row(line, cell("key"), cell("label") or None, cell("template"), options)


def read_cohort(text: str) -> Cohort:
    """Parse the CSV text; a bad row becomes an error with its line number."""
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(f"the CSV has no column {', '.join(missing)} "
                         f"(columns: {', '.join(REQUIRED + OPTIONAL)})")
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise InputError(f"unknown column '{unknown[0]}' (columns: {', '.join(REQUIRED + OPTIONAL)})")
    cohort = Cohort()
    seen: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    for index, record in enumerate(reader):
        line = reader.line_num  # the file's line, also after blank lines or quoted newlines
        if index >= MAX_ROWS:
            raise InputError(f"more than {MAX_ROWS} rows")
        record = {k.strip(): v for k, v in record.items() if k is not None}
        key = (record.get("key") or "").strip()
        try:
            if key in seen:
                raise InputError(f"key '{key}' is also on line {seen[key]}")
            name = file_label(key).lower()  # case-insensitive file systems exist too
            if name in names:
                other, other_line = names[name]
                raise InputError(f"key '{key}' gives the same file names as '{other}' on line "
                                 f"{other_line}")
            row = _row(line, record)
        except SchedulerError as error:
            cohort.errors.append(RowResult(line, key, error=str(error)))
            continue
        seen[key] = line
        names[name] = (key, line)
        cohort.rows.append(row)
    return cohort


@functools.lru_cache(maxsize=32)
def _template(reference: str) -> Template:
    """Each worker loads and validates a template once, not once per row."""
    return resolve_template(reference)[0]


def run_row(row: Row, outdir: Path, stamp: datetime, options: OutputOptions,
            overwrite: bool = False) -> RowResult:
    """Expand, render and write one row's files (all or none of them)."""
    try:
        plan = expand(request_for(_template(row.template), row.options, row.key))
        outputs = render(plan, stamp, row.label, options)
        stem = plan_filename(plan.template.id, plan.start, row.key, "")
        written = write_files(outdir, {f"{stem}{suffix}": data for suffix, data in outputs.items()},
                              overwrite=overwrite)
    except SchedulerError as error:
        return RowResult(row.line, row.key, error=str(error))
    except Exception as error:  # one row's fault must not stop the cohort: report it, go on
        return RowResult(row.line, row.key, error=f"internal error ({type(error).__name__}: {error})")
    return RowResult(row.line, row.key, tuple(str(p) for p in written), len(plan.events))


def _warm(rows: list[Row]) -> None:
    """Load here what every worker needs: the PDF code, each template, and the working-day
    calendars with their holiday tables (one row per template and region is expanded).
    Workers forked from this process (Linux's default before Python 3.14) start with them
    instead of each loading them again; elsewhere this costs a few milliseconds."""
    from scheduler.export.pdf import to_pdf  # noqa: F401  (the import is the point)

    seen: set[tuple[str, str | None, str]] = set()
    for row in rows:
        key = (row.template, row.options.holidays, str(row.options.site))
        if key not in seen:
            seen.add(key)
            with contextlib.suppress(SchedulerError):
                expand(request_for(_template(row.template), row.options, row.key))


def run_cohort(
    rows: Iterable[Row],
    outdir: Path,
    stamp: datetime,
    options: OutputOptions,
    jobs: int | None = None,
    progress: Callable[[RowResult], None] | None = None,
    overwrite: bool = False,
) -> list[RowResult]:
    """Run every row on ``jobs`` processes (default: every core), results by line number."""
    rows = list(rows)
    jobs = jobs or os.cpu_count() or 1
    results: list[RowResult] = []
    if jobs == 1 or len(rows) < 2:
        for row in rows:
            results.append(run_row(row, outdir, stamp, options, overwrite))
            if progress:
                progress(results[-1])
    else:
        _warm(rows)
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_row, row, outdir, stamp, options, overwrite) for row in rows]
            for future in as_completed(futures):
                results.append(future.result())
                if progress:
                    progress(results[-1])
    return sorted(results, key=lambda r: r.line)
