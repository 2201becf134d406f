"""Slack export importer: own fixture traps, the real corpus, mrkdwn, robustness, generator."""

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
from app.timeline.importers.slack import Directory, convert_message
from app.timeline.importers.slack_mrkdwn import to_markdown
from benchmarks.gen_slack import generate_slack_export


def _parse(source: Source, **opts: Any) -> tuple[list[NormalizedEvent], ParseReport]:
    report = ParseReport()
    events = list(get("slack").parse(source, ImportOptions(**opts), report))
    return events, report


def _zip_folder(folder: Path, prefix: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(folder).as_posix())
    return buf.getvalue()


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def export(test_data: Path) -> Path:
    return test_data / "slack" / "export"


@pytest.fixture(scope="module")
def parsed(export: Path) -> tuple[dict[str, NormalizedEvent], ParseReport]:
    events, report = _parse(Source.from_path(export))
    return {e.source_id: e for e in events}, report


def test_fixture_counts_and_skips(parsed: tuple[dict[str, NormalizedEvent], ParseReport]) -> None:
    events, report = parsed
    assert len(events) == 13
    assert report.skipped == {"channel join/leave": 2, "deleted message (tombstone)": 1}
    assert report.channels_seen == {"inc-payments": 13, "general": 1, "sec-response": 1,
                                    "D01AB": 1}
    assert min(e.occurred_at for e in events.values()) == _utc("2024-03-01 23:34:10.000001")
    assert max(e.occurred_at for e in events.values()) == _utc("2024-03-02 00:56:40.000001")


def test_ts_is_exact_and_ids_use_channel_id(parsed: Any) -> None:
    events, _ = parsed
    root = events["C01INC:1709337480.123456"]
    assert root.occurred_at == _utc("2024-03-01 23:58:00.123456")
    assert root.thread_ref is None and root.event_type == "message"
    assert events["G01SEC:1709340000.000001"].channel == "sec-response"  # groups.json
    assert events["D01AB:1709341000.000001"].author_name == "Bob Okafor"  # DM folder = id


def test_thread_spanning_day_files_stays_together(parsed: Any) -> None:
    events, _ = parsed
    thread = [e for e in events.values() if e.thread_ref == "C01INC:1709337480.123456"]
    assert sorted(e.occurred_at.isoformat() for e in thread) == [
        "2024-03-01T23:59:00.000001+00:00",
        "2024-03-02T00:01:00.654321+00:00",
        "2024-03-02T00:06:40.000007+00:00",
    ]
    assert {e.event_type for e in thread} == {"reply", "thread_broadcast"}
    # The tombstoned parent is skipped but its reply keeps the thread reference.
    orphan = events["C01INC:1709338160.000003"]
    assert orphan.thread_ref == "C01INC:1709338100.000000"


def test_names_resolved_through_users_json_and_profiles(parsed: Any) -> None:
    events, _ = parsed
    assert events["C01INC:1709337480.123456"].author_name == "alice.m"  # display_name
    assert events["C01INC:1709337540.000001"].author_name == "Bob Okafor"  # empty display
    assert events["C02GEN:1709336050.000001"].author_name == "carla"  # only `name`
    ghost = events["C01INC:1709338300.000005"]  # not in users.json: embedded user_profile
    assert (ghost.author_id, ghost.author_name) == ("U05GHOST", "Dmitri Ghost")


def test_bots_subtypes_and_kinds(parsed: Any) -> None:
    events, _ = parsed
    pager = events["C01INC:1709336100.000200"]
    assert (pager.author_id, pager.author_name, pager.event_type) == (
        "B01PAGER", "PagerDuty", "bot_message")
    assert pager.text == "[Triggered] #4711\ncheckout 5xx above 5% alert firing"
    assert pager.kind == "detection"
    assert events["C01INC:1709338400.000006"].author_name == "Statuspage"  # bot_profile
    topic = events["C01INC:1709337590.000050"]
    assert (topic.event_type, topic.kind) == ("topic", "communication")
    assert topic.text.endswith("IC @alice.m")
    edited = events["C01INC:1709337660.654321"]
    assert edited.edited and edited.kind == "mitigation"
    assert edited.text == "Rolled back payments-api to v41, paging @dba-oncall and @carla"
    assert events["C01INC:1709338000.000007"].kind == "recovery"


def test_files_keep_original_text_and_drop_url_token(parsed: Any) -> None:
    events, _ = parsed
    event = events["C01INC:1709338200.000004"]
    (att,) = event.attachments
    assert att.name == "5xx-rate.png" and att.mime == "image/png"
    assert att.url == "https://files.slack.com/files-pri/T01ACME-F01GRAPH/5xx-rate.png"
    assert event.text == "graph attached, cross-posting to #general and #general"
    assert event.text_original == (
        "graph attached, cross-posting to <#C02GEN> and <#C02GEN|old-general>")
    assert "t=xoxe" in event.raw["files"][0]["url_private"]


def test_entities_unescaped_after_tokens(parsed: Any) -> None:
    events, _ = parsed
    root = events["C01INC:1709337480.123456"]
    assert root.text == ("ack, I'm on it. @here checkout is down, see "
                         "[the dashboard](https://grafana.example.com/d/abc?from=now-1h&to=now)")
    reply = events["C01INC:1709337540.000001"]
    assert reply.text == ("looks like the **db pool** is exhausted & `conn < 5` in "
                          "*payments-api* ~~maybe~~")
    assert reply.text_original.startswith("looks like the *db pool* is exhausted &amp;")


def test_zip_and_zip_with_top_folder_match_the_folder(export: Path, parsed: Any) -> None:
    events, _ = parsed
    for prefix in ("", "acme-export/"):
        source = Source.from_bytes("acme.zip", _zip_folder(export, prefix))
        assert detect(source).name == "slack"
        zipped, report = _parse(source)
        assert {e.source_id: (e.occurred_at, e.text, e.author_name, e.thread_ref)
                for e in zipped} == {
            k: (e.occurred_at, e.text, e.author_name, e.thread_ref) for k, e in events.items()}
        assert report.channels_seen["inc-payments"] == 13


def test_reimport_gives_the_same_unique_ids(export: Path) -> None:
    first, _ = _parse(Source.from_path(export))
    second, _ = _parse(Source.from_bytes("again.zip", _zip_folder(export)))
    ids = [e.source_id for e in first]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(e.source_id for e in second)


def test_channel_filter_still_counts_every_channel(export: Path) -> None:
    events, report = _parse(Source.from_path(export), channels=frozenset({"general"}))
    assert [e.source_id for e in events] == ["C02GEN:1709336050.000001"]
    assert report.channels_seen["inc-payments"] == 13


def test_sniff(export: Path, test_data: Path, tmp_path: Path) -> None:
    slack = get("slack")
    assert slack.sniff(Source.from_path(export))
    assert not slack.sniff(Source.from_path(tmp_path))
    assert not slack.sniff(Source.from_path(test_data / "mattermost" / "incident.jsonl"))
    assert not slack.sniff(Source.from_bytes("x.zip", b"PK\x03\x04garbage"))
    assert not slack.needs_zone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U1> and <@U9|old-name>", "@Ana Ops and @old-name"),
        ("<#C1> <#C2|label> <#C9|gone>", "#incident-42 #ops #gone"),
        ("<#C7>", "#C7"),
        ("<https://x.io/a_b_c|x_y> <https://x.io/p_q_r>",
         "[x_y](https://x.io/a_b_c) https://x.io/p_q_r"),
        ("<mailto:sre@x.io|sre@x.io>", "[sre@x.io](mailto:sre@x.io)"),
        ("<!here> <!channel> <!everyone> <!subteam^S1|@dba>", "@here @channel @everyone @dba"),
        ("<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"),
        ("*bold* _it_ ~gone~ snake_case_name 2*3*4",
         "**bold** *it* ~~gone~~ snake_case_name 2*3*4"),
        ("_*<!here>*_", "***@here***"),
        ("`*x* <@U1>` &amp;&lt;", "`*x* <@U1>` &<"),
        ("```a *b*\n&gt; c```", "```\na *b*\n> c\n```"),
        ("&gt; quoted &amp;lt;", "> quoted &lt;"),
        ("plain text", "plain text"),
    ],
)
def test_mrkdwn_to_markdown(text: str, expected: str) -> None:
    users = {"U1": "Ana Ops"}
    channels = {"C1": "incident-42", "C2": "ops"}
    assert to_markdown(text, users, channels) == expected


# --- real corpus -------------------------------------------------------------------


def test_corpus_2016_export_zip_and_folder(corpus: Path) -> None:
    base = corpus / "slack" / "slack-export-viewer_testarchive"
    results = []
    for source in (Source.from_path(base / "extracted"),
                   Source.from_path(base / "testarchive_redacted.zip")):
        assert detect(source).name == "slack"
        events, report = _parse(source)
        assert len(events) == 147
        assert report.skipped == {"channel join/leave": 8, "integration added/removed": 3}
        assert report.channels_seen == {"enrique": 102, "traveling-sailor": 56}
        times = sorted(e.occurred_at for e in events)
        assert times[0] == _utc("2016-01-15 05:55:52.000006")
        assert times[-1] == _utc("2016-03-29 12:33:06.000027")
        results.append(sorted((e.source_id, e.text) for e in events))
        by_id = {e.source_id: e for e in events}
        first = by_id["C0JGLMMNX:1452837352.000006"]
        assert first.author_name == "hamza"
        assert first.text.startswith("@abilinski: Created an issue")
        bots = [e for e in events if e.event_type == "bot_message"]
        # Bot names come from the "added an integration" notices (bot_add).
        assert len(bots) == 94 and {b.author_name for b in bots} == {"github"}
        files = [e for e in events if e.attachments]
        assert [(e.event_type, e.author_name, [a.name for a in e.attachments])
                for e in files] == [
            ("file_share", "doubledeez", ["100_cities.js"]),
            ("file_share", "doubledeez", ["10_cities.js"]),
            ("file_comment", "doubledeez", ["10_cities.js"]),
            ("file_share", "hamza", ["cities1000.js"]),
        ]
        assert all("?" not in (a.url or "") for e in files for a in e.attachments)
    assert results[0] == results[1]


def test_corpus_slackdump_2025_export(corpus: Path) -> None:
    events, report = _parse(Source.from_path(corpus / "slack" / "slackdump_source_export"))
    assert len(events) == 14
    assert report.skipped == {"channel join/leave": 1, "deleted message (tombstone)": 1}
    assert report.channels_seen == {"B75B4C7": 16}
    assert {e.source_id.split(":")[0] for e in events} == {"CO69735E8A"}
    times = sorted(e.occurred_at for e in events)
    assert times[0] == _utc("2025-01-10 03:08:34.897649")
    assert times[-1] == _utc("2025-01-24 10:59:02.919259")
    thread = [e for e in events if e.thread_ref == "CO69735E8A:1736478630.905399"]
    assert [e.author_name for e in sorted(thread, key=lambda e: e.occurred_at)] == [
        "YTX35tuC1zyFhKZL", "WgO268Xc0KtFylJ"]
    assert sum(1 for e in events if e.event_type == "reply") == 4
    # real_name from users.json when display_name is empty
    assert {e.author_name for e in events if e.author_id == "UOF82F39AE"} == {"WgO268Xc0KtFylJ"}


def _load(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def test_corpus_message_samples(corpus: Path) -> None:
    samples = corpus / "slack" / "zulip_message_samples"
    directory = Directory(users={"U074VRHQ11T": "Bo"}, channels={"C06P6T3QGD7": "general"})

    def convert(name: str) -> list[NormalizedEvent]:
        report = ParseReport()
        out = [convert_message(m, channel_id="C0TEST", channel="test", directory=directory,
                               report=report, file=name) for m in _load(samples / name)]
        return [e for e in out if e is not None]

    (mentions,) = convert("message_with_channel_mentions.json")
    assert mentions.text == "#C079A3FA12P #rich-text-blocks #general"
    assert mentions.author_name == "Peter"  # embedded user_profile
    (workspace,) = convert("message_with_workspace_mentions.json")
    assert workspace.text == "@channel ***@here*** test mention"
    (links,) = convert("message_with_links.json")
    assert links.text.splitlines()[1] == "**[Text with a link](https://chat.zulip.org/)**"
    (files,) = convert("message_with_variety_files_and_rich_text.json")
    assert files.text.startswith("message with **files  @Bo**")
    assert [a.name for a in files.attachments] == ["Untitled", "channels.json"]
    assert all(a.url and "token" not in a.url for a in files.attachments)
    root, reply, broadcast = convert("thread_with_broadcast_reply.json")
    assert root.thread_ref is None
    assert reply.thread_ref == broadcast.thread_ref == "C0TEST:1434139102.000002"
    assert broadcast.event_type == "thread_broadcast"
    assert broadcast.occurred_at == _utc("2015-06-12 19:58:24.000002")


# --- malformed input ----------------------------------------------------------------


def _files(export: Path) -> dict[str, bytes]:
    return {p.relative_to(export).as_posix(): p.read_bytes()
            for p in sorted(export.rglob("*")) if p.is_file()}


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("file", "content", "where"),
    [
        ("inc-payments/2024-03-01.json", b'[{"ts": "1.0",\n  "text": }]', "line 2 position"),
        ("inc-payments/2024-03-01.json", b'{"not": "an array"}', "field (root)"),
        ("inc-payments/2024-03-01.json", b'[{"ts": 1709337480.123456}]', "field [0].ts"),
        ("inc-payments/2024-03-01.json", b'[{"ts": "99999999999999.1"}]', "field [0].ts"),
        ("inc-payments/2024-03-01.json", b'[{"ts": "1.0", "text": ["x"]}]', "field [0].text"),
        ("inc-payments/2024-03-01.json", b'["just a string"]', "field [0]"),
        ("users.json", b'{"users": []}', "field (root)"),
        ("users.json", b'[{"id": 42}]', "field [0].id"),
        ("users.json", b'\xff\xfe\x00broken', "users.json"),
    ],
)
def test_malformed_files_raise_located_errors(export: Path, file: str, content: bytes,
                                              where: str) -> None:
    files = _files(export)
    files[file] = content
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("bad.zip", _zip_bytes(files)))
    assert info.value.file == file
    assert where in str(info.value)


_JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                         st.text(max_size=12), st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


@st.composite
def _mutated_export(draw: st.DrawFn, files: dict[str, bytes]) -> bytes:
    files = dict(files)
    name = draw(st.sampled_from(sorted(files)))
    mode = draw(st.sampled_from(["drop", "retype", "truncate", "flip", "zipcut"]))
    data = files[name]
    if mode in ("drop", "retype"):
        doc = json.loads(data)
        items = doc if isinstance(doc, list) else [doc]
        dicts = [d for d in items if isinstance(d, dict) and d]
        if dicts:
            target = draw(st.sampled_from(dicts))
            key = draw(st.sampled_from(sorted(target)))
            if mode == "drop":
                del target[key]
            else:
                target[key] = draw(_JSON_VALUES)
        files[name] = json.dumps(doc).encode()
    elif mode == "truncate":
        files[name] = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    elif mode == "flip" and data:
        raw = bytearray(data)
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        files[name] = bytes(raw)
    archive = _zip_bytes(files)
    if mode == "zipcut":
        archive = archive[: draw(st.integers(0, len(archive) - 1))]
    return archive


def test_property_mutated_exports_raise_only_format_errors(export: Path) -> None:
    files = _files(export)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutated_export(files))
    def check(archive: bytes) -> None:
        try:
            _parse(Source.from_bytes("mutant.zip", archive))
        except ImportFormatError as exc:
            assert exc.location

    check()


# --- benchmark generator -------------------------------------------------------------


def test_generator_writes_an_importable_export(tmp_path: Path) -> None:
    path = generate_slack_export(tmp_path / "bench.zip", messages=600, channels=3, seed=5)
    again = generate_slack_export(tmp_path / "again.zip", messages=600, channels=3, seed=5)
    assert path.read_bytes() == again.read_bytes()
    events, report = _parse(Source.from_path(path))
    assert sum(report.channels_seen.values()) == 600
    assert len(report.channels_seen) == 3
    assert len(events) + sum(report.skipped.values()) == 600
    replies = [e for e in events if e.event_type == "reply"]
    assert replies and all(e.thread_ref in {x.source_id for x in events} for e in replies)
    assert any(e.author_name == "alertmanager" and e.kind == "detection" for e in events)
    assert all(e.author_name and not e.author_name.startswith("U") for e in events)
