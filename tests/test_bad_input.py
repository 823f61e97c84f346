"""The bad-input corpus: every case exits 2 with one clear message, no traceback and no
output file. Bad templates live in tests/data/bad/, bad site files in tests/data/bad_sites/,
bad cohort files in tests/data/bad_csv/; command-line cases are listed below."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli

DATA = Path(__file__).parent / "data"
GOOD = ["nct06478355", "--start", "2026-01-05"]

# (case name, arguments after `scheduler generate`, fragment of the message)
COMMAND_LINE_CASES = [
    ("impossible_date", ["nct06478355", "--start", "2026-02-30"], "'2026-02-30' is not a real date"),
    ("not_iso_date", ["nct06478355", "--start", "5/1/2026"], "is not a date in the form YYYY-MM-DD"),
    ("date_out_of_range", ["nct06478355", "--start", "1899-12-31"], "outside 1990-01-01"),
    ("start_on_a_holiday", ["nct06478355", "--start", "2026-10-01"],
     "start date 2026-10-01 (Thursday) is not a working day: National Day"),
    ("start_on_a_sunday", ["cross", "--start", "2026-03-01", "--holidays", "none"],
     "start date 2026-03-01 (Sunday) is not a working day: Sunday"),
    ("unknown_country", [*GOOD, "--holidays", "XX"], "unknown country or subdivision 'XX'"),
    ("unknown_subdivision", [*GOOD, "--holidays", "US-XX"], "unknown country or subdivision 'US-XX'"),
    ("unknown_time_zone", [*GOOD, "--tz", "Asia/Atlantis"], "unknown time zone 'Asia/Atlantis'"),
    ("path_time_zone", [*GOOD, "--tz", "../../etc/passwd"], "unknown time zone"),
    ("huge_horizon", [*GOOD, "--horizon", "100y"], "'100y' is longer than 5 years"),
    ("zero_horizon", [*GOOD, "--horizon", "0m"], "must be longer than zero"),
    ("word_horizon", [*GOOD, "--horizon", "forever"], "is not a span"),
    ("unknown_parameter", [*GOOD, "--set", "cycles=4"], "has no parameter 'cycles'"),
    ("parameter_too_big", [*GOOD, "--set", "chemo_cycles=99"], "allows 1 to 8"),
    ("parameter_zero", [*GOOD, "--set", "chemo_cycles=0"], "allows 1 to 8"),
    ("parameter_not_a_number", [*GOOD, "--set", "chemo_cycles=four"], "'four' is not a whole number"),
    ("parameter_twice", [*GOOD, "--set", "chemo_cycles=2", "--set", "chemo_cycles=3"],
     "--set chemo_cycles: is given twice"),
    ("closed_range_backwards", [*GOOD, "--closed", "2026-03-05..2026-03-01"], "ends before it starts"),
    ("closed_range_too_long", [*GOOD, "--closed", "2026-01-01..2028-01-01"], "spans more than 366"),
    ("closed_and_workday", [*GOOD, "--closed", "2026-03-07", "--workday", "2026-03-07"],
     "2026-03-07 is given both as closed and as a working day"),
    ("unknown_template", ["folfox", "--start", "2026-01-05"], "unknown template 'folfox'"),
    ("template_is_a_directory", [str(DATA), "--start", "2026-01-05"], "is a directory"),
    ("missing_template_file", ["missing.yaml", "--start", "2026-01-05"], "no such template file"),
    ("site_file_missing", [*GOOD, "--site", "nowhere.yaml"], "no such site file"),
    ("site_is_a_directory", [*GOOD, "--site", str(DATA)], "is a directory"),
    ("fractions_cannot_fit", ["stupp", "--start", "2026-03-02", "--holidays", "none",
                              "--closed", "2026-03-03..2027-03-02"],
     "Radiotherapy: only 1 of 30 fractions fit between 2026-03-02 and"),
    ("plan_past_ten_years", [str(DATA / "templates" / "decades.yaml"), "--start", "2026-01-05",
                             "--holidays", "none"],
     "'yearly' has cycles more than 10 years after the start"),
    ("now_without_offset", [*GOOD, "--now", "2026-01-01T08:00:00"], "is not an ISO 8601 time with an offset"),
    ("now_garbage", [*GOOD, "--now", "yesterday"], "is not an ISO 8601 time with an offset"),
]


def generate(args: list[str], out: Path):
    return CliRunner().invoke(cli, ["generate", *args, "-o", str(out)])


def assert_refused(result, out: Path, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.count("Error") == 1
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(("name", "args", "fragment"), COMMAND_LINE_CASES,
                         ids=[c[0] for c in COMMAND_LINE_CASES])
def test_command_line_case(tmp_path, name, args, fragment):
    out = tmp_path / "out"
    assert_refused(generate(args, out), out, fragment)


def expected(path: Path) -> str:
    """A data file's first line may say what its message must contain: ``# expect: ...``."""
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    return first.removeprefix("# expect: ") if first.startswith("# expect: ") else ""


@pytest.mark.parametrize("path", sorted((DATA / "bad").glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_template_through_generate(tmp_path, path):
    out = tmp_path / "out"
    result = generate([str(path), "--start", "2026-01-05"], out)
    assert_refused(result, out, str(path))
    assert expected(path) in result.stderr
    assert len(result.stderr) < 3000, "an error never quotes a whole long value"


@pytest.mark.parametrize("path", sorted((DATA / "bad").glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_template_through_validate(tmp_path, path):
    """validate lists every problem, one a line, each starting with the file and its line,
    then how many; nothing on stdout."""
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    *problems, count = result.stderr.splitlines()
    assert count == (f"{len(problems)} problems" if len(problems) > 1 else "1 problem")
    assert problems and all(line.startswith(f"{path}") for line in problems), result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    assert expected(path) in result.stderr


@pytest.mark.parametrize("path", sorted((DATA / "bad_sites").glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_site_file(tmp_path, path):
    out = tmp_path / "out"
    result = generate([*GOOD, "--site", str(path)], out)
    assert_refused(result, out, str(path))
    assert expected(path) in result.stderr


@pytest.mark.parametrize("path", sorted((DATA / "bad_csv").glob("*.csv")), ids=lambda p: p.stem)
def test_bad_cohort_file(tmp_path, path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(path), "-o", str(out)])
    assert_refused(result, out, str(path) if path.stem == "binary" else "column")


def test_output_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    out = blocker / "out"
    result = generate(GOOD, out)
    assert result.exit_code == 2
    assert "cannot create the folder" in result.stderr
    assert blocker.read_text() == "x"


def test_unwritable_output_folder(tmp_path):
    out = Path("/proc/scheduler-test-output")
    result = generate(GOOD, out)
    assert result.exit_code == 2
    assert "-o /proc/scheduler-test-output: cannot" in result.stderr


# --- families: each case builds its own inputs in a temporary folder --------------------------
#
# A case is (family, name, build); build(tmp) returns the full argument list after
# `scheduler` and a fragment of the one expected message. tmp/out is the output folder; the
# assertion is that nothing new appears in it (files a case puts there first stay as they
# were).

SHIPPED_CSV_HEADER = "key,template,start\n"


def _fifo(tmp: Path, name: str) -> Path:
    path = tmp / name
    os.mkfifo(path)
    return path


def _write(tmp: Path, name: str, content: str | bytes) -> Path:
    path = tmp / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _sparse(tmp: Path, name: str, size: int) -> Path:
    path = tmp / name
    with open(path, "wb") as stream:
        stream.truncate(size)
    return path


def _gen(*args: str, out: str = "out") -> list[str]:
    return ["generate", *args, "-o", out]


def _case_pdf_path_is_a_directory(tmp: Path):
    (tmp / "out" / "nct06478355_2026-01-05.pdf").mkdir(parents=True)
    return _gen(*GOOD, out=str(tmp / "out")), "nct06478355_2026-01-05.pdf: is a directory"


def _case_ics_path_is_a_fifo(tmp: Path):
    (tmp / "out").mkdir()
    _fifo(tmp / "out", "nct06478355_2026-01-05.ics")
    return _gen(*GOOD, out=str(tmp / "out")), "nct06478355_2026-01-05.ics: exists and is not a regular file"


def _case_existing_file_without_force(tmp: Path):
    (tmp / "out").mkdir()
    (tmp / "out" / "Patient-017_nct06478355_2026-01-05.ics").write_text("first patient")
    return (_gen(*GOOD, "--patient", "Patient/017", out=str(tmp / "out")),
            "Patient-017_nct06478355_2026-01-05.ics: already exists; pass --force to replace it")


def _case_existing_symlink_at_target(tmp: Path):
    (tmp / "out").mkdir()
    (tmp / "out" / "nct06478355_2026-01-05.pdf").symlink_to(tmp / "elsewhere.pdf")
    return (_gen(*GOOD, "--force", out=str(tmp / "out")),
            "nct06478355_2026-01-05.pdf: exists and is not a regular file")


FAMILY_CASES = [
    # size and non-regular files: every file the tool reads is a regular file of bounded size
    ("size", "validate_dev_zero", lambda t: (["validate", "/dev/zero"], "/dev/zero: not a regular file")),
    ("size", "validate_dev_urandom", lambda t: (["validate", "/dev/urandom"],
                                                "/dev/urandom: not a regular file")),
    ("size", "validate_dev_null", lambda t: (["validate", "/dev/null"], "/dev/null: not a regular file")),
    ("size", "generate_template_dev_zero", lambda t: (_gen("/dev/zero", "--start", "2026-01-05"),
                                                      "/dev/zero: not a regular file")),
    ("size", "site_dev_zero", lambda t: (_gen(*GOOD, "--site", "/dev/zero"), "/dev/zero: not a regular file")),
    ("size", "site_dev_urandom", lambda t: (_gen(*GOOD, "--site", "/dev/urandom"),
                                            "/dev/urandom: not a regular file")),
    ("size", "batch_dev_zero", lambda t: (["batch", "/dev/zero", "-o", "out"], "/dev/zero: not a regular file")),
    ("size", "batch_dev_urandom", lambda t: (["batch", "/dev/urandom", "-o", "out"],
                                             "/dev/urandom: not a regular file")),
    ("size", "validate_fifo", lambda t: (["validate", str(_fifo(t, "t.yaml"))], "t.yaml: not a regular file")),
    ("size", "site_fifo", lambda t: (_gen(*GOOD, "--site", str(_fifo(t, "s.yaml"))), "s.yaml: not a regular file")),
    ("size", "batch_fifo", lambda t: (["batch", str(_fifo(t, "c.csv")), "-o", "out"], "c.csv: not a regular file")),
    ("size", "template_over_1mb", lambda t: (["validate", str(_write(t, "big.yaml", "#" * 1_000_001))],
                                             "big.yaml: larger than 1,000,000 bytes")),
    ("size", "sparse_template_1gb", lambda t: (["validate", str(_sparse(t, "sparse.yaml", 1 << 30))],
                                               "sparse.yaml: larger than 1,000,000 bytes")),
    ("size", "site_over_1mb", lambda t: (_gen(*GOOD, "--site", str(_write(t, "big.yaml", "#" * 1_000_001))),
                                         "big.yaml: larger than 1,000,000 bytes")),
    ("size", "csv_over_50mb", lambda t: (["batch", str(_sparse(t, "big.csv", 50_000_001)), "-o", "out"],
                                         "big.csv: larger than 50,000,000 bytes")),
    # paths and permissions at the output: checked before anything is moved into place
    ("paths", "pdf_path_is_a_directory", _case_pdf_path_is_a_directory),
    ("paths", "ics_path_is_a_fifo", _case_ics_path_is_a_fifo),
    ("paths", "same_file_name_without_force", _case_existing_file_without_force),
    ("paths", "symlink_at_target_even_with_force", _case_existing_symlink_at_target),
]


# Text options: (option, command prefix) -> each gets the same bad values.
DB = ["--db", "out/registry.sqlite"]
TEXT_OPTIONS = [
    ("--patient", lambda v: _gen(*GOOD, "--patient", v), "--patient"),
    ("--label", lambda v: ["patient", "add", "P1", *GOOD, "--label", v, *DB], "--label"),
    ("--author", lambda v: ["delay", "P1", "--cycle", "1", "--days", "7", "--reason", "x",
                            "--author", v, *DB], "--author"),
    ("--reason", lambda v: ["hold", "P1", "--component", "rt", "--from", "2026-03-02", "--days",
                            "2", "--reason", v, *DB], "--reason"),
    ("--closed", lambda v: _gen(*GOOD, "--closed", f"2026-03-03={v}"), "--closed"),
    ("--workday", lambda v: _gen(*GOOD, "--workday", f"2026-03-07={v}"), "--workday"),
    ("--plan-key", lambda v: _gen(*GOOD, "--plan-key", v), "--plan-key"),
]
BAD_TEXT = [
    ("encoding", "invalid_utf8", "a\udcffb", "is not valid UTF-8 (a bad byte at character 2)"),
    ("control", "escape_sequence", "P\x1b[31m017", "contains the control character U+001B"),
    ("control", "newline", "P\n017", "contains the control character U+000A"),
    ("control", "nul", "P\x00017", "contains the control character U+0000"),
    ("control", "line_separator", "P\u2028017", "contains the control character U+2028"),
    ("length", "3000_characters", "W" * 3000, "is 3,000 characters long; the limit is"),
]
for _option, _build, _shown in TEXT_OPTIONS:
    for _family, _what, _value, _fragment in BAD_TEXT:
        if _option == "--plan-key" and _what == "nul":
            continue  # a NUL cannot be passed on a real command line; covered by the others
        FAMILY_CASES.append((_family, f"{_option[2:]}_{_what}",
                             lambda t, b=_build, v=_value, f=_fragment: (b(v), f)))

FAMILY_CASES += [
    ("permissions", "batch_output_under_proc",
     lambda t: (["batch", str(_write(t, "c.csv", "key,template,start\nP1,stupp,2026-03-02\n")),
                 "-o", "/proc/scheduler-test-output"], "-o /proc/scheduler-test-output: cannot")),
    ("permissions", "batch_output_is_a_file",
     lambda t: (["batch", str(_write(t, "c.csv", "key,template,start\nP1,stupp,2026-03-02\n")),
                 "-o", str(_write(t, "file", "x"))], "exists and is not a directory")),
    ("permissions", "templates_folder_missing",
     lambda t: (["batch", str(_write(t, "c.csv", "key,template,start\nP1,stupp,2026-03-02\n")),
                 "-o", "out", "--templates", "nowhere"], "'nowhere' does not exist")),
    ("control", "escape_in_start_is_not_echoed",
     lambda t: (_gen("nct06478355", "--start", "\x1b[2J"), "'\\x1b[2J' is not a date")),
    ("numbers", "set_5000_digits", lambda t: (_gen(*GOOD, "--set", "chemo_cycles=" + "9" * 5000),
                                              "the number has more than 9 digits")),
    ("numbers", "set_negative_5000_digits", lambda t: (_gen(*GOOD, "--set", "chemo_cycles=-" + "9" * 5000),
                                                       "the number has more than 9 digits")),
    ("numbers", "horizon_5000_digits", lambda t: (_gen(*GOOD, "--horizon", "9" * 5000 + "m"), "is not a span")),
    ("numbers", "horizon_99999_months", lambda t: (_gen(*GOOD, "--horizon", "99999m"), "longer than")),
    ("numbers", "delay_cycle_5000_digits", lambda t: (["delay", "P1", "--cycle", "9" * 5000, "--days", "7",
                                                       "--reason", "x", *DB], "--cycle")),
    ("numbers", "delay_days_5000_digits", lambda t: (["delay", "P1", "--cycle", "1", "--days", "9" * 5000,
                                                      "--reason", "x", *DB], "--days")),
    ("numbers", "now_year_99999", lambda t: (_gen(*GOOD, "--now", "99999-01-01T00:00:00Z"), "--now")),
    ("numbers", "source_date_epoch_superscript_two",
     lambda t: (_gen(*GOOD), "SOURCE_DATE_EPOCH: '²' is not a whole number of seconds",
                {"SOURCE_DATE_EPOCH": "²"})),
    ("numbers", "source_date_epoch_arabic_digits",
     lambda t: (_gen(*GOOD), "is not a whole number of seconds", {"SOURCE_DATE_EPOCH": "١٧٠٠٠٠٠٠٠٠"})),
    ("numbers", "source_date_epoch_5000_digits",
     lambda t: (_gen(*GOOD), "is not a time between 1970 and 2999", {"SOURCE_DATE_EPOCH": "9" * 5000})),
    ("numbers", "source_date_epoch_year_33658",
     lambda t: (_gen(*GOOD), "is not a time between 1970 and 2999", {"SOURCE_DATE_EPOCH": "999999999999"})),
]


@pytest.mark.parametrize(("family", "name", "build"), FAMILY_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in FAMILY_CASES])
def test_family_case(tmp_path, monkeypatch, family, name, build):
    monkeypatch.chdir(tmp_path)
    args, fragment, *env = build(tmp_path)
    out = tmp_path / "out"
    before = _snapshot(out)
    result = CliRunner().invoke(cli, args, env=env[0] if env else None)
    assert result.exit_code == 2, (result.output, result.exception)
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.count("Error") == 1, result.stderr
    assert _snapshot(out) == before


def _snapshot(folder: Path) -> dict[str, bytes | str]:
    if not folder.is_dir():
        return {}
    found: dict[str, bytes | str] = {}
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            found[path.name] = "special"
        else:
            found[path.name] = path.read_bytes()
    return found


# --- batch rows: one bad row fails alone, with its line, and writes nothing -------------------
# Each case is one CSV row (columns below) between two good rows; the good rows are written.

ROW_HEADER = "key,label,template,start,holidays,tz,closed,workday,set,horizon,shift_start,plan_key\n"
GOOD_ROW = "{key},,stupp,2026-03-02,none,UTC,,,,,,\n"


def _deep(folder: Path) -> None:
    (folder / "deep.yaml").write_text("id: x\nname: " + "[" * 990 + "]" * 990 + "\n")
    (folder / "shadow.yaml").write_text("root:$6$salt$hash:19000:0:99999:7:::\ndaemon:*:19000::::::\n")
    (folder / "binary.yaml").write_bytes(b"\x00\x01\x02")
    (folder / "big.yaml").write_text("#" * 1_000_001)
    os.mkfifo(folder / "fifo.yaml")
    (folder / "link.yaml").symlink_to("/etc/passwd")


BAD_ROWS = [
    ("size", "cell_over_131072", "B1,{},stupp,2026-03-02,,,,,,,,\n".format("W" * 140_000),
     "label column: is 140,000 characters long; the limit is 1,000"),
    ("size", "cell_over_1000", "B1,{},stupp,2026-03-02,,,,,,,,\n".format("W" * 1001),
     "label column: is 1,001 characters long; the limit is 1,000"),
    ("size", "closed_cell_over_1000", "B1,,stupp,2026-03-02,,,{},,,,,\n".format("2026-03-03;" * 100),
     "closed column: is 1,100 characters long"),
    ("numbers", "set_5000_digits", "B1,,stupp,2026-03-02,,,,,adjuvant_cycles={},,,\n".format("9" * 5000),
     "set column: is 5,016 characters long"),
    ("numbers", "set_12_digits", "B1,,stupp,2026-03-02,,,,,adjuvant_cycles=999999999999,,,\n",
     "the number has more than 9 digits"),
    ("numbers", "horizon_huge", "B1,,stupp,2026-03-02,,,,,,99999y,,\n", "horizon column: span"),
    ("numbers", "start_year_99999", "B1,,stupp,99999-03-02,,,,,,,,\n", "is not a date in the form YYYY-MM-DD"),
    ("control", "escape_in_label", "B1,P\x1b[31m,stupp,2026-03-02,,,,,,,,\n",
     "label column: contains the control character U+001B"),
    ("control", "escape_in_key", "B\x1b]0;x\x07,,stupp,2026-03-02,,,,,,,,\n",
     "contains the control character U+001B"),
    ("control", "newline_in_quoted_label", 'B1,"P\n017",stupp,2026-03-02,,,,,,,,\n',
     "label column: contains the control character U+000A"),
    ("control", "nul_in_closed_reason", "B1,,stupp,2026-03-02,,,2026-03-03=a\x7fb,,,,,\n",
     "contains the control character U+007F"),
    ("control", "line_separator_in_plan_key", "B1,,stupp,2026-03-02,,,,,,,,a\u2028b\n",
     "contains the control character U+2028"),
    ("paths", "template_absolute_path", "B1,,/etc/passwd,2026-03-02,,,,,,,,\n",
     "template '/etc/passwd' is not a shipped id"),
    ("paths", "template_shadow_without_folder", "B1,,/etc/shadow,2026-03-02,,,,,,,,\n",
     "template '/etc/shadow' is not a shipped id"),
    ("paths", "template_relative_path", "B1,,../templates/stupp.yaml,2026-03-02,,,,,,,,\n",
     "is not a shipped id"),
    ("paths", "template_dot_dot_out_of_folder", "B1,,../../etc/passwd,2026-03-02,,,,,,,,\n",
     "is outside the templates folder", True),
    ("paths", "template_absolute_in_folder_mode", "B1,,/etc/passwd,2026-03-02,,,,,,,,\n",
     "is outside the templates folder", True),
    ("paths", "template_symlink_out_of_folder", "B1,,link.yaml,2026-03-02,,,,,,,,\n",
     "is outside the templates folder", True),
    ("paths", "template_missing_in_folder", "B1,,missing,2026-03-02,,,,,,,,\n",
     "no such file in the templates folder", True),
    ("paths", "template_not_a_template_is_not_quoted", "B1,,shadow.yaml,2026-03-02,,,,,,,,\n",
     "not a template (it has neither 'id' nor 'components')", True),
    ("paths", "template_fifo_in_folder", "B1,,fifo.yaml,2026-03-02,,,,,,,,\n", "no such file", True),
    ("depth", "template_nested_990_deep", "B1,,deep,2026-03-02,,,,,,,,\n",
     "nested more than 20 levels deep", True),
    ("size", "template_over_1mb", "B1,,big.yaml,2026-03-02,,,,,,,,\n", "larger than 1,000,000 bytes", True),
    ("encoding", "template_binary", "B1,,binary.yaml,2026-03-02,,,,,,,,\n", "not a text file", True),
    ("dst", "tz_localtime", "B1,,stupp,2026-03-02,,localtime,,,,,,\n", "'localtime' is not a clinic time zone"),
    ("dst", "tz_factory", "B1,,stupp,2026-03-02,,Factory,,,,,,\n", "'Factory' is not a clinic time zone"),
]


@pytest.mark.parametrize("case", BAD_ROWS, ids=[f"{c[0]}-{c[1]}" for c in BAD_ROWS])
def test_bad_batch_row_fails_alone(tmp_path, case):
    _family, _name, row, fragment, *folder_mode = case
    templates = tmp_path / "my-templates"
    templates.mkdir()
    _deep(templates)
    path = tmp_path / "cohort.csv"
    path.write_text(ROW_HEADER + GOOD_ROW.format(key="G1") + row + GOOD_ROW.format(key="G2"))
    out = tmp_path / "out"
    args = ["batch", str(path), "-o", str(out), "--jobs", "1", "--now", "2026-01-01T00:00:00Z"]
    if folder_mode:
        args += ["--templates", str(templates)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output
    [error] = result.stderr.splitlines()
    line = 4 if "\n" in row.rstrip("\n") else 3  # a quoted line break: the line the row ends on
    assert error.startswith(f"Error: {path}:{line}: "), error
    assert fragment in error, error
    assert len(error) < 600
    assert "root:" not in error and "$6$" not in error
    assert "3 rows: 2 written" in result.stdout
    assert sorted(p.name.split("_")[0] for p in out.iterdir()) == ["G1", "G1", "G2", "G2", "report.csv"]


# --- daylight saving: one rule, the same in every output --------------------------------------

DST_TEMPLATE = """id: dst
name: DST
source: test
components:
  - {kind: daily, id: late, name: Late, code: L, start: {day: 1}, days: 300, time: "02:30", duration: 2h}
  - {kind: daily, id: early, name: Early, code: E, start: {day: 1}, days: 300, time: "01:30", duration: 1h}
"""


@pytest.fixture
def dst_plan(tmp_path):
    path = tmp_path / "dst.yaml"
    path.write_text(DST_TEMPLATE)
    return [str(path), "--start", "2026-03-06", "--holidays", "none", "--tz", "America/New_York"]


def test_a_time_in_the_spring_gap_is_the_time_after_it_everywhere(tmp_path, dst_plan):
    import json

    from icalendar import Calendar

    shown = CliRunner().invoke(cli, ["show", *dst_plan, "--json"])
    by_day = {(e["date"], e["component"]): e for e in json.loads(shown.stdout)}
    late = by_day[("2026-03-08", "late")]
    assert (late["start"], late["end"]) == ("2026-03-08T03:30:00-04:00", "2026-03-08T05:30:00-04:00")
    assert late["clock_note"] == ("02:30 does not exist on 2026-03-08 in America/New_York (the clocks "
                                  "go forward), so events at 02:30 that day are at 03:30 EDT")
    early = by_day[("2026-03-08", "early")]
    assert (early["start"], early["end"]) == ("2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00")
    assert early["clock_note"] is None
    fold = by_day[("2026-11-01", "early")]
    assert (fold["start"], fold["end"]) == ("2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00")
    assert "the first, 01:30 EDT (UTC-04:00)" in fold["clock_note"]
    text = CliRunner().invoke(cli, ["show", *dst_plan]).stdout
    assert "2026-03-08  Sun  03:30-05:30" in text
    assert "2026-11-01  Sun  01:30 EDT-01:30 EST" in text
    assert "Note: Daylight saving: 02:30 does not exist on 2026-03-08" in text
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["generate", *dst_plan, "--per-event", "-o", str(out)]).exit_code == 0
    calendar = Calendar.from_ical(next(out.glob("*.ics")).read_bytes())
    starts = {(v.decoded("DTSTART").isoformat(), str(v["SUMMARY"]).split(" –")[0])
              for v in calendar.walk("VEVENT")}
    assert ("2026-03-08T03:30:00-04:00", "Late") in starts
    assert ("2026-11-01T01:30:00-04:00", "Early") in starts


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "posix/Europe/Paris",
                                  "right/UTC"])
def test_zones_that_are_not_places_are_refused(tmp_path, zone):
    out = tmp_path / "out"
    result = generate([*GOOD, "--tz", zone], out)
    assert_refused(result, out, f"'{zone}' is not a clinic time zone")


def corpus_size() -> int:
    """Every case above and below: command lines, data files (templates through both
    generate and validate), families, batch rows, DST zones, and the two folder cases."""
    return (len(COMMAND_LINE_CASES) + 2 * len(list((DATA / "bad").glob("*.yaml")))
            + len(list((DATA / "bad_sites").glob("*.yaml")))
            + len(list((DATA / "bad_csv").glob("*.csv"))) + 2
            + len(FAMILY_CASES) + len(BAD_ROWS) + 5)


def test_the_corpus_has_more_than_150_cases():
    assert corpus_size() > 150
