"""Mattermost bulk-export importer: own fixture, real corpus, errors with lines, robustness."""

from __future__ import annotations

import io
import json
import zipfile
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


def _parse(source: Source, **opts: Any) -> tuple[list[NormalizedEvent], ParseReport]:
    report = ParseReport()
    events = list(get("mattermost").parse(source, ImportOptions(**opts), report))
    return events, report


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def fixture_bytes(test_data: Path) -> bytes:
    return (test_data / "mattermost" / "incident.jsonl").read_bytes()


@pytest.fixture(scope="module")
def parsed(fixture_bytes: bytes) -> tuple[list[NormalizedEvent], ParseReport]:
    return _parse(Source.from_bytes("incident.jsonl", fixture_bytes))


def test_fixture_counts_times_and_names(parsed: Any) -> None:
    events, report = parsed
    assert len(events) == 9
    # system_join_channel, a plain-text "bob joined the channel.", a system_add_to_channel reply
    assert report.skipped == {"channel join/leave": 3}
    assert report.channels_seen == {"inc-checkout": 10, "town-square": 1, "dm:alice,bob": 1}
    assert min(e.occurred_at for e in events) == _utc("2024-03-01 23:51:40.250")
    assert max(e.occurred_at for e in events) == _utc("2024-03-02 01:13:20")
    names = {e.author_id: e.author_name for e in events}
    assert names == {"alice": "Ali", "bob": "Bob Okafor", "opsbot": "opsbot"}


def test_nested_replies_form_a_thread(parsed: Any) -> None:
    events, _ = parsed
    root = next(e for e in events if e.text.startswith("ack, looking into it"))
    assert root.occurred_at == _utc("2024-03-01 23:58:00.123")
    replies = [e for e in events if e.thread_ref == root.source_id]
    assert [(r.author_name, r.event_type, r.kind, r.edited) for r in replies] == [
        ("Bob Okafor", "reply", "diagnosis", True),
        ("Ali", "reply", "mitigation", False),
    ]
    assert [a.name for a in replies[1].attachments] == ["rollback.log"]
    assert root.text == root.text_original  # Mattermost text is already Markdown


def test_integration_and_system_posts(parsed: Any) -> None:
    events, _ = parsed
    alert = events[0]
    assert (alert.event_type, alert.kind, alert.author_id) == (
        "slack_attachment", "detection", "opsbot")
    assert alert.text.splitlines()[1] == "[FIRING:1] CheckoutErrorRate alert"
    assert alert.text_original == ""
    header = next(e for e in events if e.event_type == "topic")
    assert header.kind == "communication"
    recovery = next(e for e in events if e.channel == "town-square")
    assert recovery.kind == "recovery"


def test_synthetic_ids_are_deterministic_and_unique(parsed: Any, fixture_bytes: bytes) -> None:
    events, _ = parsed
    ids = [e.source_id for e in events]
    assert len(ids) == len(set(ids))
    plus_ones = [i for i in ids if ":1709337900000:bob:" in i]
    assert len(plus_ones) == 2 and plus_ones[1] == plus_ones[0] + "#2"
    again, _ = _parse(Source.from_bytes("copy.jsonl", fixture_bytes))
    assert [e.source_id for e in again] == ids
    dm = next(e for e in events if e.channel == "dm:alice,bob")
    assert dm.source_id.startswith("dm:alice,bob:1709342000000:bob:")


def test_channel_filter_by_name_or_display_name(fixture_bytes: bytes) -> None:
    source = Source.from_bytes("incident.jsonl", fixture_bytes)
    by_name, report = _parse(source, channels=frozenset({"town-square"}))
    assert [e.text for e in by_name] == ["Checkout errors are resolved, thanks all"]
    assert report.channels_seen["inc-checkout"] == 10
    by_display, _ = _parse(source, channels=frozenset({"INC checkout 5xx"}))
    assert {e.channel for e in by_display} == {"inc-checkout"} and len(by_display) == 7


def test_zipped_export_with_bom(fixture_bytes: bytes, parsed: Any) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("import.jsonl", b"\xef\xbb\xbf" + fixture_bytes)
        zf.writestr("data/20240302/rollback.log", b"log")
    source = Source.from_bytes("mm-export.zip", buf.getvalue())
    assert detect(source).name == "mattermost"
    events, _ = _parse(source)
    assert [e.source_id for e in events] == [e.source_id for e in parsed[0]]


def test_sniff(fixture_bytes: bytes, test_data: Path) -> None:
    mm = get("mattermost")
    assert mm.sniff(Source.from_bytes("x.jsonl", fixture_bytes))
    assert not mm.sniff(Source.from_bytes("x.jsonl", b'{"type": "post"}\n'))
    assert not mm.sniff(Source.from_path(test_data / "slack" / "export"))
    assert not mm.sniff(Source.from_bytes("x.jsonl", b"\xff\xfe"))


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ('{"type": "post", "post": {"channel": "c", "create_at": 1', "line 3 position"),
        ('["not", "an", "object"]', "line 3 field type"),
        ('{"type": "post", "post": "text"}', "line 3 field post"),
        ('{"type": "post", "post": {"channel": "c", "create_at": "soon"}}',
         "line 3 field post.create_at"),
        ('{"type": "post", "post": {"channel": "c", "create_at": 99999999999999999999}}',
         "line 3 field post.create_at"),
        ('{"type": "post", "post": {"channel": "c", "create_at": 1, "replies": [3]}}',
         "line 3 field post.replies[0]"),
        ('{"type": "post", "post": {"channel": "c", "create_at": 1, "attachments": [{}]}}',
         "line 3 field post.attachments[0]"),
        ('{"type": "direct_post", "direct_post": {"channel_members": [1], "create_at": 1}}',
         "line 3 field direct_post.channel_members"),
        ('{"type": "user", "user": {"username": ["x"]}}', "line 3 field user.username"),
    ],
)
def test_errors_carry_the_line_number(line: str, where: str) -> None:
    data = '{"type":"version","version":1}\n\n' + line + "\n"
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("bad.jsonl", data.encode()))
    assert info.value.file == "bad.jsonl"
    assert where in str(info.value)


def test_invalid_utf8_and_missing_version_line() -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("bad.jsonl", b'{"type":"version"}\n{"type":"p\xff"}\n'))
    assert info.value.line == 2
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("bad.jsonl", b'{"type":"team","team":{}}\n'))
    assert (info.value.line, info.value.field) == (1, "type")


# --- real corpus -------------------------------------------------------------------


def test_corpus_export(corpus: Path) -> None:
    source = Source.from_path(corpus / "mattermost" / "zulip_fixture_export.jsonl")
    assert detect(source).name == "mattermost"
    events, report = _parse(source)
    assert len(events) == 13
    assert report.skipped == {"channel join/leave": 8}
    assert report.channels_seen == {"gryffindor-quidditch-team": 7, "dumbledores-army": 5,
                                    "gryffindor-common-room": 4, "slytherin-quidditch-team": 4,
                                    "slytherin-common-room": 1}
    times = sorted(e.occurred_at for e in events)
    assert times[0] == _utc("2019-03-21 10:46:33.242")
    assert times[-1] == _utc("2019-03-21 11:15:16.448")
    names = {e.author_id: e.author_name for e in events}
    assert names == {"harry": "Harry Potter", "ron": "Ron Weasley", "malfoy": "malfoy",
                     "snape": "Severus Snape"}
    (reply,) = [e for e in events if e.thread_ref]
    assert reply.text == "The weather is so hot!"
    assert reply.thread_ref.startswith("gryffindor/dumbledores-army:1553166657086:harry:")


def test_corpus_direct_channels(corpus: Path) -> None:
    source = Source.from_path(corpus / "mattermost" / "zulip_fixture_direct_channel_export.jsonl")
    events, report = _parse(source)
    assert len(events) == 10
    assert report.channels_seen == {"dm:ginny,harry,ron": 3, "gryffindor-common-room": 2,
                                    "gryffindor-quidditch-team": 2, "dm:harry,ron": 2,
                                    "dm:harry,voldemort": 2}
    assert max(e.occurred_at for e in events) == _utc("2019-08-21 08:31:58.579")
    riddle = next(e for e in events if e.author_id == "voldemort")
    assert riddle.author_name == "Tom Riddle" and riddle.channel == "dm:harry,voldemort"
    files = [a.name for e in events for a in e.attachments]
    assert files == ["this is a file", "harry-ron.jpg"]


# --- property test ------------------------------------------------------------------

_JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                         st.floats(allow_nan=False), st.text(max_size=12),
                         st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def _dicts(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if value:
            found.append(value)
        for v in value.values():
            found.extend(_dicts(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_dicts(v))
    return found


@st.composite
def _mutant(draw: st.DrawFn, data: bytes) -> bytes:
    lines = data.split(b"\n")
    mode = draw(st.sampled_from(["drop", "retype", "truncate", "flip"]))
    if mode in ("drop", "retype"):
        index = draw(st.integers(0, len(lines) - 2))
        doc = json.loads(lines[index])
        target = draw(st.sampled_from(_dicts(doc)))
        key = draw(st.sampled_from(sorted(target)))
        if mode == "drop":
            del target[key]
        else:
            target[key] = draw(_JSON_VALUES)
        lines[index] = json.dumps(doc).encode()
        return b"\n".join(lines)
    if mode == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    raw = bytearray(data)
    raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw)


def test_property_mutations_raise_only_format_errors(fixture_bytes: bytes) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutant(fixture_bytes))
    def check(data: bytes) -> None:
        try:
            _parse(Source.from_bytes("mutant.jsonl", data))
        except ImportFormatError as exc:
            assert exc.location

    check()
