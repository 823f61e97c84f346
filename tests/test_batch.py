"""`scheduler batch`: a cohort CSV in, one calendar per row out; bad rows reported."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import cli
from scheduler.core.loader import templates_dir

HEADER = "key,label,template,start,holidays,tz,closed,set,shift_start\n"


def timeless(text: str) -> str:
    """The output with the run's seconds ('1.8 s') as 'T s'."""
    return re.sub(r"\b\d+\.\d s\b", "T s", text)


def run(tmp_path: Path, rows: str, *extra: str):
    csv_path = tmp_path / "cohort.csv"
    csv_path.write_text(HEADER + rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(csv_path), "-o", str(out),
                                      "--now", "2026-01-01T00:00:00Z", *extra])
    return result, out


def test_every_good_row_gets_its_calendar(tmp_path):
    result, out = run(tmp_path, (
        "P001,Patient 1,nct06478355,2026-01-05,CN,Asia/Shanghai,,,\n"
        "P002,,cross,2026-11-02,US,America/New_York,2026-11-03=Linac service,,\n"
        "P003,,stupp,2026-03-02,GB-ENG,Europe/London,,adjuvant_cycles=4,\n"
    ), "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert timeless(result.stdout) == (
        f"3 rows: 3 written (6 files, T s), 0 failed; details in {out / 'report.csv'}\n")
    files = sorted(p.name for p in out.iterdir())
    stems = ["P001_nct06478355_2026-01-05", "P002_cross_2026-11-02", "P003_stupp_2026-03-02"]
    assert files == sorted([*(f"{stem}{suffix}" for stem in stems for suffix in (".ics", ".pdf")),
                            "report.csv"])
    cross = Calendar.from_ical((out / "P002_cross_2026-11-02.ics").read_bytes())
    first_rt = next(v for v in cross.walk("VEVENT") if "fraction 2 of 23" in str(v["SUMMARY"]))
    assert first_rt.decoded("DTSTART").date().isoformat() == "2026-11-04"  # 3 Nov closed
    stupp = Calendar.from_ical((out / "P003_stupp_2026-03-02.ics").read_bytes())
    assert len([v for v in stupp.walk("VEVENT") if "Temozolomide –" in str(v["SUMMARY"])]) == 20


def test_bad_rows_are_reported_by_line_and_the_rest_go_on(tmp_path):
    result, out = run(tmp_path, (
        "P001,,nct06478355,2026-01-05,CN,Asia/Shanghai,,,\n"
        "P002,,nct06478355,2026-02-30,CN,Asia/Shanghai,,,\n"
        "P003,,folfox,2026-01-05,CN,Asia/Shanghai,,,\n"
        "P004,,nct06478355,2026-02-17,CN,Asia/Shanghai,,,\n"
        "P001,,nct06478355,2026-01-12,CN,Asia/Shanghai,,,\n"
        "P006,,nct06478355,2026-02-17,CN,Asia/Shanghai,,,yes\n"
    ))
    assert result.exit_code == 2
    assert timeless(result.stdout) == (
        "6 rows: 2 written (4 files, T s), 4 failed; 1 start moved to the next working day; "
        f"1 plan uses incomplete public holidays (CN 2027); details in {out / 'report.csv'}\n")
    errors = result.stderr
    assert "cohort.csv:3: P002: start column: '2026-02-30' is not a real date" in errors
    shipped = ", ".join(sorted(path.stem for path in templates_dir().glob("*.yaml")))
    assert f"cohort.csv:4: P003: template 'folfox' is not a shipped id ({shipped})" in errors
    assert "cohort.csv:5: P004: start date 2026-02-17 (Tuesday) is not a working day" in errors
    assert "cohort.csv:6: P001: key 'P001' is also on line 2" in errors
    assert sorted(p.name for p in out.iterdir()) == [
        "P001_nct06478355_2026-01-05.ics", "P001_nct06478355_2026-01-05.pdf",
        "P006_nct06478355_2026-02-24.ics", "P006_nct06478355_2026-02-24.pdf", "report.csv"]


def test_missing_column_is_one_clear_error(tmp_path):
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("key,start\nP1,2026-01-05\n")
    result = CliRunner().invoke(cli, ["batch", str(csv_path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "the CSV has no column template" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_is_a_file_is_one_error_before_any_row(tmp_path):
    """Not one message per row (found by a coordinator's acceptance test)."""
    csv_path = tmp_path / "cohort.csv"
    csv_path.write_text(HEADER + "P001,,nct06478355,2026-01-05,CN,Asia/Shanghai,,,\n"
                                 "P002,,nct06478355,2026-01-12,CN,Asia/Shanghai,,,\n")
    (tmp_path / "afile").write_text("x")
    result = CliRunner().invoke(cli, ["batch", str(csv_path), "-o", str(tmp_path / "afile")])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: -o {tmp_path / 'afile'}: exists and is not a directory"


def test_sample_cohort_has_800_rows():
    sample = Path(__file__).resolve().parent.parent / "samples" / "cohort.csv"
    lines = sample.read_text().splitlines()
    assert lines[0].startswith("key,label,template,start")
    assert len(lines) == 801


def test_keys_that_would_share_file_names_are_refused(tmp_path):
    result, out = run(tmp_path, (
        "P.001,A,stupp,2026-03-02,GB-ENG,Europe/London,,,\n"
        "P 001,B,stupp,2026-03-02,GB-ENG,Europe/London,,,\n"
        "p.001,C,stupp,2026-03-02,GB-ENG,Europe/London,,,\n"
    ))
    assert result.exit_code == 2
    assert "cohort.csv:3: P 001: key 'P 001' gives the same file names as 'P.001' on line 2" \
        not in result.stderr  # 'P 001' becomes 'P-001', a different name
    assert "cohort.csv:4: p.001: key 'p.001' gives the same file names as 'P.001' on line 2" \
        in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "P-001_stupp_2026-03-02.ics", "P-001_stupp_2026-03-02.pdf",
        "P.001_stupp_2026-03-02.ics", "P.001_stupp_2026-03-02.pdf", "report.csv"]


REPORT_COHORT = (
    "P001,,nct06478355,2026-01-05,CN,Asia/Shanghai,,,\n"
    "P002,,cross,2026-11-02,,America/New_York,,,\n"
    "=P003,,stupp,2026-02-30,GB-ENG,Europe/London,,,\n"
    "P004,,nct06478355,2026-02-17,CN,Asia/Shanghai,,,yes\n"
    "P005,,nct06478355,2026-02-17,CN,Asia/Shanghai,,,\n"
)


def report_rows(out: Path) -> list[dict[str, str]]:
    with (out / "report.csv").open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_the_report_tells_row_by_row_what_was_written_and_changed(tmp_path):
    result, out = run(tmp_path, REPORT_COHORT, "--jobs", "2")
    assert result.exit_code == 2
    pair = "{0}.ics; {0}.pdf".format
    assert report_rows(out) == [
        {"line": "2", "key": "P001", "status": "ok", "files": pair("P001_nct06478355_2026-01-05"),
         "events": "59", "start_asked": "2026-01-05", "start_used": "2026-01-05", "notes": ""},
        # cross: 34 events, and blood tests before weeks 2-5 (the clinical read of December 2026)
        {"line": "3", "key": "P002", "status": "ok", "files": pair("P002_cross_2026-11-02"),
         "events": "38", "start_asked": "2026-11-02", "start_used": "2026-11-02",
         "notes": "No holidays region given (the holidays column, a site file or the template's "
                  "calendar:); only weekends are days off."},
        {"line": "4", "key": "'=P003", "status": "error", "files": "", "events": "",
         "start_asked": "2026-02-30", "start_used": "",
         "notes": "start column: '2026-02-30' is not a real date"},
        {"line": "5", "key": "P004", "status": "ok", "files": pair("P004_nct06478355_2026-02-24"),
         "events": "60", "start_asked": "2026-02-17", "start_used": "2026-02-24",
         "notes": "Start moved from 2026-02-17 (Chinese New Year (Spring Festival)) to 2026-02-24, "
                  "the next working day (shift_start). Public holidays for CN in 2027 are "
                  "incomplete (it has the official arrangement of days off and make-up working "
                  "days only up to 2026; 2027 follows the usual rules); check the dates in 2027 "
                  "against the clinic's own calendar."},
        {"line": "6", "key": "P005", "status": "error", "files": "", "events": "",
         "start_asked": "2026-02-17", "start_used": "",
         "notes": "start date 2026-02-17 (Tuesday) is not a working day: Chinese New Year (Spring "
                  "Festival). Choose a working day, or put yes in this row's shift_start column to "
                  "start on the next one, 2026-02-24 (Tuesday)."},
    ]
    assert timeless(result.stdout) == (
        "5 rows: 3 written (6 files, T s), 2 failed; 1 start moved to the next working day; "
        f"1 plan uses incomplete public holidays (CN 2027); details in {out / 'report.csv'}\n")


def test_the_summary_adds_up_with_the_report(tmp_path):
    rows = "".join(f"P{i:03},,nct06478355,{start},CN,Asia/Shanghai,,,yes\n" for i, start in
                   enumerate(["2026-01-05", "2026-02-17", "2026-02-30", "2026-10-01", "2026-10-05",
                              "2026-03-02", "2026-06-19", "2026-02-31"]))
    result, out = run(tmp_path, rows, "--jobs", "2")
    summary = re.fullmatch(
        r"(\d+) rows: (\d+) written \((\d+) files, [\d.]+ s\), (\d+) failed; (\d+) starts moved "
        r"to the next working day; (\d+) plans use incomplete public holidays \(CN 2027\); "
        r"details in .*\n", result.stdout)
    assert summary, result.stdout
    total, written, files, failed, moved, incomplete = map(int, summary.groups())
    report = report_rows(out)
    ok = [r for r in report if r["status"] == "ok"]
    assert (total, written, failed) == (8, 6, 2) == (
        len(report), len(ok), len([r for r in report if r["status"] == "error"]))
    assert written + failed == total
    assert files == sum(len(r["files"].split("; ")) for r in ok) == len(list(out.glob("*.*"))) - 1
    assert moved == 4 == len([r for r in ok if r["start_used"] != r["start_asked"]])
    assert incomplete == len([r for r in ok if "CN in 2027 are incomplete" in r["notes"]]) == 5


def test_a_rerun_into_the_same_folder_needs_force_for_the_report_too(tmp_path):
    first, out = run(tmp_path, REPORT_COHORT)
    assert "5 rows: 3 written" in first.stdout
    before = (out / "report.csv").read_bytes()
    again, _ = run(tmp_path, REPORT_COHORT)
    assert again.exit_code == 2
    assert again.output == (f"Error: {out / 'report.csv'}: already exists, from an earlier batch "
                            "into this folder; pass --force to replace it and the calendars, or "
                            "write to another folder\n")
    assert (out / "report.csv").read_bytes() == before
    forced, _ = run(tmp_path, REPORT_COHORT.replace("P005,,nct06478355,2026-02-17",
                                                     "P005,,nct06478355,2026-02-25"), "--force")
    assert "5 rows: 4 written" in forced.stdout
    assert [r["status"] for r in report_rows(out)] == ["ok", "ok", "error", "ok", "ok"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_row_errors_name_the_cohort_files_columns(tmp_path):
    """Found by a new-user pass: a row's error named the command line's --set or --holidays,
    and the report's cell began with the spreadsheet guard's apostrophe."""
    import csv

    cohort = tmp_path / "cohort.csv"
    cohort.write_text("key,template,start,holidays,tz,set\n"
                      "A1,tc,2026-03-02,US,America/New_York,cycles=40\n"
                      "A2,tc,2026-03-02,XX,America/New_York,\n")
    result = CliRunner().invoke(cli, ["batch", str(cohort), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    notes = [row["notes"] for row in csv.DictReader((tmp_path / "out" / "report.csv").open())]
    assert notes == [
        "set column: cycles: template 'tc' allows 1 to 6, not 40",
        "holidays column: unknown country or subdivision 'XX' (the holidays package knows no "
        "country 'XX'); use an ISO code like CN, US-CA or GB, or 'none'"]
