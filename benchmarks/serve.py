"""Print figures for `scheduler serve`. Figures, not assertions: the targets are in README.

Run from the repository root:

    .venv/bin/python benchmarks/serve.py [--quick] [--postgres URL]

PostgreSQL is measured too when ``--postgres`` or ``$SCHEDULER_TEST_POSTGRES`` gives a URL
whose role may create databases (a fresh database is made for the run and dropped after).

For each engine:

1. a registry in a temporary folder (or a fresh PostgreSQL database) with the seed protocol
   (nct06478355, start 2026-01-05) registered for one patient, one delay recorded and a
   feed token;
2. the app (``create_app``) served by uvicorn in a subprocess on a free 127.0.0.1 port, with
   the settings of ``scheduler serve``; the feed's throughput and p50/p99 latency at 1, 10
   and 50 concurrent keep-alive clients, for the full body (GET without If-None-Match) and
   for the ETag path (If-None-Match with the current ETag: 304);
3. then, on the same port with the same settings, a bare Starlette app (one async route)
   that answers with the same bytes and headers from memory (a bare 304 for the ETag path),
   measured the same way by the same load generator, so that every figure is a ratio
   against a baseline taken minutes apart on the same machine (its speed drifts);
4. the register page's live preview (POST /patients/new/preview of the seed plan, logged
   in), median of 20 in-process through the ASGI test client, against the bare app's
   ``/ping`` through the same client.

The load generator is this process: asyncio, one keep-alive connection per client, a
minimal HTTP/1.1 reader (Content-Length bodies), each cell bounded by a number of requests
and a number of seconds. It shares the machine's two cores with the server, equally for
both apps. Without --quick the whole comparison (tool, then bare) runs twice and each cell
keeps the better round of each app; --quick runs it once, with shorter cells.

``--feeds N`` measures a hospital's feeds instead (issue 24): N plans, each with its feed
document stored as a change stores it; ``scheduler serve --workers W`` (each of
``--workers-list``) fetched by ``--clients`` keep-alive clients of this process, every feed
once, then one feed N times; against the bare app of :func:`bare_database_app` (the same
stored bytes from the same registry with the same driver: the ratio) and, for reference, the
bare app serving one document from memory, both under the same uvicorn worker count and the
same client. The client is one asyncio process, so it takes at most one of the two cores,
whichever app it measures.

``--profile-seconds N`` then samples the tool's server under full-body load at 10 clients
with py-spy (``pip install py-spy``; every thread, the one holding the GIL) for N seconds
and prints what the samples were doing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette

ROOT = Path(__file__).resolve().parent.parent
SEED = "nct06478355"
START = date(2026, 1, 5)
PATIENT = "P001"
USER = "bench"
PASSWORD = "benchmark password"
CLIENTS = (1, 10, 50)
FEED_TARGET = 0.5
PREVIEW_TARGET_MS = 100.0
KEPT_HEADERS = ("content-type", "etag", "last-modified", "cache-control", "x-content-type-options")
"""The feed's own headers, which the bare app repeats (uvicorn adds date, server and
content-length itself)."""


# --- the servers (run in a subprocess: python benchmarks/serve.py --server ...) -----------------


def serve(app: Starlette, port: int) -> None:
    """Run ``app`` as ``scheduler serve`` does: uvicorn, one process, no access log."""
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def tool_app(db: str, issue_dir: Path) -> Starlette:
    from scheduler.web import create_app

    return create_app(db, base_url="http://127.0.0.1", issue_dir=issue_dir,
                      secret="a benchmark secret of thirty-two bytes or more")


def bare_app(body: bytes, headers: dict[str, str]) -> Starlette:
    """A Starlette app that answers the feed's URL with ``body`` and ``headers`` from memory
    (304 with the same headers when If-None-Match names the ETag), and ``/ping``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    etag = headers["etag"]
    kept = {k: v for k, v in headers.items() if k != "content-type"}
    media = headers["content-type"]

    async def feed(request: Request) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=kept)
        return Response(body, headers=kept, media_type=media)

    async def ping(request: Request) -> Response:
        return Response(b"pong\n", media_type="text/plain")

    return Starlette(routes=[Route("/feed/{token}.ics", feed, methods=["GET", "HEAD"]),
                             Route("/ping", ping)])


def bare_from_environment() -> Starlette:
    """The bare app of one uvicorn worker (``--workers``): the sample named in the environment,
    or, with ``SCHEDULER_BENCH_DB``, :func:`bare_database_app` over that registry."""
    if os.environ.get("SCHEDULER_BENCH_DB"):
        return bare_database_app(os.environ["SCHEDULER_BENCH_DB"])
    sample = Path(os.environ["SCHEDULER_BENCH_SAMPLE"])
    return bare_app(sample.with_suffix(".ics").read_bytes(), json.loads(sample.read_text())["headers"])


BARE_SQL = ("SELECT d.body, d.etag, d.last_modified FROM feed_tokens t JOIN feed_documents d "
            "ON d.plan_id = t.plan_id WHERE t.token_hash = {mark}")


def bare_database_app(db: str) -> Starlette:
    """The baseline of the hospital figures (``--feeds``): the least an app can do to serve
    each feed's stored bytes from the same registry with the same driver. One Starlette route;
    per request, one SELECT of the stored document (body, ETag, Last-Modified) by the token's
    SHA-256 on a plain driver connection of this thread (``sqlite3``, or ``psycopg`` in
    autocommit), and the same headers as the tool. As the tool does, it reads SQLite on the
    event loop and PostgreSQL in Starlette's thread pool (a blocking driver call must not run
    on the loop). No middleware, no session, no logging, no metrics, no check of revocation,
    ending or revision, no fetch times.

    Before issue 24's second pass the baseline served one document from memory; it is still
    measured (``bare (memory)`` in the table) but the ratios are to this one, which does the
    database work any server of stored feeds must do."""
    import hashlib
    import threading
    from email.utils import format_datetime

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from scheduler.registry import locate

    location = locate(db)
    local = threading.local()
    if location.is_sqlite:
        import sqlite3

        sql = BARE_SQL.format(mark="?")

        def connect() -> Any:
            return sqlite3.connect(location.path, check_same_thread=False)
    else:
        import psycopg
        import sqlalchemy as sa

        sql = BARE_SQL.format(mark="%s")
        url = sa.make_url(location.url)
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)

        def connect() -> Any:
            return psycopg.connect(conninfo, autocommit=True)

    def read(hashed: str) -> Any:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = connect()
        cursor = connection.cursor()
        try:
            cursor.execute(sql, (hashed,))
            return cursor.fetchone()
        finally:
            cursor.close()

    async def feed(request: Request) -> Response:
        hashed = hashlib.sha256(request.path_params["token"].encode()).hexdigest()
        row = read(hashed) if location.is_sqlite else await run_in_threadpool(read, hashed)
        if row is None:
            return Response(b"Not found\n", 404, media_type="text/plain")
        body, etag, modified = row
        stamp = format_datetime(datetime.fromisoformat(modified), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": stamp,
                   "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(bytes(body), headers=headers, media_type="text/calendar; charset=utf-8")

    return Starlette(routes=[Route("/feed/{token}.ics", feed, methods=["GET", "HEAD"])])


def server_main(arguments: argparse.Namespace) -> None:
    if arguments.server == "bare-workers":
        import uvicorn

        if arguments.db:
            os.environ["SCHEDULER_BENCH_DB"] = arguments.db
        else:
            os.environ["SCHEDULER_BENCH_SAMPLE"] = arguments.sample
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        uvicorn.run("serve:bare_from_environment", factory=True, host="127.0.0.1", port=arguments.port,
                    workers=arguments.workers, log_level="warning", access_log=False,
                    limit_concurrency=200, timeout_keep_alive=5)
        return
    if arguments.server == "tool":
        serve(tool_app(arguments.db, Path(arguments.issue_dir)), arguments.port)
    else:
        sample = json.loads(Path(arguments.sample).read_text())
        serve(bare_app(Path(arguments.sample).with_suffix(".ics").read_bytes(), sample["headers"]),
              arguments.port)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def server(arguments: list[str], port: int, wrapper: list[str] | None = None
           ) -> Iterator[subprocess.Popen[bytes]]:
    """A server subprocess on ``port``, stopped (SIGINT, then SIGKILL) when the block ends."""
    command = [*(wrapper or []), sys.executable, str(Path(__file__).resolve()), "--server",
               *arguments, "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server stopped at start (exit {process.returncode})")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start in 60 s")
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    db: str
    token: str
    shown: str


def make_registry(db: str) -> str:
    """A user, the seed plan for one patient with one delay, and its feed token."""
    from scheduler.core.adjust import Delay
    from scheduler.registry import opened
    from scheduler.services import feed as feeds
    from scheduler.services import patients
    from scheduler.services.options import PlanOptions

    scheduler = str(Path(sys.executable).parent / "scheduler")
    subprocess.run([scheduler, "user", "add", USER, "--admin", "--password-stdin", "--db", db],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    now = datetime(2026, 1, 2, 9, tzinfo=UTC)
    with opened(db) as registry:
        stored = patients.prepare(PATIENT, "Benchmark patient", SEED, PlanOptions(start=START),
                                  now, USER).stored
        patients.register(registry, stored)
        patients.adjust(registry, PATIENT, Delay("", 3, 7, "neutropenia"), USER, now)
        return feeds.create(registry, PATIENT, USER, now)


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database on the server of ``admin_url``, dropped after the block."""
    import sqlalchemy as sa

    url = sa.make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"scheduler_bench_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


# --- the load generator ---------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _client(port: int, request: bytes, status: int, deadline: float, left: list[int],
                  latencies: list[float]) -> int:
    """One keep-alive connection sending ``request`` until the deadline or the shared budget
    runs out; returns the number of answers that were not ``status``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    errors = 0
    try:
        while left[0] > 0 and time.perf_counter() < deadline:
            left[0] -= 1
            began = time.perf_counter()
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            found = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
            if found:
                await asyncio.wait_for(reader.readexactly(int(found.group(1))), 30)
            elif b"chunked" in head.lower():
                raise RuntimeError("a chunked answer: not expected from either app")
            latencies.append(time.perf_counter() - began)
            if int(head[9:12]) != status:
                errors += 1
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return errors


async def _load(port: int, request: bytes, status: int, clients: int, seconds: float,
                budget: int) -> Load:
    latencies: list[float] = []
    left = [budget]  # shared by the clients
    began = time.perf_counter()
    errors = await asyncio.gather(*(_client(port, request, status, began + seconds, left, latencies)
                                    for _ in range(clients)))
    return Load(len(latencies), time.perf_counter() - began, latencies, sum(errors))


def load(port: int, path: str, etag: str | None, clients: int, seconds: float, budget: int,
         warm: float) -> Load:
    """``clients`` keep-alive clients fetching ``path`` (with If-None-Match: ``etag``) for
    at most ``seconds`` or ``budget`` requests, after ``warm`` seconds of the same."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "User-Agent: bench"]
    if etag:
        lines.append(f"If-None-Match: {etag}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    status = 304 if etag else 200
    if warm:
        asyncio.run(_load(port, request, status, clients, warm, budget))
    return asyncio.run(_load(port, request, status, clients, seconds, budget))


def fetch(port: int, path: str, headers: dict[str, str] | None = None
          ) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# --- the measurements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    seconds: float
    warm: float
    budget: int
    rounds: int
    profile_seconds: float


def measure_all(port: int, path: str, etag: str, settings: Settings) -> dict[tuple[int, str], Load]:
    figures: dict[tuple[int, str], Load] = {}
    for clients in CLIENTS:
        for kind, sent in (("full", None), ("304", etag)):
            figures[clients, kind] = load(port, path, sent, clients, settings.seconds,
                                          settings.budget, settings.warm)
    return figures


def feed_figures(fixture: Fixture, work: Path, settings: Settings) -> None:
    port = free_port()
    path = f"/feed/{fixture.token}.ics"
    tool_server = ["tool", "--db", fixture.db, "--issue-dir", str(work / "issued")]
    with server(tool_server, port):
        status, headers, body = fetch(port, path)
        if status != 200:
            raise SystemExit(f"the feed answered {status}")
        etag = headers["etag"]
        if fetch(port, path, {"If-None-Match": etag})[0] != 304:
            raise SystemExit("the feed did not answer 304 to its own ETag")
        tool = [measure_all(port, path, etag, settings)]
    sample = work / "sample.json"
    sample.with_suffix(".ics").write_bytes(body)
    sample.write_text(json.dumps({"headers": {k: headers[k] for k in KEPT_HEADERS}}))
    with server(["bare", "--sample", str(sample)], port):
        bare_status, bare_headers, bare_body = fetch(port, path)
        same = {k: bare_headers.get(k) for k in KEPT_HEADERS} == {k: headers[k] for k in KEPT_HEADERS}
        if (bare_status, bare_body) != (200, body) or not same:
            raise SystemExit("the bare app does not answer what the tool does")
        bare = [measure_all(port, path, etag, settings)]
    for _ in range(settings.rounds - 1):  # again, both, for the best of each on a drifting machine
        with server(tool_server, port):
            tool.append(measure_all(port, path, etag, settings))
        with server(["bare", "--sample", str(sample)], port):
            bare.append(measure_all(port, path, etag, settings))

    print(f"   feed: {len(body):,} bytes; each cell {settings.seconds:g} s or {settings.budget:,} "
          f"requests after {settings.warm:g} s of warm-up, best of {settings.rounds} "
          f"round{'s' if settings.rounds > 1 else ''} (tool then bare); latency in ms")
    print(f"   {'clients':>7}  {'path':<4}  {'tool req/s':>10}  {'bare req/s':>10}  {'ratio':>5}  "
          f"{'tool p50/p99':>13}  {'bare p50/p99':>13}  target")
    for clients, kind in tool[0]:
        mine = max((round_[clients, kind] for round_ in tool), key=lambda found: found.rate)
        other = max((round_[clients, kind] for round_ in bare), key=lambda found: found.rate)
        ratio = mine.rate / other.rate
        errors = sum(round_[clients, kind].errors for round_ in (*tool, *bare))
        print(f"   {clients:>7}  {kind:<4}  {mine.rate:>10,.0f}  {other.rate:>10,.0f}  {ratio:>5.2f}  "
              f"{_pair(mine):>13}  {_pair(other):>13}  "
              f"{'met' if ratio >= FEED_TARGET else 'NOT MET'}"
              + (f"  ({errors} wrong answers)" if errors else ""))
    print(f"   target: feed >= {FEED_TARGET}x the bare app's throughput with an unchanged plan "
          "(full: GET without If-None-Match; 304: with the current ETag)")
    if settings.profile_seconds:
        profile(fixture, work, path, settings.profile_seconds)


def _pair(found: Load) -> str:
    return f"{found.percentile(0.5) * 1e3:.1f}/{found.percentile(0.99) * 1e3:.1f}"


def preview_figures(fixture: Fixture, work: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's note that its test client moves to httpx2
        from starlette.testclient import TestClient

    app = tool_app(fixture.db, work / "issued")
    with TestClient(app) as client, TestClient(bare_app(b"", {"etag": '""', "content-type": "x"})
                                               ) as bare:
        csrf = _csrf(client.get("/login").text)
        answer = client.post("/login", data={"csrf": csrf, "name": USER, "password": PASSWORD},
                             follow_redirects=False)
        if answer.status_code != 303:
            raise SystemExit(f"could not log in ({answer.status_code})")
        form = {"csrf": _csrf(client.get("/").text), "key": "P002", "label": "",
                "template": SEED, "start": START.isoformat()}

        def preview() -> None:
            answer = client.post("/patients/new/preview", data=form)
            if answer.status_code != 200 or "59 events" not in answer.text:
                raise SystemExit(f"the preview failed ({answer.status_code})")

        def ping() -> None:
            if bare.get("/ping").status_code != 200:
                raise SystemExit("the bare app's ping failed")

        began = time.perf_counter()
        preview()
        first = time.perf_counter() - began
        tool = _median(preview, 20)
        base = _median(ping, 20)
    print(f"   register preview (POST /patients/new/preview, seed plan, in-process ASGI client): "
          f"median of 20 {tool * 1e3:.1f} ms (first {first * 1e3:.0f} ms); the bare app's /ping "
          f"through the same client {base * 1e3:.1f} ms, ratio {tool / base:.1f}; "
          f"target < {PREVIEW_TARGET_MS:.0f} ms: "
          f"{'met' if tool < PREVIEW_TARGET_MS / 1e3 else 'NOT MET'}")


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


def _median(function: Callable[[], None], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def profile(fixture: Fixture, work: Path, path: str, seconds: float) -> None:
    """Sample the tool's server with py-spy (every thread) under full-body load."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("   profile: py-spy is not installed (pip install py-spy)")
        return
    port = free_port()
    raw = work / "profile.txt"
    with server(["tool", "--db", fixture.db, "--issue-dir", str(work / "issued")], port) as process:
        load(port, path, None, 10, 1.0, 10**9, 0)
        sampler = subprocess.Popen([spy, "record", "--pid", str(process.pid), "--format", "raw",
                                    "--rate", "200", "--gil", "--duration", str(int(seconds)),
                                    "--nonblocking", "--output", str(raw)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while sampler.poll() is None:
            load(port, path, None, 10, 0.5, 10**9, 0)
    if sampler.returncode or not raw.exists():
        print(f"   profile: py-spy failed (exit {sampler.returncode})")
        return
    print_profile(raw.read_text())


PROFILE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("database: opening a connection (connect, PRAGMAs / pool ping)",
     ("Engine.connect (", "Pool.connect (")),
    ("database: closing or returning the connection",
     ("Connection.close (", "Connection.__exit__ (", "_finalize_fairy (")),
    ("database: executing (BEGIN, the SELECT, fetching rows)",
     ("do_execute (", "CursorResult.all (", "Result.all (")),
    ("database: SQLAlchemy's own work (cache key, execution context, result)",
     ("Registry._rows (", "Registry.token (", "Registry.plan_by_id (", "Registry.history (")),
    ("feed: record_fetch", ("record_fetch (",)),
    ("feed: the rest of the route (lookup's checks, headers, Response)", ("feed (scheduler",)),
    ("worker thread outside the route (thread-pool handoff)", ("WorkerThread.run (",)),
    ("event loop: uvicorn (HTTP), Starlette (routing, middleware), sending", ("run_forever (",)),
)
"""What a sampled stack is doing: the first group with a frame among its marks."""


def print_profile(raw: str) -> None:
    """Shares of the server's samples (py-spy raw output: collapsed stacks, each with its
    count) by what the stack is doing, first matching group wins; then the scheduler's own
    frames by inclusive share."""
    groups = dict.fromkeys([name for name, _ in PROFILE_GROUPS] + ["other"], 0)
    own: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        name = next((name for name, marks in PROFILE_GROUPS if any(m in stack for m in marks)), "other")
        groups[name] += samples
        for frame in set(stack.split(";")):
            if "(scheduler/" in frame:
                own[frame] = own.get(frame, 0) + samples
    print(f"   profile (py-spy, samples of the thread holding the GIL, {total} samples):")
    for name, samples in groups.items():
        print(f"     {samples / total:6.1%}  {name}")
    print("   the scheduler's frames, inclusive:")
    for frame, samples in sorted(own.items(), key=lambda item: -item[1])[:12]:
        print(f"     {samples / total:6.1%}  {frame}")


# --- main -----------------------------------------------------------------------------------


# --- a hospital's feeds: many plans, several workers ------------------------------------------


def many_plans(db: str, count: int) -> list[str]:
    """``count`` plans with a feed each: the seed plan of :func:`make_registry` copied row by
    row under new keys (registering 10,000 through the library would take minutes), then every
    plan's feed document stored as a change stores it (:func:`scheduler.services.feedstore.rebuild`,
    what ``registry check --repair`` runs); returns every token."""
    import sqlalchemy as sa

    from scheduler.registry import opened, schema, token_hash
    from scheduler.services import feed as feeds
    from scheduler.services import feedstore
    from scheduler.services.patients import request_of

    first = make_registry(db)
    tokens = [first]
    with opened(db) as registry, registry.transaction() as connection:
        plans, history = schema.plans, schema.history
        plan = connection.execute(sa.select(plans).where(plans.c.patient_key == PATIENT)).one()
        changes = connection.execute(sa.select(history).where(history.c.plan_id == plan.id)).all()
        values = {k: v for k, v in plan._asdict().items() if k != "id"}
        for number in range(1, count):
            key = f"P{number + 1:05d}"
            result = connection.execute(sa.insert(schema.plans).values(
                {**values, "patient_key": key, "plan_key": f"{values['plan_key']}-{number}"}))
            assert result.inserted_primary_key is not None
            plan_id = int(result.inserted_primary_key[0])
            connection.execute(sa.insert(schema.history), [
                {k: v for k, v in c._asdict().items() if k not in ("id", "plan_id")} | {"plan_id": plan_id}
                for c in changes])
            token = feeds.new_token()
            connection.execute(sa.insert(schema.feed_tokens).values(
                plan_id=plan_id, token_hash=token_hash(token), created_at=values["created_at"],
                created_by=USER))
            tokens.append(token)
        registry.refresh_plan_states()  # each copy's own versions and feed token
    began = time.perf_counter()
    with opened(db) as registry, registry.transaction():
        feedstore.rebuild(registry, registry.plans(), registry.histories(), request_of)
    print(f"   stored {count:,} feed documents in {time.perf_counter() - began:.0f} s "
          "(what registry check --repair does)")
    return tokens


async def _walk(port: int, requests: list[bytes], clients: int) -> Load:
    """``clients`` keep-alive clients taking the next of ``requests`` until none are left."""
    latencies: list[float] = []
    queue = list(reversed(requests))
    errors = [0]

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                request = queue.pop()
                began = time.perf_counter()
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
                found = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
                if found:
                    await asyncio.wait_for(reader.readexactly(int(found.group(1))), 60)
                latencies.append(time.perf_counter() - began)
                if int(head[9:12]) != 200:
                    errors[0] += 1
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Load(len(latencies), time.perf_counter() - began, latencies, errors[0])


def _requests(paths: list[str]) -> list[bytes]:
    return [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n".encode()
            for p in paths]


@contextlib.contextmanager
def served(db: str, port: int, workers: int, work: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``scheduler serve --workers N`` itself, as an operator runs it."""
    scheduler = str(Path(sys.executable).parent / "scheduler")
    environment = {**os.environ, "SCHEDULER_SECRET": "a benchmark secret of thirty-two bytes or more"}
    command = [scheduler, "serve", "--db", db, "--port", str(port), "--workers", str(workers),
               "--issue-dir", str(work / "issued")]
    process = subprocess.Popen(command, env=environment, cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if fetch(port, "/healthz")[0] == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("scheduler serve did not start")
            time.sleep(0.1)
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def hospital_figures(fixture: Fixture, tokens: list[str], work: Path, workers_list: list[int],
                     clients: int, repeat: int, rounds: int) -> None:
    """Every feed fetched once, and one feed repeatedly, by ``scheduler serve --workers N``,
    against the bare app of :func:`bare_database_app` (the same bytes from the same registry
    with the same driver: the ratio) and against the bare app serving one document from
    memory (for reference), each under the same uvicorn worker count and the same client."""
    paths = [f"/feed/{t}.ics" for t in tokens]
    port = free_port()

    def walk(wanted: list[str]) -> Load:
        return asyncio.run(_walk(port, _requests(wanted), clients))

    sample = work / "sample.json"
    print(f"   {len(tokens):,} plans, {clients} clients (this process, asyncio: one core at most); "
          f"best of {rounds} round(s) of tool, bare, memory, each its own server start; latency in ms; "
          "ratio = tool / bare (database)")
    print(f"   {'workers':>7}  {'what':<20}  {'tool req/s':>10}  {'bare req/s':>10}  {'ratio':>5}  "
          f"{'tool p50/p99':>13}  {'bare p50/p99':>13}  {'memory req/s':>12}  {'ratio':>5}")
    for workers in workers_list:
        tool: dict[str, Load] = {}
        bare: dict[str, Load] = {}
        memory: dict[str, Load] = {}

        def keep(best: dict[str, Load], found: dict[str, Load]) -> None:
            for kind, load_ in found.items():
                if kind not in best or load_.rate > best[kind].rate:
                    best[kind] = load_

        for _ in range(rounds):  # tool, bare, memory in turn; the best round of each is kept
            with served(fixture.db, port, workers, work):
                status, headers, body = fetch(port, paths[0])
                if status != 200:
                    raise SystemExit(f"the feed answered {status}")
                walk(paths[: min(len(paths), 500)])  # warm: every worker's connections and code
                keep(tool, {"many": walk(paths), "one": walk(paths[:1] * repeat)})
            with server(["bare-workers", "--db", fixture.db, "--workers", str(workers)], port):
                time.sleep(1 if workers > 1 else 0)
                bare_status, bare_headers, bare_body = fetch(port, paths[0])
                same = {k: bare_headers.get(k) for k in KEPT_HEADERS} == {k: headers[k] for k in KEPT_HEADERS}
                if (bare_status, bare_body) != (200, body) or not same:
                    raise SystemExit("the bare app does not answer what the tool does")
                walk(paths[: min(len(paths), 500)])
                keep(bare, {"many": walk(paths), "one": walk(paths[:1] * repeat)})
            sample.with_suffix(".ics").write_bytes(body)
            sample.write_text(json.dumps({"headers": {k: headers[k] for k in KEPT_HEADERS}}))
            with server(["bare-workers", "--sample", str(sample), "--workers", str(workers)], port):
                time.sleep(1 if workers > 1 else 0)
                walk(paths[: min(len(paths), 500)])
                keep(memory, {"many": walk(paths), "one": walk(paths[:1] * repeat)})
        for kind, what in (("many", f"{len(paths):,} feeds once"), ("one", f"one feed x {repeat:,}")):
            mine, other, kept = tool[kind], bare[kind], memory[kind]
            print(f"   {workers:>7}  {what:<20}  {mine.rate:>10,.0f}  {other.rate:>10,.0f}  "
                  f"{mine.rate / other.rate:>5.2f}  {_pair(mine):>13}  {_pair(other):>13}  "
                  f"{kept.rate:>12,.0f}  {mine.rate / kept.rate:>5.2f}"
                  + (f"  ({mine.errors} not 200)" if mine.errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter cells")
    parser.add_argument("--postgres", help="PostgreSQL URL whose role may create databases")
    parser.add_argument("--profile-seconds", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, help="rounds of tool-then-bare, best of each kept "
                        "(default 2, 1 with --quick): more on a machine whose load changes")
    parser.add_argument("--feeds", type=int, default=0, help="a hospital's feeds instead: this many plans, "
                        "each feed fetched once, and one feed repeatedly, with 'scheduler serve "
                        "--workers' of --workers-list (e.g. --feeds 10000)")
    parser.add_argument("--workers-list", default="1,4", help="worker counts for --feeds (default 1,4)")
    parser.add_argument("--engines", default="sqlite,postgresql",
                        help="which engines to measure (default sqlite,postgresql)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients for --feeds")
    parser.add_argument("--server", choices=["tool", "bare", "bare-workers"], help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--issue-dir", help=argparse.SUPPRESS)
    parser.add_argument("--sample", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.server:
        server_main(arguments)
        return
    if arguments.quick:
        settings = Settings(1.5, 0.3, 20_000, arguments.rounds or 1, arguments.profile_seconds)
    else:
        settings = Settings(3.0, 0.5, 60_000, arguments.rounds or 2, arguments.profile_seconds)
    postgres = arguments.postgres or os.environ.get("SCHEDULER_TEST_POSTGRES")
    import uvicorn

    print(f"Server benchmark: uvicorn {uvicorn.__version__}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores shared with the load generator")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        db = str(work / "registry.sqlite3")
        engines: list[tuple[str, contextlib.AbstractContextManager[str]]] = []
        if "sqlite" in arguments.engines:
            engines.append(("SQLite", contextlib.nullcontext(db)))
        if postgres and "postgresql" in arguments.engines:
            engines.append(("PostgreSQL", postgres_database(postgres)))
        for number, (name, location) in enumerate(engines, start=1):
            with location as where:
                if arguments.feeds:
                    tokens = many_plans(where, arguments.feeds)
                    print(f"{number}. {name}")
                    hospital_figures(Fixture(where, tokens[0], name), tokens, work,
                                     [int(w) for w in arguments.workers_list.split(",")],
                                     arguments.clients, repeat=arguments.feeds, rounds=settings.rounds)
                    continue
                token = make_registry(where)
                fixture = Fixture(where, token, name)
                print(f"{number}. {name}")
                feed_figures(fixture, work, settings)
                preview_figures(fixture, work)


if __name__ == "__main__":
    main()
