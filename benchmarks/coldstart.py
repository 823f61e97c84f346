"""Cold start of four commands, each against a bare ``python -c`` importing what it truly needs.

Run from the repository root:  .venv/bin/python benchmarks/coldstart.py [--runs N] [--imports]

Every run is a fresh process. A round runs each command and its bare baseline back to back
(in alternating order), and the rounds repeat, so that a drift in the machine's speed moves
both figures of a pair alike; the table shows medians and their ratio. The target is a ratio
of at most 1.5 for each command. The bare baseline of ``show`` imports pydantic's BaseModel
(``import pydantic`` alone loads little of it since pydantic 2 imports lazily).

Byte code is written and used (PYTHONDONTWRITEBYTECODE is dropped for the runs, and one
round warms up uncounted), as in an installed copy: compiling our own modules at every start
would otherwise add about 0.1 s that no user pays.

--imports also prints, per command, the modules that took the most import time (self time
summed per package, from ``python -X importtime``; our own modules are listed one by one).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

TARGET = 1.5
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
SCHEDULER = str(Path(sys.executable).with_name("scheduler"))
START = ["nct06478355", "--start", "2026-01-05"]

SHOW_NEEDS = "import icalendar, holidays.countries.china, yaml; from pydantic import BaseModel"
CASES: list[tuple[str, list[str], str]] = [
    # (what, the command's arguments, what a bare script for it must import)
    ("scheduler --help", ["--help"], "import click"),
    ("scheduler --version", ["--version"], "import click"),
    ("scheduler show ... --json", ["show", *START, "--json"], SHOW_NEEDS),
    ("scheduler generate ... -o TMP", ["generate", *START, "-o", "{tmp}"],
     SHOW_NEEDS + "; import reportlab.pdfgen.canvas"),
]


def run(argv: list[str]) -> float:
    """Wall time of one fresh process, in seconds; it must succeed."""
    began = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENVIRONMENT)
    return time.perf_counter() - began


def tool_argv(arguments: list[str], folder: Path, round_number: int) -> list[str]:
    target = str(folder / f"run{round_number}")
    return [SCHEDULER, *(a.replace("{tmp}", target) for a in arguments)]


def measure(runs: int) -> None:
    tool: dict[str, list[float]] = {what: [] for what, _, _ in CASES}
    bare: dict[str, list[float]] = {what: [] for what, _, _ in CASES}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(-1, runs):  # round -1 warms up (writes byte code) and is not counted
            for what, arguments, imports in CASES:
                pair = [(tool[what], tool_argv(arguments, Path(folder), number)),
                        (bare[what], [sys.executable, "-c", imports])]
                for samples, argv in pair if number % 2 else reversed(pair):
                    seconds = run(argv)
                    if number >= 0:
                        samples.append(seconds)
    print(f"Cold start, median of {runs} fresh processes each, interleaved (target ratio <= {TARGET}):")
    print()
    print(f"{'command':<32}{'tool':>9}{'bare':>9}{'ratio':>8}  bare script")
    for what, _, imports in CASES:
        mine, base = statistics.median(tool[what]), statistics.median(bare[what])
        ratio = mine / base
        print(f"{what:<32}{mine:>8.3f}s{base:>8.3f}s{ratio:>8.2f}  "
              f"{imports}{'' if ratio <= TARGET else '   (over target)'}")


IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)")


def largest_imports(arguments: list[str], folder: Path, count: int = 8) -> list[tuple[str, float]]:
    """Import self time in ms, summed per package (per module for ours), largest first."""
    argv = [sys.executable, "-X", "importtime", "-m", "scheduler",
            *(a.replace("{tmp}", str(folder / "imports")) for a in arguments)]
    report = subprocess.run(argv, check=True, capture_output=True, text=True, env=ENVIRONMENT).stderr
    totals: Counter[str] = Counter()
    for match in IMPORT_LINE.finditer(report):
        module = match.group(3)
        key = module if module.startswith("scheduler") else module.split(".")[0]
        totals[key] += int(match.group(1)) / 1000
    return totals.most_common(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per command (default 9)")
    parser.add_argument("--imports", action="store_true", help="also list the largest imports")
    options = parser.parse_args()
    measure(options.runs)
    if options.imports:
        with tempfile.TemporaryDirectory() as folder:
            for what, arguments, _ in CASES:
                largest = largest_imports(arguments, Path(folder))
                listed = ", ".join(f"{name} {ms:.0f}" for name, ms in largest)
                print(f"\nLargest imports (ms, -X importtime) of {what}:\n  {listed}")


if __name__ == "__main__":
    main()
