"""Nothing silent: a plan made with a default (no holidays region, this machine's zone, the
default site file) says so on stderr, one line each, and the dates do not change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner
from pendulum.tz.local_timezone import set_local_timezone

from scheduler.cli import cli

HOLIDAYS = ("Note: no holidays region given (--holidays, a site file or the template's "
            "calendar:); only weekends are days off.\n")
ZONE = ("Note: no time zone given (--tz, a site file or the template's calendar:); times are in "
        "this machine's zone, America/Chicago.\n")


@pytest.fixture(autouse=True)
def machine_zone() -> Iterator[None]:
    """This machine's zone, as pendulum reads it, is America/Chicago for these tests."""
    set_local_timezone(pendulum.timezone("America/Chicago"))
    yield
    set_local_timezone()


def show(*args: str):
    return CliRunner().invoke(cli, ["show", *args, "--json"])


def event_dates(result) -> set[str]:
    return {event["date"] for event in json.loads(result.stdout)}


def site_file(folder: Path, text: str, name: str = "site.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_nothing_given_says_both_defaults_and_keeps_the_dates():
    result = show("cross", "--start", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert result.stderr == HOLIDAYS + ZONE
    events = json.loads(result.stdout)
    thanksgiving = [e for e in events if e["date"] == "2026-11-26"]
    assert [(e["title"], e["start"]) for e in thanksgiving] == [
        ("Radiotherapy – fraction 19 of 23", "2026-11-26T13:00:00-06:00")]
    explicit = show("cross", "--start", "2026-11-02", "--holidays", "none", "--tz", "America/Chicago")
    assert explicit.stderr == ""
    assert explicit.stdout == result.stdout


def test_a_template_calendar_names_both():
    result = show("nct06478355", "--start", "2026-01-05")
    assert result.exit_code == 0, result.output
    named = show("nct06478355", "--start", "2026-01-05", "--holidays", "CN", "--tz", "Asia/Shanghai")
    assert result.stderr.startswith("Note: Parameter chemo_cycles = 4 is the template default")
    assert (result.stderr, result.stdout) == (named.stderr, named.stdout)


def test_the_command_line_names_one_and_the_other_is_said():
    assert show("cross", "--start", "2026-11-02", "--holidays", "US").stderr == ZONE
    assert show("cross", "--start", "2026-11-02", "--tz", "America/New_York").stderr == HOLIDAYS


def test_a_site_file_names_them(tmp_path):
    site = site_file(tmp_path, "holidays: US\n")
    result = show("cross", "--start", "2026-11-02", "--site", str(site))
    assert result.stderr == ZONE
    assert "2026-11-26" not in event_dates(result)  # Thanksgiving is a holiday now
    site = site_file(tmp_path, "holidays: US\ntimezone: America/New_York\n")
    assert show("cross", "--start", "2026-11-02", "--site", str(site)).stderr == ""


def test_scheduler_site_is_the_default_site_file(tmp_path, monkeypatch):
    site = site_file(tmp_path, "holidays: US\ntimezone: America/New_York\n")
    monkeypatch.setenv("SCHEDULER_SITE", str(site))
    result = show("cross", "--start", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Note: using the default site file {site} (from SCHEDULER_SITE).\n"
    assert "2026-11-26" not in event_dates(result)
    assert json.loads(result.stdout)[0]["start"] == "2026-11-02T09:00:00-05:00"


def test_the_user_config_folder_holds_the_default_site_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    site = site_file(tmp_path / "config" / "scheduler", "holidays: US\n")
    result = show("cross", "--start", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Note: using the default site file {site} (from the user config folder).\n" + ZONE)
    assert "2026-11-26" not in event_dates(result)


def test_site_and_command_line_win_over_the_default_site_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDULER_SITE", str(site_file(tmp_path, "holidays: US\ntimezone: UTC\n")))
    other = site_file(tmp_path, "timezone: America/New_York\n", "other.yaml")
    result = show("cross", "--start", "2026-11-02", "--site", str(other))
    assert result.stderr == HOLIDAYS  # the default site file is not read at all
    assert "2026-11-26" in event_dates(result)
    result = show("cross", "--start", "2026-11-02", "--holidays", "none", "--tz", "Asia/Tokyo")
    assert result.stderr.startswith("Note: using the default site file")
    assert "2026-11-26" in event_dates(result)
    assert {e["start"][-6:] for e in json.loads(result.stdout) if e["start"]} == {"+09:00"}


def test_a_missing_scheduler_site_file_is_an_error_in_words(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere.yaml"
    monkeypatch.setenv("SCHEDULER_SITE", str(missing))
    result = show("cross", "--start", "2026-11-02")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (f"Error: SCHEDULER_SITE={missing}: no such site file (unset "
                             "SCHEDULER_SITE to use no default site file)\n")


def test_a_bad_default_site_file_is_named_as_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    site = site_file(tmp_path / "config" / "scheduler", "holidays: US\nbogus: 1\n")
    result = show("cross", "--start", "2026-11-02")
    assert result.exit_code == 2
    assert result.output == ("Error: the default site file (from the user config folder): "
                             f"{site}:2: bogus: unknown field\n")


def test_a_missing_user_config_file_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty"))
    assert show("cross", "--start", "2026-11-02").stderr == HOLIDAYS + ZONE


def test_generate_says_it_on_stderr(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "cross", "--start", "2026-11-02", "-o",
                                      str(tmp_path), "--now", "2026-01-01T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert result.stderr == HOLIDAYS + ZONE
    # 34 events, and blood tests before weeks 2-5 (the clinical read of December 2026): 38
    assert result.stdout.startswith(f"Wrote {tmp_path / 'cross_2026-11-02.ics'} (38 events, ")


def test_patient_add_says_it_on_stderr(tmp_path):
    result = CliRunner().invoke(cli, ["patient", "add", "P1", "cross", "--start", "2026-11-02",
                                      "--db", str(tmp_path / "r.sqlite3"), "--author", "t"])
    assert result.exit_code == 0, result.output
    assert result.stderr == HOLIDAYS + ZONE
    assert result.stdout.startswith("Registered P1: cross from 2026-11-02, 38 events")  # 34 + 4 labs


def test_batch_says_each_default_once_with_its_count(tmp_path, monkeypatch):
    csv_path = tmp_path / "cohort.csv"
    csv_path.write_text("key,template,start,holidays\n"
                        "P1,cross,2026-11-02,\nP2,cross,2026-11-09,US\nP3,nct06478355,2026-01-05,\n")
    site = site_file(tmp_path, "name: Clinic\n")
    monkeypatch.setenv("SCHEDULER_SITE", str(site))
    result = CliRunner().invoke(cli, ["batch", str(csv_path), "-o", str(tmp_path / "out"),
                                      "--now", "2026-01-01T00:00:00Z", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Note: using the default site file {site} (from SCHEDULER_SITE).\n"
        "Note: 1 of 3 plans: no holidays region given (the holidays column, a site file or the "
        "template's calendar:); only weekends are days off.\n"
        "Note: 2 of 3 plans: no time zone given (the tz column, a site file or the template's "
        "calendar:); times are in this machine's zone, America/Chicago.\n")


def test_batch_with_a_missing_scheduler_site_file_fails_once_before_any_row(tmp_path, monkeypatch):
    csv_path = tmp_path / "cohort.csv"
    csv_path.write_text("key,template,start\nP1,cross,2026-11-02\nP2,cross,2026-11-09\n")
    monkeypatch.setenv("SCHEDULER_SITE", str(tmp_path / "gone.yaml"))
    result = CliRunner().invoke(cli, ["batch", str(csv_path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output == (f"Error: SCHEDULER_SITE={tmp_path / 'gone.yaml'}: no such site "
                             "file (unset SCHEDULER_SITE to use no default site file)\n")
    assert not (tmp_path / "out").exists()


def test_help_names_the_default_site_file():
    text = CliRunner().invoke(cli, ["show", "--help"]).stdout
    assert "SCHEDULER_SITE" in text
    assert "~/.config/scheduler/site.yaml" in text
