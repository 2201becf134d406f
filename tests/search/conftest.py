"""Search fixtures: a small world of incidents with reviews, factors, actions, timelines."""

from datetime import UTC, datetime

import pytest

from app.models import (
    Action,
    ContributingFactor,
    FactorCategory,
    Review,
    ReviewSection,
    ReviewStatus,
    Service,
)
from app.search.tracking import backend_of
from app.timeline.service import add_event
from tests.conftest import rolled_back

SEARCH_BACKENDS = ["native", "whoosh"]


@pytest.fixture(params=SEARCH_BACKENDS)
def search_backend(request):
    """The database's own search ("native": FTS5 or PostgreSQL), or a Whoosh directory."""
    return request.param


@pytest.fixture()
def app(db_url, _apps, tmp_path_factory, search_backend):
    """The root `app` fixture, once per search backend; a Whoosh index starts empty."""
    from app import create_app
    from app.db import database

    key = db_url if search_backend == "native" else f"{db_url}#{search_backend}"
    flask_app = _apps.get(key)
    if flask_app is None:
        config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
                  "DEBRIEF_DATABASE_URL": db_url, "SECRET_KEY": "test-secret"}
        if search_backend != "native":
            config["DEBRIEF_SEARCH_BACKEND"] = search_backend
        flask_app = create_app(config)
        _apps[key] = flask_app
    db = database(flask_app)
    try:
        with rolled_back(flask_app):
            yield flask_app
    finally:
        if search_backend != "native":
            # The file index outlives the rolled-back transaction: rebuild it from the
            # (now empty) database so the next test starts from nothing.
            with db.sessionmaker() as session:
                backend_of(session).rebuild(session)
                session.commit()
                backend_of(session).store.close()  # no open files left to the collector


@pytest.fixture()
def engine(db):
    """The app's search backend (FTS5, PostgreSQL or Whoosh)."""
    return backend_of(db)


@pytest.fixture()
def add_review(db):
    """add_review(incident, published={key: text} or None, draft={key: text})."""

    def add(incident, published=None, draft=None):
        review = Review(incident_id=incident.id, template_key="standard",
                        status=ReviewStatus.PUBLISHED if published else ReviewStatus.DRAFT)
        db.add(review)
        db.flush()
        texts = dict(published or {})
        texts.update(draft or {})
        for pos, (key, content) in enumerate(texts.items()):
            db.add(ReviewSection(review_id=review.id, key=key, position=pos, content=content))
        if published:
            review.published_snapshot = {"sections": [
                {"key": k, "title": k.title(), "content": v} for k, v in published.items()]}
            review.published_at = datetime(2025, 3, 9, tzinfo=UTC)
        db.commit()
        return review

    return add


@pytest.fixture()
def world(db, make_incident, make_user, add_review):
    """Four incidents; #4 is restricted and holds the unique word 'quetzalcoatl'."""
    admin = make_user("admin")
    member = make_user("viewer")
    db.add_all([Service(name=n) for n in ("checkout", "search", "auth")])
    db.commit()
    a = make_incident(title="Database failover during checkout peak", severity=1,
                      services=["checkout"], tags=["postgres"],
                      summary="The primary database failed over; connection pool exhausted.",
                      started_at=datetime(2024, 11, 2, 9, tzinfo=UTC))
    b = make_incident(title="Slow search results", type="degradation", severity=3,
                      services=["search"], summary="Latency rose after a reindex.",
                      started_at=datetime(2025, 2, 1, 9, tzinfo=UTC))
    c = make_incident(title="Login page errors", severity=2, services=["auth"],
                      summary="Users could not log in.",
                      started_at=datetime(2025, 5, 5, 9, tzinfo=UTC))
    add_event(db, admin, c, datetime(2025, 5, 5, 9, 5, tzinfo=UTC),
              "checked the database replica lag, looked fine")
    secret = make_incident(title="Credential exposure", type="security", severity=1,
                           services=["checkout"], members=[member],
                           summary="A quetzalcoatl token was found in a public repository.",
                           started_at=datetime(2025, 6, 1, 9, tzinfo=UTC))
    db.add(ContributingFactor(incident_id=a.id, category=FactorCategory.DETECTION,
                              description="No alert on replication lag"))
    db.add(ContributingFactor(incident_id=secret.id, category=FactorCategory.PROCESS,
                              description="quetzalcoatl rotation was manual"))
    db.add(Action(incident_id=a.id, title="Add a pgbouncer saturation alert"))
    db.commit()
    add_review(a, published={"summary": "We learned how failover drains the pool."},
               draft={"lessons": "Draft idea: the zeppelin runbook was out of date."})
    return {"a": a, "b": b, "c": c, "secret": secret, "admin": admin, "member": member}
