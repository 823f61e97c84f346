"""The library speaks in fields: no string of the library names a command-line flag, and each
shell says a field its own way, from one table of its own (exact messages, per shell)."""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.cli.common import FLAGS, flag
from scheduler.core.errors import InputError, Note, PlanError
from scheduler.services.batch import COLUMNS, column
from scheduler.web.forms import LABELS, label
from tests.test_web import Web

ROOT = Path(__file__).parent.parent / "scheduler"
LIBRARY = ("core", "draft", "export", "registry", "services")


def _library_strings() -> list[tuple[str, int, str]]:
    """Every string literal of the library's modules, documentation (a string standing alone
    as a statement: a docstring, an attribute's doc) aside."""
    found = []
    for layer in LIBRARY:
        for path in sorted((ROOT / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docs = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                    found.append((str(path.relative_to(ROOT.parent)), node.lineno, node.value))
    return found


def test_the_scan_sees_the_library_and_its_f_strings() -> None:
    strings = _library_strings()
    assert len({path for path, _, _ in strings}) > 40
    assert any("is not a date in the form YYYY-MM-DD" in text for _, _, text in strings)  # an f-string part


def test_no_library_string_names_a_command_line_flag() -> None:
    flags = [f"{path}:{line}: {text!r}" for path, line, text in _library_strings()
             if re.search(r"--[a-z]", text)]
    assert flags == []


def test_no_library_string_names_a_command() -> None:
    """How to run something is the shell's to say (its remedies table), not the library's."""
    commands = [f"{path}:{line}: {text!r}" for path, line, text in _library_strings()
                if re.search(r"'scheduler [a-z]", text)]
    assert commands == []


def test_every_remedy_the_library_names_is_worded_by_the_command_line_and_the_web() -> None:
    from scheduler.cli.common import REMEDIES as CLI
    from scheduler.web.forms import REMEDIES as WEB

    named = {match for layer in LIBRARY for path in (ROOT / layer).rglob("*.py")
             for match in re.findall(r'remedy="([a-z_]+)"', path.read_text(encoding="utf-8"))}
    assert {"init", "closures", "feed_create", "upgrade"} <= named  # the scan sees them
    web_only_in_cli = {"templates", "upgrade", "repair"}  # the server's operator's, on the command line
    assert sorted(named - set(CLI)) == []
    assert sorted(named - set(WEB) - web_only_in_cli) == []


def test_no_text_replacement_table_is_left() -> None:
    import scheduler.core.text as text

    assert not hasattr(text, "reworded")
    for path in ROOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert ".replace(\"--" not in source and "_WORDS = (" not in source, path


# --- each shell names a field from its own table ------------------------------------------------

FIELDS = ["start", "holidays", "timezone", "horizon", "closed[2]", "workdays[0]",
          "parameters", "parameters.chemo_cycles", "shift_start"]


@pytest.mark.parametrize(("namer", "expected"), [
    (flag, ["--start", "--holidays", "--tz", "--horizon", "--closed", "--workday", "--set",
            "--set chemo_cycles", "--shift-start"]),
    (label, ["Start", "Public holidays", "Time zone", "Schedule continuation doses for",
             "Closures, line 3", "Extra working days, line 1", "Parameters",
             "Parameters: chemo_cycles", "If the start is not a working day, start on the next one"]),
    (column, ["start column", "holidays column", "tz column", "horizon column",
              "closed column, entry 3", "workday column, entry 1", "set column",
              "set column: chemo_cycles", "shift_start column"]),
])
def test_each_shell_names_each_field(namer, expected) -> None:
    assert [namer(field) for field in FIELDS] == expected


def test_every_table_names_the_same_plan_fields() -> None:
    plan_fields = {"start", "holidays", "timezone", "horizon", "closed", "workdays", "parameters",
                   "shift_start"}
    for table in (FLAGS, LABELS, COLUMNS):
        assert plan_fields <= set(table)


def test_an_error_says_its_field_and_remedy_per_shell() -> None:
    error = InputError("'x' is not a whole number", "parameters.cycles")
    assert str(error) == "parameters.cycles: 'x' is not a whole number"
    assert error.worded(flag) == "--set cycles: 'x' is not a whole number"
    assert error.worded(label) == "Parameters: cycles: 'x' is not a whole number"
    moved = PlanError("start date 2026-10-01 (Thursday) is not a working day: National Day. "
                      "Choose a working day.", remedy="shift_start", value="2026-10-09 (Friday)")
    from scheduler.cli.common import in_cli_words
    from scheduler.services.batch import in_cohort_words
    from scheduler.web.forms import in_web_words

    assert in_cli_words(moved).endswith(
        "Choose a working day, or pass --shift-start to start on the next one, 2026-10-09 (Friday).")
    assert in_web_words(moved).endswith(
        "Choose a working day, or tick \"If the start is not a working day, start on the next one\" "
        "to start on the next one, 2026-10-09 (Friday).")
    assert in_cohort_words(moved).endswith(
        "Choose a working day, or put yes in this row's shift_start column to start on the next "
        "one, 2026-10-09 (Friday).")
    note = Note("Parameter cycles = 12 is the template default (cycles).", remedy="parameters.cycles")
    assert in_cli_words(note) == ("Parameter cycles = 12 is the template default (cycles); "
                                  "override with --set cycles=N.")
    assert in_web_words(note) == ("Parameter cycles = 12 is the template default (cycles); "
                                  "to change it, write under Parameters: cycles=N.")
    assert in_cohort_words(note) == ("Parameter cycles = 12 is the template default (cycles); "
                                     "override it in the set column: cycles=N.")


# --- every error path that names a field, through each shell -------------------------------------

CASES = [
    # (what, CLI arguments after "show tc", form fields, cohort cells, CLI / web / batch message)
    ("a bad start", ["--start", "2026-13-01"], {"start": "2026-13-01"}, {"start": "2026-13-01"},
     "'2026-13-01' is not a real date",
     ("--start", "Start", "start column")),
    ("an unknown zone", ["--tz", "Mars/Base"], {"tz": "Mars/Base"}, {"tz": "Mars/Base"},
     "unknown time zone 'Mars/Base'; use an IANA name like Asia/Shanghai, Europe/Amsterdam or "
     "America/New_York", ("--tz", "Time zone", "tz column")),
    ("an unknown holidays region", ["--holidays", "XX"], {"holidays": "XX"}, {"holidays": "XX"},
     "unknown country or subdivision 'XX' (the holidays package knows no country 'XX'); use an "
     "ISO code like CN, US-CA or GB, or 'none'", ("--holidays", "Public holidays", "holidays column")),
    ("a parameter out of range", ["--set", "cycles=40"], {"parameters": "cycles=40"},
     {"set": "cycles=40"}, "template 'tc' allows 1 to 6, not 40",
     ("--set cycles", "Parameters: cycles", "set column: cycles")),
    ("an unknown parameter", ["--set", "doses=4"], {"parameters": "doses=4"}, {"set": "doses=4"},
     "template 'tc' has no parameter 'doses' (its parameters: cycles)",
     ("--set doses", "Parameters: doses", "set column: doses")),
    ("a parameter that is not a number", ["--set", "cycles=six"], {"parameters": "cycles=six"},
     {"set": "cycles=six"}, "'six' is not a whole number",
     ("--set cycles", "Parameters: cycles", "set column: cycles")),
    ("a closure that ends before it starts", ["--closed", "2026-03-05..2026-03-04"],
     {"closed": "2026-03-02\n2026-03-05..2026-03-04"}, {"closed": "2026-03-02;2026-03-05..2026-03-04"},
     "'2026-03-05..2026-03-04' ends before it starts",
     ("--closed", "Closures, line 2", "closed column, entry 2")),
    ("a closure of a resource no component uses", ["--closed", "2026-03-04@linac"],
     {"closed": "2026-03-04@linac"}, {"closed": "2026-03-04@linac"},
     "no component of template 'tc' uses resource 'linac' (its resources: none)",
     ("--closed", "Closures, line 1", "closed column, entry 1")),
    ("an extra working day with a resource", ["--workday", "2026-03-07@linac"],
     {"workdays": "2026-03-07@linac"}, {"workday": "2026-03-07@linac"},
     "'2026-03-07@linac': an extra working day is for the whole site; only a closure may name a "
     "resource", ("--workday", "Extra working days, line 1", "workday column, entry 1")),
]


def _cli_message(args: list[str]) -> str:
    result = CliRunner().invoke(cli, ["show", "tc", "--start", "2026-03-02", "--holidays", "none",
                                      "--tz", "UTC", *args])
    assert result.exit_code == 2, result.output
    return result.stderr.strip()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_command_line_names_the_flag(case) -> None:
    _, args, _, _, message, (name, _, _) = case
    said = _cli_message(args)
    # click's own option parsing words a callback's refusal; the library's errors are ours
    assert said.splitlines()[-1] in (f"Error: {name}: {message}",
                                     f"Error: Invalid value for '{name.split()[0]}': {message}"), said


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_web_form_names_the_label(case, tmp_path) -> None:
    _, _, form, _, message, (_, name, _) = case
    web = Web(str(tmp_path / "registry.sqlite3"), tmp_path)
    assert web.login().status_code == 303
    fields = {"key": "P1", "template": "tc", "start": "2026-03-02", "holidays": "none", "tz": "UTC",
              **form}
    response = web.post("/patients/new/preview", fields)
    import html

    errors = re.findall(r'<p class="error"[^>]*>(.*?)</p>', response.text, re.S)
    assert [html.unescape(e).strip() for e in errors] == [f"{name}: {message}"], response.text[:2000]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_cohort_file_names_the_column(case, tmp_path) -> None:
    _, _, _, cells, message, (_, _, name) = case
    row = {"key": "P1", "template": "tc", "start": "2026-03-02", "holidays": "none", "tz": "UTC",
           **cells}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(buffer.getvalue(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(cohort), "-o", str(tmp_path / "out"),
                                      "--now", "2026-01-01T00:00:00Z"])
    report = list(csv.DictReader(io.StringIO((tmp_path / "out" / "report.csv").read_text("utf-8"))))
    assert [r["notes"] for r in report] == [f"{name}: {message}"], result.output
