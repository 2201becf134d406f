"""Damaged files through the real import pipeline, on SQLite and PostgreSQL.

A file either imports (and its events are stored) or fails with the documented error
and leaves no row behind, whatever was flushed before the failure.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Base
from app.models import TimelineEvent, TimelineImport
from app.timeline import imports
from app.timeline.importers import ImportFormatError, Source
from app.timeline.imports import Selection
from tests.conftest import csrf_token
from tests.fuzz.mutations import (
    folder_members,
    fuzz_settings,
    make_zip,
    mutated_bytes,
    mutated_json_bytes,
    time_limit,
)
from tests.fuzz.targets import NAMES, SEEDS, SLACK_EXPORT

EVENTS, IMPORTS = TimelineEvent.__tablename__, TimelineImport.__tablename__


def row_counts(db: Session) -> dict[str, int]:
    """Rows in every table: a failed import must change none of them."""
    return {t.name: db.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


@st.composite
def damaged_upload(draw: st.DrawFn) -> tuple[str | None, Source]:
    """A format name (None: auto-detect) and a damaged real fixture as an upload."""
    name = draw(st.sampled_from(NAMES), label="format")
    seed = draw(st.sampled_from(SEEDS[name]), label="seed")
    blob = seed.read_bytes()
    if seed.suffix in (".json", ".jsonl") and draw(st.booleans()):
        damaged = draw(mutated_json_bytes(blob, lines=seed.suffix == ".jsonl"), label="json")
    else:
        damaged = draw(mutated_bytes(blob), label="bytes")
    fmt = draw(st.sampled_from([name, None]), label="named")
    if name == "slack":
        members = folder_members(SLACK_EXPORT)
        members[seed.relative_to(SLACK_EXPORT).as_posix()] = damaged
        return fmt, Source.from_bytes("export.zip", make_zip(members))
    return fmt, Source.from_bytes(seed.name, damaged)


@fuzz_settings(examples=50)
@given(upload=damaged_upload())
def test_damaged_import_stores_everything_or_nothing(db: Session, make_incident,
                                                      upload: tuple[str | None, Source]
                                                      ) -> None:
    """As the upload page and the CLI do it: run_import, then commit, or roll back."""
    incident = make_incident(started_at=datetime(2000, 1, 1, tzinfo=UTC))
    fmt, source = upload
    before = row_counts(db)
    try:
        with time_limit("the import pipeline"):
            summary = imports.run_import(db, None, incident, source, fmt,
                                         tz=UTC, sel=Selection())
    except ImportFormatError:
        db.rollback()
        assert row_counts(db) == before, "a failed import left rows behind"
        return
    after = row_counts(db)
    assert after[EVENTS] == before[EVENTS] + summary.kept
    assert after[IMPORTS] == before[IMPORTS] + 1
    db.commit()  # the real caller commits: the database must accept every stored value
    db.rollback()


def csv_failing_after_a_batch() -> bytes:
    """A generic CSV with BATCH + 10 good rows, then one with an unreadable time."""
    good = "".join(f"2025-03-04T10:{i // 60 % 60:02d}:{i % 60:02d}Z,alice,step {i}\n"
                   for i in range(imports.BATCH + 10))
    return ("timestamp,author,text\n" + good + "not a time,bob,broken\n").encode()


def test_failure_after_a_stored_batch_leaves_nothing(db: Session, make_incident) -> None:
    """A CSV whose last row is bad fails after a full batch was already flushed."""
    incident = make_incident()
    data = csv_failing_after_a_batch()
    before = row_counts(db)
    with pytest.raises(ImportFormatError) as info:
        imports.run_import(db, None, incident, Source.from_bytes("big.csv", data), "csv")
    assert info.value.line == imports.BATCH + 12
    db.rollback()
    assert row_counts(db) == before


def test_failed_upload_through_the_page_leaves_nothing(db: Session, make_user, make_incident,
                                                       login, client) -> None:
    """The confirm step of the upload page answers 400 with the error and stores nothing."""
    editor = make_user("editor")
    incident = make_incident()
    login(editor)
    data = csv_failing_after_a_batch()
    before = row_counts(db)
    resp = client.post(f"/incidents/{incident.id}/import", data={
        "csrf_token": csrf_token(client), "format": "csv", "tz": "UTC",
        "file": (io.BytesIO(data), "big.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    confirm = client.post(resp.headers["Location"], data={"csrf_token": csrf_token(client)})
    assert confirm.status_code == 400
    assert "line" in confirm.get_data(as_text=True)
    db.expire_all()
    assert row_counts(db) == before
