"""Tests for the Jira CSV export importer (repeated columns, naive dates, multi-line cells)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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

LISBON = ImportOptions(tz=ZoneInfo("Europe/Lisbon"))


def _parse(
    source: Source, options: ImportOptions = LISBON
) -> tuple[list[NormalizedEvent], ParseReport]:
    report = ParseReport()
    return list(get("jira-csv").parse(source, options, report)), report


@pytest.fixture()
def export(test_data: Path) -> Source:
    return Source.from_path(test_data / "jira" / "export.csv")


def test_rows_give_created_comments_and_resolution(export: Source) -> None:
    events, report = _parse(export)
    assert Counter(e.event_type for e in events) == {
        "created": 2, "comment": 3, "status_change": 1}
    assert report.channels_seen == {"PAY-88": 5, "PAY-89": 1}
    assert report.zone_assumed == "Europe/Lisbon"


def test_naive_dates_are_read_in_the_chosen_zone(export: Source) -> None:
    events, _ = _parse(export)
    # Lisbon is UTC+1 in July: 3:42 PM local is 14:42 UTC.
    assert [(e.channel, e.event_type, e.occurred_at) for e in events] == [
        ("PAY-88", "created", datetime(2025, 7, 14, 14, 42, tzinfo=UTC)),
        ("PAY-88", "comment", datetime(2025, 7, 14, 14, 47, tzinfo=UTC)),
        ("PAY-88", "comment", datetime(2025, 7, 14, 15, 20, tzinfo=UTC)),
        ("PAY-88", "comment", datetime(2025, 7, 14, 16, 55, tzinfo=UTC)),
        ("PAY-88", "status_change", datetime(2025, 7, 14, 16, 58, tzinfo=UTC)),
        ("PAY-89", "created", datetime(2025, 7, 15, 8, 5, tzinfo=UTC)),
    ]
    tokyo, report = _parse(export, ImportOptions(tz=ZoneInfo("Asia/Tokyo")))
    assert tokyo[0].occurred_at == datetime(2025, 7, 14, 6, 42, tzinfo=UTC)
    assert report.zone_assumed == "Asia/Tokyo"


def test_missing_zone_is_refused_with_a_hint(export: Source) -> None:
    assert get("jira-csv").needs_zone is True
    with pytest.raises(ImportFormatError) as info:
        _parse(export, ImportOptions())
    assert "zone" in info.value.message
    assert info.value.file == "export.csv"


def test_comment_cells_split_into_author_and_multiline_body(export: Source) -> None:
    comments = [e for e in _parse(export)[0] if e.event_type == "comment"]
    assert [c.author_id for c in comments] == [
        "712020:aa11bb22-cc33-dd44-ee55-ff6677889900",
        "712020:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
        "712020:aa11bb22-cc33-dd44-ee55-ff6677889900",
    ]
    assert [c.kind for c in comments] == ["acknowledgement", "mitigation", "recovery"]
    # The body keeps its own ';' and newline.
    assert comments[1].text_original == (
        "Restarted the consumers; lag is dropping.\nRoot cause: a poison message; "
        "see {code}msg_id=7781{code}")


def test_created_uses_reporter_and_multiline_description(export: Source) -> None:
    created = _parse(export)[0][0]
    assert created.author_name == "Ben Okafor"
    assert created.kind == "detection"
    assert created.text.startswith("PAY-88 created: Payments webhook queue backing up\n\n")
    assert "Alert **QueueLagHigh** firing since 15:35." in created.text
    assert created.raw["Labels"] == ["sev2", "payments"]


def test_resolved_becomes_status_change_to_the_resolution(export: Source) -> None:
    resolved = next(e for e in _parse(export)[0] if e.event_type == "status_change")
    assert (resolved.raw["from"], resolved.raw["to"], resolved.raw["field"]) == (
        None, "Fixed", "resolution")
    assert resolved.kind == "recovery"
    assert resolved.raw["item"]["Issue key"] == "PAY-88"


def test_reimport_ids_are_stable_and_unique(export: Source, test_data: Path) -> None:
    first = [e.source_id for e in _parse(export)[0]]
    again = [e.source_id for e in _parse(Source.from_bytes(
        "copy.csv", (test_data / "jira" / "export.csv").read_bytes()))[0]]
    assert first == again
    assert len(set(first)) == len(first)


def test_detect_prefers_jira_csv_over_generic_csv(export: Source) -> None:
    assert detect(export).name == "jira-csv"
    assert not get("jira-csv").sniff(Source.from_bytes("x.csv", b"timestamp,author,text\n"))


@pytest.mark.parametrize(("body", "field", "line"), [
    (b"Summary,Issue key,Created\nA,OPS-1,yesterday\n", "Created", 2),
    (b"Summary,Issue key,Created,Comment\nA,OPS-1,14/Jul/25 3:42 PM,no separators\n",
     "Comment", 2),
    (b"Summary,Issue key\nA,OPS-1\n", "Created", 1),
    (b'Summary,Issue key,Created\n"A\nB",,14/Jul/25 3:42 PM\n', "Issue key", 2),
])
def test_bad_rows_raise_with_line_and_field(body: bytes, field: str, line: int) -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("bad.csv", body))
    assert (info.value.field, info.value.line) == (field, line)


def test_non_utf8_is_reported_with_a_position() -> None:
    with pytest.raises(ImportFormatError) as info:
        _parse(Source.from_bytes("latin.csv", b"Summary,Issue key,Created\nCaf\xe9,O-1,x\n"))
    assert info.value.position == 29


_TEXT_EDITS = st.sampled_from(["cut", "flip", "quote", "nul", "semicolon", "date"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_csv_only_raises_import_format_error(test_data: Path, data: Any) -> None:
    blob = (test_data / "jira" / "export.csv").read_bytes()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(blob) - 1))
        edit = data.draw(_TEXT_EDITS)
        if edit == "cut":
            blob = blob[:at]
        elif edit == "flip":
            blob = blob[:at] + bytes([blob[at] ^ data.draw(st.integers(1, 255))]) + blob[at + 1:]
        else:
            insert = {"quote": b'"', "nul": b"\x00", "semicolon": b";",
                      "date": b"31/Foo/99 25:99 XM"}[edit]
            blob = blob[:at] + insert + blob[at:]
        if not blob:
            break
    try:
        _parse(Source.from_bytes("export.csv", blob))
    except ImportFormatError as exc:
        assert exc.file == "export.csv"
        assert exc.line is not None or exc.position is not None or exc.field is not None
