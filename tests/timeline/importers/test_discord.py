"""Discord (DiscordChatExporter JSON) importer: fixtures, the real samples, mutations."""

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

CHANNEL = "1190000000000000001"
FIXTURE = Path(__file__).resolve().parents[2] / "data" / "discord" / "incident_thread.json"


def _parse(source: Source, options: ImportOptions | None = None):
    report = ParseReport()
    events = list(get("discord").parse(source, options or ImportOptions(), report))
    return events, report


@pytest.fixture()
def thread():
    return Source.from_path(FIXTURE)


def test_detected_and_counts(thread):
    assert detect(thread).name == "discord"
    events, report = _parse(thread)
    assert len(events) == 4
    assert report.skipped == {"member joined": 1, "duplicate message id": 1}
    assert report.channels_seen["inc-2024-03-01-checkout"] == 6


def test_offsets_are_applied_and_snowflakes_kept_exact(thread):
    events = _parse(thread)[0]
    first = events[0]
    # +01:00 in the export: 11:00:05.250 local is 10:00:05.250 UTC.
    assert first.occurred_at == datetime(2024, 3, 1, 10, 0, 5, 250000, tzinfo=UTC)
    # -05:00: 05:10 local is 10:10 UTC, so this message sorts last.
    assert events[-1].occurred_at == datetime(2024, 3, 1, 10, 10, tzinfo=UTC)
    assert first.source_id == f"{CHANNEL}:1213100000000000123"  # > 2**53, not rounded
    assert first.channel == "inc-2024-03-01-checkout"


def test_names_replies_edits_attachments(thread):
    first, reply, pinned, bot = _parse(thread)[0]
    assert (first.author_id, first.author_name) == ("700000000000000001", "Priya (IC)")
    assert (reply.author_id, reply.author_name) == ("700000000000000003", "kai")  # no nickname
    assert first.edited is True and reply.edited is False
    assert [(a.name, a.url) for a in first.attachments] == [
        ("latency.png", "https://cdn.discordapp.test/attachments/1/2/latency.png")]
    assert reply.thread_ref == first.source_id and reply.event_type == "reply"
    assert reply.kind == "mitigation" and first.kind == "detection"
    assert pinned.event_type == "system" and pinned.text == "Pinned a message."
    # A bot message with only an embed keeps the embed's words.
    assert bot.text == (
        "[Checkout: resolved](https://status.example.test/incidents/42)\n\n"
        "Error rates are back to normal.")
    assert bot.text_original == "" and bot.kind == "recovery"


def test_channel_filter_by_name_or_id(thread):
    assert len(_parse(thread, ImportOptions(channels=frozenset({CHANNEL})))[0]) == 4
    events, report = _parse(thread, ImportOptions(channels=frozenset({"general"})))
    assert events == [] and report.skipped["channel not selected"] == 1


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["messages"][1].__setitem__("timestamp", "2024-03-01T11:00:05"),
         "messages[1].timestamp"),
        (lambda d: d["messages"][1].__setitem__("id", True), "messages[1].id"),
        (lambda d: d["messages"][2].__setitem__("reference", "x"), "messages[2].reference"),
        (lambda d: d["channel"].pop("id"), "channel.id"),
        (lambda d: d["messages"][1]["author"].__setitem__("name", 7), "messages[1].author.name"),
    ],
)
def test_bad_fields_are_named(mutate, where):
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    mutate(doc)
    with pytest.raises(ImportFormatError) as err:
        _parse(Source.from_bytes("chan.json", json.dumps(doc).encode()))
    assert err.value.file == "chan.json" and err.value.field == where


def test_real_samples(corpus):
    folder = corpus / "discord"
    dm = _parse(Source.from_path(folder / "chat-analytics_DM_2A_2M.json"))[0]
    assert len(dm) == 3
    assert dm[0].occurred_at == datetime(2019, 1, 4, 17, 52, 39, 762000, tzinfo=UTC)
    assert dm[1].author_name == "Someones nickname"
    assert dm[-1].event_type == "system"
    assert dm[-1].text == "Started a call that lasted 251 minutes."

    group, report = _parse(Source.from_path(folder / "chat-analytics_GC_3A_5M.json"))
    assert len(group) == 5 and report.skipped["channel icon change"] == 1
    assert group[1].author_name == "theplant"  # nickname wins over name
    assert group[3].thread_ref == "1064990764406419508:1064990824305274930"
    assert group[-1].occurred_at == datetime(2023, 3, 3, 14, 47, 59, 187000, tzinfo=UTC)

    server, report = _parse(Source.from_path(folder / "chat-analytics_SV_5A_5M.json"))
    assert len(server) == 4 and report.skipped["duplicate message id"] == 1
    assert server[0].edited is True
    assert server[1].author_name == "mlomb"  # no nickname key: falls back to name
    assert [a.name for a in server[2].attachments] == ["unknown.png", "sticker: Laugh"]
    for path in folder.glob("*.json"):
        assert detect(Source.from_path(path)).name == "discord"


# --- property test: mutated documents only ever raise ImportFormatError -----------------

_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False), st.text(max_size=12), st.builds(list), st.builds(dict),
    st.just("2024-03-01T25:00:00+01:00"), st.builds(lambda: [{"x": 1}]),
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
        node = draw(st.sampled_from(_containers(doc, [])))
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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(json.loads(FIXTURE.read_text(encoding="utf-8"))))
def test_mutations_raise_only_import_format_error(data):
    try:
        _parse(Source.from_bytes("mutant.json", data))
    except ImportFormatError as exc:
        assert exc.file == "mutant.json"
        assert exc.line is not None or exc.position is not None or exc.field
