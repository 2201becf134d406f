"""IRC log importer: client formats, dates from the log itself, encodings, mutations."""

from __future__ import annotations

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

DATA = Path(__file__).resolve().parents[2] / "data" / "irc"
WARSAW = ZoneInfo("Europe/Warsaw")


def _parse(source: Source, tz=WARSAW):
    report = ParseReport()
    events = list(get("irc").parse(source, ImportOptions(tz=tz), report))
    return events, report


def test_irssi_dates_come_from_headers_and_day_changes():
    events, report = _parse(Source.from_path(DATA / "irssi.log"))
    assert report.zone_assumed == "Europe/Warsaw"
    assert [e.occurred_at for e in events[:3]] == [
        datetime(2024, 3, 1, 22, 51, tzinfo=UTC),  # 23:51 CET
        datetime(2024, 3, 1, 22, 52, tzinfo=UTC),
        datetime(2024, 3, 1, 23, 3, tzinfo=UTC),  # 00:03 after "Day changed Sat Mar 02"
    ]
    assert len(events) == 8
    assert report.skipped == {"join": 1, "nick change": 1, "mode change": 1, "quit": 1}


def test_irssi_nick_changes_actions_topic_notice():
    events = _parse(Source.from_path(DATA / "irssi.log"))[0]
    action, rollback, topic, notice, recovered = events[1:6]
    assert action.text == "*tomek looks at the dashboards*" and action.event_type == "action"
    # Same person before and after "tomek is now known as tomek_oncall".
    assert (rollback.author_id, rollback.author_name) == ("tomek", "tomek_oncall")
    assert rollback.author_id == action.author_id and rollback.kind == "mitigation"
    assert topic.event_type == "topic"
    assert topic.text == "priya changed the topic to: INC-42 checkout latency (mitigated)"
    assert (notice.event_type, notice.author_name) == ("notice", "ChanServ")
    assert recovered.author_name == "tomek_oncall" and recovered.kind == "recovery"


def test_colour_codes_stripped_and_mixed_encodings_decoded():
    events = _parse(Source.from_path(DATA / "irssi.log"))[0]
    latin, utf8 = events[-2], events[-1]
    assert latin.text == "red summary: café résumé done"
    assert latin.text_original.startswith("\x0304,01red\x0f")
    assert latin.author_id == "tomek"
    assert utf8.text == "zażółć ok"
    assert utf8.occurred_at == datetime(2024, 3, 1, 23, 11, tzinfo=UTC)


def test_weechat_tabs():
    src = Source.from_path(DATA / "weechat.log")
    assert detect(src).name == "irc"
    events, report = _parse(src, ZoneInfo("America/New_York"))
    assert [(e.author_name, e.text) for e in events] == [
        ("priya", "Alerts firing for checkout"),
        ("tomek", "*tomek is looking*"),
        ("tomek_oc", "rolled back"),
    ]
    assert events[0].occurred_at == datetime(2024, 3, 2, 4, 51, 10, tzinfo=UTC)
    assert events[2].author_id == events[1].author_id == "tomek"
    assert report.skipped == {"join": 1, "part or quit": 1, "nick change": 1}


def test_zone_required_for_naive_lines():
    with pytest.raises(ImportFormatError, match="zone") as err:
        _parse(Source.from_path(DATA / "weechat.log"), tz=None)
    assert err.value.line == 2


def test_clock_times_without_any_date_are_refused():
    src = Source.from_path(DATA / "znc_nodate.log")
    with pytest.raises(ImportFormatError, match="no date") as err:
        _parse(src)
    assert err.value.line == 2


def test_header_added_by_user_supplies_the_date():
    data = b"--- Day changed 2024-03-01\n" + (DATA / "znc_nodate.log").read_bytes()
    events, report = _parse(Source.from_bytes("znc.log", data))
    assert [e.occurred_at for e in events] == [
        datetime(2024, 3, 1, 22, 51, 10, tzinfo=UTC), datetime(2024, 3, 1, 22, 52, tzinfo=UTC)]
    assert report.skipped["join"] == 1


def test_ids_are_stable_and_unique_for_repeated_lines():
    line = b"2024-03-01T10:00:00  <bot> ping\n"
    src = Source.from_bytes("a.log", line * 3)
    first = [e.source_id for e in _parse(src)[0]]
    again = [e.source_id for e in _parse(Source.from_bytes("renamed.log", line * 3))[0]]
    assert len(set(first)) == 3 and first == again


def test_not_irc_at_all():
    with pytest.raises(ImportFormatError, match="no IRC log lines") as err:
        _parse(Source.from_bytes("notes.txt", b"just some notes\nnothing else\n"))
    assert err.value.line == 1
    assert get("irc").sniff(Source.from_bytes("notes.txt", b"just some notes\n")) is False
    assert get("irc").sniff(Source.from_bytes("x.json", b'{"value": []}')) is False


def test_corpus_supybot_latin1_and_nick_change(corpus):
    src = Source.from_path(corpus / "irc" / "irclog2html_supybot_sample.log")
    assert detect(src).name == "irc"
    events, report = _parse(src, ZoneInfo("Europe/Vilnius"))
    assert len(events) == 7 and report.skipped == {"join": 2, "nick change": 1}
    assert events[0].occurred_at == datetime(2005, 1, 8, 21, 34, 46, tzinfo=UTC)
    assert events[0].text.endswith("ąčę")  # UTF-8 line
    assert events[1].text == "š"  # lone cp1252 byte 0x9A
    assert events[-1].author_name == "povbot"


def test_corpus_supybot_conversation(corpus):
    src = Source.from_path(corpus / "irc" / "irclog2html_testcase_2005-01-09-test2.log")
    events, report = _parse(src, ZoneInfo("Europe/Vilnius"))
    assert len(events) == 50
    assert report.skipped == {"quit": 3, "join": 3, "nick change": 1}
    assert events[0].occurred_at == datetime(2005, 1, 9, 0, 5, 4, tzinfo=UTC)
    assert events[-1].occurred_at == datetime(2005, 1, 9, 7, 17, 35, tzinfo=UTC)
    # "ryzaja_ is now known as ryzaja": the last speaker keeps the id of ryzaja_.
    assert (events[-1].author_name, events[-1].author_id) == ("ryzaja", "ryzaja_")
    assert any(e.text.startswith("*mgedmin has got gprs") for e in events)


def test_corpus_hybrid_charset(corpus):
    src = Source.from_path(corpus / "irc" / "irclog2html_testcase_2011-01-16-hybrid-charset.log")
    events = _parse(src, ZoneInfo("Europe/Vilnius"))[0]
    assert [e.text[:20] for e in events] == ["aišku :)", "*mgedmin naudoja Ubu"]
    assert "lietuviškai" in events[1].text and "savaitės" in events[1].text


def test_corpus_textual_offsets_need_no_zone(corpus):
    src = Source.from_path(corpus / "irc" / "textual_2021-04-22-with-additions.txt")
    events, report = _parse(src, tz=None)
    assert report.zone_assumed is None
    assert [(e.occurred_at, e.author_name) for e in events] == [
        (datetime(2021, 4, 22, 8, 1, 4, tzinfo=UTC), "MasterDuke"),
        (datetime(2021, 4, 22, 8, 1, 33, tzinfo=UTC), "sena_kun"),
        (datetime(2021, 4, 22, 23, 48, 2, tzinfo=UTC), "lizmat"),
        (datetime(2021, 4, 22, 23, 53, 59, tzinfo=UTC), "lizmat"),
    ]
    assert events[1].text == "*sena_kun still awaits the release blocker*"
    assert events[2].event_type == "topic" and events[2].author_id == "lizmmat_"
    assert report.skipped == {
        "join": 2, "nick change": 1, "quit": 1, "mode change": 1, "kick": 1}


def test_corpus_colabti_and_dircproxy_need_a_date(corpus):
    colabti = corpus / "irc" / "colabti_2021-04-22.log"
    with pytest.raises(ImportFormatError, match="no date"):
        _parse(Source.from_path(colabti))  # the date is only in the file name
    dated = b"--- Day changed Thu Apr 22 2021\n" + colabti.read_bytes()
    events, report = _parse(Source.from_bytes("colabti.log", dated), ZoneInfo("Europe/Berlin"))
    assert [e.occurred_at for e in events] == [
        datetime(2021, 4, 22, 6, 1, tzinfo=UTC), datetime(2021, 4, 22, 6, 1, tzinfo=UTC),
        datetime(2021, 4, 22, 21, 48, tzinfo=UTC)]
    assert events[2].author_id == "lizmmat_"
    assert report.skipped == {
        "join": 1, "nick change": 1, "part": 1, "mode change": 1, "kick": 1}

    dircproxy = corpus / "irc" / "irclog2html_testcase_2009-01-15-dircproxy.log"
    with pytest.raises(ImportFormatError, match="no year") as err:
        _parse(Source.from_path(dircproxy))
    assert err.value.line == 3
    dated = b"--- Log opened Thu Jan 15 00:00:00 2009\n" + dircproxy.read_bytes()
    events, report = _parse(Source.from_bytes("d.log", dated), ZoneInfo("America/New_York"))
    assert len(events) == 218
    assert report.skipped == {"client notice": 4, "empty message": 3}
    assert events[0].text == "*jsmith-away wanders away...*"
    assert events[1].text == "morning..."  # "-" identify flag stripped
    assert events[1].occurred_at == datetime(2009, 1, 15, 14, 15, tzinfo=UTC)


_VALID = (DATA / "irssi.log").read_bytes()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)), max_size=8),
    st.integers(0, len(_VALID)),
    st.booleans(),
)
def test_mutations_raise_only_import_format_error(flips, cut, drop_zone):
    data = bytearray(_VALID)
    for at, value in flips:
        data[at] = value
    try:
        _parse(Source.from_bytes("mutant.log", bytes(data[:cut])),
               tz=None if drop_zone else WARSAW)
    except ImportFormatError as exc:
        assert exc.file == "mutant.log" and exc.line is not None
