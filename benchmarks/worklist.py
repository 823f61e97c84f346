"""Print worklist timings for this machine: the tool against a bare indexed SELECT.

Run from the repository root:

    .venv/bin/python benchmarks/worklist.py [--plans N] [--postgres URL]

Figures, not assertions. On each engine (a SQLite file in a temporary folder; a fresh
PostgreSQL database, created and dropped here, when ``--postgres URL`` or
``$SCHEDULER_TEST_POSTGRES`` names a role that may CREATE DATABASE), the registry is filled
with N plans (default 10,000) of the seed protocol, with start dates spread over 20 weeks of
working days: 100 plans are registered through :mod:`scheduler.services.patients` (which
writes their ``current_events`` rows), one in five of them delayed; their plan rows and cache
rows are then copied to make N, by ``executemany`` in one transaction. Half of the plans get an
issued version and a quarter a live feed (half of those fetched), so that the plan-wide flags
(``unissued``, ``never-fetched``) have rows to read.

Then, for one day and for one week, the median of several rounds, each running in turn:

- the bare read: the same rows and columns with the driver alone (sqlite3 or psycopg);
- :func:`scheduler.services.worklist.worklist`: the lines, their flags and their order (what
  the page, the CSV, the JSON and the digest are all made from);
- the same plus :func:`scheduler.services.worklist.to_json`, the text ``scheduler worklist
  --json`` prints (built, not printed);

and the ratios of the last two to the bare read.

The bare read (:data:`BARE`) is one indexed ``SELECT`` of every column a worklist line is made
of (the patient key from ``plans``, then date, time, reference, title, location, resource,
status, former date, change time) of every row the worklist reads: those dated in the range
and those dated there before their last change (an event moved out of the range is still
listed when urgent); and, as the worklist does, one more (:data:`BARE_MOVED`) of the moved
events around the next 48 hours that the range does not hold (its urgent events are listed
whatever the range). Until December 2026 it was ``SELECT * FROM current_events WHERE date
BETWEEN ? AND ?``: it read columns no line shows (kind, end, revision) but missed the patient
key and the moved events, so it was not the same rows and columns.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from scheduler.core.adjust import Delay
from scheduler.registry import opened, schema
from scheduler.registry.store import PLAN_STATES
from scheduler.services import patients
from scheduler.services import worklist as work
from scheduler.services.options import PlanOptions

SEEDS = 100
NOW = datetime(2026, 6, 1, 6, tzinfo=UTC)
DAY = date(2026, 6, 2)


def _starts() -> list[date]:
    days, day = [], date(2026, 1, 5)
    while len(days) < SEEDS:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def populate(db: str, plans: int) -> None:
    """Register SEEDS plans through the library, then copy them to ``plans``."""
    with opened(db, create=True) as registry:
        for number, start in enumerate(_starts()):
            key = f"S{number:05d}"
            prepared = patients.prepare(key, None, "nct06478355", PlanOptions(start=start, holidays="US",
                                                                             shift_start=True),
                                        NOW - timedelta(days=200), "bench")
            patients.register(registry, prepared.stored)
            if number % 5 == 0:
                patients.adjust(registry, key, Delay("immunochemo", 2, 7, "neutropenia"), "bench",
                                NOW - timedelta(days=1))
        with registry.engine.begin() as connection:
            seeds = [row._asdict() for row in connection.execute(sa.select(schema.plans))]
            cached = [row._asdict() for row in connection.execute(sa.select(schema.current_events))]
            by_plan: dict[int, list[dict[str, Any]]] = {}
            for row in cached:
                by_plan.setdefault(row["plan_id"], []).append(row)
            next_id = max(p["id"] for p in seeds) + 1
            new_plans, new_rows = [], []
            for copy in range(plans - SEEDS):
                seed = seeds[copy % SEEDS]
                plan_id = next_id + copy
                new_plans.append({**seed, "id": plan_id, "patient_key": f"P{copy:05d}",
                                  "plan_key": uuid.uuid4().hex[:16]})
                for row in by_plan[seed["id"]]:
                    new_rows.append({k: v for k, v in row.items() if k != "id"} | {"plan_id": plan_id})
            connection.execute(sa.insert(schema.plans), new_plans)
            for chunk in range(0, len(new_rows), 50_000):
                connection.execute(sa.insert(schema.current_events), new_rows[chunk:chunk + 50_000])
            everyone = [p["id"] for p in seeds] + [p["id"] for p in new_plans]
            connection.execute(sa.insert(schema.versions), [  # half of the plans issued
                {"plan_id": plan_id, "version": 1, "issued_at": (NOW - timedelta(days=150)).isoformat(),
                 "files": "{}", "entries": "[]", "author": "bench"} for plan_id in everyone[::2]])
            connection.execute(sa.insert(schema.feed_tokens), [  # a quarter with a live feed,
                {"plan_id": plan_id, "token_hash": uuid.uuid4().hex * 2, "created_by": "bench",
                 "created_at": (NOW - timedelta(days=150)).isoformat(),  # half of them fetched
                 "last_fetched_at": NOW.isoformat() if number % 2 else None}
                for number, plan_id in enumerate(everyone[::4])])
            connection.execute(PLAN_STATES)  # each plan's last issue and feed, from the rows just added
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("ANALYZE")
    if db.startswith("postgresql"):  # as autovacuum would after a bulk load: statistics, and
        engine = sa.create_engine(  # the visibility map that lets an index be read alone
            sa.make_url(db).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()


def medians(runs: int, **timed: Callable[[], object]) -> dict[str, float]:
    """The median time of each callable over ``runs`` rounds, run in turn within each round
    (so that a busy machine slows them alike)."""
    for job in timed.values():  # warm up
        job()
    times: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(runs):
        for name, job in timed.items():
            start = time.perf_counter()
            job()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(found) for name, found in times.items()}


BARE = ("SELECT p.patient_key, e.date, e.time_text, e.ref, e.title, e.location, e.resource, e.status, "
        "e.was_date, e.changed_at FROM current_events e JOIN plans p ON p.id = e.plan_id "
        "WHERE e.date BETWEEN {0} AND {0} OR e.was_date BETWEEN {0} AND {0}")
"""The bare read: every column a worklist line is made of (``where`` is the location, else the
resource; ``moved_from`` the former date), of every row the worklist reads in its range."""
BARE_MOVED = ("SELECT p.patient_key, e.date, e.time_text, e.ref, e.title, e.location, e.resource, "
              "e.status, e.was_date, e.changed_at FROM current_events e JOIN plans p ON p.id = e.plan_id "
              "WHERE (e.changed_at IS NOT NULL AND e.date BETWEEN {0} AND {0}) "
              "OR (e.changed_at IS NOT NULL AND e.was_date BETWEEN {0} AND {0}) "
              "OR (e.changed_at IS NOT NULL AND e.date BETWEEN {0} AND {0}) "
              "OR (e.changed_at IS NOT NULL AND e.was_date BETWEEN {0} AND {0})")
"""And of the moved events it reads around the next 48 hours outside its range (NOW - 1 day to
NOW + 3 days: here 31 May to 4 June), where its urgent events may lie: one or two spans of
days, in one query as the worklist reads them (one span given twice; the condition in each
branch, so that SQLite reads the partial index of moved events, as the worklist does)."""


def outside(first: date, last: date) -> list[tuple[str, str]]:
    """The days from NOW - 1 day to NOW + 3 days that ``first`` .. ``last`` does not hold."""
    low, high = (NOW - timedelta(days=1)).date(), (NOW + timedelta(days=3)).date()
    parts = []
    if low < first:
        parts.append((low, min(high, first - timedelta(days=1))))
    if high > last:
        parts.append((max(low, last + timedelta(days=1)), high))
    return [(a.isoformat(), b.isoformat()) for a, b in parts if a <= b]


def measure(label: str, db: str, bare_connect: Callable[[], Any], placeholder: str,
            runs: int = 15) -> None:
    query, moved = BARE.format(placeholder), BARE_MOVED.format(placeholder)
    with opened(db) as registry:
        connection = bare_connect()
        try:
            for name, days in (("one day", 1), ("one week", 7)):
                last = DAY + timedelta(days=days - 1)
                bounds = (DAY.isoformat(), last.isoformat())
                read: list[Any] = []
                parts = outside(DAY, last)

                def bare(bounds: tuple[str, str] = bounds, read: list[Any] = read,
                         parts: list[tuple[str, str]] = parts) -> None:
                    cursor = connection.cursor()
                    cursor.execute(query, bounds + bounds)
                    read[:] = cursor.fetchall()
                    if parts:
                        spans = (parts + parts)[:2]
                        cursor.execute(moved, spans[0] + spans[0] + spans[1] + spans[1])
                        read.extend(cursor.fetchall())

                found = medians(
                    runs, bare=bare,
                    worklist=lambda days=days: work.worklist(registry, DAY, days, NOW),
                    json=lambda days=days: work.to_json(work.worklist(registry, DAY, days, NOW)))
                lines = len(work.worklist(registry, DAY, days, NOW))
                bare_s, work_s, json_s = found["bare"], found["worklist"], found["json"]
                print(f"{label:10s} {name:8s} {len(read):6d} rows read, {lines:6d} listed  "
                      f"bare {bare_s * 1000:7.1f} ms  "
                      f"worklist {work_s * 1000:7.1f} ms {work_s / bare_s:5.2f}x  "
                      f"with --json {json_s * 1000:7.1f} ms {json_s / bare_s:5.2f}x", flush=True)
        finally:
            connection.close()


@contextlib.contextmanager
def postgres(admin: str) -> Iterator[str]:
    url = sa.make_url(admin).set(drivername="postgresql+psycopg")
    name = f"scheduler_bench_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    finally:
        for attempt in range(10):  # an autovacuum worker may still hold it after the big insert
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                break
            except sa.exc.DBAPIError:
                time.sleep(1 + attempt)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--postgres", default=os.environ.get("SCHEDULER_TEST_POSTGRES"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry.sqlite3"
        started = time.perf_counter()
        populate(str(path), args.plans)
        print(f"sqlite: {args.plans} plans filled in {time.perf_counter() - started:.0f} s", flush=True)
        measure("sqlite", str(path), lambda: sqlite3.connect(path), "?")
    if args.postgres:
        with postgres(args.postgres) as db:
            started = time.perf_counter()
            populate(db, args.plans)
            print(f"postgresql: {args.plans} plans filled in {time.perf_counter() - started:.0f} s",
                  flush=True)
            measure("postgresql", db, lambda: psycopg.connect(db), "%s")


if __name__ == "__main__":
    main()
