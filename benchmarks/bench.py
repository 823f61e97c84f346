"""Print timings for this machine: seed-plan expansion and .ics export.

Run: .venv/bin/python benchmarks/bench.py

Figures, not assertions: the targets live in README and the issue notes. The calendar's
holiday tables are filled before timing (the ``holidays`` package builds a year's table
on first use); what is timed is the pure expansion of one plan.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from scheduler.expand import expand
from scheduler.export.ics import to_ics
from scheduler.loader import resolve_template
from scheduler.plan import PlanRequest, plan_key
from scheduler.workdays import make_calendar


def timed(function, repeat: int) -> tuple[float, float]:
    """Median and minimum wall time of ``function`` in microseconds over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append((time.perf_counter() - began) * 1e6)
    return statistics.median(samples), min(samples)


def main() -> None:
    template, _ = resolve_template("nct06478355")
    calendar = make_calendar("CN")
    start = date(2026, 1, 5)
    request = PlanRequest(template, start, calendar, ZoneInfo("Asia/Shanghai"),
                          plan_key(template.id, start))
    plan = expand(request)  # warm: fills the 2026/2027 holiday tables
    median, best = timed(lambda: expand(request), 2000)
    print(f"seed expansion ({len(plan.events)} events): median {median:.0f} µs, "
          f"best {best:.0f} µs")
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    median, best = timed(lambda: to_ics(plan, stamp=stamp), 200)
    print(f"seed .ics export: median {median / 1000:.1f} ms, best {best / 1000:.1f} ms")


if __name__ == "__main__":
    main()
