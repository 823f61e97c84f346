"""Shared helpers: build plans from shipped templates the way the CLI does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from scheduler.core.event import Event
from scheduler.core.expand import expand
from scheduler.core.plan import Plan
from scheduler.services.options import PlanOptions, build_request, parse_date_range

DATA = Path(__file__).parent / "data"


def make_plan(
    template: str,
    start: str,
    *,
    holidays: str | None = None,
    tz: str | None = None,
    closed: tuple[str, ...] = (),
    workdays: tuple[str, ...] = (),
    sets: dict[str, int] | None = None,
    horizon: str | None = None,
    shift_start: bool = False,
    patient: str | None = None,
) -> Plan:
    """Expand a template (shipped id or path) exactly as `scheduler show` would."""
    from scheduler.services.options import parse_horizon

    options = PlanOptions(
        start=date.fromisoformat(start),
        holidays=holidays,
        closed=tuple(parse_date_range(c, "closed") for c in closed),
        workdays=tuple(parse_date_range(w, "workdays") for w in workdays),
        sets=tuple((sets or {}).items()),
        timezone=tz,
        shift_start=shift_start,
        **({"horizon": parse_horizon(horizon)} if horizon else {}),
    )
    return expand(build_request(template, options, patient).request)


def dates(events: list[Event] | tuple[Event, ...], component: str, **match: object) -> list[str]:
    """ISO dates of one component's events (optionally those matching attributes)."""
    return [
        e.date.isoformat()
        for e in events
        if e.component == component and all(getattr(e, k) == v for k, v in match.items())
    ]


@pytest.fixture(autouse=True, scope="session")
def no_default_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No default site file from the machine running the tests: SCHEDULER_SITE unset and an
    empty user config folder (XDG_CONFIG_HOME, which Linux's user config folder follows).
    Yields that folder."""
    config = tmp_path_factory.mktemp("config")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SCHEDULER_SITE", raising=False)
        patch.setenv("XDG_CONFIG_HOME", str(config))
        yield config


@pytest.fixture
def data_dir() -> Path:
    """The folder of test data files."""
    return DATA


POSTGRES_ADMIN_URL = "SCHEDULER_TEST_POSTGRES"
"""A PostgreSQL URL whose role may create databases; each registry test gets its own."""


def _postgres_database(request: pytest.FixtureRequest) -> str:
    import uuid

    import sqlalchemy as sa

    admin = os.environ.get(POSTGRES_ADMIN_URL)
    if not admin:
        message = (f"PostgreSQL not configured: start it and set {POSTGRES_ADMIN_URL}="
                   "postgresql://scheduler:scheduler@localhost/scheduler (what .ci/run does)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = sa.make_url(admin).set(drivername="postgresql+psycopg")
    name = f"scheduler_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        # FORCE ends the test's own connections; it cannot end an autovacuum worker (only a
        # superuser may), which PostgreSQL 15 sometimes runs on a fresh database: wait for it.
        import time

        for attempt in range(20):
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except sa.exc.ProgrammingError:
                if attempt == 19:
                    raise
                time.sleep(0.25)
        engine.dispose()

    request.addfinalizer(drop)
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A registry location that does not exist yet: a SQLite file, or an empty PostgreSQL
    database (every registry test runs on both engines)."""
    if request.param == "sqlite":
        return str(tmp_path / "registry.sqlite3")
    return _postgres_database(request)


@pytest.fixture
def pg_db(request: pytest.FixtureRequest) -> str:
    """An empty PostgreSQL database (for the tests of PostgreSQL alone)."""
    return _postgres_database(request)
