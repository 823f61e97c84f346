"""A burst of logins with new user names (so the lock-out never applies) must not exhaust the
server's memory: argon2 uses 64 MiB per check, so only a few run at once."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from tests.serving import peak_rss_mib, serving

PEAK_LIMIT_MIB = 300
BURST = 40


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_forty_simultaneous_logins_with_new_names_stay_under_300_mib(tmp_path):
    db = str(tmp_path / "registry.sqlite3")
    added = CliRunner().invoke(cli, ["user", "add", "li.na", "--password-stdin", "--db", db],
                               input="correct horse battery\n")
    assert added.exit_code == 0, added.output
    with serving(db, tmp_path) as (base, process):
        before = peak_rss_mib(process.pid)
        ready = threading.Barrier(BURST)
        statuses: list[int] = []

        def attempt(index: int) -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                form = client.get("/login").text
                csrf = re.search(r'name="csrf" value="([^"]+)"', form)
                assert csrf
                ready.wait()
                answer = client.post("/login", data={"csrf": csrf.group(1), "name": f"new.name{index}",
                                                     "password": "guessing at random"})
                statuses.append(answer.status_code)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(BURST)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        peak = peak_rss_mib(process.pid)
    print(f"peak resident memory {peak:.0f} MiB (from {before:.0f} MiB)")
    assert len(statuses) == BURST
    assert set(statuses) <= {401, 429, 503}, statuses  # refused, throttled or busy: never a 500
    assert statuses.count(401) >= 2
    assert peak <= PEAK_LIMIT_MIB, f"peak {peak:.0f} MiB (from {before:.0f} MiB)"
