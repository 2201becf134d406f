"""Splunk On-Call (VictorOps) import: incident starts and phase transitions as UTC events."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.timeline.importers import ImportFormatError, ImportOptions, ParseReport, Source, detect
from app.timeline.importers.oncall import OnCallImporter

ONCALL = OnCallImporter()


def _parse(source: Source, options: ImportOptions | None = None
           ) -> tuple[list[Any], ParseReport]:
    report = ParseReport()
    return list(ONCALL.parse(source, options or ImportOptions(), report)), report


def _file(test_data: Path, name: str) -> Source:
    return Source.from_path(test_data / "oncall" / name)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_incidents_list_yields_starts_and_transitions(test_data: Path) -> None:
    events, report = _parse(_file(test_data, "incidents.json"))
    assert [(e.source_id.split(":")[0], e.event_type) for e in events] == [
        ("1893", "trigger"), ("1893", "acknowledge"), ("1893", "status_change"),
        ("1893", "acknowledge"), ("1893", "resolve"), ("1894", "trigger"),
        ("1894", "acknowledge"),
    ]
    # 1894's TRIGGERED transition is its start again (written as +02:00).
    assert report.skipped["trigger transition repeats the incident start"] == 1
    assert events[5].occurred_at == _utc("2024-06-11T03:40:00")
    assert events[4].occurred_at == _utc("2024-06-11T03:02:58")
    assert [e.kind for e in events[:5]] == [
        "detection", "acknowledgement", "other", "acknowledgement", "recovery",
    ]


def test_transition_authors_messages_and_phases(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "incidents.json"))
    first_ack, unack, second_ack, resolve = events[1:5]
    assert first_ack.author_name == "mlindqvist"
    assert first_ack.text_original == "looking, WAL archive lagging"
    assert first_ack.text == ("Incident #1893 acknowledged by mlindqvist\n\n"
                              "looking, WAL archive lagging")
    assert unack.raw == {"item": unack.raw["item"], "from": "ACKED", "to": "UNACKED",
                         "field": "currentPhase"}
    assert second_ack.raw["from"] == "UNACKED"
    assert resolve.author_name == "adeyemi"
    assert resolve.channel == "postgres-primary"
    assert events[0].text == "Incident #1893 triggered: db-03 disk usage above 95%"


def test_single_incident_object_keeps_the_same_ids(test_data: Path) -> None:
    listed, _ = _parse(_file(test_data, "incidents.json"))
    single, _ = _parse(_file(test_data, "incident.json"))
    assert [e.source_id for e in single] == [e.source_id for e in listed[:5]]
    assert len({e.source_id for e in listed}) == len(listed)


def test_repeated_transition_gets_a_distinct_stable_id() -> None:
    doc = {"incidentNumber": 7, "startTime": "2024-01-01T00:00:00Z", "transitions": [
        {"name": "ACKED", "at": "2024-01-01T00:01:00Z", "by": "a"},
        {"name": "ACKED", "at": "2024-01-01T00:01:00Z", "by": "a"},
    ]}
    events, _ = _parse(Source.from_bytes("i.json", json.dumps(doc).encode()))
    assert [e.source_id for e in events] == [
        "7:start", "7:ACKED:2024-01-01T00:01:00+00:00", "7:ACKED:2024-01-01T00:01:00+00:00#2",
    ]


def test_naive_times_need_a_zone() -> None:
    doc = {"incidentNumber": 8, "startTime": "2024-01-15 09:00:00", "transitions": []}
    data = json.dumps(doc).encode()
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("i.json", data))
    assert info.value.field == "startTime"
    events, _ = _parse(Source.from_bytes("i.json", data),
                       ImportOptions(tz=ZoneInfo("America/Chicago")))
    assert events[0].occurred_at == _utc("2024-01-15T15:00:00")


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"incidents": [{"incidentNumber": "1"}]}, "incidents[0].startTime"),
        ({"incidents": [{"incidentNumber": "1", "startTime": "2024-01-01T00:00:00Z",
                         "transitions": [{"name": "ACKED"}]}]}, "incidents[0].transitions[0].at"),
        ({"incidents": "none"}, "incidents"),
        ({"incidents": [{"incidentNumber": True, "startTime": "2024-01-01T00:00:00Z"}]},
         "incidents[0].incidentNumber"),
    ],
)
def test_bad_input_is_located(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("vo.json", json.dumps(doc).encode()))
    assert (info.value.file, info.value.field) == ("vo.json", field)


def test_detect_picks_oncall(test_data: Path) -> None:
    assert detect(_file(test_data, "incidents.json")).name == "oncall"
    assert detect(_file(test_data, "incident.json")).name == "oncall"
    pd = test_data / "pagerduty" / "bundle.json"
    assert ONCALL.sniff(Source.from_path(pd)) is False


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.just(10**40), st.floats(), st.text(max_size=8),
    st.just(""), st.just("9999-12-31T23:59:59-05:00"), st.just("2024-02-30T25:00:00Z"),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.none()),
)


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """A valid fixture with keys dropped, values retyped, bytes truncated or flipped."""
    how = draw(st.sampled_from(["tree", "tree", "truncate", "flip"]))
    if how == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "flip":
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
    doc = copy.deepcopy(json.loads(data))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(list(_paths(doc))))
        if not path:
            doc = draw(JUNK)
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JUNK)
    return json.dumps(doc).encode()


FIXTURE = (Path(__file__).resolve().parents[2] / "data" / "oncall" / "incidents.json").read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(FIXTURE))
def test_mutated_export_raises_only_import_format_error(data: bytes) -> None:
    try:
        events, _ = _parse(Source.from_bytes("incidents.json", data))
    except ImportFormatError as exc:
        assert exc.file == "incidents.json"
        assert exc.field or exc.line is not None or exc.position is not None
    else:
        assert all(e.occurred_at.utcoffset() is not None for e in events)
