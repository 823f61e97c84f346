"""Running the app under uvicorn: one or several worker processes, with limits on slow clients.

- :data:`LIMIT_CONCURRENCY` connections (and tasks) per worker; past it uvicorn answers 503.
- A connection that has not sent a whole request head within :data:`HEADER_TIMEOUT_S` is
  closed (:class:`HeaderTimeout`; uvicorn itself has no such timeout), and an idle kept-alive
  connection after :data:`KEEP_ALIVE_S`.
- Several workers (``--workers N``) share nothing but the registry (sessions, the login
  throttle and feed revocation live there) and the folder of their metrics (Prometheus
  multiprocess mode, :mod:`scheduler.web.observe`), made for the run and removed after it.
  They must share the cookie-signing secret, so it is required with more than one worker,
  and off loopback.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import h11
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from scheduler.core.errors import InputError
from scheduler.core.files import read_file_bytes
from scheduler.web.observe import MULTIPROCESS_DIR

LIMIT_CONCURRENCY = 200
"""Connections (and tasks) one worker holds at once; more are answered 503."""
KEEP_ALIVE_S = 5
"""How long an idle kept-alive connection stays open."""
HEADER_TIMEOUT_S = 10
"""How long a client may take to send a request's line and headers."""
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SECRET_FILE_LIMIT = 4096
_ENVIRONMENT = "SCHEDULER_SERVE_"


class HeaderTimeout(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request head is not complete
    within :data:`HEADER_TIMEOUT_S` of its first byte (or of connecting)."""

    header_timeout_s: float = HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self._header_timer is None:
                self._arm()
        else:
            self._cancel()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _cancel(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def read_secret(path: Path) -> str:
    """The cookie-signing secret kept in a file (its first line)."""
    text = read_file_bytes(path, "secret file", SECRET_FILE_LIMIT).decode("utf-8", "replace")
    lines = text.splitlines()
    return lines[0].strip() if lines else ""


def check_secret(host: str, workers: int, secret: str | None) -> None:
    """InputError when the secret is missing where it is required (see the module docstring)."""
    if secret:
        return
    if workers > 1:
        raise InputError(f"--workers {workers}: the workers must share a secret to sign sessions; set "
                         "SCHEDULER_SECRET or pass --secret-file")
    if host not in LOOPBACK:
        raise InputError(f"--host {host}: serving beyond this machine needs a fixed secret to sign "
                         "sessions; set SCHEDULER_SECRET or pass --secret-file")


def app_from_environment() -> Starlette:
    """The app of one worker, as the parent process described it (see :func:`run`)."""
    from prometheus_client.multiprocess import mark_process_dead

    from scheduler.web import create_app
    from scheduler.web.observe import configure_logging, multiprocess

    configure_logging()
    if multiprocess():  # this worker's share of the live gauges leaves the sum when it stops
        atexit.register(mark_process_dead, os.getpid())
    settings: dict[str, Any] = {
        "base_url": os.environ[_ENVIRONMENT + "BASE_URL"],
        "issue_dir": Path(os.environ[_ENVIRONMENT + "ISSUE_DIR"]),
    }
    folder = os.environ.get(_ENVIRONMENT + "TEMPLATES")
    if folder:
        settings["templates_folder"] = Path(folder)
    return create_app(os.environ[_ENVIRONMENT + "DB"], **settings)


def run(app: Starlette, db: str, host: str, port: int, base_url: str, issue_dir: Path,
        templates_folder: Path | None, workers: int) -> None:
    """Serve ``app`` (one worker) or ``workers`` processes that each make their own."""
    import uvicorn

    options: dict[str, Any] = {
        "host": host, "port": port, "log_level": "warning", "access_log": False,
        "limit_concurrency": LIMIT_CONCURRENCY, "timeout_keep_alive": KEEP_ALIVE_S,
        "http": HeaderTimeout,
    }
    if workers == 1:
        uvicorn.run(app, **options)
        return
    os.environ.update({_ENVIRONMENT + "DB": db, _ENVIRONMENT + "BASE_URL": base_url,
                       _ENVIRONMENT + "ISSUE_DIR": str(issue_dir)})
    if templates_folder is not None:
        os.environ[_ENVIRONMENT + "TEMPLATES"] = str(templates_folder)
    # Prometheus multiprocess mode (scheduler.web.observe): a private folder for this run.
    folder = tempfile.mkdtemp(prefix="scheduler-metrics-")
    os.environ[MULTIPROCESS_DIR] = folder
    try:
        uvicorn.run("scheduler.web.serving:app_from_environment", factory=True, workers=workers, **options)
    finally:
        os.environ.pop(MULTIPROCESS_DIR, None)
        shutil.rmtree(folder, ignore_errors=True)
