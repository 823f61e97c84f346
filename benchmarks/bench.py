"""Print timings for this machine. Figures, not assertions: the targets are in README.

Run from the repository root:  .venv/bin/python benchmarks/bench.py [--quick]

0. the machine's speed at the time: a fixed pure-Python loop, so that figures taken at
   different times can be compared (a shared VM's speed varies from minute to minute);
1. seed-plan expansion (the pure core), holiday tables filled first;
2. .ics for one plan through the tool (expansion + export) versus a bare script that
   builds the same events directly with icalendar (both reuse one VTIMEZONE);
3. PDF for a 12-month plan;
4. `scheduler generate` cold start versus a bare `python -c "import icalendar, reportlab,
   pendulum, click"`, median of several runs;
5. `scheduler batch` wall time for 100, 200, 400 and 800 rows of samples/cohort.csv
   (.ics and PDF per row, every core), with the CPU time each row took. --quick stops at
   200 rows.
"""

from __future__ import annotations

import csv
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone

from scheduler.core.expand import expand
from scheduler.core.loader import resolve_template
from scheduler.core.plan import PlanRequest, plan_key
from scheduler.core.workdays import make_calendar
from scheduler.export.ics import describe, to_ics

ROOT = Path(__file__).resolve().parent.parent
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def timed(function, repeat: int) -> tuple[float, float]:
    """Median and minimum wall time of ``function`` in seconds over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), min(samples)


def seed_request(months: int = 12) -> PlanRequest:
    from scheduler.core.units import parse_span

    template, _ = resolve_template("nct06478355")
    start = date(2026, 1, 5)
    return PlanRequest(template, start, make_calendar("CN"), ZoneInfo("Asia/Shanghai"),
                       plan_key(template.id, start), horizon=parse_span(f"{months}m"))


def bare_ics(plan, zone: Timezone) -> bytes:
    """What a hand-written script would do with icalendar for the same events."""
    calendar = Calendar()
    calendar.add("prodid", "-//bare//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "bare")
    calendar.add_component(zone)
    for e in plan.events:
        event = Event()
        event.add("uid", e.uid)
        event.add("dtstamp", STAMP)
        event.add("sequence", 0)
        if e.start is None:
            event.add("dtstart", e.date)
            event.add("dtend", e.date + timedelta(days=1))
        else:
            event.add("dtstart", e.start)
            event.add("dtend", e.end)
        event.add("status", "CONFIRMED")
        event.add("summary", e.title)
        event.add("description", describe(e, plan))
        event.add("categories", [e.style.category or e.style.name])
        if e.style.location:
            event.add("location", e.style.location)
        if e.style.colour:
            event.add("color", e.style.colour)
        if e.style.reminder_minutes is not None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", e.title)
            alarm.add("trigger", timedelta(minutes=-e.style.reminder_minutes))
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()


def machine_speed() -> None:
    def loop() -> int:
        total = 0
        for number in range(5_000_000):
            total += number
        return total

    _, best = timed(loop, 3)
    print(f"0. machine speed: a loop of 5 million additions takes {best:.2f} s (best of 3; "
          "lower is faster)")


def core_figures() -> None:
    request = seed_request()
    plan = expand(request)  # warm: fills the 2026/2027 holiday tables
    median, best = timed(lambda: expand(request), 2000)
    print(f"1. seed expansion ({len(plan.events)} events): median {median * 1e6:.0f} µs, "
          f"best {best * 1e6:.0f} µs")

    zone = Timezone.from_tzinfo(ZoneInfo("Asia/Shanghai"), tzid="Asia/Shanghai",
                                first_date=date(2026, 1, 1), last_date=date(2026, 12, 31))
    to_ics(plan, stamp=STAMP)  # warm the VTIMEZONE cache
    tool, _ = timed(lambda: to_ics(expand(request), stamp=STAMP), 40)
    bare, _ = timed(lambda: bare_ics(plan, zone), 40)
    print(f"2. .ics of one plan: tool (expand + export) {tool * 1e3:.1f} ms, bare icalendar "
          f"{bare * 1e3:.1f} ms, ratio {tool / bare:.2f} (target <= 1.3)")

    try:
        from scheduler.export.pdf import to_pdf
    except ImportError:
        print("3. PDF: not available")
        return
    twelve = expand(seed_request(12))
    to_pdf(twelve, generated=STAMP)
    median, best = timed(lambda: to_pdf(twelve, generated=STAMP), 10)
    print(f"3. PDF of a 12-month plan ({len(twelve.events)} events): median "
          f"{median * 1e3:.0f} ms, best {best * 1e3:.0f} ms (target: well under 1 s)")


def cold_start() -> None:
    python = str(Path(sys.executable))
    scheduler = str(Path(sys.executable).parent / "scheduler")
    with tempfile.TemporaryDirectory() as out:
        tool_command = [scheduler, "generate", "nct06478355", "--start", "2026-01-05",
                        "--now", "2026-01-01T00:00:00Z", "--force", "-o", out]
        bare_command = [python, "-c", "import icalendar, reportlab, pendulum, click"]
        tool, _ = timed(lambda: subprocess.run(tool_command, check=True, capture_output=True), 7)
        bare, _ = timed(lambda: subprocess.run(bare_command, check=True, capture_output=True), 7)
        traced = subprocess.run([python, "-X", "importtime", *tool_command], check=True,
                                capture_output=True, text=True).stderr
    print(f"4. cold start: scheduler generate {tool:.2f} s, bare imports {bare:.2f} s, "
          f"ratio {tool / bare:.2f} (target <= 1.5)")
    shares = import_shares(traced)
    total = sum(shares.values())
    top = ", ".join(f"{name} {micro / total:.0%}" for name, micro in
                    sorted(shares.items(), key=lambda item: -item[1])[:7])
    print(f"   imports by package (python -X importtime, self time): {top}")


def import_shares(trace: str) -> dict[str, int]:
    """Self import time in µs by top-level package, from ``python -X importtime`` output."""
    shares: dict[str, int] = {}
    for line in trace.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            own, _, name = line.removeprefix("import time:").split("|")
            package = name.strip().split(".")[0]
            shares[package] = shares.get(package, 0) + int(own)
    return shares


def cohort(quick: bool) -> None:
    scheduler = str(Path(sys.executable).parent / "scheduler")
    rows = list(csv.DictReader((ROOT / "samples" / "cohort.csv").open()))
    sizes = (100, 200) if quick else (100, 200, 400, 800)
    figures = []
    with tempfile.TemporaryDirectory() as work:
        for size in sizes:
            path = Path(work) / f"cohort{size}.csv"
            with path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows[:size])
            began = time.perf_counter()
            cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([scheduler, "batch", str(path), "-o", str(Path(work) / f"out{size}"),
                            "--now", "2026-01-01T00:00:00Z"], check=True, capture_output=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
            figures.append((size, time.perf_counter() - began, used / size))
    per_row = ", ".join(f"{size}: {seconds:.1f} s" for size, seconds, _ in figures)
    cpu_row = ", ".join(f"{per * 1e3:.0f}" for _, _, per in figures)
    print(f"5. batch wall time by rows ({per_row}); 800 target < 20 s")
    print(f"   CPU time per row, all processes (ms): {cpu_row}")


def main() -> None:
    quick = "--quick" in sys.argv
    machine_speed()
    core_figures()
    cold_start()
    cohort(quick)


if __name__ == "__main__":
    main()
