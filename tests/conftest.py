"""Shared fixtures. Corpus access first; app/db fixtures follow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
TEST_DATA = Path(__file__).resolve().parent / "data"


def require_services() -> bool:
    """True when CI forbids skipping tests that need real services or the corpus."""
    return os.environ.get("DEBRIEF_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real-file corpus (../shared/corpus); skipped only outside CI."""
    if not CORPUS.is_dir():
        if require_services():
            pytest.fail(f"DEBRIEF_REQUIRE_SERVICES=1 but the corpus is missing at {CORPUS}")
        pytest.skip("../shared/corpus is not beside the repository")
    return CORPUS


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Small fixtures written for these tests (tests/data)."""
    return TEST_DATA


# --------------------------------------------------------------------------- databases
import itertools  # noqa: E402
import socket  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy.orm import Session  # noqa: E402

from tests.pg import PostgresServer, find_bindir  # noqa: E402

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block connections beyond loopback and unix sockets: tests never reach the network."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith(
                    "127."):
                raise OSError(f"tests may not connect to {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session; skipped only when none is installed."""
    bindir = find_bindir()
    if bindir is None:
        if require_services():
            pytest.fail("DEBRIEF_REQUIRE_SERVICES=1 but no PostgreSQL binaries were found")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer(bindir)
    server.start()
    _SERVICES["postgres"] = f"PostgreSQL {bindir.parent.name}"
    yield server
    server.stop()


# What real services the session used, for the closing summary (CI proves the PG run happened).
_SERVICES: dict[str, str] = {}
_PASSED_ON: dict[str, int] = {"postgres": 0, "sqlite": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for backend in _PASSED_ON:
            if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid \
                    or f"-{backend}-" in report.nodeid:
                _PASSED_ON[backend] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Under pytest-xdist the servers start in the workers; the passed counts reach here.
    started = _SERVICES.get("postgres") or (
        "PostgreSQL servers started by the test workers" if _PASSED_ON["postgres"]
        else "no PostgreSQL server started")
    terminalreporter.write_line(
        f"[debrief] {started}; tests passed on postgres: {_PASSED_ON['postgres']}, "
        f"on sqlite: {_PASSED_ON['sqlite']}")


_counter = itertools.count()


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database URL per backend; tests using it run on SQLite and PostgreSQL."""
    from app import migrate

    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create_database(f"debrief_test_{next(_counter)}")
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def _apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    apps: dict[str, object] = {}
    yield apps
    from app.db import database

    for flask_app in apps.values():
        database(flask_app).engine.dispose()  # close pooled connections before the server stops


@pytest.fixture()
def app(db_url: str, _apps: dict[str, object], tmp_path_factory: pytest.TempPathFactory):
    """The app on one backend; each test runs in a transaction rolled back afterwards."""
    from app import create_app

    flask_app = _apps.get(db_url)
    if flask_app is None:
        instance = tmp_path_factory.mktemp("instance")
        flask_app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                                "DEBRIEF_DATABASE_URL": db_url, "SECRET_KEY": "test-secret"})
        _apps[db_url] = flask_app
    with rolled_back(flask_app):
        yield flask_app


@contextmanager
def rolled_back(flask_app) -> Iterator[None]:
    """Run a test in one transaction of a shared app, undone afterwards."""
    from app.db import database

    # The app outlives each test's rolled-back data: forget lists it keeps from earlier
    # tests, whose row ids may be reused.
    flask_app.extensions.pop("debrief_similar", None)
    db = database(flask_app)
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.sessionmaker.kw.copy()
    # Every session joins the outer transaction through a SAVEPOINT, so a request's
    # commit() is real for the code under test and still undone after the test.
    db.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.sessionmaker.configure(**original)
        outer.rollback()
        connection.close()


@pytest.fixture()
def db(app) -> Iterator[Session]:
    """A session in the test's transaction, separate from the requests' sessions.

    No app context stays pushed, so each request gets its own context, session and
    Flask-Login user, as in production; refresh objects to see what a request changed.
    """
    from app.db import database

    sess = database(app).sessionmaker()
    try:
        yield sess
    finally:
        sess.close()


@pytest.fixture()
def client(app):
    """A test client with CSRF on, as in production."""
    return app.test_client()


PASSWORD = "correct horse battery"


@pytest.fixture()
def make_user(db: Session):
    """Factory: make_user(role='viewer', email=None, **fields) -> User."""
    from app.auth import service

    def make(role: str = "viewer", email: str | None = None, **fields):
        email = email or f"{role}{next(_counter)}@example.com"
        user = service.create_user(db, email, PASSWORD, role=role, **fields)
        db.commit()
        return user

    return make


@pytest.fixture()
def make_incident(db: Session):
    """Factory: make_incident(**overrides) -> Incident."""
    from app.incidents import service

    def make(**overrides):
        actor = overrides.pop("actor", None)
        members = overrides.pop("members", None)
        data = {"title": "Checkout errors", "type": "outage", "severity": 2,
                "started_at": datetime(2025, 3, 4, 10, 0, tzinfo=UTC)}
        data.update(overrides)
        incident = service.create_incident(db, actor, service.IncidentData(**data))
        if members is not None:
            incident.members = list(members)
        db.commit()
        return incident

    return make


def csrf_token(client) -> str:
    """Fetch a page with a form and return its CSRF token."""
    import re

    html = client.get("/login").get_data(as_text=True)
    if "csrf_token" not in html:  # logged in: the login page redirects; use the profile form
        html = client.get("/profile").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture()
def login(client):
    """login(user) logs the test client in through the real form."""

    def do(user, password: str = PASSWORD):
        client.delete_cookie("session")  # start logged out, whoever was logged in before
        token = csrf_token(client)
        resp = client.post("/login", data={"email": user.email, "password": password,
                                           "csrf_token": token})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client

    return do
