"""Fixtures for exports: a realistic reviewed incident, a shared app, PDF inspection (poppler).

PDF rendering is slow, so render-heavy tests use `shared`: one app on its own throwaway
SQLite database for the session, migrated once; a module builds its data once (module
fixtures, `Shared.once`), renders its PDFs once and checks them in several tests. Tests
about permissions and figures keep the per-test `app` (rolled back, both backends).
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.actions.service import ActionData, create_action
from app.auth.service import create_user
from app.incidents.service import IncidentData, create_incident, set_moment
from app.models import Provenance, Service
from app.reviews.factors import add_factor
from app.reviews.service import change_status, save_section, section, start_review
from app.reviews.snapshot import build_snapshot
from app.reviews.templates import load_template
from app.timeline.service import add_event, set_flags
from tests.conftest import PASSWORD, csrf_token

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
_n = itertools.count()

SECTIONS = {
    "summary": "Checkout returned errors for **42 minutes** after a config push.",
    "detection": "A synthetic check paged the on-call engineer.",
    "response_recovery": "The change was rolled back; traffic recovered.",
    "went_well": "- Rollback took two minutes",
    "went_wrong": "- Dashboards lagged by five minutes",
    "lucky": "- It happened during office hours",
    "messaging": "Internal note sent at 11:00; status page updated.",
}


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: apt-get install poppler-utils")
    return path


def _run(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    src = tmp_path / f"{tool}-{next(_n)}.pdf"
    src.write_bytes(pdf)
    return subprocess.run([_poppler(tool), *args, str(src), *(["-"] if tool == "pdftotext"
                                                             else [])],
                          check=True, capture_output=True).stdout.decode()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext reads it (reading order, pages split by form feeds)."""
    return _run("pdftotext", pdf, tmp_path, "-enc", "UTF-8")


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    """The `pdffonts` table: which fonts are embedded."""
    return _run("pdffonts", pdf, tmp_path)


def pdf_info(pdf: bytes, tmp_path: Path) -> str:
    """The `pdfinfo` report (pages, page size)."""
    return _run("pdfinfo", pdf, tmp_path)


def page_count(pdf: bytes, tmp_path: Path) -> int:
    """Pages of the PDF, from pdfinfo."""
    info = pdf_info(pdf, tmp_path)
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def new_user(db, role: str = "facilitator", email: str | None = None, **fields):
    """A user with the test password (committed by the caller)."""
    return create_user(db, email or f"{role}{next(_n)}-{id(db)}@example.com", PASSWORD,
                       role=role, **fields)


def new_incident(db, actor=None, members=None, **fields):
    """An incident with the conftest defaults, `fields` overriding them."""
    data = {"title": "Checkout errors", "type": "outage", "severity": 2, "started_at": T0}
    data.update(fields)
    incident = create_incident(db, actor, IncidentData(**data))
    if members is not None:
        incident.members = list(members)
    db.flush()
    return incident


def build_review(db, publish: bool = False, title: str = "Checkout errors after config push",
                 summary: str = SECTIONS["summary"], sections: dict[str, str] | None = None,
                 extra_events: int = 0, **incident_fields) -> dict[str, Any]:
    """A SEV2 outage with moments, starred events, a Standard review, factors and actions;
    publish=True publishes it. Commits."""
    owner = new_user(db, display_name="Olu Owner", timezone="Europe/Berlin")
    facilitator = new_user(db, display_name="Fay Facilitator")
    svc = Service(name=f"checkout-{owner.id}", rto_minutes=30, rpo_minutes=5)
    db.add(svc)
    db.flush()
    fields = {"title": title, "summary": summary, "services": [svc.name],
              "users_affected": 1200, "downtime_minutes": 42, "support_tickets": 17,
              "impact_description": "Card payments failed for EU customers.",
              "started_at": T0}
    fields.update(incident_fields)
    inc = new_incident(db, actor=owner, **fields)
    set_moment(db, owner, inc, "detected_at", T0 + timedelta(minutes=4), Provenance.IMPORTED)
    set_moment(db, owner, inc, "acknowledged_at", T0 + timedelta(minutes=6), Provenance.IMPORTED)
    set_moment(db, owner, inc, "mitigated_at", T0 + timedelta(minutes=30))
    set_moment(db, owner, inc, "recovered_at", T0 + timedelta(minutes=42), Provenance.SUGGESTED)
    events = []
    for n, (minutes, text, star) in enumerate([
            (0, "Config push to checkout", True), (4, "Synthetic check failed", True),
            (9, "Looking at dashboards", False), (30, "Rollback applied", True)]):
        ev = add_event(db, owner, inc, T0 + timedelta(minutes=minutes), text,
                       author_name=f"Responder {n}")
        if star:
            set_flags(db, owner, ev, starred=True)
        events.append(ev)
    for n in range(extra_events):
        ev = add_event(db, owner, inc, T0 + timedelta(minutes=10, seconds=n * 7),
                       f"Responder note {n}: checked shard {n % 17}, error rate "
                       f"{(n * 37) % 100} per cent, waiting for the rollout to settle.",
                       author_name=f"Responder {n % 9}")
        if n % 3 == 0:
            set_flags(db, owner, ev, starred=True)
    template = load_template(REPO / "review_templates" / "standard.toml")
    review, _ = start_review(db, owner, inc, template, owner_id=owner.id,
                             facilitator_id=facilitator.id)
    texts = dict(SECTIONS, **(sections or {}))
    texts["summary"] = summary
    for key, text in texts.items():
        save_section(db, owner, review, key, text, section(review, key).version)
    factor = add_factor(db, owner, review, "detection", "No alert on config errors",
                        [events[1].id])
    add_factor(db, owner, review, "process", "Config pushes skip the canary stage")
    create_action(db, owner, ActionData(title="Alert on config error rate",
                                        owner_id=owner.id, factor_id=factor.id,
                                        incident_id=inc.id, review_id=review.id,
                                        due_date=date(2025, 4, 1)))
    create_action(db, owner, ActionData(title="Canary for config pushes",
                                        incident_id=inc.id, review_id=review.id,
                                        due_date=date(2025, 4, 15)))
    if publish:
        change_status(db, owner, review, "published", snapshot=build_snapshot(db, review, inc))
    db.commit()
    return {"incident": inc, "review": review, "owner": owner, "service": svc,
            "events": events, "facilitator": facilitator}


@pytest.fixture()
def reviewed(db):
    """build(**overrides): build_review in the per-test (rolled back) database."""

    def build(**kwargs):
        return build_review(db, **kwargs)

    return build


@dataclass
class Shared:
    """A module's own app and database (kept, not rolled back) and a logged-in client."""

    app: Any
    db: Any
    cache: dict[str, Any] = field(default_factory=dict)

    def client_as(self, user):
        """A test client logged in as `user` through the real form."""
        client = self.app.test_client()
        token = csrf_token(client)
        resp = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
        assert resp.status_code == 302
        return client

    def once(self, key: str, make):
        """make() the first time `key` is asked for, the cached value afterwards."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]


def standalone_app(tmp_path_factory: pytest.TempPathFactory, url: str | None = None):
    """A Debrief app on a fresh migrated database (SQLite file unless `url` is given)."""
    from app import create_app, migrate

    url = url or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "export.sqlite3")
    migrate.upgrade(url)
    return create_app({"TESTING": True, "DEBRIEF_DATABASE_URL": url, "SECRET_KEY": "test-secret",
                       "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})


@pytest.fixture(scope="session")
def shared(tmp_path_factory):
    """One app and database for every export test module (see the module docstring)."""
    from app.db import database

    app = standalone_app(tmp_path_factory)
    db = database(app).sessionmaker()
    try:
        yield Shared(app, db)
    finally:
        db.close()
        database(app).engine.dispose()
