"""Print registry timings for this machine: the tool against bare driver queries.

Run from the repository root:

    .venv/bin/python benchmarks/registry.py [--plans N] [--quick] [--postgres URL] [--profile]

Figures, not assertions. On each engine (a SQLite file in a temporary folder; a fresh
PostgreSQL database, created and dropped here, when ``--postgres URL`` or
``$SCHEDULER_TEST_POSTGRES`` names a role that may CREATE DATABASE), the registry is filled
with N plans (default 10,000; ``--quick``: 1,000): one plan is prepared, registered, delayed
and issued through :mod:`scheduler.services.patients`, then its row is copied N-1 times with other
patient and plan keys by one ``executemany`` in one transaction, and every tenth copy also
gets a copy of the delay (a history row) and of version 1 (a versions row, without files).

Then, for each command, the median of several runs of the library calls the CLI command
makes (in this process, output built but not printed) against a bare script that reads or
writes the same rows with the driver alone (sqlite3 or psycopg), run alternately so that
the machine's drift hits both alike, and the ratio tool / bare:

- ``patient list``: ``Registry.listing()`` (one query of the printed columns) and the
  listing's rows, against one SELECT of the printed columns of ``plans`` joined with each
  plan's last version and whether it has ended;
- ``patient show``: :func:`scheduler.services.patients.snapshot` (which expands the plan) and the
  template check, against the SELECTs of the plan row, its history and its versions rows;
- ``delay``: :func:`scheduler.services.patients.adjust` (a delay of cycle 3 by 7 days, each run on
  another plan without history), against an INSERT of one history row in a transaction;
- ``issue``: :func:`scheduler.services.patients.issue` (version 1 of another plan each run: .ics
  and PDF written and stored), against an INSERT of a versions row and its two files'
  rows holding the same bytes, in a transaction.

Each line gives two ratios: the whole command as the CLI runs it (``opened()``, which checks
what is at the location, then the calls; the bare script connects) and the calls alone on a
registry (or connection) that is already open. ``--profile`` adds the functions where each
tool command spends its time (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import hashlib
import io
import os
import pstats
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from scheduler.core.adjust import Delay
from scheduler.export.outputs import OutputOptions
from scheduler.registry import Registry, opened, schema
from scheduler.services import patients
from scheduler.services.options import PlanOptions

NOW = datetime(2026, 1, 1, tzinfo=UTC)
AUTHOR = "bench"
TEMPLATE = "nct06478355"
POSTGRES_ENV = "SCHEDULER_TEST_POSTGRES"
SEEDED_EVERY = 10
"""Every tenth plan has a history row (a delay) and an issued version (row only)."""

Bare = sqlite3.Connection | psycopg.Connection[Any]
"""The bare script's connection: the driver's own, no SQLAlchemy."""


@dataclass(frozen=True)
class Figures:
    """Medians in seconds: the tool and the bare script, whole and calls alone."""

    tool: float
    bare: float
    tool_open: float
    bare_open: float


# --- the registry to measure -----------------------------------------------------------------


@dataclass
class Populated:
    """A filled registry and what the measurements need to know about it."""

    db: str
    """The location, as ``--db`` takes it."""
    driver: Callable[[], Bare]
    """A new DB-API connection to it (sqlite3 or psycopg), for the bare script."""
    sqlite: bool
    plans: int
    show_key: str
    fresh: Iterator[int]
    """Numbers of plans with no history and no version, each handed out once."""
    outdir: Path
    change: dict[str, Any]
    """The seed plan's delay row, which the bare ``delay`` writes again."""
    version: dict[str, Any]
    """The seed plan's version 1 row and ..."""
    files: dict[str, bytes]
    """... its files, which the bare ``issue`` writes again."""
    first_id: int


def key_of(number: int) -> str:
    """The patient key of plan ``number``."""
    return f"P{number:06d}"


@dataclass(frozen=True)
class Seed:
    """What :func:`populate` copied: the first plan's id, its history row, its version 1 row
    and that version's files."""

    first_id: int
    change: dict[str, Any]
    version: dict[str, Any]
    files: dict[str, bytes]


def populate(db: str, plans: int, outdir: Path) -> Seed:
    """Fill an empty registry (see the module docstring)."""
    stored = patients.prepare(key_of(0), "Bench patient", TEMPLATE,
                              PlanOptions(start=date(2026, 1, 5)), NOW, AUTHOR).stored
    with opened(db, create=True) as registry:
        patients.register(registry, stored)
        patients.adjust(registry, key_of(0), Delay("", 3, 7, "neutropenia"), AUTHOR, NOW)
        issued = patients.issue(registry, key_of(0), outdir, NOW, OutputOptions(), AUTHOR)
        files = {path.name: path.read_bytes() for path in issued.files}
        with registry.transaction() as connection:
            first = connection.execute(sa.select(schema.plans)).one()._asdict()
            change = connection.execute(sa.select(schema.history)).one()._asdict()
            version = connection.execute(sa.select(schema.versions)).one()._asdict()
            rows = [{**first, "id": first["id"] + number, "patient_key": key_of(number),
                     "plan_key": f"{number:016x}"} for number in range(1, plans)]
            connection.execute(sa.insert(schema.plans), rows)
            seeded = [row["id"] for row in rows[SEEDED_EVERY - 1::SEEDED_EVERY]]
            connection.execute(sa.insert(schema.history), [
                {**_without_id(change), "plan_id": plan_id} for plan_id in seeded])
            connection.execute(sa.insert(schema.versions), [
                {**_without_id(version), "plan_id": plan_id} for plan_id in seeded])
            if connection.dialect.name == "postgresql":  # ids were given: move the sequence on
                connection.execute(sa.text("SELECT setval('plans_id_seq', (SELECT max(id) FROM plans))"))
            registry.refresh_plan_states()  # the copies' own last issue (none or the seed's)
        if registry.engine.dialect.name == "postgresql":
            with registry.transaction() as connection:
                connection.exec_driver_sql("ANALYZE")  # what autovacuum would soon do anyway
    return Seed(first["id"], change, version, files)


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "id"}


@contextlib.contextmanager
def sqlite_registry(plans: int) -> Iterator[Populated]:
    """A filled registry in a SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "registry.sqlite3"
        outdir = Path(work) / "out"
        seed = populate(str(path), plans, outdir)

        def driver() -> sqlite3.Connection:
            connection = sqlite3.connect(path, timeout=30)
            connection.isolation_level = None
            return connection

        yield Populated(str(path), driver, True, plans, key_of(SEEDED_EVERY), _fresh(plans), outdir,
                        seed.change, seed.version, seed.files, seed.first_id)


@contextlib.contextmanager
def postgres_registry(admin: str, plans: int) -> Iterator[Populated]:
    """A filled registry in a new PostgreSQL database, dropped at the end."""
    url = sa.make_url(admin).set(drivername="postgresql+psycopg")
    name = f"scheduler_bench_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        db = url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
        with tempfile.TemporaryDirectory() as work:
            outdir = Path(work) / "out"
            seed = populate(db, plans, outdir)
            yield Populated(db, lambda: psycopg.connect(db), False, plans, key_of(SEEDED_EVERY),
                            _fresh(plans), outdir, seed.change, seed.version, seed.files, seed.first_id)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def _fresh(plans: int) -> Iterator[int]:
    return (n for n in range(plans - 1, 0, -1) if n % SEEDED_EVERY != 0)


# --- the tool: what each CLI command calls ---------------------------------------------------


def tool_list(registry: Registry) -> list[str]:
    """What ``patient list`` calls and builds (not printed): one query of the printed columns."""
    lines = ["\t".join(("KEY", "LABEL", "TEMPLATE", "START", "VERSION", "STATUS"))]
    for item in registry.listing():
        lines.append("\t".join((item.patient_key, item.label or "", item.template_id, item.start,
                                str(item.version or "-"), "ended" if item.ended else "active")))
    return lines


def tool_show(registry: Registry, key: str) -> tuple[Any, bool]:
    """What ``patient show KEY`` calls (without --events)."""
    now = patients.snapshot(registry, key)
    return now, patients.template_changed(now.stored)


def tool_delay(registry: Registry, key: str) -> None:
    """What ``delay KEY --cycle 3 --days 7 --reason neutropenia`` calls."""
    patients.adjust(registry, key, Delay("", 3, 7, "neutropenia"), AUTHOR, NOW)


def tool_issue(registry: Registry, key: str, outdir: Path) -> None:
    """What ``issue KEY -o OUTDIR`` calls."""
    patients.issue(registry, key, outdir, NOW, OutputOptions(), AUTHOR)


# --- the bare script: the same rows through the driver ---------------------------------------

LIST_SQL = """
SELECT p.patient_key, p.label, p.template_id, p.start, v.last,
       EXISTS (SELECT 1 FROM adjustments a WHERE a.plan_id = p.id AND a.kind = 'end')
FROM plans p LEFT JOIN (SELECT plan_id, max(version) AS last FROM versions GROUP BY plan_id) v
  ON v.plan_id = p.id
ORDER BY p.patient_key
"""


def _sql(text: str, sqlite: bool) -> str:
    return text if sqlite else text.replace("?", "%s")


def bare_list(connection: Bare, sqlite: bool) -> list[str]:
    """The listing from one SELECT."""
    rows = connection.execute(LIST_SQL).fetchall()
    if not sqlite:
        connection.rollback()  # psycopg opened a transaction: end it, as the tool does
    lines = ["KEY\tLABEL\tTEMPLATE\tSTART\tVERSION\tSTATUS"]
    lines += [f"{key}\t{label or ''}\t{template}\t{start}\t{last or '-'}\t"
              f"{'ended' if ended else 'active'}" for key, label, template, start, last, ended in rows]
    return lines


def bare_show(connection: Bare, sqlite: bool, key: str) -> tuple[Any, ...]:
    """The plan row, its history and its versions rows."""
    plan = connection.execute(_sql("SELECT * FROM plans WHERE patient_key = ?", sqlite), (key,)).fetchone()
    changes = connection.execute(_sql("SELECT kind, fields, author, created_at FROM adjustments "
                                      "WHERE plan_id = ? ORDER BY id", sqlite), (plan[0],)).fetchall()
    versions = connection.execute(_sql("SELECT * FROM versions WHERE plan_id = ? ORDER BY version",
                                       sqlite), (plan[0],)).fetchall()
    if not sqlite:
        connection.rollback()
    return plan, changes, versions


def _in_transaction(connection: Bare, sqlite: bool, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    if sqlite:
        connection.execute("BEGIN IMMEDIATE")
    for text, values in statements:
        connection.execute(_sql(text, sqlite), values)
    _commit(connection, sqlite)


def _commit(connection: Bare, sqlite: bool) -> None:
    if sqlite:
        connection.execute("COMMIT")
    else:
        connection.commit()


def bare_delay(connection: Bare, sqlite: bool, plan: int, change: dict[str, Any]) -> None:
    """One history row (the seed plan's delay, same text), in a transaction."""
    _in_transaction(connection, sqlite, [(
        "INSERT INTO adjustments (plan_id, kind, fields, author, created_at) VALUES (?, ?, ?, ?, ?)",
        (plan, change["kind"], change["fields"], change["author"], change["created_at"]))])


def bare_issue(connection: Bare, sqlite: bool, plan: int, version: dict[str, Any],
               files: dict[str, bytes]) -> None:
    """A versions row and its files' rows with the same bytes (those of the seed plan's
    version 1), in a transaction."""
    if sqlite:
        connection.execute("BEGIN IMMEDIATE")
    text = _sql("INSERT INTO versions (plan_id, version, issued_at, files, entries, author) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", sqlite)
    row = connection.execute(text, (plan, version["version"], version["issued_at"], version["files"],
                                    version["entries"], version["author"])).fetchone()
    for name, data in files.items():
        connection.execute(_sql("INSERT INTO version_files (version_id, name, sha256, content) "
                                "VALUES (?, ?, ?, ?)", sqlite),
                           (row[0], name, hashlib.sha256(data).hexdigest(), data))
    _commit(connection, sqlite)


# --- measuring -------------------------------------------------------------------------------


def alternate(tool: Callable[[], object], bare: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Medians of ``tool`` and ``bare`` run one after the other ``repeat`` times (one
    unmeasured run of each first)."""
    tool()
    bare()
    tools: list[float] = []
    bares: list[float] = []
    for _ in range(repeat):
        for function, samples in ((tool, tools), (bare, bares)):
            began = time.perf_counter()
            function()
            samples.append(time.perf_counter() - began)
    return statistics.median(tools), statistics.median(bares)


def measure(place: Populated, command: str, repeat: int) -> Figures:
    """The four medians for one command: whole (as the CLI runs it) and calls alone."""
    tool_calls, bare_calls = calls(place, command)

    def tool_whole() -> None:
        with opened(place.db) as registry:
            tool_calls(registry)

    def bare_whole() -> None:
        connection = place.driver()
        try:
            bare_calls(connection)
        finally:
            connection.close()

    tool, bare = alternate(tool_whole, bare_whole, repeat)
    connection = place.driver()
    try:
        with opened(place.db) as registry:
            tool_open, bare_open = alternate(lambda: tool_calls(registry), lambda: bare_calls(connection),
                                             repeat)
    finally:
        connection.close()
    return Figures(tool, bare, tool_open, bare_open)


def calls(place: Populated, command: str) -> tuple[Callable[[Registry], object], Callable[[Any], object]]:
    """The tool's calls on an open registry and the bare script's on an open connection."""
    sqlite = place.sqlite
    if command == "patient list":
        return tool_list, lambda connection: bare_list(connection, sqlite)
    if command == "patient show":
        return (lambda registry: tool_show(registry, place.show_key),
                lambda connection: bare_show(connection, sqlite, place.show_key))
    if command == "delay":
        return (lambda registry: tool_delay(registry, key_of(next(place.fresh))),
                lambda connection: bare_delay(connection, sqlite, fresh_id(place), place.change))
    if command == "issue":
        return (lambda registry: tool_issue(registry, key_of(next(place.fresh)), place.outdir),
                lambda connection: bare_issue(connection, sqlite, fresh_id(place), place.version,
                                              place.files))
    raise ValueError(command)


def fresh_id(place: Populated) -> int:
    """The row id of a plan no one has written to yet (copies were given ids in order)."""
    return place.first_id + next(place.fresh)


def machine_speed() -> float:
    """Best of 3 of a fixed pure-Python loop (as line 0 of benchmarks/bench.py)."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        total = 0
        for number in range(5_000_000):
            total += number
        best = min(best, time.perf_counter() - began)
    return best


def report(engine: str, place: Populated, quick: bool, profile: bool) -> None:
    repeats = {"patient list": 3 if quick else 5, "patient show": 15, "delay": 15, "issue": 7}
    print(f"{engine}: {place.plans:,} plans")
    agree(place)
    for command, repeat in repeats.items():
        figures = measure(place, command, repeat)
        print(f"  {command:<13} tool {figures.tool * 1e3:8.1f} ms, bare {figures.bare * 1e3:7.2f} ms, "
              f"ratio {figures.tool / figures.bare:6.1f} | calls alone: tool "
              f"{figures.tool_open * 1e3:8.1f} ms, bare {figures.bare_open * 1e3:7.2f} ms, "
              f"ratio {figures.tool_open / figures.bare_open:6.1f}")
    if profile:
        list_breakdown(place)
        for command in repeats:
            profiled(place, command)


def agree(place: Populated) -> None:
    """The tool and the bare script read the same thing (checked once, not timed)."""
    connection = place.driver()
    try:
        with opened(place.db) as registry:
            if tool_list(registry) != bare_list(connection, place.sqlite):
                raise AssertionError("patient list: the tool and the bare query disagree")
            now, _ = tool_show(registry, place.show_key)
        plan, changes, versions = bare_show(connection, place.sqlite, place.show_key)
        if (plan[0], len(changes), len(versions)) != (now.stored.id, len(now.changes), len(now.versions)):
            raise AssertionError("patient show: the tool and the bare queries disagree")
    finally:
        connection.close()


def median_of(function: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``function`` in seconds (after one unmeasured run)."""
    function()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def list_breakdown(place: Populated) -> None:
    """``patient list`` piece by piece, on an open registry and connection."""
    connection = place.driver()
    everything = "SELECT * FROM plans ORDER BY patient_key"

    def bare_all() -> None:
        connection.execute(everything).fetchall()
        if not place.sqlite:
            connection.rollback()

    try:
        with opened(place.db) as registry:
            with registry.engine.connect() as held:
                core = median_of(lambda: held.execute(
                    sa.select(schema.plans).order_by(schema.plans.c.patient_key)).all())
            pieces = {
                "bare query of the printed columns (as above)": median_of(
                    lambda: bare_list(connection, place.sqlite)),
                "bare SELECT * FROM plans (every column, template_text too)": median_of(bare_all),
                "SQLAlchemy select(plans).all() on one connection": core,
                "Registry.plans() (rows -> StoredPlan: Row._asdict, json.loads)": median_of(registry.plans),
                "Registry.listing() (what `patient list` reads since these figures)": median_of(
                    registry.listing),
                "Registry.histories()": median_of(registry.histories),
                "listing() and the rows, as `patient list`": median_of(lambda: tool_list(registry)),
            }
    finally:
        connection.close()
    print("  --- patient list, piece by piece (median of 5, open registry) ---")
    for what, seconds in pieces.items():
        print(f"  {seconds * 1e3:8.1f} ms  {what}")


def profiled(place: Populated, command: str) -> None:
    """Where the tool's time goes for one command, whole (cProfile, cumulative)."""
    tool_calls, _ = calls(place, command)
    with opened(place.db) as registry:
        tool_calls(registry)  # warm
    profiler = cProfile.Profile()
    profiler.enable()
    with opened(place.db) as registry:
        tool_calls(registry)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(22)
    print(f"  --- profile of {command} (cumulative) ---")
    text = out.getvalue()
    print(text[text.index("   ncalls"):].rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000, help="plans in the registry (10,000)")
    parser.add_argument("--quick", action="store_true", help="1,000 plans, fewer runs of list")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get(POSTGRES_ENV),
                        help=f"PostgreSQL admin URL (default ${POSTGRES_ENV}); without it, SQLite only")
    parser.add_argument("--profile", action="store_true", help="print cProfile figures too")
    arguments = parser.parse_args()
    plans = 1_000 if arguments.quick else arguments.plans
    if plans < 2 * SEEDED_EVERY + 100:
        parser.error("--plans: at least 120")
    print(f"machine speed: a loop of 5 million additions takes {machine_speed():.2f} s (best of 3)")
    engines: list[tuple[str, Callable[[], contextlib.AbstractContextManager[Populated]]]] = [
        ("SQLite", lambda: sqlite_registry(plans))]
    if arguments.postgres:
        admin = arguments.postgres
        engines.append(("PostgreSQL", lambda: postgres_registry(admin, plans)))
    else:
        print(f"PostgreSQL: skipped (give --postgres URL or set ${POSTGRES_ENV})")
    for engine, made in engines:
        began = time.perf_counter()
        with made() as place:
            print(f"({engine}: filled in {time.perf_counter() - began:.1f} s)")
            report(engine, place, arguments.quick, arguments.profile)


if __name__ == "__main__":
    main()
