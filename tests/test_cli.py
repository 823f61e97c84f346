"""The command line, driven through click's CliRunner: outputs, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from scheduler.cli import cli

from .conftest import DATA

SEED_ARGS = ["nct06478355", "--start", "2026-01-05", "--holidays", "CN", "--tz", "Asia/Shanghai"]
REQUIRED_JSON_KEYS = {"date", "start", "end", "component", "title", "cycle", "day", "fraction",
                      "uid", "moved_from", "note"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _commands(group, prefix=()):
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help_with_an_example(runner):
    found = dict(_commands(cli))
    assert ("patient", "add") in found and ("issue",) in found
    for path, command in found.items():
        assert command.help, path
        assert "Example:" in command.help, path
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0
        assert "scheduler " + " ".join(path) in result.output


def test_templates_lists_id_source_and_name(runner):
    result = runner.invoke(cli, ["templates"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    ids = [line.split()[0] for line in lines]
    assert ids == sorted(ids) and {"cross", "nct06478355", "stupp"} <= set(ids)
    seed = lines[ids.index("nct06478355")]
    assert "NCT06478355" in seed and "oesophageal SCC" in seed


def test_show_json(runner):
    result = runner.invoke(cli, ["show", *SEED_ARGS, "--json"])
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert len(events) == 59
    for event in events:
        assert event.keys() >= REQUIRED_JSON_KEYS
    c3 = next(e for e in events if e["component"] == "cisplatin" and e["cycle"] == 3)
    assert c3["date"] == "2026-02-24"
    assert c3["start"] == "2026-02-24T10:30:00+08:00"
    assert c3["end"] == "2026-02-24T13:30:00+08:00"
    assert c3["moved_from"] == "2026-02-16"
    assert c3["reason"] == "Chinese New Year's Eve"
    rt30 = next(e for e in events if e["fraction"] == 30)
    assert (rt30["date"], rt30["cumulative_gy"]) == ("2026-04-03", "60.0")
    assert "chemo_cycles = 4 is the template default" in result.stderr


def test_show_json_all_day_events_have_null_times(runner):
    result = runner.invoke(cli, ["show", "stupp", "--start", "2026-03-02", "--holidays",
                                 "GB-ENG", "--tz", "Europe/London", "--json"])
    events = json.loads(result.stdout)
    pill = next(e for e in events if e["component"] == "tmz-concurrent")
    assert (pill["start"], pill["end"], pill["all_day"]) == (None, None, True)


def test_show_table(runner):
    result = runner.invoke(cli, ["show", *SEED_ARGS])
    assert result.exit_code == 0
    out = result.output
    assert "Start 2026-01-05 (Monday) · time zone Asia/Shanghai · holidays CN" in out
    assert "Parameters: chemo_cycles = 4 (default)" in out
    assert ("2026-02-24  Tue  10:30-13:30  DDP   Cisplatin – cycle 3, day 1"
            "                 moved from 2026-02-16: Chinese New Year's Eve") in out
    assert out.rstrip().endswith("59 events, 2026-01-05 to 2026-12-15")


def test_show_csv_has_header_and_rows(runner):
    result = runner.invoke(cli, ["show", *SEED_ARGS, "--csv"])
    lines = result.stdout.splitlines()
    assert lines[0].startswith("date,weekday,start,end,all_day,kind,component")
    assert len(lines) == 60


def test_template_defaults_apply_without_options(runner):
    result = runner.invoke(cli, ["show", "nct06478355", "--start", "2026-01-05", "--json"])
    c3 = next(e for e in json.loads(result.stdout) if e["cycle"] == 3)
    assert c3["date"] == "2026-02-24"  # CN holidays from the template's calendar defaults
    assert c3["start"].endswith("+08:00")


def test_set_closed_workday_and_horizon_options(runner):
    result = runner.invoke(cli, [
        "show", *SEED_ARGS, "--set", "chemo_cycles=2", "--closed", "2026-01-12=Audit",
        "--horizon", "6m", "--json",
    ])
    events = json.loads(result.stdout)
    assert [e["date"] for e in events if e["component"] == "nab-paclitaxel"] == [
        "2026-01-05", "2026-01-13", "2026-01-26", "2026-02-02"]
    assert not any(e["open_ended"] for e in events)


def test_site_file(runner, tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text(
        "name: Test clinic\nholidays: CN\ntimezone: Asia/Shanghai\n"
        "closed:\n  - {from: 2026-01-12, to: 2026-01-13, reason: Linac service}\n"
    )
    result = runner.invoke(cli, ["show", "nct06478355", "--start", "2026-01-05",
                                 "--site", str(site), "--json"])
    assert result.exit_code == 0, result.output
    day8 = [e for e in json.loads(result.stdout) if e["component"] == "nab-paclitaxel"][1]
    assert (day8["date"], day8["reason"]) == ("2026-01-14", "Linac service")


def test_generate_writes_a_reproducible_ics(runner, tmp_path):
    args = ["generate", *SEED_ARGS, "--now", "2026-01-01T00:00:00Z", "-o", str(tmp_path)]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    path = tmp_path / "nct06478355_2026-01-05.ics"
    pdf = tmp_path / "nct06478355_2026-01-05.pdf"
    assert f"Wrote {path} (59 events, 2026-01-05 to 2026-12-15)" in first.output
    assert f"Wrote {pdf} (59 events, 2026-01-05 to 2026-12-15)" in first.output
    data, printed = path.read_bytes(), pdf.read_bytes()
    assert runner.invoke(cli, args).exit_code == 2  # never replaces a file without --force
    assert runner.invoke(cli, [*args, "--force"]).exit_code == 0
    assert path.read_bytes() == data
    assert pdf.read_bytes() == printed
    assert printed.startswith(b"%PDF-")
    calendar = Calendar.from_ical(data)
    assert len(calendar.walk("VEVENT")) == 51  # one per visit: day 1's three drugs are one
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "nct06478355_2026-01-05.ics", "nct06478355_2026-01-05.pdf"]


def test_generate_with_patient_label_names_the_file(runner, tmp_path):
    result = runner.invoke(cli, ["generate", *SEED_ARGS, "--patient", "Patient 017",
                                 "--now", "2026-01-01T00:00:00Z", "-o", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / "Patient-017_nct06478355_2026-01-05.ics").is_file()


def test_chinese_patient_labels_name_their_own_files(runner, tmp_path):
    """Two patients' labels in Chinese give two sets of files, not one overwritten by the
    other (found by a coordinator's acceptance test)."""
    for label in ("患者 甲", "患者 乙"):
        result = runner.invoke(cli, ["generate", *SEED_ARGS, "--patient", label,
                                     "--now", "2026-01-01T00:00:00Z", "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{who}_nct06478355_2026-01-05.{ext}" for who in ("患者-乙", "患者-甲") for ext in ("ics", "pdf")
    ]


def test_a_label_with_nothing_to_name_files_by_is_refused(runner, tmp_path):
    result = runner.invoke(cli, ["generate", *SEED_ARGS, "--patient", "***",
                                 "--now", "2026-01-01T00:00:00Z", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: patient label '***' has no letter or digit to name its files by"
    assert not list(tmp_path.iterdir())


def test_source_date_epoch_sets_dtstamp(runner, tmp_path):
    result = runner.invoke(cli, ["generate", *SEED_ARGS, "-o", str(tmp_path)],
                           env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert result.exit_code == 0
    assert b"DTSTAMP:20260101T000000Z" in (tmp_path / "nct06478355_2026-01-05.ics").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "nct06478355", "--start", "2026-02-30"], "'2026-02-30' is not a real date"),
        (["show", "nct06478355", "--start", "05/01/2026"], "is not a date in the form YYYY-MM-DD"),
        (["show", "folfox", "--start", "2026-01-05"], "unknown template 'folfox'"),
        (["show", "nct06478355", "--start", "2026-02-17"],
         "start date 2026-02-17 (Tuesday) is not a working day"),
        (["show", "nct06478355", "--start", "2026-01-05", "--tz", "Mars/Olympus"],
         "unknown time zone 'Mars/Olympus'"),
        (["show", "nct06478355", "--start", "2026-01-05", "--holidays", "ZZ"],
         "unknown country or subdivision 'ZZ'"),
        (["show", "nct06478355", "--start", "2026-01-05", "--set", "chemo_cycles=9"],
         "--set chemo_cycles: template 'nct06478355' allows 1 to 8, not 9"),
        (["show", "nct06478355", "--start", "2026-01-05", "--set", "cycles"],
         "'cycles' is not NAME=VALUE"),
        (["show", "nct06478355", "--start", "2026-01-05", "--horizon", "50y"],
         "'50y' is longer than 5 years"),
        (["show", "nct06478355", "--start", "2026-01-05", "--json", "--csv"],
         "give --json or --csv, not both"),
        (["validate", str(DATA / "bad" / "duplicate_id.yaml")], "id 'v' is used twice"),
    ],
)
def test_bad_input_exits_2_with_one_message(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_failed_generate_writes_nothing(runner, tmp_path):
    outdir = tmp_path / "out"
    result = runner.invoke(cli, ["generate", "nct06478355", "--start", "2026-02-17",
                                 "-o", str(outdir)])
    assert result.exit_code == 2
    assert not outdir.exists()


def test_output_that_is_a_file_is_refused(runner, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    result = runner.invoke(cli, ["generate", *SEED_ARGS, "-o", str(target)])
    assert result.exit_code == 2
    assert "exists and is not a directory" in result.stderr
    assert target.read_text() == "keep me"


def test_validate_accepts_shipped_templates(runner):
    for name in ("nct06478355", "cross", "stupp"):
        path = Path(__file__).parent.parent / "templates" / f"{name}.yaml"
        result = runner.invoke(cli, ["validate", str(path)])
        assert result.exit_code == 0
        assert f"valid template '{name}'" in result.output


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "scheduler", "templates"],
                            capture_output=True, text=True, check=True)
    assert "nct06478355" in result.stdout


def test_json_records_round_trip_to_the_same_events():
    from scheduler.export.table import event_from_record, event_record

    from .conftest import make_plan

    plan = make_plan("stupp", "2026-03-02", holidays="GB-ENG", tz="Europe/London")
    seed = make_plan("nct06478355", "2026-01-05", holidays="CN", tz="Asia/Shanghai")
    for event in (*plan.events, *seed.events):
        again = event_from_record(json.loads(json.dumps(event_record(event))))
        assert again == event._replace(style=event.style._replace(order=0))


def test_generate_passes_the_pdf_options(runner, tmp_path):
    from pypdf import PdfReader

    result = runner.invoke(cli, ["generate", *SEED_ARGS, "--paper", "letter", "--week-start",
                                 "sunday", "--lang", "zh", "--now", "2026-01-01T00:00:00Z",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "nct06478355_2026-01-05.pdf")
    box = reader.pages[0].mediabox
    assert sorted((round(float(box.width)), round(float(box.height)))) == [612, 792]
    january = reader.pages[1].extract_text()  # page 1 is the overview
    assert january.replace("\n", "").startswith("2026年1月")
    assert january.index("星期日") < january.index("星期一")
    assert "顺铂" in " ".join(p.extract_text() for p in reader.pages)


def test_discreet_generate_keeps_details_in_the_pdf_only(runner, tmp_path):
    from pypdf import PdfReader

    result = runner.invoke(cli, ["generate", *SEED_ARGS, "--discreet", "--now",
                                 "2026-01-01T00:00:00Z", "-o", str(tmp_path)])
    assert result.exit_code == 0
    ics_text = (tmp_path / "nct06478355_2026-01-05.ics").read_text()
    assert "Cisplatin" not in ics_text and "Gy" not in ics_text
    pdf_text = " ".join(p.extract_text()
                        for p in PdfReader(tmp_path / "nct06478355_2026-01-05.pdf").pages)
    assert "Cisplatin" in pdf_text and "60 Gy" in pdf_text


def test_validate_counts_components_in_words(tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text("id: one\nname: One visit\nsource: test\ncomponents:\n  - kind: visit\n    id: v\n"
                   "    name: Visit\n    code: V\n    at: {day: 1}\n")
    shown = CliRunner().invoke(cli, ["validate", str(one)]).output
    assert shown == f"{one}: valid template 'one' (1 component)\n"
    seed = CliRunner().invoke(cli, ["validate", "templates/nct06478355.yaml"]).output
    assert seed == "templates/nct06478355.yaml: valid template 'nct06478355' (2 components)\n"
