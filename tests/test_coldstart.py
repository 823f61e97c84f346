"""Fast start: each command imports only what it needs (benchmarks/coldstart.py measures it).

Every check runs the command line in a fresh interpreter and looks at the modules it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.lib.colors import getAllNamedColors

from scheduler.core.colours import NAMED_COLOURS
from scheduler.core.units import Span, parse_span

ROOT = Path(__file__).resolve().parent.parent
SEED = ["nct06478355", "--start", "2026-01-05"]
HEAVY = {"reportlab", "PIL", "pydantic", "pydantic_core", "yaml", "holidays", "icalendar", "pendulum",
         "sqlalchemy", "alembic", "psycopg", "argon2", "starlette", "uvicorn", "jinja2", "fhir"}
"""Packages that take tens of milliseconds or more to import; none is needed to print help."""

RUN = """
import json, sys
from scheduler.cli import cli

output, runs = sys.argv[1], json.loads(sys.argv[2])
if runs == "every --help":
    def paths(group, prefix):
        for name in group.list_commands(None):
            command = group.get_command(None, name)
            yield [*prefix, name]
            if hasattr(command, "list_commands"):
                yield from paths(command, [*prefix, name])
    runs = [["--help"], *([*path, "--help"] for path in paths(cli, []))]
for arguments in runs:
    try:
        cli.main(arguments, prog_name="scheduler")
    except SystemExit as exit:
        assert exit.code == 0, (arguments, exit.code)
with open(output, "w") as file:
    json.dump(sorted(sys.modules), file)
"""


def loaded(tmp_path: Path, runs: list[list[str]] | str) -> tuple[set[str], str]:
    """The modules loaded by ``runs`` and their top-level packages, and the runs' stdout."""
    listing = tmp_path / "modules.json"
    result = subprocess.run([sys.executable, "-c", RUN, str(listing), json.dumps(runs)],
                            cwd=tmp_path, capture_output=True, text=True, check=True)
    modules = set(json.loads(listing.read_text()))
    return modules | {m.split(".")[0] for m in modules}, result.stdout


def test_help_of_every_command_imports_no_heavy_package(tmp_path):
    modules, output = loaded(tmp_path, "every --help")
    assert output.count("Usage: scheduler") == 53  # scheduler, its groups and commands: 53 help pages
    assert modules & HEAVY == set()
    assert "scheduler.core.protocol" not in modules and "scheduler.services.options" not in modules


REGISTRY_COMMANDS = {"scheduler.cli.store", "scheduler.cli.patients", "scheduler.cli.registry",
                     "scheduler.cli.users", "scheduler.cli.feeds"}


def test_version_imports_neither_heavy_packages_nor_the_registry_commands(tmp_path):
    modules, output = loaded(tmp_path, [["--version"]])
    assert output == "scheduler, version 0.1.0\n"
    assert modules & HEAVY == set()
    assert not REGISTRY_COMMANDS & set(modules)


def test_show_imports_no_pdf_registry_web_or_fhir(tmp_path):
    modules, output = loaded(tmp_path, [["show", *SEED, "--json"]])
    events = json.loads(output)
    assert len(events) == 59 and events[0]["date"] == "2026-01-05"
    assert {"pydantic", "holidays", "yaml"} <= modules
    assert modules & {"reportlab", "PIL", "icalendar", "pendulum", "sqlalchemy", "alembic", "psycopg",
                      "starlette", "uvicorn", "jinja2", "fhir"} == set()
    assert not REGISTRY_COMMANDS & set(modules)


def test_generate_imports_no_registry_web_or_fhir(tmp_path):
    modules, output = loaded(tmp_path, [["generate", *SEED, "-o", str(tmp_path / "out")]])
    assert output.startswith(f"Wrote {tmp_path / 'out' / 'nct06478355_2026-01-05.ics'} (59 events, ")
    assert {"reportlab", "icalendar"} <= modules
    assert modules & {"pendulum", "sqlalchemy", "alembic", "psycopg", "starlette", "uvicorn", "jinja2",
                      "fhir"} == set()
    assert "reportlab.graphics" not in modules  # the QR code's widgets: only with --feed-url


def test_colour_names_are_reportlabs_own():
    """The copy in scheduler/colours.py (so that loading a template needs no reportlab) is
    exactly the names reportlab knows in lower case, which is what a template may use."""
    assert {name for name in getAllNamedColors() if name == name.lower()} == NAMED_COLOURS


@pytest.mark.parametrize(("start", "span", "expected"), [
    (date(2026, 8, 31), "6 months", date(2027, 2, 28)),
    (date(2027, 8, 31), "6 months", date(2028, 2, 29)),
    (date(2026, 3, 31), "1 month", date(2026, 4, 30)),
    (date(2026, 1, 5), "12m", date(2027, 1, 5)),
    (date(2024, 2, 29), "1y", date(2025, 2, 28)),
    (date(2026, 12, 30), "4w", date(2027, 1, 27)),
])
def test_spans_count_calendar_months_and_clamp_to_the_month_end(start, span, expected):
    assert parse_span(span).after(start) == expected


@given(st.dates(date(1990, 1, 1), date(2099, 12, 31)), st.integers(0, 1200), st.integers(0, 3650))
def test_span_arithmetic_is_what_pendulum_gave(start, months, days):
    """Span.after moved from pendulum to dateutil (already imported by holidays) for a faster
    start: months first, clamped to the month end, then days, as pendulum's Date.add does."""
    moved = pendulum.Date(start.year, start.month, start.day).add(months=months, days=days)
    assert Span(months, days).after(start) == date(moved.year, moved.month, moved.day)
