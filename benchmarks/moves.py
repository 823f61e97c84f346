"""Print timings of moving patients to a new template version, against bare baselines.

Run from the repository root:

    .venv/bin/python benchmarks/moves.py [--plans N] [--postgres URL]

Figures, not assertions. On a SQLite file (and on a fresh PostgreSQL database when
``--postgres URL`` or ``$SCHEDULER_TEST_POSTGRES`` names a role that may CREATE DATABASE), a
clinic template ``tc-6`` (TC, 6 cycles) has version 2 published (28-day cycles) and N plans
(default 200) are registered on version 1, each with cycle 1's docetaxel recorded as given.
Then, alternately (the median of several runs each):

- **the version's page** (:func:`scheduler.services.moves.candidates`: every plan's move
  previewed) against a bare script that reads the plans' rows and histories in two queries
  and, for each plan, expands it on version 1 and on version 2 and compares the two;
- **one move** (:func:`scheduler.services.moves.move`, recorded: the plan re-expanded, the
  history row written, ``current_events`` rebuilt) against one delay recorded the same way
  (:func:`scheduler.services.patients.adjust`), each on another plan.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from scheduler.core import history
from scheduler.core.adjust import Delay, Move
from scheduler.core.diff import compare
from scheduler.core.expand import expand
from scheduler.core.loader import load_template_text
from scheduler.registry import StoredPlan, opened, schema
from scheduler.registry.store import DERIVED_PLAN_COLUMNS
from scheduler.services import clinic_templates, moves, patients, people, treatment
from scheduler.services.options import PlanOptions

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
TC = (Path(__file__).resolve().parents[1] / "templates" / "tc.yaml").read_text()
V1 = (TC.replace("id: tc\n", "id: tc-6\n").replace("{of: tc,", "{of: tc-6,")
      .replace("default: 4", "default: 6"))
V2 = V1.replace("cycle_days: 21", "cycle_days: 28")


def fill(location: str, plans: int) -> None:
    with opened(location, create=True) as registry:
        for name in ("li.na", "chen.jie"):
            people.add(registry, people.new(name, "correct horse battery", "admin", "root", NOW))
        for text in (V1, V2):
            saved = clinic_templates.draft(registry, text, "li.na", NOW)
            clinic_templates.approve(registry, "tc-6", saved.version, "chen.jie", NOW)
        template = load_template_text(V1, "registry:tc-6 v1")
        for number in range(plans):
            start = date(2026, 3, 2) + timedelta(days=7 * (number % 8))
            key = f"P{number:05d}"
            patients.register(registry, patients.prepare_loaded(
                key, None, template, V1.encode(), "registry:tc-6 v1", PlanOptions(start=start), NOW,
                "li.na").stored)
            treatment.record(registry, key, "tc-6/c1/d1/docetaxel", "given", None, None, "", "li.na",
                             NOW + timedelta(days=60))


def bare_page(location: str) -> int:
    """The plans' rows and histories read in two queries; each expanded on both versions."""
    with opened(location) as registry:
        target = Move("tc-6", 2, 1, V2, "", "registry:tc-6 v2", "bare")
        rows = registry._rows(sa.select(schema.plans))
        found = registry.histories()
        count = 0
        for row in rows:
            values = {k: v for k, v in row._asdict().items() if k not in DERIVED_PLAN_COLUMNS}
            stored = StoredPlan(**{**values, "settings": json.loads(row.settings)})
            in_force = history.adjustments(found.get(stored.id, []))
            before = expand(patients.request_of(stored, in_force))
            after = expand(patients.request_of(stored, (*in_force, target)))
            count += len(compare(before, after).moved)
        return count


def tool_page(location: str) -> int:
    with opened(location) as registry:
        return sum(len(c.moving.diff.moved) for c in moves.candidates(registry, "tc-6", 2, NOW)
                   if c.moving is not None)


def timed(call: object) -> float:
    began = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - began


def run(name: str, location: str, plans: int) -> None:
    began = time.perf_counter()
    fill(location, plans)
    print(f"{name}: {plans} plans registered in {time.perf_counter() - began:.1f} s")
    assert tool_page(location) == bare_page(location)
    tool, bare = [], []
    for _ in range(3):
        bare.append(timed(lambda: bare_page(location)))
        tool.append(timed(lambda: tool_page(location)))
    t, b = statistics.median(tool), statistics.median(bare)
    print(f"  the version's page ({plans} previews): tool {t:.2f} s, bare {b:.2f} s, ratio {t / b:.2f}x")
    move_t, delay_t = [], []
    with opened(location) as registry:
        for number in range(0, min(plans, 20) - 1, 2):  # an even plan delayed, the next one moved
            delay_t.append(timed(lambda n=number: patients.adjust(
                registry, f"P{n:05d}", Delay("tc-6", 3, 7, "bench"), "li.na", NOW)))
            move_t.append(timed(lambda n=number: moves.move(
                registry, f"P{n + 1:05d}", 2, "bench", "li.na", NOW)))
    t, b = statistics.median(move_t), statistics.median(delay_t)
    print(f"  one move recorded: {t * 1000:.0f} ms, one delay recorded: {b * 1000:.0f} ms, "
          f"ratio {t / b:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("SCHEDULER_TEST_POSTGRES"))
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", str(Path(folder) / "registry.sqlite3"), options.plans)
    if options.postgres:
        name = f"bench_moves_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(options.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
        try:
            run("PostgreSQL", options.postgres.rsplit("/", 1)[0] + "/" + name, options.plans)
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()


if __name__ == "__main__":
    main()
