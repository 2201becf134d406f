"""ServiceNow Table API import: opened/resolved/closed moments and journal notes."""

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
from app.timeline.importers.servicenow import ServiceNowImporter

SNOW = ServiceNowImporter()
INCIDENT = "9d385017c611228701d22104cc95c371"


def _parse(source: Source, options: ImportOptions | None = None
           ) -> tuple[list[Any], ParseReport]:
    report = ParseReport()
    return list(SNOW.parse(source, options or ImportOptions(), report)), report


def _file(test_data: Path, name: str) -> Source:
    return Source.from_path(test_data / "servicenow" / name)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_bundle_yields_moments_and_journal_in_utc(test_data: Path) -> None:
    events, report = _parse(_file(test_data, "bundle.json"))
    assert [(e.source_id, e.event_type, e.occurred_at) for e in events] == [
        (f"{INCIDENT}:opened", "trigger", _utc("2024-09-18T06:12:40")),
        (f"{INCIDENT}:resolved", "status_change", _utc("2024-09-18T09:47:03")),
        (f"{INCIDENT}:closed", "status_change", _utc("2024-09-21T10:00:00")),
        ("journal:a1b2c3d4e5f60718293a4b5c6d7e8f90", "note", _utc("2024-09-18T08:55:10")),
        ("journal:b1b2c3d4e5f60718293a4b5c6d7e8f91", "note", _utc("2024-09-18T07:30:00")),
        ("journal:c1b2c3d4e5f60718293a4b5c6d7e8f92", "note", _utc("2024-09-18T09:45:31")),
    ]
    assert report.zone_assumed == "UTC"
    assert report.skipped["journal field 'close_notes' not imported"] == 1
    assert all(e.channel == "INC0010042" for e in events)


def test_status_changes_follow_the_shared_convention(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "incident.json"))
    opened, resolved, closed = events
    assert opened.kind == "detection"
    assert opened.author_name == "hcarvalho"  # a bare reference has no name; the creator does
    assert opened.text == "INC0010042 opened: Payroll exports failing with timeout"
    assert resolved.kind == "recovery"
    assert {k: resolved.raw[k] for k in ("from", "to", "field")} == {
        "from": None, "to": "Resolved", "field": "state"}
    assert resolved.raw["item"]["number"] == "INC0010042"
    assert resolved.text == ("INC0010042 resolved: Solved (Permanently) — "
                             "Raised export DB statement timeout; reverted index change")
    assert (closed.raw["from"], closed.raw["to"]) == ("Resolved", "Closed")
    assert closed.author_name is None  # closed_by is "" in the record


def test_journal_kinds_and_threads(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "journal.json"))
    assert [e.author_name for e in events] == ["rnakamura", "hcarvalho", "rnakamura"]
    assert [e.kind for e in events] == ["mitigation", "communication", "recovery"]
    assert all(e.thread_ref == INCIDENT for e in events)
    assert all(e.channel is None for e in events)  # the number is unknown without the record
    assert events[2].text_original == "Export completed in 4 min, all clear."


def test_display_value_records_and_empty_strings(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "incident_display_all.json"))
    assert [e.source_id for e in events] == [f"{INCIDENT}:opened", f"{INCIDENT}:closed"]
    # {"display_value", "value"}: the value is the UTC instant, the display the name.
    assert events[0].occurred_at == _utc("2024-09-18T06:12:40")
    assert events[0].author_name == "Helena Carvalho"
    assert events[1].raw["to"] == "Canceled"
    assert events[1].raw["from"] is None


def test_a_chosen_zone_overrides_utc(test_data: Path) -> None:
    events, report = _parse(_file(test_data, "incident.json"),
                            ImportOptions(tz=ZoneInfo("Europe/Berlin")))
    assert events[0].occurred_at == _utc("2024-09-18T04:12:40")
    assert report.zone_assumed == "Europe/Berlin"


def test_reimport_gives_the_same_unique_ids(test_data: Path) -> None:
    first, _ = _parse(_file(test_data, "bundle.json"))
    again, _ = _parse(_file(test_data, "bundle.json"))
    assert [e.source_id for e in first] == [e.source_id for e in again]
    assert len({e.source_id for e in first}) == len(first)
    split = _parse(_file(test_data, "incident.json"))[0] + _parse(
        _file(test_data, "journal.json"))[0]
    assert {e.source_id for e in split} == {e.source_id for e in first}


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"result": {"sys_id": "x", "number": "INC1"}}, "result.opened_at"),
        ({"result": {"sys_id": "x", "opened_at": "18/09/2024 06:12"}}, "result.opened_at"),
        ({"result": [{"sys_id": "j", "element": "comments", "value": "hi"}]},
         "result[0].sys_created_on"),
        ({"incident": {"sys_id": "x", "opened_at": "2024-01-01 00:00:00"}, "journal": 3},
         "journal"),
        ({"result": [{"number": "INC2", "opened_at": "2024-01-01 00:00:00"}]}, "result[0].sys_id"),
    ],
)
def test_bad_input_is_located(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("sn.json", json.dumps(doc).encode()))
    assert (info.value.file, info.value.field) == ("sn.json", field)


def test_detect_picks_servicenow(test_data: Path) -> None:
    for name in ("bundle.json", "incident.json", "journal.json", "incident_display_all.json"):
        assert detect(_file(test_data, name)).name == "servicenow"


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
    st.just(""), st.just("0001-01-01 00:00:00"), st.just("9999-12-31 23:59:59"),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.none()),
    st.fixed_dictionaries({"value": st.one_of(st.none(), st.integers(), st.text(max_size=4))}),
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


FIXTURE = (Path(__file__).resolve().parents[2] / "data" / "servicenow" / "bundle.json"
           ).read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(FIXTURE))
def test_mutated_bundle_raises_only_import_format_error(data: bytes) -> None:
    try:
        events, _ = _parse(Source.from_bytes("bundle.json", data))
    except ImportFormatError as exc:
        assert exc.file == "bundle.json"
        assert exc.field or exc.line is not None or exc.position is not None
    else:
        assert all(e.occurred_at.utcoffset() is not None for e in events)
