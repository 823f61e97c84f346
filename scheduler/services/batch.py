"""Calendars for a whole cohort from one CSV file, on every CPU core.

Columns: ``key``, ``template``, ``start`` (required); ``label``, ``holidays``, ``tz``,
``closed`` and ``workday`` (dates or ranges separated by ``;``), ``set`` (``NAME=VALUE``
separated by ``;``), ``horizon``, ``shift_start`` (``yes``/``no``) (optional). A row with
bad data is reported with its line number; the other rows go on. :func:`report_csv` tells,
row by row, what was written and what was changed or assumed on the way (a start moved to
the next working day, public holidays the ``holidays`` package only estimates, defaults);
:func:`summary` counts it.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import functools
import io
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from scheduler.core.errors import InputError, SchedulerError, field_index, field_key, field_root
from scheduler.core.expand import expand
from scheduler.core.files import MAX_CSV_BYTES, file_label, plan_filename, remove_temporary_files, write_files
from scheduler.core.loader import resolve_listed_template
from scheduler.core.plan import DEFAULT_HORIZON, Plan
from scheduler.core.protocol import Template
from scheduler.core.text import text_problem
from scheduler.export.outputs import OutputOptions, render
from scheduler.export.table import spreadsheet_safe
from scheduler.services.options import (
    MAX_PLAN_KEY,
    Defaults,
    PlanOptions,
    parse_assignment,
    parse_date,
    parse_date_range,
    parse_horizon,
    parse_text,
    request_for,
)

REQUIRED = ("key", "template", "start")
OPTIONAL = ("label", "holidays", "tz", "closed", "workday", "set", "horizon", "shift_start",
            "plan_key")
MAX_ROWS = 100_000
MAX_CELL = 1_000
"""Characters in one cell (a 'closed' cell of 60 dated reasons fits)."""
REPORT = "report.csv"
"""The report of a batch, written into its output folder."""
REPORT_COLUMNS = ("line", "key", "status", "files", "events", "start_asked", "start_used", "notes")


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
    """What became of one row: the files written and what the plan changed or assumed on
    the way, or the error."""

    line: int
    key: str
    start: str = ""
    """The start as the row gives it."""
    files: tuple[str, ...] = ()
    events: int = 0
    error: str | None = None
    start_used: date | None = None
    moved_from: str | None = None
    """Why the start asked was not a working day, when ``shift_start`` moved it."""
    incomplete: tuple[tuple[str, int, str], ...] = ()
    """(region, year, why) for each year of the plan whose public holidays the ``holidays``
    package knows only in part (China's days off after its last published arrangement)."""
    defaults: Defaults = field(default_factory=Defaults)

    def notes(self) -> tuple[str, ...]:
        """What a coordinator should know about the row, in words (its error, if it failed)."""
        if self.error:
            return (self.error,)
        notes = []
        if self.moved_from is not None and self.start_used is not None:
            notes.append(f"Start moved from {self.start} ({self.moved_from}) to "
                         f"{self.start_used.isoformat()}, the next working day (shift_start).")
        notes.extend(f"Public holidays for {region} in {year} are incomplete ({why.rstrip('.')}); "
                     f"check the dates in {year} against the clinic's own calendar."
                     for region, year, why in self.incomplete)
        notes.extend(note[0].upper() + note[1:] for note in self.defaults.notes(_the_column))
        return tuple(notes)


COLUMNS = {
    "start": "start", "holidays": "holidays", "timezone": "tz", "horizon": "horizon",
    "closed": "closed", "workdays": "workday", "parameters": "set", "shift_start": "shift_start",
    "plan_key": "plan_key", "key": "key", "label": "label", "template": "template",
}
"""The library's fields (:mod:`scheduler.core.errors`) as a cohort file's columns: the one
table from which every error and note of a row says its column."""

REMEDIES = {
    "shift_start": ", or put yes in this row's shift_start column to start on the next one, {value}",
    "parameters": "override it in the set column: {key}=N",
    "templates": "to use your own templates, put them in a folder and pass its name to batch",
    "force": "remove the file or let batch replace it",
}
"""What to put in a cohort file (or give batch) to resolve a problem whose remedy is that field."""


def column(field: str) -> str:
    """``timezone`` -> ``tz column``; ``parameters.cycles`` -> ``set column: cycles``;
    ``closed[1]`` -> ``closed column, entry 2``."""
    name = f"{COLUMNS.get(field_root(field), field_root(field))} column"
    key, index = field_key(field), field_index(field)
    if key:
        return f"{name}: {key}"
    return f"{name}, entry {index + 1}" if index is not None else name


def _the_column(field: str) -> str:
    return f"the {COLUMNS.get(field, field)} column"


def in_cohort_words(error: SchedulerError) -> str:
    """An error of the library as a cohort file's columns say it."""
    return error.worded(column, REMEDIES)


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

    for name, value in record.items():
        problem = text_problem(value or "", MAX_CELL)
        if problem:
            raise InputError(problem, name)

    for name in REQUIRED:
        if not cell(name):
            raise InputError(f"'{name}' is empty")
    shift = cell("shift_start").lower()
    if shift not in ("", "yes", "no", "true", "false"):
        raise InputError(f"'{shift}' is not yes or no", "shift_start")
    options = PlanOptions(
        start=parse_date(cell("start"), "start"),
        holidays=cell("holidays") or None,
        closed=tuple(parse_date_range(v, f"closed[{i}]") for i, v in enumerate(_split(cell("closed")))),
        workdays=tuple(parse_date_range(v, f"workdays[{i}]")
                       for i, v in enumerate(_split(cell("workday")))),
        sets=tuple(parse_assignment(v) for v in _split(cell("set"))),
        timezone=cell("tz") or None,
        shift_start=shift in ("yes", "true"),
        plan_key=parse_text(cell("plan_key"), "plan_key", MAX_PLAN_KEY) or None,
        horizon=parse_horizon(cell("horizon")) if cell("horizon") else DEFAULT_HORIZON,
    )
    return Row(line, parse_text(cell("key"), "key"), parse_text(cell("label"), "label") or None,
               cell("template"), options)


def read_cohort(text: str) -> Cohort:
    """Parse the CSV text; a bad row becomes an error with its line number.

    A cell is read whatever its length (up to the file's own limit) and then refused on its
    own row when it is longer than :data:`MAX_CELL`, so one huge cell fails one row."""
    previous_limit = csv.field_size_limit(MAX_CSV_BYTES)
    try:
        return _read_cohort(text)
    except csv.Error as error:
        raise InputError(f"not a CSV file ({error})") from None
    finally:
        csv.field_size_limit(previous_limit)


def _read_cohort(text: str) -> Cohort:
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
            start = (record.get("start") or "").strip()
            cohort.errors.append(RowResult(line, key, start, error=in_cohort_words(error)))
            continue
        seen[key] = line
        names[name] = (key, line)
        cohort.rows.append(row)
    return cohort


@functools.lru_cache(maxsize=32)
def _template(reference: str, folder: Path | None) -> Template:
    """Each worker loads and validates a template once, not once per row."""
    return resolve_listed_template(reference, folder)[0]


def run_row(row: Row, outdir: Path, stamp: datetime, options: OutputOptions,
            overwrite: bool = False, templates: Path | None = None) -> RowResult:
    """Expand, render and write one row's files (all or none of them)."""
    asked = row.options.start.isoformat()
    try:
        resolved = request_for(_template(row.template, templates), row.options, row.key)
        plan = expand(resolved.request)
        outputs = render(plan, stamp, row.label, options)
        stem = plan_filename(plan.template.id, plan.start, row.key, "")
        written = write_files(outdir, {f"{stem}{suffix}": data for suffix, data in outputs.items()},
                              overwrite=overwrite)
    except SchedulerError as error:
        return RowResult(row.line, row.key, asked, error=in_cohort_words(error))
    except Exception as error:  # one row's fault must not stop the cohort: report it, go on
        return RowResult(row.line, row.key, asked,
                         error=f"internal error ({type(error).__name__}: {error})")
    return RowResult(row.line, row.key, asked, tuple(str(p) for p in written), len(plan.events),
                     start_used=plan.start, moved_from=_moved_from(plan),
                     incomplete=_incomplete(plan), defaults=resolved.defaults)


def _moved_from(plan: Plan) -> str | None:
    """Why the start asked is not a working day, when the plan starts later (shift_start)."""
    asked = plan.request.start
    return plan.request.calendar.closed_because(asked) if plan.start != asked else None


def _incomplete(plan: Plan) -> tuple[tuple[str, int, str], ...]:
    """(region, year, why) for the plan's years whose public holidays are known only in part
    (the same years the plan's notes name)."""
    if not plan.events:
        return ()
    calendar = plan.request.calendar
    gaps = calendar.coverage_gaps(plan.first_date, plan.last_date)
    return tuple((calendar.region, year, why) for year, why in sorted(gaps.items()))


def _warm(rows: list[Row], templates: Path | None) -> None:
    """Load here what every worker needs: the PDF code, each template, and the working-day
    calendars with their holiday tables (one row per template and region is expanded).
    Workers forked from this process (Linux's default before Python 3.14) start with them
    instead of each loading them again; elsewhere this costs a few milliseconds."""
    from scheduler.export.pdf import to_pdf  # noqa: F401  (the import is the point)
    from scheduler.export.pdf.text import _cjk_font

    _cjk_font()  # the Chinese font (0.3 s to read), for Chinese output and labels

    seen: set[tuple[str, str | None, str]] = set()
    for row in rows:
        key = (row.template, row.options.holidays, str(row.options.site))
        if key not in seen:
            seen.add(key)
            with contextlib.suppress(Exception):  # the row itself reports it
                expand(request_for(_template(row.template, templates), row.options, row.key).request)


class BatchStopped(SchedulerError):
    """The batch was stopped by Ctrl-C (SIGINT) or SIGTERM; ``results`` are the rows finished."""

    def __init__(self, signal_name: str, results: list[RowResult], total: int) -> None:
        self.signal_name = signal_name
        self.results = sorted(results, key=lambda r: r.line)
        done = sum(1 for r in results if not r.error)
        super().__init__(
            f"stopped by {signal_name} after {len(results)} of {total} rows ({done} written, "
            f"their files complete); the other rows wrote nothing"
        )


class _Stop(BaseException):
    """Raised in the main process by the SIGTERM handler (Ctrl-C raises KeyboardInterrupt)."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def _worker_init() -> None:
    """In each worker: Ctrl-C is the main process's to handle (it stops the workers itself,
    so a row is never cut off between its two files), and the worker dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(Exception):  # Linux: SIGTERM when the parent dies, even by kill -9
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # pragma: no cover - the parent died before prctl
            os._exit(1)


def run_cohort(
    rows: Iterable[Row],
    outdir: Path,
    stamp: datetime,
    options: OutputOptions,
    jobs: int | None = None,
    progress: Callable[[RowResult], None] | None = None,
    overwrite: bool = False,
    templates: Path | None = None,
) -> list[RowResult]:
    """Run every row on ``jobs`` processes (default: every core), results by line number.

    Ctrl-C (SIGINT) or SIGTERM stops the batch at once: rows not started are dropped, the
    workers are terminated (SIGTERM waits for a row's files to be moved into place, see
    :func:`scheduler.core.files.write_files`; SIGKILL after half a second), temporary files are
    removed, and :class:`BatchStopped` reports the rows that were finished."""
    rows = list(rows)
    jobs = jobs or os.cpu_count() or 1
    results: list[RowResult] = []
    began = time.time()
    previous = signal.getsignal(signal.SIGTERM)
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        signal.signal(signal.SIGTERM, _raise_stop)
    pool: ProcessPoolExecutor | None = None
    try:
        if jobs == 1 or len(rows) < 2:
            for row in rows:
                results.append(run_row(row, outdir, stamp, options, overwrite, templates))
                if progress:
                    progress(results[-1])
        else:
            _warm(rows, templates)
            pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init)
            worker_died = False
            futures = {pool.submit(run_row, row, outdir, stamp, options, overwrite, templates): row
                       for row in rows}
            for future in as_completed(futures):
                try:
                    results.append(future.result())
                except Exception as error:  # a worker that died (killed, out of memory)
                    worker_died = True
                    row = futures[future]
                    results.append(RowResult(row.line, row.key, row.options.start.isoformat(), error=(
                        f"internal error ({type(error).__name__}: the worker process ended)")))
                if progress:
                    progress(results[-1])
            pool.shutdown()
            pool = None
            if worker_died:  # what a killed worker was writing
                remove_temporary_files(outdir)
                _remove_half_pairs([futures[f] for f in futures if f.exception() is not None],
                                   outdir, templates, began)
    except (KeyboardInterrupt, _Stop) as stop:
        if pool is not None:
            _kill(pool)
            pool = None
        remove_temporary_files(outdir)
        reported = {r.line for r in results}
        results += _landed([r for r in rows if r.line not in reported], outdir, templates, began)
        name = "SIGTERM" if isinstance(stop, _Stop) else "Ctrl-C (SIGINT)"
        raise BatchStopped(name, results, len(rows)) from None
    finally:
        if pool is not None:
            _kill(pool)
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return sorted(results, key=lambda r: r.line)


def _landed(rows: list[Row], outdir: Path, templates: Path | None,
            began: float) -> list[RowResult]:
    """The rows of a stopped batch whose files a worker put in place (it finishes moving a
    row's files before it ends) but never reported: their results, made again from the row."""
    fresh: list[str] = []
    with contextlib.suppress(OSError):
        fresh = sorted(entry.name for entry in os.scandir(outdir)
                       if entry.is_file(follow_symlinks=False)
                       and entry.stat(follow_symlinks=False).st_mtime >= began - 1)
    written = set(fresh)
    landed = []
    for row in rows:
        with contextlib.suppress(Exception):
            prefix = plan_filename(_template(row.template, templates).id, row.options.start,
                                   row.key, "").rsplit("_", 1)[0] + "_"
            found = bisect.bisect_left(fresh, prefix)
            if found == len(fresh) or not fresh[found].startswith(prefix):
                continue
            resolved = request_for(_template(row.template, templates), row.options, row.key)
            plan = expand(resolved.request)
            stem = plan_filename(plan.template.id, plan.start, row.key, "")
            names = [f"{stem}.ics", f"{stem}.pdf"]
            if set(names) <= written:
                landed.append(RowResult(
                    row.line, row.key, row.options.start.isoformat(),
                    tuple(str(outdir / n) for n in names), len(plan.events),
                    start_used=plan.start, moved_from=_moved_from(plan),
                    incomplete=_incomplete(plan), defaults=resolved.defaults))
    return landed


def _remove_half_pairs(rows: list[Row], outdir: Path, templates: Path | None,
                       began: float) -> None:
    """A worker killed with SIGKILL between moving a row's .ics and its PDF into place leaves
    one of the two: remove such a lone file when this batch wrote it (a complete pair, or a
    file older than the batch, is left alone)."""
    for row in rows:
        with contextlib.suppress(Exception):
            stem = plan_filename(_template(row.template, templates).id, row.options.start,
                                 row.key, "")
            pair = [outdir / f"{stem}.ics", outdir / f"{stem}.pdf"]
            present = [p for p in pair if p.is_file()]
            if len(present) == 1 and present[0].stat().st_mtime >= began - 1:
                present[0].unlink()


def _kill(pool: ProcessPoolExecutor) -> None:
    """Drop the rows not started and end the workers: SIGTERM, then SIGKILL after 0.5 s."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    deadline = time.monotonic() + 0.5
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            with contextlib.suppress(Exception):
                process.kill()
            process.join(1)


def report_csv(results: Iterable[RowResult]) -> bytes:
    """The batch's report: one CSV row per input row, by line (:data:`REPORT_COLUMNS`);
    files by name, notes as sentences; text cells are spreadsheet-safe (a key or error
    starting with '=' is shown as text, see :func:`~scheduler.export.table.spreadsheet_safe`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for result in sorted(results, key=lambda r: r.line):
        ok = result.error is None
        writer.writerow([result.line, *(spreadsheet_safe(cell) for cell in (
            result.key,
            "ok" if ok else "error",
            "; ".join(Path(f).name for f in result.files),
        )), result.events if ok else "", *(spreadsheet_safe(cell) for cell in (
            result.start,
            result.start_used.isoformat() if result.start_used else "",
            " ".join(result.notes()),
        ))])
    return buffer.getvalue().encode("utf-8")


def summary(results: list[RowResult], report: Path, seconds: float) -> str:
    """One line: rows, written and failed (which add up), files, starts moved, plans with
    incomplete public holidays (by region and year), and where the report is."""
    written = [r for r in results if r.error is None]
    failed = len(results) - len(written)
    parts = [f"{len(results)} rows: {len(written)} written "
             f"({sum(len(r.files) for r in written)} files, {seconds:.1f} s), {failed} failed"]
    moved = sum(1 for r in written if r.moved_from is not None)
    if moved:
        parts.append(f"{moved} start{'' if moved == 1 else 's'} moved to the next working day")
    incomplete = [r for r in written if r.incomplete]
    if incomplete:
        years = sorted({f"{region} {year}" for r in incomplete for region, year, _ in r.incomplete})
        parts.append(f"{len(incomplete)} plan{'' if len(incomplete) == 1 else 's'} use"
                     f"{'s' if len(incomplete) == 1 else ''} incomplete public holidays "
                     f"({', '.join(years)})")
    parts.append(f"details in {report}")
    return "; ".join(parts)


def default_notes(results: list[RowResult]) -> list[str]:
    """The defaults rows were made with, each once, with how many rows (the default site
    file once: it is the same for every row)."""
    site = next((r.defaults.site_file for r in results if r.defaults.site_file), None)
    counted = Counter(note for r in results
                      for note in Defaults(None, r.defaults.no_holidays,
                                           r.defaults.machine_zone).notes(_the_column))
    notes = list(Defaults(site).notes()) if site else []
    notes.extend(f"{count} of {len(results)} plans: {note}" for note, count in counted.items())
    return notes
