"""Opsgenie import: alert logs classified into pager events, notes, alert-only moments."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.timeline.importers import ImportFormatError, ImportOptions, ParseReport, Source, detect
from app.timeline.importers.opsgenie import OpsgenieImporter, classify_log

OG = OpsgenieImporter()
ALERT = "8418d193-2dab-4490-b331-8c02cdd196b7"


def _parse(source: Source, options: ImportOptions | None = None
           ) -> tuple[list[Any], ParseReport]:
    report = ParseReport()
    return list(OG.parse(source, options or ImportOptions(), report)), report


def _file(test_data: Path, name: str) -> Source:
    return Source.from_path(test_data / "opsgenie" / name)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_logs_are_classified_into_pager_events(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "logs.json"))
    assert [(e.event_type, e.kind) for e in events] == [
        ("trigger", "detection"), ("notify", "other"), ("escalate", "escalation"),
        ("acknowledge", "acknowledgement"), ("assign", "escalation"), ("log", "other"),
        ("resolve", "recovery"),
    ]
    assert events[0].occurred_at == _utc("2024-11-02T21:14:03.118")
    assert events[3].occurred_at == _utc("2024-11-02T21:20:44.090")
    assert events[3].author_name == "jo.mbeki@example.org"
    assert events[0].author_name is None  # system lines have an empty owner
    assert events[6].source_id == "log:1730584711760_1730584711760009090"


@pytest.mark.parametrize(
    ("line", "log_type", "expected"),
    [
        ("Alert created via Datadog[Default API]", "system", "trigger"),
        ("Alert acknowledged via web", "system", "acknowledge"),
        ("Alert unacknowledged via API", "system", "unacknowledge"),
        ("Sent [SMS] to user who acknowledged nothing yet", "alertRecipient", "notify"),
        ("Alert closed by Opsgenie (auto-close)", "system", "resolve"),
        ("Alert escalated to Payments SRE_schedule", "system", "escalate"),
        ("Took ownership of the alert", "system", "assign"),
        ("Added note", "system", "annotate"),
        ("State of recipient changed to seen", "alertRecipient", "notify"),
        ("Tags added: db", "system", "log"),
    ],
)
def test_classify_log(line: str, log_type: str, expected: str) -> None:
    assert classify_log(line, log_type)[0] == expected


def test_bundle_keeps_logs_and_notes_and_skips_the_alert_summary(test_data: Path) -> None:
    events, report = _parse(_file(test_data, "bundle.json"))
    assert len(events) == 9
    assert report.skipped["alert summary superseded by its logs"] == 1
    notes = [e for e in events if e.event_type == "note"]
    assert [(n.occurred_at, n.kind) for n in notes] == [
        (_utc("2024-11-02T21:41:12.200"), "mitigation"),
        (_utc("2024-11-02T21:31:00"), "diagnosis"),
    ]
    assert all(e.thread_ref == ALERT for e in events)
    assert all(e.channel == "payments-db p99 latency > 800ms" for e in events)


def test_alert_alone_gives_created_acknowledged_closed(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "alert.json"))
    # ackTime / closeTime are milliseconds after createdAt.
    assert [(e.event_type, e.occurred_at, e.author_name) for e in events] == [
        ("trigger", _utc("2024-11-02T21:14:03.118"), "Prometheus"),
        ("acknowledge", _utc("2024-11-02T21:20:45.090"), "jo.mbeki@example.org"),
        ("resolve", _utc("2024-11-02T21:58:31.760"), "lena.fischer@example.org"),
    ]


def test_ids_are_stable_and_synthesized_when_offsets_are_missing(test_data: Path) -> None:
    first, _ = _parse(_file(test_data, "bundle.json"))
    again, _ = _parse(_file(test_data, "bundle.json"))
    assert [e.source_id for e in first] == [e.source_id for e in again]
    assert len({e.source_id for e in first}) == 9
    line = {"owner": "a", "createdAt": "2024-01-01T00:00:00Z", "log": "Alert acknowledged"}
    data = json.dumps({"data": [line, line, {**line, "log": "Alert closed"}]}).encode()
    ids = [e.source_id for e in _parse(Source.from_bytes("l.json", data))[0]]
    ids_again = [e.source_id for e in _parse(Source.from_bytes("l.json", data))[0]]
    assert ids == ids_again
    assert len(set(ids)) == 3
    assert ids[1] == ids[0] + "#2"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"data": [{"log": "Alert created", "offset": "1"}]}, "data[0].createdAt"),
        ({"data": [{"log": 5, "createdAt": "2024-01-01T00:00:00Z"}]}, "data[0].log"),
        ({"data": [{"note": "x", "createdAt": "2024-13-01T00:00:00Z"}]}, "data[0].createdAt"),
        ({"alert": {"id": "a", "createdAt": "2024-01-01T00:00:00Z",
                    "report": {"ackTime": "soon"}}}, "alert.report.ackTime"),
        ({"alert": {"id": "a", "createdAt": "2024-01-01T00:00:00Z",
                    "report": {"closeTime": 1e300}}}, "alert.report.closeTime"),
        ({"alert": {"id": "a"}, "logs": {"data": "x"}}, "logs.data"),
    ],
)
def test_bad_input_is_located(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("og.json", json.dumps(doc).encode()))
    assert (info.value.file, info.value.field) == ("og.json", field)


def test_detect_picks_opsgenie(test_data: Path) -> None:
    for name in ("logs.json", "notes.json", "bundle.json", "alert.json"):
        assert detect(_file(test_data, name)).name == "opsgenie"
    for other in ("pagerduty/bundle.json", "servicenow/journal.json", "oncall/incidents.json"):
        assert OG.sniff(Source.from_path(test_data / other)) is False


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
    st.just(""), st.just("9999-12-31T23:59:59.999Z"), st.just(-1),
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


_DATA = Path(__file__).resolve().parents[2] / "data" / "opsgenie"
FIXTURES = [(_DATA / n).read_bytes() for n in ("bundle.json", "alert.json")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXTURES).flatmap(mutated))
def test_mutated_exports_raise_only_import_format_error(data: bytes) -> None:
    try:
        events, _ = _parse(Source.from_bytes("og.json", data))
    except ImportFormatError as exc:
        assert exc.file == "og.json"
        assert exc.field or exc.line is not None or exc.position is not None
    else:
        assert all(e.occurred_at.utcoffset() is not None for e in events)
