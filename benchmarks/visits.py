"""The patient's calendar: writing one entry per visit against one event per drug.

Prints, for each plan, the time of ``to_ics`` with visits (export.visits) as a ratio to the
bare per-event export run alongside it (the baseline), best of several rounds. Run from the
repository root: ``.venv/bin/python benchmarks/visits.py``.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.export.ics import to_ics
from tests.conftest import make_plan

STAMP = datetime(2026, 1, 1, tzinfo=UTC)
PLANS = (("nct06478355", "CN", "Asia/Shanghai"), ("mfolfox6", "none", "Europe/London"),
         ("stupp", "GB-ENG", "Europe/London"))


def best(run, rounds: int = 7, repeat: int = 20) -> float:
    """The best time of one call, in seconds."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(repeat):
            run()
        times.append((time.perf_counter() - began) / repeat)
    return min(times)


def main() -> None:
    print(f"{'plan':<14}{'per event ms':>14}{'visits ms':>12}{'ratio':>8}")
    for template, holidays, zone in PLANS:
        plan = make_plan(template, "2026-03-02", holidays=holidays, tz=zone)
        to_ics(plan, stamp=STAMP)  # the VTIMEZONE is cached after the first
        base = best(lambda: to_ics(plan, stamp=STAMP, per_event=True))  # noqa: B023
        visits = best(lambda: to_ics(plan, stamp=STAMP))  # noqa: B023
        print(f"{template:<14}{base * 1000:>14.2f}{visits * 1000:>12.2f}{visits / base:>8.2f}")


if __name__ == "__main__":
    main()
