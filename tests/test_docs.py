"""The README's promises: its test command is what CI runs, its examples are real."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import cli

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


def test_readme_templates_listing_is_real():
    block = README.split("$ scheduler templates\n", 1)[1].split("```", 1)[0]
    assert CliRunner().invoke(cli, ["templates"]).output == block


def test_readme_quick_start_output_is_real(tmp_path, monkeypatch):
    block = README.split("prints what it did:\n\n```\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["generate", "nct06478355", "--start", "2026-01-05",
                                      "-o", "out/"])
    assert result.output == block
    assert (tmp_path / "out" / "nct06478355_2026-01-05.ics").is_file()


def test_readme_stupp_example_is_real(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [
        "generate", "stupp", "--start", "2026-03-02", "--holidays", "GB-ENG",
        "--tz", "Europe/London", "--patient", "Patient 017", "-o", "out/"])
    assert ("Wrote out/Patient-017_stupp_2026-03-02.ics (104 events, 2026-03-02 to 2026-10-03)"
            in README)
    assert result.output.splitlines()[0] == (
        "Wrote out/Patient-017_stupp_2026-03-02.ics (104 events, 2026-03-02 to 2026-10-03)")
