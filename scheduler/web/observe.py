"""What an operator sees: one JSON log line per request, and Prometheus metrics.

Each request is logged once, through the standard :mod:`logging` module (logger
``scheduler.access``), as JSON: time, method, route template (``/feed/{token}.ics``, never
the address itself, so a feed token or a patient's key is never written), status, duration
and user name. Nothing a request carries (form fields, query strings, cookies) is logged.

The metrics (:class:`Metrics`): requests and their latency by route template, feed fetches
by outcome, database errors and the logins waiting to check a password. One process keeps
them in memory. ``scheduler serve --workers N`` runs prometheus-client's multiprocess mode:
the parent makes a private folder (mode 0700) for the run, named to every worker in
``PROMETHEUS_MULTIPROC_DIR``, where each worker writes its values; ``/metrics``, whichever
worker answers it, sums them all (:meth:`Metrics.exposition`); a worker that stops is marked
dead (its share of the queue gauge leaves the sum) and the folder is removed when the server
stops (:mod:`scheduler.web.serving`).
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from scheduler.web.security import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("scheduler.access")
CHILDREN_KEPT = 1000
"""At most this many (method, route, status) lookups are kept (a client may send any method)."""
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client's variable naming the folder of every worker's values (multiprocess mode)."""


def multiprocess() -> bool:
    """True in a worker of ``serve --workers N`` (the values are written to the shared folder)."""
    return bool(os.environ.get(MULTIPROCESS_DIR))


class Metrics:
    """The metrics of one app (a registry of their own, so that two apps never share one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("scheduler_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("scheduler_request_seconds", "Time to answer a request",
                                 ["route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.feed_fetches = Counter("scheduler_feed_fetches", "Feed requests by status",
                                    ["status"], registry=self.registry)
        self.database_errors = Counter("scheduler_database_errors",
                                       "Requests that failed because the database was away, busy or full",
                                       registry=self.registry)
        self.hashing_waiting = Gauge("scheduler_password_checks_waiting",
                                     "Logins waiting for a turn to check a password", registry=self.registry,
                                     multiprocess_mode="livesum")

    def exposition(self) -> bytes:
        """The Prometheus text: this process's metrics, or every worker's summed (multiprocess)."""
        if not multiprocess():
            return bytes(generate_latest(self.registry))
        every = CollectorRegistry()
        MultiProcessCollector(every)  # type: ignore[no-untyped-call]
        return bytes(generate_latest(every))


def route_template(scope: Scope) -> str:
    """The matched route's template (``/patients/{key}``), or ``(none)``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "(none)"


class Observe:
    """Logs and counts every request (see the module docstring); the outermost middleware."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}
        """The metrics' children of each (method, route, status), looked up once: a label
        lookup cost about as much as the rest of the logging."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        method = str(scope.get("method", ""))
        children = self._children.get((method, route, status))
        if children is None:
            metrics = self.metrics
            children = (metrics.requests.labels(method, route, str(status)), metrics.latency.labels(route),
                        metrics.feed_fetches.labels(str(status)) if route == "/feed/{token}.ics" else None)
            if len(self._children) < CHILDREN_KEPT:
                self._children[method, route, status] = children
        requests, latency, feed_fetches = children
        requests.inc()
        latency.observe(seconds)
        if feed_fetches is not None:
            feed_fetches.inc()
        if scope.get("failure") == "OperationalError":
            self.metrics.database_errors.inc()
        user = scope.get("user")
        line: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": method, "route": route, "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "user": user if isinstance(user, str) else None,
        }
        access_log.info(json.dumps(line, ensure_ascii=True))


def configure_logging() -> None:
    """Send the access log (and the server's warnings) to stderr, one message a line. The
    server's records need no caller, thread or process names (the line is the message), so
    logging is told not to look them up (the logging HOWTO's "Optimization"): that lookup was
    about a sixth of a feed poll's time in the server."""
    logging._srcfile = None  # documented in the HOWTO: no caller lookup
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("scheduler.access", "scheduler.web"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
