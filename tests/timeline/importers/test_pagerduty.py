"""PagerDuty REST v2 import: log entries, incidents, notes and bundles become UTC events."""

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
from app.timeline.importers.pagerduty import PagerDutyImporter

PD = PagerDutyImporter()


def _parse(source: Source, options: ImportOptions | None = None
           ) -> tuple[list[Any], ParseReport]:
    report = ParseReport()
    return list(PD.parse(source, options or ImportOptions(), report)), report


def _file(test_data: Path, name: str) -> Source:
    return Source.from_path(test_data / "pagerduty" / name)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_bundle_yields_every_log_entry_and_note_with_utc_times(test_data: Path) -> None:
    events, report = _parse(_file(test_data, "bundle.json"))
    assert [e.event_type for e in events] == [
        "trigger", "notify", "escalate", "acknowledge", "assign", "annotate",
        "urgency_change", "resolve", "note", "note",
    ]
    by_id = {e.source_id: e for e in events}
    # -05:00, Z, +01:00 and -0500 offsets all land on the same UTC clock.
    assert by_id["R0TRIG01"].occurred_at == _utc("2024-03-05T14:02:11")
    assert by_id["R0ESCA03"].occurred_at == _utc("2024-03-05T14:07:00")
    assert by_id["R0RESO08"].occurred_at == _utc("2024-03-05T15:05:00")
    assert by_id["note:PN1AAA"].occurred_at == _utc("2024-03-05T14:21:40")
    assert by_id["R0ACKN04"].author_name == "Priya Raman"
    assert by_id["R0ACKN04"].author_id == "PU1PRIY"
    assert by_id["R0RESO08"].author_name == "Tomás Okafor"
    # The incident object repeats what the log entries already say.
    assert report.skipped["incident summary superseded by its log entries"] == 1


def test_kinds_follow_the_pager_lifecycle(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "bundle.json"))
    kinds = {e.source_id: e.kind for e in events}
    assert kinds["R0TRIG01"] == "detection"
    assert kinds["R0NOTI02"] == "other"  # notifications are kept but are noise
    assert kinds["R0ESCA03"] == "escalation"
    assert kinds["R0ACKN04"] == "acknowledgement"
    assert kinds["R0RESO08"] == "recovery"
    assert kinds["R0ANNO06"] == "mitigation"  # the annotate entry carries the note text
    assert kinds["note:PN2BBB"] == "diagnosis"


def test_texts_keep_the_original_and_add_channel_details(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "bundle.json"))
    trigger = next(e for e in events if e.source_id == "R0TRIG01")
    assert trigger.text_original == "Triggered through the API"
    assert trigger.text == "Triggered through the API\n\np99 latency > 2s on checkout-api"
    assert trigger.channel == "[#4711] Checkout latency above SLO"
    assert trigger.thread_ref == "PQ7R2XK"
    notes = {e.source_id: e for e in events if e.event_type == "note"}
    assert notes["note:PN1AAA"].edited is False
    assert notes["note:PN2BBB"].edited is True
    assert notes["note:PN2BBB"].thread_ref == "PQ7R2XK"


def test_reimport_gives_the_same_unique_ids(test_data: Path) -> None:
    first, _ = _parse(_file(test_data, "bundle.json"))
    again, _ = _parse(_file(test_data, "bundle.json"))
    ids = [e.source_id for e in first]
    assert len(set(ids)) == len(ids)
    assert ids == [e.source_id for e in again]
    # The same entries exported alone keep their ids.
    alone, _ = _parse(_file(test_data, "log_entries.json"))
    assert {e.source_id for e in alone} <= set(ids)


def test_incident_alone_gives_trigger_acknowledgement_and_status(test_data: Path) -> None:
    events, _ = _parse(_file(test_data, "incident.json"))
    assert [(e.event_type, e.occurred_at) for e in events] == [
        ("trigger", _utc("2024-03-05T14:02:11")),
        ("acknowledge", _utc("2024-03-05T14:09:30")),
        ("status_change", _utc("2024-03-05T15:05:00")),
    ]
    status = events[2]
    assert status.raw["to"] == "resolved"
    assert status.raw["field"] == "status"
    assert status.raw["from"] is None
    assert status.raw["item"]["incident_number"] == 4711
    assert status.author_name == "Tomás Okafor"
    assert events[0].text == "Incident #4711 triggered: Checkout latency above SLO"


def test_channel_filter_skips_other_incidents(test_data: Path) -> None:
    options = ImportOptions(channels=frozenset({"[#9999] Something else"}))
    events, report = _parse(_file(test_data, "log_entries.json"), options)
    assert events == []
    assert report.skipped["channel not selected"] == 8
    assert report.channels_seen["[#4711] Checkout latency above SLO"] == 8


def test_detect_picks_pagerduty_for_own_fixtures(test_data: Path) -> None:
    for name in ("bundle.json", "incident.json", "log_entries.json"):
        assert detect(_file(test_data, name)).name == "pagerduty"


@pytest.mark.parametrize(
    ("payload", "field", "line"),
    [
        (b'{"log_entries": [{"id": "A", "type": "trigger_log_entry"}]}',
         "log_entries[0].created_at", None),
        (b'{"log_entries": [{"id": "A", "type": 7, "created_at": "2024-01-01T00:00:00Z"}]}',
         "log_entries[0].type", None),
        (b'{"log_entries": {"id": "A"}}', "log_entries", None),
        (b'{"notes": [{"id": "N", "content": "x", "created_at": "yesterday"}]}',
         "notes[0].created_at", None),
        (b'{"log_entries": [\n{"id": "A",\n', None, 3),
    ],
)
def test_bad_input_is_located(payload: bytes, field: str | None, line: int | None) -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("pd.json", payload))
    assert info.value.file == "pd.json"
    assert info.value.field == field
    assert info.value.line == line


def test_non_utf8_bytes_name_the_position() -> None:
    payload = b'{"notes": ["caf\xe9"]}'
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("pd.json", payload))
    assert info.value.position == payload.index(b"\xe9") == 15


# --- real published examples ----------------------------------------------------------

def _corpus(corpus: Path, suffix: str) -> Source:
    return Source.from_path(corpus / "pagerduty" / f"pagerduty-api-schema_example_{suffix}")


@pytest.mark.corpus
def test_corpus_log_entries(corpus: Path) -> None:
    for suffix in ("incidents_id_log_entries__get_response.json",
                   "log_entries__get_response.json", "log_entries_id__get_response.json"):
        source = _corpus(corpus, suffix)
        assert detect(source).name == "pagerduty"
        events, _ = _parse(source)
        assert len(events) == 1
        (event,) = events
        assert event.event_type == "trigger"
        assert event.kind == "detection"
        assert event.occurred_at == _utc("2015-11-07T00:14:20")
        assert event.author_name == "My Mail Service"
        assert event.source_id == "Q02JTSNZWHSEKV"
        assert event.thread_ref == "PT4KHLK"


@pytest.mark.corpus
def test_corpus_notes_with_offsets(corpus: Path) -> None:
    events, _ = _parse(_corpus(corpus, "incidents_id_notes__get_response.json"))
    assert [(e.source_id, e.occurred_at, e.author_name) for e in events] == [
        ("note:PWL7QXS", _utc("2013-03-06T20:28:51"), "Earline Greenholt"),
        ("note:PCQC25", _utc("2013-03-06T20:28:42"), "A Global Event Rule"),
    ]
    assert events[0].text_original == "Firefighters are on the scene."


@pytest.mark.corpus
def test_corpus_incidents(corpus: Path) -> None:
    listed, _ = _parse(_corpus(corpus, "incidents__get_response.json"))
    assert [(e.event_type, e.occurred_at) for e in listed] == [
        ("trigger", _utc("2015-10-06T21:30:42")),
        ("status_change", _utc("2015-10-06T21:38:23")),
    ]
    assert listed[1].raw["to"] == "resolved"
    assert listed[1].author_name == "Earline Greenholt"
    single, _ = _parse(_corpus(corpus, "incidents_id__get_response.json"))
    assert [e.event_type for e in single] == ["trigger", "acknowledge", "status_change"]
    assert single[1].occurred_at == _utc("2015-11-10T00:32:52")
    assert single[2].raw["to"] == "acknowledged"


@pytest.mark.corpus
def test_corpus_status_update_is_communication(corpus: Path) -> None:
    events, _ = _parse(_corpus(corpus, "incidents_id_status_updates__post_response.json"))
    assert len(events) == 1
    assert events[0].kind == "communication"
    assert events[0].occurred_at == _utc("2013-03-06T20:28:51")
    assert events[0].text_original == "The server fire is spreading."


@pytest.mark.corpus
def test_corpus_non_timeline_files_are_not_claimed(corpus: Path) -> None:
    for suffix in ("users_id__get_response.json", "incidents_id_alerts__get_response.json"):
        assert PD.sniff(_corpus(corpus, suffix)) is False


# --- robustness ------------------------------------------------------------------------

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
    st.just(""), st.just("0001-01-01T00:00:00+05:00"), st.just("2024-02-30 25:00:00"),
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


BUNDLE = (Path(__file__).resolve().parents[2] / "data" / "pagerduty" / "bundle.json").read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(BUNDLE))
def test_mutated_bundle_raises_only_import_format_error(data: bytes) -> None:
    try:
        events, _ = _parse(Source.from_bytes("bundle.json", data))
    except ImportFormatError as exc:
        assert exc.file == "bundle.json"
        assert exc.field or exc.line is not None or exc.position is not None
    else:
        assert all(e.occurred_at.utcoffset() is not None for e in events)
