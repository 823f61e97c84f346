"""The one writer (scheduler.core.files.write_files): umask, --force, all or nothing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.errors import InputError
from scheduler.core.files import read_file_bytes, write_files

GOOD = ["generate", "nct06478355", "--start", "2026-01-05", "--now", "2026-01-01T00:00:00Z"]


@pytest.fixture
def umask_077():
    previous = os.umask(0o077)
    yield
    os.umask(previous)


def test_outputs_honour_the_umask(tmp_path, umask_077):
    result = CliRunner().invoke(cli, [*GOOD, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("nct06478355_2026-01-05.ics", "nct06478355_2026-01-05.pdf"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_outputs_under_umask_022_are_0644(tmp_path):
    previous = os.umask(0o022)
    try:
        write_files(tmp_path, {"a.ics": b"x"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a.ics").stat().st_mode) == 0o644


def test_a_second_run_refuses_then_force_replaces(tmp_path):
    first = CliRunner().invoke(cli, [*GOOD, "-o", str(tmp_path)])
    assert first.exit_code == 0
    ics = tmp_path / "nct06478355_2026-01-05.ics"
    ics.write_text("edited by hand")
    again = CliRunner().invoke(cli, [*GOOD, "-o", str(tmp_path)])
    assert again.exit_code == 2
    assert again.stderr == (f"Error: {ics}: already exists; pass --force to replace it\n")
    assert ics.read_text() == "edited by hand"
    forced = CliRunner().invoke(cli, [*GOOD, "--force", "-o", str(tmp_path)])
    assert forced.exit_code == 0, forced.output
    assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_nothing_is_moved_when_a_later_target_is_taken(tmp_path):
    (tmp_path / "b.pdf").mkdir()
    with pytest.raises(InputError, match=r"b\.pdf: is a directory"):
        write_files(tmp_path, {"a.ics": b"1", "b.pdf": b"2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.pdf"]


def test_no_temporary_file_is_left(tmp_path):
    write_files(tmp_path, {"a.ics": b"1", "b.pdf": b"2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ics", "b.pdf"]


def test_the_reader_stops_at_the_limit(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 11)
    assert read_file_bytes(path, "file", limit=11) == b"x" * 11
    with pytest.raises(InputError, match="larger than 10 bytes, the limit for a file"):
        read_file_bytes(path, "file", limit=10)


def test_the_reader_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_file_bytes(Path(fifo), "template file")


def test_issue_with_a_folder_at_the_pdf_path_writes_nothing_and_records_nothing(tmp_path):
    db = ["--db", str(tmp_path / "registry.sqlite")]
    runner = CliRunner()
    added = runner.invoke(cli, ["patient", "add", "P017", "stupp", "--start", "2026-03-02",
                                "--holidays", "none", "--tz", "UTC", *db])
    assert added.exit_code == 0, added.output
    out = tmp_path / "out"
    (out / "P017_stupp_2026-03-02_v1.pdf").mkdir(parents=True)
    result = runner.invoke(cli, ["issue", "P017", "-o", str(out), *db])
    assert result.exit_code == 2
    pdf = out / "P017_stupp_2026-03-02_v1.pdf"
    assert result.stderr == f"Error: {pdf}: is a directory; cannot write the file there\n"
    assert sorted(p.name for p in out.iterdir()) == ["P017_stupp_2026-03-02_v1.pdf"]
    shown = runner.invoke(cli, ["patient", "show", "P017", *db])
    assert "Issued versions: none" in shown.output
