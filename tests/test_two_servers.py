"""Several server processes on one PostgreSQL registry agree on sessions, the lock-out and
feeds; a slow client cannot hold a connection; the secret is required where it must be shared."""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from tests.serving import SECRET, serving

PASSWORD = "correct horse battery"
LABEL = "Zhang Wei-Lin"


def _add_user(db: str) -> None:
    added = CliRunner().invoke(cli, ["user", "add", "li.na", "--password-stdin", "--db", db],
                               input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output


def _csrf(client: httpx.Client, path: str = "/login") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def _login(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    return client.post("/login", data={"csrf": _csrf(client), "name": "li.na", "password": password})


def test_two_servers_on_one_postgresql_agree_on_sessions_lockout_and_feeds(pg_db, tmp_path):
    _add_user(pg_db)
    with serving(pg_db, tmp_path, log=tmp_path / "a.log") as (a, _), \
            serving(pg_db, tmp_path, log=tmp_path / "b.log") as (b, _):
        first = httpx.Client(base_url=a, timeout=30)
        assert _login(first).status_code == 303
        csrf = _csrf(first, "/")
        second = httpx.Client(base_url=b, timeout=30, cookies=first.cookies)
        assert second.get("/").status_code == 200  # a session made on A is valid on B
        registered = first.post("/patients/new", data={
            "csrf": csrf, "key": "P017", "label": LABEL, "template": "nct06478355", "start": "2026-03-02",
            "action": "save"})
        assert registered.status_code == 303
        made = second.post("/patients/P017/subscribe", data={"csrf": csrf, "action": "create"})
        token = re.search(r"/feed/([A-Za-z0-9_-]{32})\.ics", made.text).group(1)
        assert [httpx.get(f"{s}/feed/{token}.ics").status_code for s in (a, b)] == [200, 200]
        revoked = first.post("/patients/P017/subscribe", data={"csrf": csrf, "action": "revoke"})
        assert revoked.status_code == 303
        assert [httpx.get(f"{s}/feed/{token}.ics").status_code for s in (a, b)] == [404, 404]
        metrics = httpx.get(f"{a}/metrics").text  # from loopback
        assert 'scheduler_feed_fetches_total{status="404"} 1.0' in metrics
        assert second.post("/logout", data={"csrf": csrf}).status_code == 303  # logout on B...
        assert first.get("/").status_code == 303  # ...ends the session on A
        for index in range(5):  # five failures split between them lock the name on both
            client = httpx.Client(base_url=(a, b)[index % 2], timeout=30)
            assert _login(client, "not the password at all").status_code == 401
        for server in (a, b):
            locked = _login(httpx.Client(base_url=server, timeout=30))
            assert locked.status_code == 429
            assert "Too many wrong passwords for li.na" in locked.text
    for name in ("a.log", "b.log"):
        log = (tmp_path / name).read_text()
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        assert lines and {line["route"] for line in lines} >= {"/login", "/feed/{token}.ics"}
        for secret in (token, LABEL, PASSWORD, "not the password at all", "P017", csrf):
            assert secret not in log, (name, secret)


def test_workers_share_sessions_through_the_registry(pg_db, tmp_path):
    _add_user(pg_db)
    with serving(pg_db, tmp_path, "--workers", "2") as (base, _):
        client = httpx.Client(base_url=base, timeout=30)
        assert _login(client).status_code == 303
        for _ in range(6):  # each request on a new connection: either worker answers
            fresh = httpx.Client(base_url=base, timeout=30, cookies=client.cookies)
            assert fresh.get("/").status_code == 200
        csrf = _csrf(client, "/")
        assert client.post("/logout", data={"csrf": csrf}).status_code == 303
        for _ in range(6):
            fresh = httpx.Client(base_url=base, timeout=30, cookies=client.cookies)
            assert fresh.get("/").status_code == 303


@pytest.mark.parametrize(("arguments", "message"), [
    (["--workers", "2"], "--workers 2: the workers must share a secret to sign sessions; set "
                         "SCHEDULER_SECRET or pass --secret-file"),
    (["--host", "0.0.0.0"], "--host 0.0.0.0: serving beyond this machine needs a fixed secret to sign "
                            "sessions; set SCHEDULER_SECRET or pass --secret-file"),
])
def test_the_secret_is_required_off_loopback_and_with_workers(tmp_path, monkeypatch, arguments, message):
    monkeypatch.delenv("SCHEDULER_SECRET", raising=False)
    db = str(tmp_path / "registry.sqlite3")
    _add_user(db)
    result = CliRunner().invoke(cli, ["serve", "--db", db, "--port", "1", *arguments])
    assert result.exit_code == 2
    assert f"Error: {message}" in result.output


def test_a_secret_file_is_read_for_the_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SCHEDULER_SECRET", raising=False)
    db = str(tmp_path / "registry.sqlite3")
    _add_user(db)
    short = tmp_path / "short"
    short.write_text("too short\n")
    result = CliRunner().invoke(cli, ["serve", "--db", db, "--port", "1", "--workers", "2",
                                      "--secret-file", str(short)])
    assert result.exit_code == 2
    assert "SCHEDULER_SECRET: 9 bytes, too short to sign sessions" in result.output


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux sockets")
def test_clients_that_send_their_headers_slowly_are_cut_off(tmp_path):
    from scheduler.web.serving import HEADER_TIMEOUT_S

    db = str(tmp_path / "registry.sqlite3")
    _add_user(db)
    with serving(db, tmp_path, env={"SCHEDULER_SECRET": SECRET}) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        slow = []
        for _ in range(50):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
            sock.setblocking(False)
            slow.append(sock)
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
        started = time.monotonic()
        closed: set[int] = set()
        while time.monotonic() - started < HEADER_TIMEOUT_S + 5 and len(closed) < len(slow):
            for index, sock in enumerate(slow):
                if index in closed:
                    continue
                try:
                    sock.sendall(b"X")  # one more byte of a header, every half second
                    if sock.recv(1024) == b"":
                        closed.add(index)
                except BlockingIOError:
                    continue
                except OSError:
                    closed.add(index)
            assert httpx.get(base + "/healthz", timeout=5).status_code == 200  # others are served
            time.sleep(0.5)
        took = time.monotonic() - started
        assert len(closed) == len(slow), f"{len(slow) - len(closed)} slow connections still open"
        assert took >= HEADER_TIMEOUT_S - 1
        for sock in silent:  # connected and sent nothing: closed too
            sock.settimeout(5)
            assert sock.recv(1024) == b""
        for sock in slow + silent:
            sock.close()
