"""The README's promises: its test command is what CI runs. (Its example outputs are cog
blocks, checked by tests/test_readme_cog.py.)"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def fenced_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    install, test = fenced_commands()[:2]
    assert test == ".venv/bin/python -m pytest"
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci_lines[-1] == test
    assert "set -euo pipefail" in ci_lines
    assert install.startswith("python3 -m venv .venv && .venv/bin/pip install -e \".[test]\"")
    assert "scheduler generate nct06478355 --start 2026-01-05 -o out/" in install
