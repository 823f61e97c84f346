"""The benchmark scripts still run (on SQLite, with small registries): their figures are not
checked here (they go in the README), only that each script completes and prints them. A
schema or template change that breaks a benchmark shows here, not on the day of a measurement."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("script", "args", "printed"), [
    ("worklist.py", ["--plans", "120"], "sqlite     one week"),
    ("moves.py", ["--plans", "6"], "one move recorded"),
    ("registry.py", ["--quick", "--plans", "120"], "issue         tool"),
])
def test_a_benchmark_runs_to_its_figures(script, args, printed):
    environment = {k: v for k, v in os.environ.items() if k != "SCHEDULER_TEST_POSTGRES"}  # SQLite only
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT,
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert printed in result.stdout
