"""Tests for the GitHub issue importer: issue, comments, events, timeline and bundles."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.timeline.importers import (
    ImportFormatError,
    ImportOptions,
    NormalizedEvent,
    ParseReport,
    Source,
    detect,
    get,
)

CHANNEL = "acme-ops/status#731"


def _parse(
    source: Source, options: ImportOptions | None = None
) -> tuple[list[NormalizedEvent], ParseReport]:
    report = ParseReport()
    return list(get("github").parse(source, options or ImportOptions(), report)), report


def _file(test_data: Path, name: str) -> Source:
    return Source.from_path(test_data / "github" / name)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_bundle_merges_issue_comments_and_timeline_once(test_data: Path) -> None:
    events, report = _parse(_file(test_data, "bundle.json"))
    assert Counter(e.event_type for e in events) == {
        "created": 1, "comment": 3, "label": 1, "assign": 1, "field_change": 1,
        "cross_reference": 2, "commit": 1, "milestone": 1, "status_change": 3}
    # Comments appear in both lists of the bundle but are imported once.
    assert report.skipped["already read from another list of the bundle"] == 3
    assert report.skipped["subscribed notification (noise)"] == 1
    assert report.skipped["mentioned notification (noise)"] == 1
    assert report.skipped["timeline item without a time"] == 1
    assert report.channels_seen == {CHANNEL: 14}
    ids = [e.source_id for e in events]
    assert len(ids) == len(set(ids))


def test_issue_opening_is_detection_with_author(test_data: Path) -> None:
    opened = _parse(_file(test_data, "bundle.json"))[0][0]
    assert (opened.event_type, opened.kind) == ("created", "detection")
    assert opened.occurred_at == _utc(2024, 9, 2, 13, 4, 11)
    assert (opened.author_id, opened.author_name) == ("4410021", "mara-k")
    assert opened.text.startswith("Issue #731 opened: Image uploads failing with 503\n\n")
    assert "**503**" in opened.text


def test_close_and_reopen_follow_the_status_convention(test_data: Path) -> None:
    events = _parse(_file(test_data, "timeline.json"))[0]
    changes = [(e.occurred_at, e.raw["from"], e.raw["to"], e.raw["field"], e.author_name)
               for e in events if e.event_type == "status_change"]
    assert changes == [
        (_utc(2024, 9, 2, 15, 2, 10), "open", "closed", "state", "devon-oncall"),
        (_utc(2024, 9, 2, 15, 20, 44), "closed", "open", "state", "mara-k"),
        (_utc(2024, 9, 2, 16, 21, 9), "open", "closed", "state", "devon-oncall"),
    ]
    closed = next(e for e in events if e.event_type == "status_change")
    assert closed.raw["item"]["id"] == 7700104
    assert closed.kind == "recovery"


def test_comments_kinds_and_edit_threshold(test_data: Path) -> None:
    comments, _ = _parse(_file(test_data, "comments.json"))
    assert [(c.source_id, c.author_name, c.kind, c.edited) for c in comments] == [
        ("comment:990001", "devon-oncall", "acknowledgement", False),
        ("comment:990002", "devon-oncall", "diagnosis", True),
        # Updated one second after creation: the same save, not an edit.
        ("comment:990003", "mara-k", "recovery", False),
    ]
    assert comments[1].text == comments[1].text_original
    assert all(c.channel == CHANNEL for c in comments)


def test_timeline_items_without_id_or_created_at(test_data: Path) -> None:
    events = _parse(_file(test_data, "timeline.json"))[0]
    refs = [e for e in events if e.event_type == "cross_reference"]
    assert [(e.occurred_at, e.text) for e in refs] == [
        (_utc(2024, 9, 2, 14, 40, 12),
         "Referenced from acme-ops/status#735: Pause image backfill job"),
        # No time on the item itself: the referencing issue's timestamp is used.
        (_utc(2024, 9, 3, 9),
         "Referenced from acme-ops/status#736: Quota alert for uploads bucket"),
    ]
    assert all(e.source_id.startswith("cross-referenced:") for e in refs)
    commit = next(e for e in events if e.event_type == "commit")
    assert commit.source_id == "commit:3f9c2a1e8b7d6c5f4a3b2c1d0e9f8a7b6c5d4e3f"
    assert commit.occurred_at == _utc(2024, 9, 2, 14, 52, 30)
    assert commit.author_name == "Devon Price"
    assert commit.kind == "mitigation"


def test_structured_event_texts(test_data: Path) -> None:
    events = _parse(_file(test_data, "timeline.json"))[0]
    texts = {e.event_type: e.text for e in events if e.event_type not in ("comment",)}
    assert texts["label"] == "Label added: sev2"
    assert texts["assign"] == "Assigned to devon-oncall"
    assert texts["milestone"] == "Milestone set: Q3 reliability"
    renamed = next(e for e in events if e.event_type == "field_change")
    assert (renamed.raw["from"], renamed.raw["to"], renamed.raw["field"]) == (
        "Uploads failing", "Image uploads failing with 503", "title")


def test_single_shapes_issue_events_and_comments(test_data: Path) -> None:
    issue, report = _parse(_file(test_data, "issue.json"))
    assert [(e.event_type, e.occurred_at) for e in issue] == [
        ("created", _utc(2024, 9, 2, 13, 4, 11)), ("status_change", _utc(2024, 9, 2, 16, 21, 9))]
    assert issue[1].raw["to"] == "closed"
    assert "comments and timeline are missing" in report.warnings[0]
    events, report = _parse(_file(test_data, "events.json"))
    assert [e.source_id for e in events] == [
        "event:7700101", "event:7700102", "event:7700104", "event:7700105", "event:7700106"]
    # With events, the issue's closed_at is not repeated as a separate event.
    bundled, _ = _parse(_file(test_data, "bundle_events.json"))
    assert sum(e.event_type == "status_change" for e in bundled) == 3


def test_reimport_and_overlapping_files_share_ids(test_data: Path) -> None:
    timeline = {e.source_id for e in _parse(_file(test_data, "timeline.json"))[0]}
    again = {e.source_id for e in _parse(Source.from_bytes(
        "t.json", (test_data / "github" / "timeline.json").read_bytes()))[0]}
    comments = {e.source_id for e in _parse(_file(test_data, "comments.json"))[0]}
    events = {e.source_id for e in _parse(_file(test_data, "events.json"))[0]}
    assert timeline == again
    assert comments <= timeline and events <= timeline


def test_channel_filter(test_data: Path) -> None:
    events, report = _parse(_file(test_data, "bundle.json"),
                            ImportOptions(channels=frozenset({"other/repo#1"})))
    assert events == []
    assert report.skipped["not in the chosen channels"] == 14


def test_detect_picks_github(test_data: Path) -> None:
    for name in ("bundle.json", "issue.json", "comments.json", "events.json", "timeline.json"):
        assert detect(_file(test_data, name)).name == "github"
    assert not get("github").sniff(Source.from_path(test_data / "jira" / "search_v3_adf.json"))


@pytest.mark.parametrize(("payload", "field"), [
    ([{"event": "closed", "id": 1, "created_at": 1700000000}], "[0].created_at"),
    ({"issue": {"number": 3, "title": "t"}, "comments": [{"body": "x", "created_at": "nope"}]},
     "issue.created_at"),
    ({"issue": {"id": 9, "created_at": "2024-01-01T00:00:00Z"}, "timeline": {"a": 1}},
     "timeline"),
    ([{"event": "labeled", "id": 2, "created_at": "2024-01-01T00:00:00Z", "label": "sev1"}],
     "[0].label"),
    ([{"body": "hi", "created_at": "2024-01-01T00:00:00Z", "user": ["ghost"]}], "[0].user"),
])
def test_bad_values_raise_with_the_field(payload: Any, field: str) -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("gh.json", json.dumps(payload).encode()))
    assert (info.value.file, info.value.field) == ("gh.json", field)


def test_not_github_json_is_refused_with_a_line() -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("x.json", b'{"hello": "world"}'))
    assert info.value.line == 1


# --- real files from the shared corpus -------------------------------------------------


def test_corpus_pygithub_timeline(corpus: Path) -> None:
    source = Source.from_path(corpus / "github" / "pygithub_issue_28_timeline.json")
    assert detect(source).name == "github"
    events, report = _parse(source)
    assert len(events) == 15
    assert report.skipped["subscribed notification (noise)"] == 1
    assert Counter(e.event_type for e in events) == {
        "assign": 3, "comment": 3, "locked": 3, "unlocked": 3, "status_change": 1, "label": 1,
        "cross_reference": 1}
    assert Counter(e.author_name for e in events) == {
        "ghost": 3, "jacquev6": 2, "stuglaser": 1, "allevin": 3, "PyGithub": 6}
    closed = next(e for e in events if e.event_type == "status_change")
    assert (closed.occurred_at, closed.raw["to"]) == (_utc(2012, 5, 26, 14, 59, 34), "closed")
    xref = next(e for e in events if e.event_type == "cross_reference")
    assert xref.text.startswith("Referenced from PyGithub/PyGithub#857")
    assert {e.channel for e in events} == {"PyGithub/PyGithub#28"}


def test_corpus_pygithub_issue_comments_and_events(corpus: Path) -> None:
    issue, _ = _parse(Source.from_path(corpus / "github" / "pygithub_issue_28.json"))
    assert [(e.event_type, e.occurred_at, e.author_name) for e in issue] == [
        ("created", _utc(2012, 5, 19, 10, 38, 23), "jacquev6"),
        ("status_change", _utc(2012, 5, 26, 14, 59, 33), "jacquev6"),
    ]
    comments, _ = _parse(Source.from_path(corpus / "github" / "pygithub_issue_28_comments.json"))
    assert [(c.author_name, c.occurred_at) for c in comments] == [
        ("jacquev6", _utc(2012, 5, 1, 22, 3, 59)), ("roskakori", _utc(2012, 5, 4, 19, 23, 57))]
    events, report = _parse(Source.from_path(corpus / "github" / "pygithub_issue_28_events.json"))
    assert [(e.source_id, e.text) for e in events] == [("event:15820048", "Assigned")]
    samples, report = _parse(
        Source.from_path(corpus / "github" / "pygithub_issue_events_samples.json"))
    assert len(samples) == 25
    assert sum(report.skipped.values()) == 2
    reopened = next(e for e in samples if e.raw.get("to") == "open")
    assert reopened.occurred_at == _utc(2018, 8, 10, 13, 10, 9)
    assert reopened.channel == "PyGithub/PyGithub#857"


# --- robustness ------------------------------------------------------------------------

_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8), st.just([]),
    st.just({}), st.just("9999-12-31T23:59:59-23:59"),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, prefix + (key,)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_paths(item, prefix + (i,)))
    return out


@st.composite
def _mutated(draw: Any, original: bytes) -> bytes:
    doc = json.loads(original)
    paths = _paths(doc)[1:]
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(_JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    blob = json.dumps(doc).encode()
    cut = draw(st.sampled_from(["none", "truncate", "flip"]))
    if cut != "none":
        at = draw(st.integers(0, len(blob) - 1))
        blob = blob[:at] if cut == "truncate" else (
            blob[:at] + bytes([blob[at] ^ draw(st.integers(1, 255))]) + blob[at + 1:])
    return blob


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_input_only_raises_import_format_error(test_data: Path, data: Any) -> None:
    name = data.draw(st.sampled_from(["bundle.json", "timeline.json", "issue.json"]))
    blob = data.draw(_mutated((test_data / "github" / name).read_bytes()))
    try:
        _parse(Source.from_bytes(name, blob))
    except ImportFormatError as exc:
        assert exc.file == name
        assert exc.line is not None or exc.position is not None or exc.field is not None
