"""Browser journeys' fixtures: a real Debrief server on loopback, Debian's Chromium, evidence.

The server is the real app served by Werkzeug in a background thread on 127.0.0.1 and a
free port, on a fresh SQLite file migrated with Alembic and seeded with the demo data set
plus a few named records the journeys look for. Chromium is Debian's package at
/usr/bin/chromium, driven by Playwright; no browser is ever downloaded.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, require_services

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; .ci/run installs it
RESULTS = REPO / "test-results" / "browser"  # git-ignored; screenshots and HTML of failures
PASSWORD = "journey password 1"


@dataclass
class Seed:
    """What the seed created that the journeys refer to."""

    restricted_id: int
    restricted_title: str
    owner_action_id: int
    owner_action_title: str
    published_id: int
    published_title: str
    published_ref: str


@dataclass
class LiveServer:
    """The running server: its base URL, the app and what was seeded."""

    url: str
    app: Any
    seed: Seed


def _seed(app: Any, instance: Path) -> Seed:
    """Demo data set, known passwords, a restricted incident and an action for its owner."""
    from sqlalchemy import select

    from app.actions import service as actions
    from app.auth import service as users
    from app.db import database
    from app.demo import load_demo
    from app.demo_scenarios import PEOPLE
    from app.incidents import service as incidents
    from app.models import ContributingFactor, Incident, Review, ReviewStatus, Role, User

    db = database(app).sessionmaker()
    try:
        with app.app_context():
            # The demo's people, made first with one known password: Argon2 is slow by
            # design, so the hash is computed once and shared (the demo reuses existing users).
            first, *rest = PEOPLE
            made = users.create_user(db, first[0], PASSWORD, role=first[2],
                                     display_name=first[1], timezone=first[3])
            for email, name, role, zone in rest:
                db.add(User(email=email, display_name=name, role=Role(role), timezone=zone,
                            password_hash=made.password_hash,
                            session_token=secrets.token_hex(8)))
            db.flush()
            load_demo(db, str(instance / "demo-login.txt"), count=12)
            db.flush()
            people = {e: users.get_by_email(db, e) for e in (
                "facilitator@example.com", "editor@example.com", "viewer@example.com")}
            # A security incident only the facilitator may see: the viewer must never learn
            # that it exists (404, absent from lists, search and "similar incidents"). Its
            # words and service match the published demo review's, so similarity would show
            # it there if visibility were not applied.
            restricted = incidents.create_incident(db, people["facilitator@example.com"],
                                                   incidents.IncidentData(
                title="Signing key exposed in checkout-api connection pool logs",
                type="security", severity=1, services=["checkout-api", "postgres-main"],
                summary="Checkout errors after connection pool exhaustion: the pool debug "
                        "log printed a release signing key.",
                started_at=datetime(2026, 1, 12, 9, 0, tzinfo=UTC), restricted=True))
            restricted.members = [people["facilitator@example.com"]]
            published = db.scalars(select(Incident).join(Review).where(
                Review.status == ReviewStatus.PUBLISHED, Incident.restricted.is_(False))
                .order_by(Incident.id)).first()
            factor = db.scalars(select(ContributingFactor).where(
                ContributingFactor.incident_id == published.id)
                .order_by(ContributingFactor.id)).first()
            action = actions.create_action(db, people["facilitator@example.com"],
                                           actions.ActionData(
                title="Graph pool saturation on the service dashboard", type="detect",
                owner_id=people["editor@example.com"].id, incident_id=published.id,
                factor_id=factor.id))
            db.commit()
            return Seed(restricted.id, restricted.title, action.id, action.title,
                        published.id, published.title, published.ref)
    finally:
        db.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Debrief served over HTTP on 127.0.0.1:<free port> for the whole browser session."""
    from werkzeug.serving import make_server

    from app import create_app, migrate
    from app.db import database

    instance = tmp_path_factory.mktemp("browser-instance")
    url = "sqlite:///" + str(instance / "debrief.sqlite3")
    migrate.upgrade(url)
    app = create_app({"INSTANCE_PATH": str(instance), "DEBRIEF_DATABASE_URL": url,
                      "SECRET_KEY": "browser-journeys"})
    seed = _seed(app, instance)
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the OS picks a free one
    thread = threading.Thread(target=server.serve_forever, name="debrief-live", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, seed)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        database(app).engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright; missing pieces skip, or fail when CI requires them."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem:
        if require_services():
            pytest.fail(f"DEBRIEF_REQUIRE_SERVICES=1 but {problem}")
        pytest.skip(problem)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            # Nothing but the loopback server: no update checks, sync or field trials.
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-field-trial-config"])
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class BrowserLog:
    """What the pages reported: console errors, uncaught exceptions, server errors."""

    problems: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # URLs a journey expects to be refused

    def expect_refusal(self, url: str) -> None:
        """A journey is about to open `url` expecting 403/404: its console line is no error."""
        self.refused.add(url)

    def watch(self, page: Any) -> None:
        """Listen to a new page (CSP violations reach the console as errors)."""
        page.on("console", lambda msg: self._console(msg))
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on("response", lambda resp: resp.status >= 500 and self.problems.append(
            f"HTTP {resp.status} from {resp.request.method} {resp.url}"))

    def _console(self, msg: Any) -> None:
        if msg.type not in ("error", "assert"):
            return
        where = (msg.location or {}).get("url", "")
        # Chromium logs every refused document as "Failed to load resource"; a refusal the
        # journey asked for is the behaviour under test, any other is a problem.
        if where in self.refused and re.search(r"status of 40[34]\b", msg.text):
            return
        self.problems.append(f"console {msg.type}: {msg.text} ({where})")


@dataclass
class BrowserSession:
    """One logged-in person's browser context."""

    context: Any
    page: Any
    log: BrowserLog


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)  # lets fixtures know whether the test failed
    return report


class Browsers:
    """log_in(email) -> BrowserSession: a fresh context, logged in through the real form."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.sessions: list[tuple[str, BrowserSession]] = []

    def __call__(self, email: str, password: str = PASSWORD) -> BrowserSession:
        context = self.browser.new_context(base_url=self.base_url, accept_downloads=True,
                                           viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        log = BrowserLog()
        context.on("page", log.watch)
        page = context.new_page()
        session = BrowserSession(context, page, log)
        self.sessions.append((email, session))
        page.goto("/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Log out").wait_for()
        return session

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, CSP violations and 5xx seen so far."""
        return [f"{email}: {p}" for email, s in self.sessions for p in s.log.problems]

    def assert_clean(self) -> None:
        """Fail when any page of any session reported a problem."""
        problems = self.problems()
        assert not problems, "the browser reported problems:\n" + "\n".join(problems)

    def save_evidence(self, out: Path) -> None:
        """A full-page screenshot and the HTML of every open page, into `out`."""
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for n, (email, session) in enumerate(self.sessions):
            for k, page in enumerate(session.context.pages):
                stem = out / f"{n}-{email.split('@')[0]}-{k}"
                try:
                    page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
                    stem.with_suffix(".html").write_text(page.content())
                except Exception as exc:  # noqa: BLE001 - evidence is best effort
                    stem.with_suffix(".txt").write_text(f"no capture: {exc}\n")
        (out / "problems.txt").write_text("\n".join(self.problems()) + "\n")


@pytest.fixture()
def log_in(request: pytest.FixtureRequest, browser: Any,
           live_server: LiveServer) -> Iterator[Browsers]:
    """Log people in; on failure save every page under test-results/browser/<test>/.

    Journeys end with log_in.assert_clean(); a journey that forgets it still fails here
    when the browser reported a problem.
    """
    browsers = Browsers(browser, live_server.url)
    yield browsers
    outcome = getattr(request.node, "rep_call", None)
    if outcome is not None and outcome.failed:
        out = RESULTS / re.sub(r"[^\w.-]+", "_", request.node.name)
        browsers.save_evidence(out)
        print(f"\n[browser] failure evidence in {out}")
    problems = browsers.problems()
    for _email, session in browsers.sessions:
        session.context.close()
    if outcome is not None and outcome.passed:
        assert not problems, "the browser reported problems:\n" + "\n".join(problems)
