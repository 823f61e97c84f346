"""Every failure is a page in words with the security headers, never a bare 500: forms the
server cannot read (before login), numbers too large for the database, a full disk, the
database away; and a fuzz test of every route with malformed forms, paths and headers."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from scheduler.registry import locate, opened, schema
from scheduler.registry.database import engine_for
from tests.test_web import Web

HEADERS = ("content-security-policy", "x-frame-options", "referrer-policy", "x-content-type-options")


@pytest.fixture
def web(tmp_path) -> Web:
    return Web(str(tmp_path / "registry.sqlite3"), tmp_path)


@pytest.fixture
def logged_in(web) -> Web:
    assert web.login().status_code == 303
    web.register()
    return web


def _is_page(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text
    assert "Traceback" not in response.text and "Internal Server Error" not in response.text
    for header in HEADERS:
        assert header in response.headers, header


def test_a_csrf_value_that_is_not_ascii_is_refused_as_an_expired_form(web):
    response = web.client.post("/login", data={"csrf": "ça ne va pas", "name": "li.na", "password": "x"})
    _is_page(response, 403, "This form has expired or did not come from this site.")


def test_a_field_over_one_mib_before_login_is_a_400_page(web):
    response = web.client.post("/login", files={"csrf": (None, "x"), "name": (None, "a" * (1024 * 1024 + 1))})
    _is_page(response, 400, "could not be read as a form")


def test_over_a_thousand_fields_before_login_is_a_400_page(web):
    body = "&".join(f"f{i}=x" for i in range(1001))
    response = web.client.post("/login", content=body,
                               headers={"content-type": "application/x-www-form-urlencoded"})
    _is_page(response, 400, "could not be read as a form")


@pytest.mark.parametrize("body", [b"--b\r\ncontent-disposition: form-data\r\n\r\nx",  # no name, no end
                                  b"not multipart at all", b"--b\r\n\r\n\r\n--b--\r\n"])
def test_a_broken_multipart_body_before_login_is_a_400_page(web, body):
    response = web.client.post("/login", content=body,
                               headers={"content-type": "multipart/form-data; boundary=b"})
    assert response.status_code in (400, 403), response.text
    _is_page(response, response.status_code, "form")


def test_a_body_over_the_limit_is_a_413_page(web):
    response = web.client.post("/login", content=b"x" * (3 * 1024 * 1024),
                               headers={"content-type": "application/x-www-form-urlencoded"})
    _is_page(response, 413, "larger than 2 MiB")


@pytest.mark.parametrize("version", [2**31, 2**63, 10**30])
def test_a_version_too_large_for_the_database_is_not_found(logged_in, version):
    response = logged_in.client.get(f"/patients/P017/versions/{version}/P017.ics")
    _is_page(response, 404, "There is no such page or patient.")


def _snapshot(db: str) -> tuple:
    """Everything a change writes: plans, histories, current events and stored feeds."""
    with opened(db) as registry:
        tables = (schema.plans, schema.history, schema.current_events, schema.feed_documents)
        return tuple(registry._rows(sa.select(t).order_by(*t.primary_key.columns)) for t in tables)


def test_a_full_disk_during_a_change_is_a_503_and_nothing_is_written(logged_in):
    """A real SQLITE_FULL from the engine: the server's connections may not grow the database
    file by a single page (``PRAGMA max_page_count``, after a VACUUM leaves no free page), and
    registering a plan needs new pages (its template text and its feed document overflow into
    pages of their own)."""
    token = logged_in.feed_token()
    served = logged_in.client.get(f"/feed/{token}.ics")
    assert served.status_code == 200
    site = logged_in.app.state.site
    site.engine.dispose()
    direct = sqlite3.connect(logged_in.db, isolation_level=None)
    try:
        direct.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        direct.execute("VACUUM")  # no free page left for the change to reuse
        pages = direct.execute("PRAGMA page_count").fetchone()[0]
        assert direct.execute("PRAGMA freelist_count").fetchone()[0] == 0
    finally:
        direct.close()
    before = _snapshot(logged_in.db)

    def no_room(dbapi_connection, record) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    sa.event.listen(site.engine, "connect", no_room)
    site.engine.dispose()  # every connection of the server made anew, with the limit
    response = logged_in.post("/patients/new", {"key": "P018", "label": "Patient 018", "start": "2026-03-09",
                                                "template": "nct06478355", "action": "save"})
    _is_page(response, 503, "The patient registry cannot be reached just now")
    assert response.headers["retry-after"] == "30"
    assert site.metrics.database_errors._value.get() == 1
    assert _snapshot(logged_in.db) == before  # nothing half-written
    with opened(logged_in.db) as registry:
        assert [p.patient_key for p in registry.plans()] == ["P017"]
    # the previous state still serves: the patient's page, and the feed's stored bytes
    page = logged_in.client.get("/patients/P017")
    assert page.status_code == 200 and "Patient 017" in page.text
    again = logged_in.client.get(f"/feed/{token}.ics")
    assert (again.status_code, again.content) == (200, served.content)
    with site.engine.connect() as connection, pytest.raises(  # and it was the engine's own "full"
            sa.exc.OperationalError, match="database or disk is full"):
        connection.exec_driver_sql("CREATE TABLE filler AS SELECT zeroblob(100000) AS b")
    sa.event.remove(site.engine, "connect", no_room)  # room again: the fetch times are written
    site.engine.dispose()


def test_the_database_away_is_a_503_page_with_retry_after(logged_in):
    site = logged_in.app.state.site
    site.engine = engine_for(locate("postgresql://nobody@127.0.0.1:1/away"),
                             connect_args={"connect_timeout": 2})
    for path in ("/", "/patients/P017", "/templates"):
        response = logged_in.client.get(path, follow_redirects=False)
        _is_page(response, 503, "The patient registry cannot be reached just now")
        assert response.headers["retry-after"] == "30"
    login = logged_in.client.post("/login", data={"csrf": "x", "name": "li.na", "password": "y"})
    assert login.status_code in (403, 503)


def test_postgresql_stopped_under_a_running_server_is_a_503_page(pg_db, tmp_path):
    web = Web(pg_db, tmp_path)
    assert web.login().status_code == 303
    admin = sa.create_engine(sa.make_url(pg_db).set(drivername="postgresql+psycopg", database="postgres"),
                             isolation_level="AUTOCOMMIT")
    name = sa.make_url(pg_db).database
    with admin.connect() as connection:  # the server's connections are cut and refused from now on
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        connection.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
    try:
        response = web.client.get("/", follow_redirects=False)
        _is_page(response, 503, "The patient registry cannot be reached just now")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.dispose()


# --- fuzz: every route, malformed forms, paths and headers ----------------------------------

ROUTES = [
    ("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
    ("GET", "/patients/new"), ("POST", "/patients/new"), ("POST", "/patients/new/preview"),
    ("GET", "/patients/P017"), ("GET", "/patients/P017/change"), ("POST", "/patients/P017/change"),
    ("GET", "/patients/P017/revert/1"), ("POST", "/patients/P017/revert/1"),
    ("POST", "/patients/P017/end"), ("POST", "/patients/P017/issue"),
    ("GET", "/patients/P017/versions/1/P017.ics"), ("GET", "/patients/P017/fhir.json"),
    ("GET", "/patients/P017/subscribe"), ("POST", "/patients/P017/subscribe"),
    ("POST", "/patients/P017/feed-detail"), ("GET", "/templates"), ("GET", "/validate"),
    ("POST", "/validate"), ("GET", "/feed/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics"),
    ("GET", "/patients/P017/move?version=2"), ("POST", "/patients/P017/move"),
    ("GET", "/templates/tc-6/2/patients"),
]
FIELDS = ["key", "label", "template", "start", "holidays", "tz", "closed", "workdays", "parameters",
          "horizon", "shift_start", "action", "kind", "cycle", "days", "regimen", "component", "from",
          "reason", "revision", "lang", "paper", "discreet", "feed_url", "detail", "text", "name",
          "password", "q", "page", "version"]
NASTY = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "2147483648", "99999999999999999999", "1e309", "nan", "2026-02-30",
                     "9999-12-31", "0000-01-01", "../../etc/passwd", "\x00", "\ud800", "%00", "commit",
                     "save", "P017", "nct06478355", "chemo", "📅" * 30, "a" * 5000, "<script>",
                     "' OR 1=1--"]),
)
FORMS = st.dictionaries(st.sampled_from(FIELDS), NASTY, max_size=8)
PATH_TAILS = st.sampled_from(["", "%00", "/..", "/%2e%2e/%2e%2e/etc/passwd", "/%ff%fe", "?page=-9",
                              "?page=99999999999999999999", "?kind=%00", "?q=%ff", "?next=//evil",
                              "/" + "a" * 3000, "?version=1e400"])


@pytest.fixture
def fuzzed(logged_in) -> tuple[Web, TestClient]:
    client = TestClient(logged_in.app, base_url="http://testserver", raise_server_exceptions=False,
                        cookies=dict(logged_in.client.cookies))
    return logged_in, client


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), form=FORMS, tail=PATH_TAILS, with_csrf=st.booleans(),
       header=st.sampled_from([{}, {"content-type": "multipart/form-data"},
                               {"content-type": "multipart/form-data; boundary=\u00e9".encode("utf-8")},
                               {"content-type": "application/x-www-form-urlencoded; charset=latin-1"},
                               {"if-none-match": "\x7f" * 3}, {"cookie": "scheduler_session=garbage"},
                               {"accept-language": "zz" * 400}, {"host": "evil.example"}]))
def test_no_route_answers_500_to_malformed_input(fuzzed, route, form, tail, with_csrf, header):
    web, client = fuzzed
    method, path = route
    url = path + tail
    data = {**form, **({"csrf": web.csrf("/")} if with_csrf else {})}
    safe = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in data.items()}
    if method == "GET":
        response = client.get(url, headers=header, follow_redirects=False)
    else:
        response = client.post(url, data=safe, headers=header, follow_redirects=False)
    assert response.status_code < 500 or response.status_code == 503, (method, url, response.text[:500])
    if not url.startswith("/feed/"):
        assert "Traceback" not in response.text
