"""Teams (Graph chatMessage JSON) importer: fixtures, the real docs sample, mutations."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.timeline.importers import (
    ImportFormatError,
    ImportOptions,
    ParseReport,
    Source,
    detect,
    get,
)

CHANNEL = "19:ops@thread.tacv2"


def _parse(source: Source, options: ImportOptions | None = None):
    report = ParseReport()
    events = list(get("teams").parse(source, options or ImportOptions(), report))
    return events, report


@pytest.fixture()
def replies(test_data):
    return Source.from_path(test_data / "teams" / "channel_replies.json")


def test_detects_channel_response_and_bare_list(replies, test_data):
    assert detect(replies).name == "teams"
    assert detect(Source.from_path(test_data / "teams" / "chat_list.json")).name == "teams"


def test_nested_replies_follow_their_root_and_deleted_is_skipped(replies):
    events, report = _parse(replies)
    assert [e.source_id for e in events] == [
        f"{CHANNEL}:1709287200000", f"{CHANNEL}:1709287380000", f"{CHANNEL}:1709287500000",
        f"{CHANNEL}:1709288100000", f"{CHANNEL}:1709288400000",
    ]
    assert report.skipped["deleted message"] == 1
    root = events[0]
    assert root.thread_ref is None and root.event_type == "message"
    # A reply without replyToId still points at the root it was nested under.
    assert [e.thread_ref for e in events[1:3]] == [root.source_id, root.source_id]
    assert [e.event_type for e in events[1:3]] == ["reply", "reply"]
    assert report.channels_seen[CHANNEL] == 5
    assert report.warnings == []


def test_html_becomes_markdown_with_resolved_mention(replies):
    root = _parse(replies)[0][0]
    assert root.occurred_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert root.text.startswith("**Checkout latency**\n\n")
    assert "**Alert** firing" in root.text
    assert "[dashboard](https://grafana.example.test/d/checkout)" in root.text
    assert "@Tomasz Nowak" in root.text  # full name from mentions[], not the short text
    assert "- eu-west only\n- since 09:55" in root.text
    assert root.text_original.startswith("<p><b>Alert</b>")
    assert root.kind == "detection"
    assert [(a.name, a.url) for a in root.attachments] == [
        ("runbook.docx", "https://contoso.sharepoint.test/runbook.docx")]


def test_code_edits_null_names_and_bots(replies):
    events = _parse(replies)[0]
    reply, bot = events[1], events[2]
    assert "`checkout-api`" in reply.text
    assert "```\nkubectl rollout undo deploy/checkout-api\n```" in reply.text
    assert reply.edited is True and events[0].edited is False
    # Graph gave displayName null here: resolved from the same id elsewhere in the file.
    assert (reply.author_id, reply.author_name) == ("aad-tomasz", "Tomasz Nowak")
    assert reply.kind == "mitigation"
    assert (bot.author_id, bot.author_name) == ("app-statusbot", "Status Bot")
    assert bot.text == "Status page updated: investigating elevated checkout errors"


def test_system_event_and_hosted_image(replies):
    events = _parse(replies)[0]
    system, image = events[3], events[4]
    assert system.event_type == "system"
    assert system.text == "Members added: Tomasz Nowak"
    assert (system.author_id, system.author_name) == ("aad-priya", "Priya Raman")
    assert image.text == "Error graph after the rollback"
    assert len(image.attachments) == 1
    assert image.attachments[0].name == "graph.png"
    assert "/hostedContents/" in (image.attachments[0].url or "")


def test_chat_list_text_body_emoji_and_channel_filter(test_data):
    src = Source.from_path(test_data / "teams" / "chat_list.json")
    events, _ = _parse(src)
    assert [e.occurred_at for e in events] == [
        datetime(2024, 4, 1, 19, 33, 20, 1000, tzinfo=UTC),
        datetime(2024, 4, 1, 19, 34, 20, tzinfo=UTC),
    ]
    assert events[0].kind == "escalation"
    assert events[1].text == "On it 👍"
    assert events[0].channel == "19:meeting_abc@thread.v2"
    kept, report = _parse(src, ImportOptions(channels=frozenset({"other"})))
    assert kept == [] and report.skipped["channel not selected"] == 2


def test_reimport_gives_same_ids(replies):
    assert [e.source_id for e in _parse(replies)[0]] == [e.source_id for e in _parse(replies)[0]]


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b'{"value": [{"id": "1", "createdDateTime": 5}]}', "value[0].createdDateTime"),
        (b'{"value": [{"messageType": "message", "createdDateTime": "2024-01-01T00:00:00Z"}]}',
         "value[0].id"),
        (b'{"value": [{"id": "1", "createdDateTime": "2024-01-01T00:00:00"}]}',
         "value[0].createdDateTime"),
        (b'{"value": {"id": 1}}', "value"),
        (b'{"value": [{"id": "1", "createdDateTime": "2024-01-01T00:00:00Z", "body": []}]}',
         "value[0].body"),
    ],
)
def test_bad_fields_are_named(data, where):
    with pytest.raises(ImportFormatError) as err:
        _parse(Source.from_bytes("msgs.json", data))
    assert err.value.file == "msgs.json" and err.value.field == where


def test_truncated_json_names_line():
    with pytest.raises(ImportFormatError) as err:
        _parse(Source.from_bytes("msgs.json", b'{"value": [\n {"id": "1",\n'))
    assert err.value.line == 3


def test_real_graph_docs_sample(corpus):
    src = Source.from_path(corpus / "teams" / "msgraph-docs_channel-list-messages_example1.json")
    assert detect(src).name == "teams"
    events, report = _parse(src)
    assert len(events) == 3 and not report.skipped
    assert len(report.warnings) == 1 and "more pages" in report.warnings[0]
    first, images, system = events
    assert first.occurred_at == datetime(2021, 3, 28, 21, 11, 12, 395000, tzinfo=UTC)
    assert first.text == "Hello World @Jane Smith"
    assert first.author_name == "Robin Kline"
    assert images.text == "" and len(images.attachments) == 2
    assert system.occurred_at == datetime(2021, 3, 28, 3, 50, 10, 266000, tzinfo=UTC)
    assert system.event_type == "system"
    assert system.text == "Team description updated: Team for Microsoft Teams members"
    assert system.author_id == "1fb8890f-423e-4154-8fbf-db6809bc8756"


# --- property test: mutated documents only ever raise ImportFormatError -----------------

_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False), st.text(max_size=12), st.builds(list), st.builds(dict),
    st.just("2024-13-45T99:00:00Z"), st.builds(lambda: [{"x": 1}]),
)


def _containers(node: Any, out: list[Any]) -> list[Any]:
    if isinstance(node, dict | list):
        out.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, out)
    return out


@st.composite
def mutated(draw: st.DrawFn, doc: Any) -> bytes:
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        nodes = _containers(doc, [])
        node = draw(st.sampled_from(nodes))
        if not node:
            continue
        key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        if isinstance(node, dict) and draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(_JUNK)
    data = json.dumps(doc).encode()
    cut = draw(st.sampled_from(["none", "truncate", "flip"]))
    if cut == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif cut == "flip" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    return data


_DOC = json.loads((Path(__file__).resolve().parents[2] / "data" / "teams"
                   / "channel_replies.json").read_text(encoding="utf-8"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(_DOC))
def test_mutations_raise_only_import_format_error(data):
    try:
        _parse(Source.from_bytes("mutant.json", data))
    except ImportFormatError as exc:
        assert exc.file == "mutant.json"
        assert exc.line is not None or exc.position is not None or exc.field
