"""Tests for the Jira REST JSON importer and the ADF / wiki-markup converters."""

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
from app.timeline.importers.jira_adf import adf_to_markdown, wiki_to_markdown


def _parse(
    source: Source, options: ImportOptions | None = None
) -> tuple[list[NormalizedEvent], ParseReport]:
    report = ParseReport()
    events = list(get("jira").parse(source, options or ImportOptions(), report))
    return events, report


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture()
def v2(test_data: Path) -> tuple[list[NormalizedEvent], ParseReport]:
    return _parse(Source.from_path(test_data / "jira" / "issue_v2_changelog.json"))


@pytest.fixture()
def v3(test_data: Path) -> tuple[list[NormalizedEvent], ParseReport]:
    return _parse(Source.from_path(test_data / "jira" / "search_v3_adf.json"))


def test_v2_issue_yields_created_comments_and_changelog(v2: Any) -> None:
    events, report = v2
    assert Counter(e.event_type for e in events) == {
        "created": 1, "comment": 3, "status_change": 4, "field_change": 2}
    created = events[0]
    assert created.occurred_at == _utc(2024, 3, 14, 8, 12, 30)
    assert created.kind == "detection"
    assert (created.author_id, created.author_name) == ("5f1a2b3c4d5e6f0011aa01", "Priya Raman")
    assert report.warnings == []
    assert report.channels_seen == {"OPS-412": 10}


def test_v2_status_changes_carry_from_to_in_raw(v2: Any) -> None:
    events, _ = v2
    changes = [(e.occurred_at, e.raw["field"], e.raw["from"], e.raw["to"], e.kind)
               for e in events if e.event_type == "status_change"]
    assert changes == [
        (_utc(2024, 3, 14, 8, 14, 10, 250000), "status", "Open", "Investigating", "diagnosis"),
        (_utc(2024, 3, 14, 9, 57, 31), "status", "Investigating", "Mitigated", "mitigation"),
        (_utc(2024, 3, 14, 10, 5, 44), "resolution", None, "Fixed", "recovery"),
        (_utc(2024, 3, 14, 10, 5, 44), "status", "Mitigated", "Resolved", "recovery"),
    ]
    status = next(e for e in events if e.event_type == "status_change")
    assert status.raw["item"]["fieldId"] == "status"
    assert status.text == "Status: Open -> Investigating"


def test_v2_field_changes_read_as_field_a_to_b(v2: Any) -> None:
    events, _ = v2
    texts = [e.text for e in events if e.event_type == "field_change"]
    assert texts == ["Field assignee: (none) -> Tomas Lindqvist", "Field priority: High -> Highest"]
    assert all(e.kind == "other" for e in events if e.event_type == "field_change")


def test_v2_comments_authors_kinds_and_edits(v2: Any) -> None:
    events, _ = v2
    comments = [e for e in events if e.event_type == "comment"]
    assert [c.author_name for c in comments] == ["Tomas Lindqvist", "Jamie Doe", "Tomas Lindqvist"]
    # Server/DC users have no accountId: the key identifies them.
    assert comments[1].author_id == "JIRAUSER10100"
    assert [c.kind for c in comments] == ["acknowledgement", "diagnosis", "recovery"]
    # Edited 6 minutes later counts; 0.9 s later is the same save.
    assert [c.edited for c in comments] == [False, True, False]
    assert comments[1].text == (
        "Root cause identified: the new **connection pool** limit in release 4.18 is too low.")
    assert comments[1].text_original.count("*connection pool*") == 1


def test_v2_wiki_description_becomes_markdown(v2: Any) -> None:
    created = v2[0][0]
    assert "## Impact" in created.text
    assert "[Grafana dashboard](https://grafana.example.net/d/checkout)" in created.text
    assert "```bash\nkubectl -n checkout get pods\n```" in created.text
    assert "{code:bash}" in created.text_original


def test_v3_search_renders_adf_description(v3: Any) -> None:
    events, _ = v3
    created = next(e for e in events if e.channel == "OPS-433" and e.event_type == "created")
    assert created.occurred_at == _utc(2024, 5, 2, 14, 52, 10)
    text = created.text
    for fragment in (
        "## What we see", "**4 s**", "`07:40`", "[runbook](https://wiki.example.net/rb/login)",
        "- token service\n- session store *(suspected)*", "> **Warning:** Do not restart",
        "```sql\nSELECT count(*) FROM sessions;\n```", "| Region | p99 |\n| --- | --- |",
        "| eu-west-1 | 4.2 s |", "1. page DB on-call\n2. open status page", "kept text",
        "[attachment: latency-graph.png]",
    ):
        assert fragment in text
    assert [a.name for a in created.attachments] == ["latency-graph.png"]
    assert json.loads(created.text_original.split("\n\n", 1)[1])["type"] == "doc"


def test_v3_comment_mentions_emoji_breaks_and_strike(v3: Any) -> None:
    comment = next(e for e in v3[0] if e.event_type == "comment")
    assert comment.text == (
        "@Priya Raman failed over the session store to the replica ✅  \n"
        "latency ~~dropping~~ recovering")
    assert comment.kind == "mitigation"
    assert comment.occurred_at == _utc(2024, 5, 2, 15, 31, 5)


def test_v3_missing_and_partial_changelog_are_reported(v3: Any) -> None:
    events, report = v3
    assert report.channels_seen == {"OPS-433": 3, "OPS-434": 2}
    assert any("OPS-433" in w and "1 of 3" in w for w in report.warnings)
    assert any("OPS-434" in w and "no changelog" in w for w in report.warnings)
    resolved = [e for e in events if e.channel == "OPS-434" and e.event_type == "status_change"]
    assert [(e.occurred_at, e.raw["to"], e.raw["field"]) for e in resolved] == [
        (_utc(2024, 5, 6, 10, 50), "Done", "resolution")]
    created = next(e for e in events if e.channel == "OPS-434")
    assert (created.author_id, created.author_name) == ("5f1a2b3c4d5e6f0011aa09", "Former user")


def test_reimport_gives_the_same_unique_ids(test_data: Path) -> None:
    for name in ("issue_v2_changelog.json", "search_v3_adf.json"):
        first, _ = _parse(Source.from_path(test_data / "jira" / name))
        again, _ = _parse(Source.from_bytes(name, (test_data / "jira" / name).read_bytes()))
        ids = [e.source_id for e in first]
        assert len(ids) == len(set(ids))
        assert ids == [e.source_id for e in again]


def test_channel_filter_keeps_chosen_issues(test_data: Path) -> None:
    events, report = _parse(Source.from_path(test_data / "jira" / "search_v3_adf.json"),
                            ImportOptions(channels=frozenset({"OPS-434"})))
    assert {e.channel for e in events} == {"OPS-434"}
    assert report.skipped["issue not in the chosen channels"] == 1


def test_detect_picks_jira_for_json_and_not_for_github(test_data: Path) -> None:
    assert detect(Source.from_path(test_data / "jira" / "search_v3_adf.json")).name == "jira"
    assert detect(Source.from_path(test_data / "jira" / "issue_v2_changelog.json")).name == "jira"
    assert not get("jira").sniff(Source.from_path(test_data / "github" / "bundle.json"))


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d["fields"].__setitem__("created", "yesterday"), "fields.created"),
    (lambda d: d["fields"].__setitem__("created", "2024-03-14T09:12:30"), "fields.created"),
    (lambda d: d["fields"].__setitem__("comment", {"comments": "none"}), "fields.comment.comments"),
    (lambda d: d["changelog"]["histories"][2].__setitem__("items", [7]),
     "changelog.histories[2].items[0]"),
    (lambda d: d.__setitem__("fields", []), "fields"),
])
def test_bad_values_raise_with_the_field(test_data: Path, mutate: Any, field: str) -> None:
    doc = json.loads((test_data / "jira" / "issue_v2_changelog.json").read_text())
    mutate(doc)
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("issue.json", json.dumps(doc).encode()))
    assert info.value.file == "issue.json"
    assert info.value.field == field


def test_broken_json_and_encoding_give_a_location() -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("a.json", b'{"fields": {\n "created": }'))
    assert info.value.line == 2
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("b.json", b'{"fields": "\xff"}'))
    assert info.value.position == 12


def test_wiki_markup_light_conversion() -> None:
    assert wiki_to_markdown("h1. Title\n*bold* and * not a bullet") == (
        "# Title\n**bold** and * not a bullet")
    assert wiki_to_markdown("ask [~jdoe] see [docs|https://d.example/x] {{cfg}}") == (
        "ask @jdoe see [docs](https://d.example/x) `cfg`")
    assert wiki_to_markdown("{noformat}\n*raw*\n{noformat}") == "```\n*raw*\n```"


def test_adf_degrades_on_garbage() -> None:
    text, attachments = adf_to_markdown(
        {"type": "doc", "content": [{"type": "paragraph", "content": "x"}, 5,
                                    {"type": "heading", "attrs": {"level": 99},
                                     "content": [{"type": "text", "text": "T"}]}]})
    assert text == "# T"
    assert attachments == ()


# --- real files from the shared corpus -------------------------------------------------


def test_corpus_actionableagile_changelog(corpus: Path) -> None:
    source = Source.from_path(corpus / "jira" / "actionableagile_search_with_changelog.json")
    assert detect(source).name == "jira"
    events, report = _parse(source)
    assert len(report.channels_seen) == 25
    assert sum(e.event_type == "created" for e in events) == 25
    assert sum(e.event_type == "status_change" and e.raw["field"] == "status"
               for e in events) == 64
    assert sum(e.event_type == "status_change" and e.raw["field"] == "resolution"
               for e in events) == 4
    assert report.warnings == []
    ut26 = [(e.occurred_at, e.raw["from"], e.raw["to"]) for e in events
            if e.channel == "UT-26" and e.event_type == "status_change"]
    assert ut26 == [
        (_utc(2015, 11, 21, 12, 14, 1, 643000), "Backlog", "Dev Active"),
        (_utc(2015, 11, 26, 11, 34, 28, 549000), "Dev Active", "Dev Done"),
        # -0400: daylight saving time had started in New York.
        (_utc(2016, 3, 29, 11, 19, 29, 805000), "Dev Done", "Test"),
    ]
    workflow = next(e for e in events if e.channel == "UT-26" and e.event_type == "field_change")
    assert workflow.text.startswith("Field Workflow: Copy of Software Simplified Workflow")
    assert workflow.author_name == "Daniel Vacanti [Administrator]"
    assert workflow.author_id == "admin"


def test_corpus_adf_document_renders(corpus: Path) -> None:
    doc = json.loads((corpus / "jira" / "jira-cli_adf_document_sample.json").read_text())
    text, _ = adf_to_markdown(doc)
    assert text.startswith("# H1\n\n## H2")
    assert "@Person A" in text
    assert "> **Info:** Panel paragraph" in text
    assert "```go\npackage main\n" in text
    assert "[Link](https://ankit.pl)" in text
    assert "- Prefix: Unordered list item 1\n  - Next\n    - Another" in text
    assert "| **Table Header 1** | **Table Header 2** | **Table Header 3** |" in text
    assert "~~Prefix: Strikethrough text~~" in text


def test_corpus_server_issue_and_comments_page(corpus: Path) -> None:
    events, report = _parse(Source.from_path(corpus / "jira" / "jira-ruby_issue_10002.json"))
    assert [(e.event_type, e.occurred_at) for e in events] == [
        ("created", _utc(2011, 12, 13, 21, 26, 6, 30000))]
    assert "no changelog" in report.warnings[0]
    comments, _ = _parse(Source.from_path(corpus / "jira" / "jira-ruby_issue_10002_comments.json"))
    assert [(c.source_id, c.edited, c.channel) for c in comments] == [
        ("10002:comment:10000", True, "10002"), ("10002:comment:10001", False, "10002")]
    search, report = _parse(Source.from_path(corpus / "jira" / "jira-ruby_search_issues.json"))
    assert len(search) == 11 and len(report.warnings) == 11


# --- robustness ------------------------------------------------------------------------

_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False,
    allow_infinity=False), st.text(max_size=8), st.just([]), st.just({}),
    st.just("0001-01-01T00:00:00.000+0100"), st.just({"type": "doc", "content": 3}),
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
    name = data.draw(st.sampled_from(["issue_v2_changelog.json", "search_v3_adf.json"]))
    blob = data.draw(_mutated((test_data / "jira" / name).read_bytes()))
    try:
        _parse(Source.from_bytes(name, blob))
    except ImportFormatError as exc:
        assert exc.file == name
        assert exc.line is not None or exc.position is not None or exc.field is not None


_ADF_NODE = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=6),
              st.sampled_from(["paragraph", "text", "media", "table", "bulletList", "mention"])),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.fixed_dictionaries(
            {"type": st.sampled_from([
                "paragraph", "heading", "text", "bulletList", "orderedList", "listItem",
                "codeBlock", "panel", "table", "tableRow", "tableCell", "mediaSingle", "media",
                "mention", "emoji", "hardBreak", "inlineCard", "date", "taskList", "mystery"])},
            optional={"content": children, "text": children, "attrs": children,
                      "marks": st.lists(st.fixed_dictionaries(
                          {"type": children}, optional={"attrs": children}), max_size=3)},
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_ADF_NODE)
def test_adf_converter_is_total(doc: Any) -> None:
    text, attachments = adf_to_markdown({"type": "doc", "content": [doc]})
    assert isinstance(text, str)
    # Every media node collected as an attachment leaves a visible placeholder.
    assert text.count("[attachment: ") >= len(attachments)
