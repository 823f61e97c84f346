"""``/healthz``, ``/readyz`` and ``/metrics``: for the load balancer and the monitoring.

- ``/healthz``: 200 while the process answers.
- ``/readyz``: 200 when the registry answers and its schema is this release's, else 503.
- ``/metrics``: Prometheus text (see :mod:`scheduler.web.observe`; with ``--workers N``, the
  sum over every worker, whichever answers), only to a client on this
  machine (loopback, after the reverse proxy's ``X-Forwarded-For``) or one that sends
  ``Authorization: Bearer $SCHEDULER_METRICS_TOKEN``; anyone else gets 404.
"""

from __future__ import annotations

import ipaddress
import os
import secrets

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from scheduler.registry import State
from scheduler.registry.database import state
from scheduler.web.site import site_of

METRICS_TOKEN = "SCHEDULER_METRICS_TOKEN"
PATHS = ("/healthz", "/readyz", "/metrics")


async def healthz(request: Request) -> Response:
    """The process answers."""
    return PlainTextResponse("ok\n")


def _ready(request: Request) -> tuple[bool, str]:
    site = site_of(request)
    try:
        found = state(site.location, site.engine)
    except Exception as error:  # the database away: not ready, in words
        return False, f"the registry does not answer ({type(error).__name__})"
    if found is not State.CURRENT:
        return False, f"the registry is {found.value}, not current: run 'scheduler registry upgrade'"
    return True, "ready"


async def readyz(request: Request) -> Response:
    """The registry answers and is current: 200; else 503."""
    ready, words = await run_in_threadpool(_ready, request)
    return PlainTextResponse(words + "\n", 200 if ready else 503,
                             headers={} if ready else {"Retry-After": "30"})


def _allowed(request: Request) -> bool:
    token = os.environ.get(METRICS_TOKEN, "")
    sent = request.headers.get("authorization", "")
    if token and secrets.compare_digest(sent.encode("utf-8", "replace"), f"Bearer {token}".encode()):
        return True
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics(request: Request) -> Response:
    """Prometheus text, to loopback or with the token; 404 to anyone else."""
    if not _allowed(request):
        return PlainTextResponse("Not found\n", 404)
    return Response(site_of(request).metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
