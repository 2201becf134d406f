"""Crashes the fuzzers found, pinned with the smallest input that showed each one."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import TimelineEvent
from app.timeline import imports
from app.timeline.importers import Source
from tests.fuzz.mutations import DATA
from tests.fuzz.targets import parse

# JSON escapes that decode to what no database stores: NUL, a lone surrogate, NaN.
HOSTILE_ROW = ('{"timestamp": "2025-03-04T10:00:00Z", "author": "al\\ud800ice", '
               '"text": "rolled\\u0000back", "channel": "#inc\\udfff", "extra": NaN, '
               '"nested": {"k\\ud800": [Infinity, "\\u0000"]}}\n')


def test_lone_surrogate_in_a_jira_id_gives_a_storable_event() -> None:
    """Found by the JSON mutator: an issue "id" of "\\ud800" reached the source_id."""
    doc = json.loads((DATA / "jira" / "issue_v2_changelog.json").read_text())
    doc["id"] = "\ud800"
    blob = json.dumps(doc).encode()  # ensure_ascii: the surrogate travels as an escape
    events = parse("jira", Source.from_bytes("issue.json", blob))
    assert isinstance(events, list) and events
    assert all(e.source_id.startswith("\ufffd") for e in events
               if e.source_id.endswith(":created"))


def test_nul_surrogates_and_nan_are_stored_on_both_databases(db: Session, make_incident
                                                              ) -> None:
    """PostgreSQL refuses NUL in text and NaN or lone surrogates in jsonb: the import
    stores a replacement character instead of failing with a server error."""
    incident = make_incident()
    summary = imports.run_import(db, None, incident,
                                 Source.from_bytes("t.jsonl", HOSTILE_ROW.encode()), "jsonl")
    db.commit()
    assert summary.kept == 1
    event = db.scalars(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id)).one()
    assert event.text == "rolled\ufffdback"
    assert event.author_name == "al\ufffdice" and event.channel == "#inc\ufffd"
    assert event.raw["extra"] == "nan"
    assert event.raw["nested"] == {"k\ufffd": ["inf", "\ufffd"]}

