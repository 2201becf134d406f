"""Generic CSV / JSON Lines importers: the documented columns, errors with line numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.timeline.importers import (
    ImportFormatError,
    ImportOptions,
    ParseReport,
    Source,
    detect,
    get,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "generic"


def _parse(fmt: str, source: Source, options: ImportOptions | None = None):
    report = ParseReport()
    events = list(get(fmt).parse(source, options or ImportOptions(), report))
    return events, report


def test_csv_fixture_bom_crlf_multiline_and_quotes():
    src = Source.from_path(DATA / "timeline.csv")
    assert detect(src).name == "csv"
    events, report = _parse("csv", src)
    assert len(events) == 4
    first, second, third, fourth = events
    assert first.occurred_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert first.text == "Alert fired for checkout p99\r\n(eu-west, since 09:55)"
    assert (first.source, first.source_id) == ("csv", "statuspage:sp-1")
    assert second.thread_ref == "statuspage:sp-1"
    assert second.kind == "mitigation"  # no kind given: guessed from the words
    assert third.text == 'She said "all clear" at last'
    assert third.occurred_at == datetime(2024, 3, 1, 9, 20, 0, 250000, tzinfo=UTC)
    assert fourth.author_name is None and fourth.kind == "communication"
    assert report.channels_seen == {"#ops": 3, "#vendor": 1}
    assert report.zone_assumed is None


def test_csv_synthesized_ids_are_stable():
    src = Source.from_path(DATA / "timeline.csv")
    ids = [e.source_id for e in _parse("csv", src)[0]]
    again = [e.source_id for e in _parse("csv", Source.from_bytes("copy.csv",
                                                                   src.read_bytes()))[0]]
    assert ids == again and len(set(ids)) == 4
    assert ids[2].startswith("csv:") and ids[2] != ids[3]


def test_jsonl_fixture():
    src = Source.from_path(DATA / "timeline.jsonl")
    assert detect(src).name == "jsonl"
    events, _ = _parse("jsonl", src)
    assert [e.occurred_at for e in events] == [
        datetime(2024, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 9, 3, tzinfo=UTC),
        datetime(2024, 3, 1, 9, 20, tzinfo=UTC),
    ]
    assert events[0].source_id == "101" and events[1].thread_ref == "101"
    assert events[1].text.endswith("`kubectl rollout undo`")
    assert events[2].event_type == "status_update" and events[2].author_name is None
    assert [a.url for a in events[2].attachments] == ["https://status.example.test/incidents/42"]
    assert all(e.source == "jsonl" for e in events)


def test_naive_times_need_a_zone_semicolon_delimiter():
    src = Source.from_path(DATA / "naive_semicolon.csv")
    assert detect(src).name == "csv"
    with pytest.raises(ImportFormatError, match="no zone") as err:
        _parse("csv", src)
    assert (err.value.line, err.value.field) == (2, "timestamp")
    events, report = _parse("csv", src, ImportOptions(tz=ZoneInfo("Europe/Oslo")))
    assert [e.occurred_at for e in events] == [
        datetime(2024, 3, 1, 9, 0, tzinfo=UTC), datetime(2024, 3, 1, 9, 5, tzinfo=UTC)]
    assert report.zone_assumed == "Europe/Oslo"


@pytest.mark.parametrize(
    ("data", "line", "field", "message"),
    [
        (b"timestamp,text\n2024-03-01T10:00:00Z,x\n", 1, None, "required columns are"),
        (b"timestamp,author,text,kind\n2024-03-01T10:00:00Z,a,b,detection\n"
         b"2024-03-01T10:01:00Z,a,b,panic\n", 3, "kind", "unknown kind"),
        (b'timestamp,author,text\n2024-03-01T10:00:00Z,a,"multi\nline"\nyesterday,a,b\n',
         4, "timestamp", "not an ISO"),
        (b"timestamp,author,text\n2024-03-01T10:00:00Z,a\n", 2, None, "2 cells"),
        (b"timestamp,author,text\n2024-03-01T10:00:00Z,a,\xff\xfe\n", 2, None, "not UTF-8"),
        (b'timestamp,author,text\n2024-03-01T10:00:00Z,a,"open\n', 2, None, "malformed"),
        (b"id,timestamp,author,text\n1,2024-03-01T10:00:00Z,a,b\n1,2024-03-01T10:00:00Z,a,c\n",
         3, "id", "duplicate id"),
        (b"", 1, None, "header"),
    ],
)
def test_csv_errors_name_the_line(data, line, field, message):
    with pytest.raises(ImportFormatError, match=message) as err:
        _parse("csv", Source.from_bytes("t.csv", data))
    assert (err.value.file, err.value.line, err.value.field) == ("t.csv", line, field)


@pytest.mark.parametrize(
    ("lines", "line", "field"),
    [
        (['{"timestamp": "2024-03-01T10:00:00Z", "author": "a", "text": 5}'], 1, "text"),
        (['{"timestamp": "2024-03-01T10:00:00Z", "author": "a", "text": "x"}',
          '{"timestamp": "2024-03-01T10:00:00Z", "author": "a"}'], 2, "text"),
        (['{"timestamp": "2024-03-01T10:00:00Z", "author": "a", "text": "x"}', "", "[1]"], 3,
         None),
        (['{"timestamp": 1709287200, "author": "a", "text": "x"}'], 1, "timestamp"),
        (['{"timestamp": "2024-03-01T10:00:00Z", "author": "a", "text": "x", "id": 1.5}'], 1,
         "id"),
        (['{"timestamp": "2024-03-01T10:00:00Z", "author": "a", "text": "x", "kind": "Fix"}'],
         1, "kind"),
    ],
)
def test_jsonl_errors_name_line_and_field(lines, line, field):
    data = "\n".join(lines).encode()
    with pytest.raises(ImportFormatError) as err:
        _parse("jsonl", Source.from_bytes("t.jsonl", data))
    assert (err.value.file, err.value.line, err.value.field) == ("t.jsonl", line, field)


def test_kind_filter_and_skips():
    data = (b"timestamp,author,text,channel,kind\n"
            b"2024-03-01T10:00:00Z,a,   ,#a,\n"
            b"2024-03-01T10:00:00Z,a,Resolved,#b,RECOVERY\n")
    events, report = _parse("csv", Source.from_bytes("t.csv", data),
                            ImportOptions(channels=frozenset({"#b"})))
    assert [(e.channel, e.kind) for e in events] == [("#b", "recovery")]
    assert report.skipped == {"empty text": 1}


def test_vendor_json_is_not_claimed():
    assert get("jsonl").sniff(Source.from_bytes("x.json", b'{"value": []}')) is False
    assert get("csv").sniff(Source.from_bytes("x.csv", b"Issue key,Summary\n")) is False


_CSV = (DATA / "timeline.csv").read_bytes()
_JSONL = (DATA / "timeline.jsonl").read_bytes()
_JUNK = st.one_of(st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.floats(),
                  st.text(max_size=8), st.builds(list), st.builds(dict))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_CSV) - 1), st.integers(0, 255)), max_size=6),
       st.integers(0, len(_CSV)))
def test_csv_mutations_raise_only_import_format_error(flips, cut):
    data = bytearray(_CSV)
    for at, value in flips:
        data[at] = value
    try:
        _parse("csv", Source.from_bytes("m.csv", bytes(data[:cut])))
    except ImportFormatError as exc:
        assert exc.file == "m.csv" and exc.line is not None


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2), st.sampled_from(["timestamp", "author", "text", "id", "kind",
                                           "thread", "channel", "url"]),
       st.booleans(), _JUNK, st.integers(0, 400))
def test_jsonl_mutations_raise_only_import_format_error(row, key, drop, junk, cut):
    lines = [json.loads(x) for x in _JSONL.decode().splitlines() if x.strip()]
    if drop:
        lines[row].pop(key, None)
    else:
        lines[row][key] = junk
    data = "\n".join(json.dumps(x) for x in lines).encode()[: cut * 4]
    try:
        _parse("jsonl", Source.from_bytes("m.jsonl", data))
    except ImportFormatError as exc:
        assert exc.file == "m.jsonl" and exc.line is not None
