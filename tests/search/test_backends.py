"""The backend of each database: matching, ranking, fields, filters, facets, transactions."""

from datetime import UTC, datetime

from sqlalchemy import update

from app.models import Incident, TimelineEvent
from app.search import service
from app.timeline.service import add_event


def ids(page):
    return [h.incident_id for h in page.results.hits]


def test_backend_follows_the_database(app, engine, search_backend):
    from app.db import database

    expected = "postgres" if database(app).dialect == "postgresql" else "sqlite-fts5"
    assert engine.name == (expected if search_backend == "native" else search_backend)


def test_words_stems_and_snippets(db, world, make_user):
    viewer = make_user("viewer")
    page = service.search(db, viewer, "databases")
    assert set(ids(page)) == {world["a"].id, world["c"].id}
    first = page.results.hits[0]
    assert "<mark>" in first.snippet


def test_title_match_ranks_above_timeline_only_match(db, world, make_user):
    page = service.search(db, make_user("viewer"), "database")
    assert ids(page)[:2] == [world["a"].id, world["c"].id]


def test_snippet_escapes_html(db, make_incident, make_user):
    inc = make_incident(title="Widget", summary="<script>alert(1)</script> widget broke")
    page = service.search(db, make_user("viewer"), "widget broke")
    assert ids(page) == [inc.id]
    snippet = str(page.results.hits[0].snippet)
    # FTS5 keeps the tag as escaped text; ts_headline drops markup tokens: never raw HTML.
    assert "<script>" not in snippet and "</script>" not in snippet
    assert "<mark>broke</mark>" in snippet


def test_phrase_or_not(db, world, make_user):
    viewer = make_user("viewer")
    assert ids(service.search(db, viewer, '"connection pool"')) == [world["a"].id]
    assert ids(service.search(db, viewer, '"pool connection"')) == []
    assert set(ids(service.search(db, viewer, "reindex OR login"))) == {world["b"].id,
                                                                         world["c"].id}
    assert ids(service.search(db, viewer, "database -replica")) == [world["a"].id]
    assert world["a"].id not in ids(service.search(db, viewer, "-failover"))


def test_indexed_fields(db, world, make_user):
    viewer = make_user("viewer")
    a = world["a"].id
    for text in ("replication", "pgbouncer", "checkout", "postgres", "drains",
                 "detection"):
        assert a in ids(service.search(db, viewer, text)), text


def test_draft_text_only_for_editors(db, world, make_user):
    assert ids(service.search(db, make_user("viewer"), "zeppelin")) == []
    assert ids(service.search(db, make_user("editor"), "zeppelin")) == [world["a"].id]


def test_hidden_timeline_events_are_not_indexed(db, world, make_user):
    viewer = make_user("viewer")
    assert ids(service.search(db, viewer, "replica")) == [world["c"].id]
    db.execute(update(TimelineEvent).where(TimelineEvent.incident_id == world["c"].id)
               .values(hidden=True))
    service.reindex(db)
    db.commit()
    assert ids(service.search(db, viewer, "replica")) == []


def test_long_timelines_index_starred_events_first(db, world, make_user, monkeypatch):
    """A timeline beyond the indexed length keeps its starred events and its start."""
    from app.search import document

    monkeypatch.setattr(document, "TIMELINE_CHARS", 300)
    inc = world["c"]
    start = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    for n in range(40):
        add_event(db, None, inc, start.replace(minute=n), f"Chatter line {n} about retries")
    add_event(db, None, inc, start.replace(hour=13), "Late remark: gazebo config drift")
    last = add_event(db, None, inc, start.replace(hour=14), "Found it: albatross cache key")
    last.starred = True
    service.reindex(db)
    db.commit()
    viewer = make_user("viewer")
    assert ids(service.search(db, viewer, "albatross")) == [inc.id]  # starred: indexed
    assert ids(service.search(db, viewer, "gazebo")) == []  # past the cap
    assert ids(service.search(db, viewer, "replica")) == [inc.id]  # the timeline's start


def test_filters(db, world, make_user):
    viewer = make_user("viewer")
    assert ids(service.search(db, viewer, "service:checkout")) == [world["a"].id]
    assert set(ids(service.search(db, viewer, "severity:1 OR severity:3".replace(
        " OR ", " ")))) == {world["a"].id, world["b"].id}
    assert ids(service.search(db, viewer, "type:degradation")) == [world["b"].id]
    assert ids(service.search(db, viewer, "tag:postgres")) == [world["a"].id]
    assert ids(service.search(db, viewer, "factor:detection")) == [world["a"].id]
    assert ids(service.search(db, viewer, "year:2024")) == [world["a"].id]
    assert ids(service.search(db, viewer, "after:2025-02 before:2025-05-05")) == [world["b"].id]
    assert ids(service.search(db, viewer, "database -service:auth")) == [world["a"].id]
    assert set(ids(service.search(db, viewer, "status:investigating"))) == {
        world["a"].id, world["b"].id, world["c"].id}


def test_sort_and_pages(db, world, make_user):
    viewer = make_user("viewer")
    newest = ids(service.search(db, viewer, "status:investigating", sort="newest"))
    assert newest == [world["c"].id, world["b"].id, world["a"].id]
    oldest = service.search(db, viewer, "status:investigating", sort="oldest", per_page=2,
                            page=2)
    assert ids(oldest) == [world["c"].id] and oldest.results.total == 3 and oldest.pages == 2


def test_facets_count_the_whole_result(db, world, make_user):
    page = service.search(db, make_user("viewer"), "database")
    facets = {k: {v.value: v.count for v in vals} for k, vals in page.results.facets.items()}
    assert facets["type"] == {"outage": 2}
    assert facets["severity"] == {"1": 1, "2": 1}
    assert facets["service"] == {"checkout": 1, "auth": 1}
    assert facets["factor"] == {"detection": 1}
    assert facets["year"] == {"2024": 1, "2025": 1}


def test_syntax_error_is_returned_not_raised(db, world, make_user):
    page = service.search(db, make_user("viewer"), '"unclosed')
    assert page.error is not None and page.error.position == 0
    assert service.search(db, make_user("viewer"), "type:meltdown").error is not None


def test_hostile_input_never_breaks_the_engine(db, world, make_user):
    viewer = make_user("viewer")
    for text in ['NEAR(database failover)', 'database*', '^database', 'a:b:c"', "'; --",
                 "database & !failover | x", "{title}: database", "\x00\x02 database",
                 "OR OR", "((((", "-", "\"\"", "ñandú 数据库", "'", "database:*"]:
        page = service.search(db, viewer, text)
        assert page.error is not None or page.results.total >= 0, text


def test_did_you_mean(db, world, make_user):
    page = service.search(db, make_user("viewer"), "databse failovr")
    assert page.results.total == 0
    assert page.suggestion == "database failover"


def test_more_like_this(db, world, make_user, make_incident):
    twin = make_incident(title="Database failover again", services=["checkout"],
                         summary="Failover exhausted the connection pool once more.")
    similar = service.similar_incidents(db, make_user("viewer"), twin)
    assert similar and similar[0].incident_id == world["a"].id
    assert twin.id not in [h.incident_id for h in similar]


def test_rolled_back_change_is_not_searchable_committed_is(db, world, make_user):
    viewer = make_user("viewer")
    inc = db.get(Incident, world["b"].id)
    inc.summary = "A xylophone of retries."
    db.flush()
    db.rollback()
    assert ids(service.search(db, viewer, "xylophone")) == []
    add_event(db, viewer, db.get(Incident, world["b"].id),
              datetime(2025, 2, 1, 9, 30, tzinfo=UTC), "the xylophone alarm rang")
    db.commit()
    assert ids(service.search(db, viewer, "xylophone")) == [world["b"].id]


def test_edits_and_deletes_follow_at_commit(db, world, make_user):
    viewer = make_user("viewer")
    inc = db.get(Incident, world["b"].id)
    inc.title = "Marzipan overflow"
    db.commit()
    assert ids(service.search(db, viewer, "marzipan")) == [inc.id]
    assert ids(service.search(db, viewer, '"slow search"')) == []
    db.delete(inc)
    db.commit()
    assert ids(service.search(db, viewer, "marzipan")) == []


def test_rebuild_and_status(db, world, engine):
    before = engine.status(db)
    assert before.pending == 0 and before.documents == before.incidents
    seen = []
    assert service.reindex(db, lambda done, total: seen.append((done, total))) == before.incidents
    assert seen[-1] == (before.incidents, before.incidents)
    db.commit()
    assert engine.status(db).documents == before.incidents
