"""Health, readiness, metrics and the access log: what an operator sees, and what never
reaches a log (feed tokens, patients' labels and keys, passwords, reasons)."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest
import sqlalchemy as sa

from scheduler.registry import locate
from scheduler.registry.database import engine_for
from tests.test_web import PASSWORD, Web

LABEL = "Zhang Wei-Lin"
REASON = "neutropenia grade three"


@pytest.fixture
def web(db, tmp_path) -> Web:
    return Web(db, tmp_path)


def test_healthz_and_readyz_answer_without_a_session(web):
    assert web.client.get("/healthz").text == "ok\n"
    ready = web.client.get("/readyz")
    assert (ready.status_code, ready.text) == (200, "ready\n")


def test_readyz_is_503_when_the_schema_is_not_current_or_the_database_away(web):
    engine = engine_for(locate(web.db))
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0002'"))
    engine.dispose()
    old = web.client.get("/readyz")
    assert old.status_code == 503
    assert old.text == "the registry is old, not current: run 'scheduler registry upgrade'\n"
    assert web.client.get("/healthz").status_code == 200
    web.app.state.site.engine = engine_for(locate("postgresql://nobody@127.0.0.1:1/away"),
                                           connect_args={"connect_timeout": 2})
    away = web.client.get("/readyz")
    assert away.status_code == 503 and away.headers["retry-after"] == "30"
    assert away.text.startswith("the registry does not answer (")


def test_metrics_only_to_loopback_or_with_the_token(web, monkeypatch):
    assert web.login().status_code == 303
    web.register()
    assert web.client.get("/patients/P017").status_code == 200
    token = web.feed_token()
    assert web.client.get(f"/feed/{token}.ics").status_code == 200
    assert web.client.get("/feed/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics").status_code == 404
    assert web.client.get("/metrics").status_code == 404  # the test client is not on loopback
    monkeypatch.setenv("SCHEDULER_METRICS_TOKEN", "metrics-token-for-the-test")
    assert web.client.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 404
    text = web.client.get("/metrics", headers={"authorization": "Bearer metrics-token-for-the-test"}).text
    assert 'scheduler_requests_total{method="GET",route="/patients/{key}",status="200"} 1.0' in text
    assert 'scheduler_requests_total{method="POST",route="/login",status="303"} 1.0' in text
    assert 'scheduler_feed_fetches_total{status="200"} 1.0' in text
    assert 'scheduler_feed_fetches_total{status="404"} 1.0' in text
    assert 'scheduler_request_seconds_count{route="/feed/{token}.ics"} 2.0' in text
    assert "scheduler_password_checks_waiting 0.0" in text
    assert "scheduler_database_errors_total 0.0" in text
    assert token not in text and "P017" not in text


def test_one_json_line_per_request_and_no_secret_or_label_in_any_log(web, caplog):
    caplog.set_level(logging.DEBUG)
    assert web.login().status_code == 303
    web.register(label=LABEL)
    page = web.post("/patients/P017/subscribe", {"action": "create"})
    token = re.search(r"/feed/([A-Za-z0-9_-]{32})\.ics", page.text).group(1)
    assert web.client.get(f"/feed/{token}.ics").status_code == 200
    assert web.post("/patients/P017/change", {"kind": "delay", "cycle": "3", "days": "7", "reason": REASON,
                                              "revision": "0", "action": "commit"}).status_code == 303
    assert web.client.get("/patients/P017/versions/99999999999/x.pdf").status_code == 404
    assert web.post("/logout", {}).status_code == 303
    assert web.login(password="a wrong password here").status_code == 401
    access = [r for r in caplog.records if r.name == "scheduler.access"]
    lines = [json.loads(r.getMessage()) for r in access]
    assert all(set(line) == {"time", "method", "route", "status", "duration_ms", "user"} for line in lines)
    seen = {(line["method"], line["route"], line["status"], line["user"]) for line in lines}
    assert ("POST", "/login", 303, None) in seen
    assert ("GET", "/feed/{token}.ics", 200, None) in seen
    assert ("POST", "/patients/{key}/change", 303, "li.na") in seen
    assert ("GET", "/patients/{key}/versions/{version:int}/{name}", 404, "li.na") in seen
    assert ("POST", "/login", 401, None) in seen
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the client's
    assert {r.name for r in server} >= {"scheduler.access"}
    everything = "\n".join(r.getMessage() + (r.exc_text or "") for r in server)
    for secret in (token, LABEL, PASSWORD, "a wrong password here", REASON, "P017"):
        assert secret not in everything, secret


def test_metrics_sum_every_worker_of_serve_workers(tmp_path):
    """``serve --workers 2``: requests answered by both workers are in the one total that
    ``/metrics`` gives, whichever worker answers it (Prometheus multiprocess mode, in a private
    folder removed when the server stops)."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from click.testing import CliRunner
    from prometheus_client.parser import text_string_to_metric_families

    from scheduler.cli import cli
    from tests.serving import serving

    db = str(tmp_path / "registry.sqlite3")
    assert CliRunner().invoke(cli, ["registry", "init", "--db", db]).exit_code == 0
    temporary = tmp_path / "tmp"
    temporary.mkdir()

    def healthz(base: str) -> int:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as answer:  # a connection each
            return int(answer.status)

    def workers_seen() -> set[str]:
        files = temporary.glob("scheduler-metrics-*/counter_*.db")  # counter_<pid>.db
        return {re.sub(r"^.*_(\d+)\.db$", r"\1", p.name) for p in files}

    sent = 0
    with serving(db, tmp_path, "--workers", "2", env={"TMPDIR": str(temporary)}) as (base, _), \
            ThreadPoolExecutor(8) as pool:
        while len(workers_seen()) < 2 and sent < 2000:  # until both workers have answered
            assert set(pool.map(healthz, [base] * 40)) == {200}
            sent += 40
        assert len(workers_seen()) == 2, "one worker answered every request"
        folder = next(temporary.glob("scheduler-metrics-*"))
        assert folder.stat().st_mode & 0o777 == 0o700

        def counted() -> float:
            with urllib.request.urlopen(base + "/metrics", timeout=10) as answer:
                text = answer.read().decode()
            return sum(sample.value for family in text_string_to_metric_families(text)
                       if family.name == "scheduler_requests"
                       for sample in family.samples
                       if sample.name == "scheduler_requests_total"
                       and sample.labels["route"] == "/healthz" and sample.labels["status"] == "200")

        # A request is counted just after its answer is sent: wait a moment for the last ones.
        deadline = time.monotonic() + 10
        while counted() < sent and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [counted() for _ in range(6)] == [sent] * 6  # the same total from either worker
    assert not folder.exists()  # removed when the server stopped
