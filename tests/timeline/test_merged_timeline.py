"""One incident, three sources: Slack (epoch seconds), PagerDuty (UTC and -05:00) and Jira
(-05:00 offsets) imported through the real pipeline, merged in UTC order, with suggested
moments matching the ones computed by hand below."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from app.models import TimelineEvent
from app.timeline import imports, moments
from app.timeline.importers import Source


def _z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _slack_export(root: Path) -> Path:
    """A minimal workspace export: one channel, three messages at known UTC instants."""
    root.mkdir()
    (root / "users.json").write_text(json.dumps([
        {"id": "U01SAM", "name": "sam", "real_name": "Sam Patel",
         "profile": {"real_name": "Sam Patel", "display_name": "sam"}}]))
    (root / "channels.json").write_text(json.dumps([
        {"id": "C01INC", "name": "inc-checkout", "created": 1709640000}]))
    day = root / "inc-checkout"
    day.mkdir()
    messages = [  # 14:20Z, 14:35Z, 15:01Z on 2024-03-05
        ("1709648400.000100", "ok we rolled back checkout-api"),
        ("1709649300.000200", "found the cause: pool exhausted"),
        ("1709650860.000300", "All clear from support"),
    ]
    (day / "2024-03-05.json").write_text(json.dumps([
        {"type": "message", "user": "U01SAM", "text": text, "ts": ts}
        for ts, text in messages]))
    return root


def _jira_issue(path: Path) -> Path:
    """A Jira REST v2 issue with its changelog, times written with a New York offset."""
    def change(n: int, at: str, old: str, new: str) -> dict:
        return {"id": str(n), "created": at,
                "author": {"accountId": "acc-ana", "displayName": "Ana Ruiz"},
                "items": [{"field": "status", "fieldtype": "jira",
                           "fromString": old, "toString": new}]}

    path.write_text(json.dumps({
        "id": "10012", "key": "OPS-12",
        "fields": {
            "summary": "Checkout latency above SLO",
            "created": "2024-03-05T09:03:00.000-0500",
            "status": {"name": "Done"},
            "reporter": {"accountId": "acc-ana", "displayName": "Ana Ruiz"},
            "comment": {"comments": [], "total": 0},
        },
        "changelog": {"histories": [
            change(1, "2024-03-05T09:05:00.000-0500", "To Do", "In Progress"),
            change(2, "2024-03-05T09:30:00.000-0500", "In Progress", "Mitigated"),
            change(3, "2024-03-05T10:10:00.000-0500", "Mitigated", "Done"),
        ]},
    }))
    return path


def test_slack_pagerduty_jira_merge_in_utc_with_hand_computed_moments(
        db, make_incident, test_data: Path, tmp_path: Path) -> None:
    incident = make_incident(started_at=_z("2024-03-05T13:55:00"))
    sources = [
        Source.from_path(_slack_export(tmp_path / "slack")),
        Source.from_path(test_data / "pagerduty" / "bundle.json"),
        Source.from_path(_jira_issue(tmp_path / "OPS-12.json")),
    ]
    formats = [imports.run_import(db, None, incident, s).format for s in sources]
    db.commit()
    assert formats == ["slack", "pagerduty", "jira"]

    events = list(db.scalars(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.occurred_at)))
    assert {e.source for e in events} == {"slack", "pagerduty", "jira"}
    times = [e.occurred_at for e in events]
    assert times == sorted(times) and all(t.utcoffset().total_seconds() == 0 for t in times)
    # The three sources interleave in true time order, whatever zone each was written in.
    marks = {_z("2024-03-05T14:02:11"), _z("2024-03-05T14:05:00"), _z("2024-03-05T14:20:00"),
             _z("2024-03-05T14:30:00"), _z("2024-03-05T14:35:00")}
    order = [(e.occurred_at, e.source) for e in events
             if e.occurred_at.replace(microsecond=0) in marks]
    assert [s for _, s in order] == ["pagerduty", "jira", "slack", "jira", "slack"]

    found = {row.suggestion.moment: row.suggestion for row in moments.suggestions(db, incident)}
    # Hand-computed: PagerDuty trigger 09:02:11-05:00 = 14:02:11Z is the detection.
    assert found["detected_at"].at == _z("2024-03-05T14:02:11")
    assert found["detected_at"].evidence.source == "pagerduty"
    # Jira "In Progress" at 09:05-05:00 = 14:05Z precedes the PagerDuty ack at 14:09:30Z.
    assert found["acknowledged_at"].at == _z("2024-03-05T14:05:00")
    assert found["acknowledged_at"].evidence.source == "jira"
    # Only chat says what the cause was: Slack 14:35Z, a weak hint.
    assert found["identified_at"].at.replace(microsecond=0) == _z("2024-03-05T14:35:00")
    assert found["identified_at"].strength == "weak"
    # Jira "Mitigated" (14:30Z) is strong evidence; the Slack rollback at 14:20Z is weaker.
    assert found["mitigated_at"].at == _z("2024-03-05T14:30:00")
    assert found["mitigated_at"].strength == "strong"
    # PagerDuty resolve 15:05Z is the recovery; Jira Done (15:10Z) comes later.
    assert found["recovered_at"].at == _z("2024-03-05T15:05:00")
    assert found["recovered_at"].evidence.source == "pagerduty"
