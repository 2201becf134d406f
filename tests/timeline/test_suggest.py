"""Suggested lifecycle moments: strong pager/tracker evidence first, chat phrases as hints."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.timeline.importers import ImportOptions, NormalizedEvent, ParseReport, Source
from app.timeline.importers.pagerduty import PagerDutyImporter
from app.timeline.suggest import suggest_moments

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _chat(text: str, at: datetime, source: str = "slack") -> NormalizedEvent:
    return NormalizedEvent(source=source, source_id=f"C1:{at.timestamp()}", occurred_at=at,
                           text=text, text_original=text, author_name="sam", channel="inc")


def _jira(to: str, at: datetime, previous: str) -> NormalizedEvent:
    return NormalizedEvent(
        source="jira", source_id=f"OPS-12:{to}", occurred_at=at, text=f"Status: {to}",
        text_original="", event_type="status_change",
        raw={"item": {}, "from": previous, "to": to, "field": "status"},
    )


def _pagerduty(test_data: Path) -> list[NormalizedEvent]:
    source = Source.from_path(test_data / "pagerduty" / "bundle.json")
    return list(PagerDutyImporter().parse(source, ImportOptions(), ParseReport()))


def _mixed(test_data: Path) -> list[NormalizedEvent]:
    """PagerDuty (UTC), Jira (New York) and Slack (Berlin) for the same incident."""
    return [
        *_pagerduty(test_data),
        _jira("In Progress", datetime(2024, 3, 5, 9, 5, tzinfo=NEW_YORK), "To Do"),
        _jira("Mitigated", datetime(2024, 3, 5, 9, 30, tzinfo=NEW_YORK), "In Progress"),
        _jira("Done", datetime(2024, 3, 5, 10, 10, tzinfo=NEW_YORK), "Mitigated"),
        _chat("ok we rolled back checkout-api", datetime(2024, 3, 5, 15, 20, tzinfo=BERLIN)),
        _chat("found the cause: pool exhausted", datetime(2024, 3, 5, 15, 35, tzinfo=BERLIN)),
        _chat("not mitigated yet, still 5xx", datetime(2024, 3, 5, 15, 12, tzinfo=BERLIN)),
        _chat("is it back to normal?", datetime(2024, 3, 5, 15, 50, tzinfo=BERLIN)),
        _chat("All clear from support", datetime(2024, 3, 5, 16, 1, tzinfo=BERLIN)),
    ]


def test_mixed_sources_across_zones(test_data: Path) -> None:
    found = {s.moment: s for s in suggest_moments(_mixed(test_data))}
    assert set(found) == {
        "detected_at", "acknowledged_at", "identified_at", "mitigated_at", "recovered_at"}
    # PagerDuty trigger 09:02:11-05:00.
    assert found["detected_at"].at == _utc("2024-03-05T14:02:11")
    assert found["detected_at"].strength == "strong"
    assert found["detected_at"].evidence.source_id == "R0TRIG01"
    # Jira "In Progress" at 09:05 New York (14:05Z) beats the PagerDuty ack at 14:09:30Z.
    assert found["acknowledged_at"].at == _utc("2024-03-05T14:05:00")
    assert found["acknowledged_at"].evidence.source == "jira"
    assert found["acknowledged_at"].alternatives == 1
    # Only chat hints: Slack 15:35 Berlin (14:35Z) precedes the PagerDuty note at 14:40:05Z.
    assert found["identified_at"].at == _utc("2024-03-05T14:35:00")
    assert found["identified_at"].strength == "weak"
    assert found["identified_at"].alternatives == 1
    # Jira "Mitigated" (14:30Z) is strong, so earlier chat/note rollbacks (14:20Z,
    # 14:21:40Z twice) are only alternatives; the negated message is no evidence at all.
    assert found["mitigated_at"].at == _utc("2024-03-05T14:30:00")
    assert found["mitigated_at"].strength == "strong"
    assert found["mitigated_at"].alternatives == 3
    # PagerDuty resolve 15:05Z beats Jira Done (15:10Z); the earlier chat all-clear is weak.
    assert found["recovered_at"].at == _utc("2024-03-05T15:05:00")
    assert found["recovered_at"].evidence.source_id == "R0RESO08"
    assert found["recovered_at"].alternatives == 2


def test_reasons_name_the_source_and_utc_time(test_data: Path) -> None:
    found = {s.moment: s for s in suggest_moments(_mixed(test_data))}
    assert found["detected_at"].reason == "PagerDuty trigger at 14:02 UTC on 2024-03-05"
    assert found["acknowledged_at"].reason == (
        'Jira status changed to "In Progress" at 14:05 UTC on 2024-03-05')
    assert found["identified_at"].reason == (
        'Slack message says "found the cause" at 14:35 UTC on 2024-03-05')


def test_chat_only_gives_weak_suggestions_in_moment_order() -> None:
    events = [
        _chat("Everything is back to normal now", _utc("2024-05-01T12:40:00")),
        _chat("We reverted the flag", _utc("2024-05-01T12:10:00")),
        _chat("root cause is the new cache TTL", _utc("2024-05-01T12:05:00")),
    ]
    found = suggest_moments(events)
    assert [(s.moment, s.at, s.strength) for s in found] == [
        ("identified_at", _utc("2024-05-01T12:05:00"), "weak"),
        ("mitigated_at", _utc("2024-05-01T12:10:00"), "weak"),
        ("recovered_at", _utc("2024-05-01T12:40:00"), "weak"),
    ]


def test_first_firing_alert_is_detection() -> None:
    def alert(status: Any, at: str) -> NormalizedEvent:
        return NormalizedEvent(source="alertmanager", source_id=at, occurred_at=_utc(at),
                               text="HighErrorRate", text_original="", event_type="alert",
                               raw={"status": status})
    events = [
        alert("resolved", "2024-05-01T11:50:00"),
        alert("firing", "2024-05-01T12:03:00"),
        alert({"state": "active"}, "2024-05-01T12:01:00"),
    ]
    (found,) = suggest_moments(events)
    assert (found.moment, found.at, found.strength) == (
        "detected_at", _utc("2024-05-01T12:01:00"), "strong")
    assert found.alternatives == 1


def test_custom_mapping_replaces_the_default() -> None:
    events = [_jira("Fix Deployed", _utc("2024-05-01T13:00:00"), "In Progress"),
              _jira("In Progress", _utc("2024-05-01T12:00:00"), "Open")]
    found = suggest_moments(events, mapping={"fix deployed": "mitigated_at"})
    assert [(s.moment, s.at) for s in found] == [("mitigated_at", _utc("2024-05-01T13:00:00"))]
    with pytest.raises(ValueError, match="fixed_at"):
        suggest_moments(events, mapping={"Fix Deployed": "fixed_at"})


def test_database_like_objects_with_naive_utc_times() -> None:
    row = SimpleNamespace(id=42, source="opsgenie", occurred_at=datetime(2024, 5, 1, 9, 30),
                          kind="acknowledgement", event_type="acknowledge",
                          text="Alert acknowledged via web", raw={})
    (found,) = suggest_moments([row])
    assert found.evidence is row
    assert found.evidence.id == 42
    assert found.at == _utc("2024-05-01T09:30:00")
    assert found.reason == "Opsgenie acknowledge at 09:30 UTC on 2024-05-01"


def test_no_evidence_no_suggestion() -> None:
    assert suggest_moments([]) == []
    assert suggest_moments([_chat("hello team", _utc("2024-05-01T09:00:00"))]) == []
