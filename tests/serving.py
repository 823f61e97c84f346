"""Run the real server (``python -m scheduler serve``) as a process, for the tests that need one."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SECRET = "a test secret of thirty-two bytes or more, for the servers"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(db: str, tmp_path: Path, *extra: str, env: dict[str, str] | None = None,
            log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The server on a free port of 127.0.0.1; yields its base URL and process."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "SCHEDULER_SECRET": SECRET, **(env or {})}
    stream = (log or tmp_path / f"server-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "serve", "--db", db, "--port", str(port),
         "--base-url", base, "--issue-dir", str(tmp_path / "issued"), *extra],
        stdout=stream, stderr=subprocess.STDOUT, env=environment)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (log or tmp_path / f"server-{port}.log").read_text()
            try:
                with urllib.request.urlopen(base + "/login", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stream.close()


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert found, status
    return int(found.group(1)) / 1024
