"""Tests for the back-catalogue postmortem parser (fixtures and the real corpus folders)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reviews.postmortem_parser import (
    ParsedAction,
    PostmortemParseError,
    SkippedFile,
    iter_postmortem_files,
    parse_postmortem,
)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _parse(test_data: Path, name: str, **kwargs: object):
    path = test_data / "postmortems" / name
    return parse_postmortem(path.read_text(encoding="utf-8"), name, **kwargs)


# --- fixtures -------------------------------------------------------------------------------


def test_front_matter_fields_and_sections(test_data: Path) -> None:
    pm = _parse(test_data, "front-matter-tables.md")
    assert pm.title == "Checkout latency after cache eviction storm"
    assert pm.recognised["title"] == "front matter"
    assert pm.date == date(2022, 11, 8)
    assert pm.severity == "SEV2"
    assert pm.services == ["checkout", "redis-cache"]
    assert pm.tags == ["cache", "latency"]
    assert pm.summary is not None and pm.summary.startswith("Checkout requests slowed")
    assert pm.impact == "About 12% of checkouts timed out."
    assert len(pm.contributing_factors) == 2
    assert pm.contributing_factors[1] == "No alert on the eviction rate."
    assert ("Attendees", "- AB, CD") in pm.other_sections
    kinds = [s["as"] for s in pm.recognised["sections"]]
    assert kinds == ["summary", "impact", "timeline", "contributing_factors"]


def test_table_zone_overrides_document_statement(test_data: Path) -> None:
    pm = _parse(test_data, "front-matter-tables.md")
    times = [e.occurred_at for e in pm.timeline_events]
    # 10:30 under the "Time (CET)" header is 09:30 UTC; the others are stated UTC.
    assert times == [_utc(2022, 11, 8, 9, 12), _utc(2022, 11, 8, 9, 20),
                     _utc(2022, 11, 8, 9, 52), _utc(2022, 11, 8, 9, 30)]
    assert pm.timeline_events[0].text == "Eviction storm begins on redis-cache-2"
    assert pm.timeline_events[0].line == 27
    assert pm.zone is not None and pm.zone.name == "UTC"
    assert "All times in UTC" in pm.zone.source
    assert any("Europe/Copenhagen" in z for z in pm.recognised["zones"])
    reasons = [s["reason"] for s in pm.recognised["skipped_lines"]]
    assert reasons == ["placeholder time"]


def test_bullet_times_roll_over_midnight_and_dst(test_data: Path) -> None:
    pm = _parse(test_data, "bullets-midnight-bst.md")
    assert pm.zone is not None and pm.zone.name == "Europe/London"
    assert [e.occurred_at for e in pm.timeline_events] == [
        _utc(2021, 3, 27, 22, 50), _utc(2021, 3, 27, 23, 40),
        _utc(2021, 3, 28, 0, 15), _utc(2021, 3, 28, 1, 10, 30),  # 02:10:30 BST
    ]
    assert [e.raw_time for e in pm.timeline_events] == ["22:50", "23:40", "00:15", "02:10:30"]
    assert pm.timeline_events[1].text.endswith("still climbing after the first retry")
    assert any("midnight" in n for n in pm.recognised["notes"])
    skipped = pm.recognised["skipped_lines"]
    assert [s["line"] for s in skipped] == [13]
    assert pm.date == date(2021, 3, 27)


def test_what_went_wrong_under_lessons_is_a_lesson(test_data: Path) -> None:
    pm = _parse(test_data, "bullets-midnight-bst.md")
    assert pm.lessons == ["Paging worked.", "The batch window assumed 24-hour days."]
    assert pm.contributing_factors == []


def test_actions_with_checkboxes_owners_and_tables(test_data: Path) -> None:
    pm = _parse(test_data, "actions-checkboxes.md")
    assert pm.actions == [
        ParsedAction("Renew the certificate", "@maria", True, "", 17),
        ParsedAction("Alert 14 days before any certificate expires", "@sam", False, "", 18),
        ParsedAction("Move reminders to the team channel", None, True, "the inbox is gone", 19),
        ParsedAction("Write a runbook for manual renewal", None, None, "", 20),
        ParsedAction("Automate renewal with ACME", "Platform", False, "", 26),
        ParsedAction("Audit other certificates", "Security", True, "", 27),
    ]
    assert pm.contributing_factors[1].startswith("The staging certificate had a different expiry")
    assert "so staging never showed the problem." in pm.contributing_factors[1]
    assert pm.lessons == [
        "The on-call engineer spotted the expiry date in the browser within minutes."]
    assert pm.summary == "The partner API certificate expired at midnight."
    assert pm.other_sections == [("Appendix", "Raw notes are in the team drive.")]
    assert pm.timeline_events == [] and "no timeline section" in pm.recognised["notes"]


def test_no_zone_keeps_events_unplaced(test_data: Path) -> None:
    pm = _parse(test_data, "no-zone.md")
    assert pm.timeline_events == []
    assert pm.zone is None
    assert pm.recognised["zone"] == "no zone stated; pass --tz"
    assert pm.recognised["unplaced_events"] == 3
    assert pm.timeline_text is not None and "Rebuild stalled" in pm.timeline_text


def test_default_tz_places_events_and_says_so(test_data: Path) -> None:
    pm = _parse(test_data, "no-zone.md", default_tz=ZoneInfo("Europe/Copenhagen"))
    assert [e.occurred_at for e in pm.timeline_events] == [
        _utc(2022, 5, 1, 8, 0), _utc(2022, 5, 1, 8, 45), _utc(2022, 5, 1, 10, 30)]
    assert pm.zone is not None and pm.zone.source == "--tz Europe/Copenhagen"


def test_document_statement_beats_default_tz(test_data: Path) -> None:
    pm = _parse(test_data, "front-matter-tables.md", default_tz=ZoneInfo("America/New_York"))
    assert pm.timeline_events[0].occurred_at == _utc(2022, 11, 8, 9, 12)


def test_bold_label_sections_and_section_zone_statement(test_data: Path) -> None:
    pm = _parse(test_data, "bold-labels.md")
    assert pm.impact == "Public services unreachable for 2 hours."
    assert pm.date == date(2023, 2, 14)  # from the "First detected" key event
    assert [e.occurred_at for e in pm.timeline_events] == [
        _utc(2023, 2, 14, 8, 5), _utc(2023, 2, 14, 8, 30), _utc(2023, 2, 14, 9, 58)]
    assert pm.zone is not None and pm.zone.name == "Europe/Copenhagen"
    assert [a.title for a in pm.actions] == ["Protect the hosted zone from deletion"]
    assert pm.other_sections[0][0] == "Key events"


def test_malformed_front_matter_names_file_and_line(test_data: Path) -> None:
    with pytest.raises(PostmortemParseError) as info:
        _parse(test_data, "bad-front-matter.md")
    assert info.value.filename == "bad-front-matter.md"
    assert info.value.line == 4
    assert str(info.value).startswith("bad-front-matter.md:4:")


def test_unclosed_front_matter_is_an_error() -> None:
    with pytest.raises(PostmortemParseError, match="never closed"):
        parse_postmortem("---\ntitle: x\n\n# Body\n", "open.md")


def test_key_events_list_is_a_timeline_only_when_there_is_no_other() -> None:
    text = ("# Outage\n\nAll times in UTC.\n\n- **Key events**\n"
            "  - First detected 2024-02-01 10:05\n  - **Resolved**: 2024-02-01 11:40\n\n"
            "## Timeline\n- 2024-02-01 10:05 pager fired\n")
    pm = parse_postmortem(text, "a.md")
    assert [e.text for e in pm.timeline_events] == ["pager fired"]  # no repeats
    pm = parse_postmortem(text.split("## Timeline")[0], "a.md")
    assert [(e.occurred_at, e.text) for e in pm.timeline_events] == [
        (_utc(2024, 2, 1, 10, 5), "First detected"), (_utc(2024, 2, 1, 11, 40), "Resolved")]


def test_title_falls_back_to_first_sentence_then_file_stem() -> None:
    pm = parse_postmortem("Just some words. And more.\n", "2020-01-02-outage.md")
    assert pm.title == "Just some words"
    assert pm.recognised["title"] == "first sentence"
    assert pm.date is None  # never guessed from the file name
    assert pm.other_sections == [("", "Just some words. And more.")]
    pm = parse_postmortem("---\ncompany: Acme\n---\nOn 2023-07-20 the **API** failed.\n",
                          "0f1e.md")
    assert pm.title == "Acme: On 2023-07-20 the API failed"
    assert pm.date is None  # a date in the opening sentence is not the incident's date
    pm = parse_postmortem("| a | b |\n", "2020-01-02-outage.md")
    assert (pm.title, pm.recognised["title"]) == ("2020-01-02-outage", "file name")


@pytest.mark.parametrize(("line", "expected"), [
    ("- 2021-03-04 14:05 - x", _utc(2021, 3, 4, 14, 5)),
    ("* 04/03/2021 14:05 x", _utc(2021, 3, 4, 14, 5)),
    ("**2021-03-04 14:05:09**: x", _utc(2021, 3, 4, 14, 5, 9)),
    ("- 4 March 2021 2:05 pm - x", _utc(2021, 3, 4, 14, 5)),
    ("- 2021-03-04T14:05Z x", _utc(2021, 3, 4, 14, 5)),
    ("- 2021-03-04 15:05 CET x", _utc(2021, 3, 4, 14, 5)),
])
def test_timestamp_forms(line: str, expected: datetime) -> None:
    pm = parse_postmortem(f"## Timeline\n\nAll times in UTC.\n\n{line}\n", "t.md")
    assert [e.occurred_at for e in pm.timeline_events] == [expected]
    assert pm.timeline_events[0].text == "x"


def test_clock_times_without_any_date_are_skipped() -> None:
    pm = parse_postmortem("## Timeline (UTC)\n\n- 10:00 start\n", "t.md")
    assert pm.timeline_events == []
    assert "without a date" in pm.recognised["skipped_lines"][0]["reason"]


def test_gmt_is_utc_and_ambiguous_abbreviations_are_not_zones() -> None:
    gmt = parse_postmortem("## Timeline\n\nTimes are GMT.\n\n- 2021-07-01 10:00 a\n", "t.md")
    assert gmt.timeline_events[0].occurred_at == _utc(2021, 7, 1, 10, 0)
    ist = parse_postmortem("## Timeline\n\nTimes are IST.\n\n- 2021-07-01 10:00 a\n", "t.md")
    assert ist.timeline_events == [] and ist.recognised["unplaced_events"] == 1


def test_iter_postmortem_files_skips_readme_index_template_and_meta(tmp_path: Path) -> None:
    for name in ["b.md", "a.md", "README.md", "index.md", "Postmortem template.md",
                 "_meta/x.md", ".git/y.md", "sub/c.markdown", "notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# x\n", encoding="utf-8")
    skipped: list[SkippedFile] = []
    found = list(iter_postmortem_files([tmp_path, tmp_path / "a.md", tmp_path / "nope"],
                                       skipped=skipped))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.md", "b.md", "sub/c.markdown"]
    reasons = {s.path.name: s.reason for s in skipped}
    assert set(reasons) == {"README.md", "index.md", "Postmortem template.md", "x.md", "y.md",
                            "nope"}
    assert "template" in reasons["Postmortem template.md"]
    assert reasons["nope"] == "does not exist"


def test_explicit_readme_is_not_skipped(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n", encoding="utf-8")
    assert list(iter_postmortem_files([readme])) == [readme]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("-#|*: \n\t0123456789x[]UTCEST/abc`~()")) ,
               max_size=300) | st.text(max_size=200))
def test_arbitrary_text_only_raises_parse_error(text: str) -> None:
    for tz in (None, UTC):
        try:
            parse_postmortem(text, "fuzz.md", default_tz=tz)
        except PostmortemParseError:
            pass


# --- the real corpus ------------------------------------------------------------------------


def _parse_folder(corpus: Path, folder: str, tz: ZoneInfo | None = None):
    skipped: list[SkippedFile] = []
    files = list(iter_postmortem_files([corpus / "postmortems" / folder], skipped=skipped))
    parsed, errors = [], []
    for path in files:
        try:
            parsed.append(parse_postmortem(path.read_text(encoding="utf-8"), path.name,
                                           default_tz=tz))
        except PostmortemParseError as exc:
            errors.append(exc)
    return files, skipped, parsed, errors


@pytest.mark.corpus
def test_dfds_folder(corpus: Path) -> None:
    files, skipped, parsed, errors = _parse_folder(corpus, "dfds_postmortems")
    assert (len(files), len(errors)) == (39, 0)
    assert sorted(s.path.name for s in skipped) == ["PMyyyy-nnn - Postmortem template.md",
                                                    "README.md"]
    assert sum(p.recognised["title"] == "heading" for p in parsed) == 39
    # PM2020-003 writes its dates as "20202-01-16": no event can be read from it.
    assert sum(bool(p.timeline_events) for p in parsed) == 38
    zones = [p.zone.name if p.zone else None for p in parsed]
    assert zones.count("UTC") == 24
    assert zones.count("Europe/Copenhagen") == 14
    assert sum("table header" in (p.recognised["zone"] or "") for p in parsed) == 3
    assert sum(bool(p.actions) for p in parsed) == 39
    assert sum(bool(p.contributing_factors) for p in parsed) >= 37


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "count", "first", "last"), [
    ("PM2021-004 - ADFS outage.md", 8, _utc(2021, 3, 31, 12, 6), _utc(2021, 3, 31, 13, 30)),
    # "Date and Time in CET" header, winter: CET = UTC+1; the "--:--" row is skipped.
    ("PM2019-009 - Kubernetes network infrastructure IP starvation.md", 13,
     _utc(2019, 11, 29, 11, 0), _utc(2019, 12, 5, 11, 0)),
    # "All times in CET." in June: read as Danish civil time (CEST, UTC+2).
    ("PM2020-005 - ALB instance attachment.md", 6, _utc(2020, 6, 9, 9, 0),
     _utc(2020, 6, 9, 11, 13)),
])
def test_dfds_hand_checked(corpus: Path, name: str, count: int, first: datetime,
                           last: datetime) -> None:
    path = corpus / "postmortems" / "dfds_postmortems" / name
    pm = parse_postmortem(path.read_text(encoding="utf-8"), name)
    events = pm.timeline_events
    assert (len(events), events[0].occurred_at, events[-1].occurred_at) == (count, first, last)


@pytest.mark.corpus
def test_moj_folder_without_and_with_tz(corpus: Path) -> None:
    files, skipped, parsed, errors = _parse_folder(corpus, "moj_cloud-platform_incidents")
    assert (len(files), len(errors)) == (39, 0)
    assert sorted(s.path.name for s in skipped) == ["incident-process.md", "index.md"]
    assert sum(p.recognised["title"] == "front matter" for p in parsed) == 39
    assert sum(p.date is not None for p in parsed) == 39
    # The zone is never stated next to a timeline: nothing is placed without --tz ...
    assert sum(bool(p.timeline_events) for p in parsed) == 0
    assert sum(p.recognised["zone"] == "no zone stated; pass --tz" for p in parsed) == 39
    _, _, london, _ = _parse_folder(corpus, "moj_cloud-platform_incidents",
                                    ZoneInfo("Europe/London"))
    # ... and with --tz every file gets its events: 14 from a timestamped Context, the
    # other 25 from their "Key events" list (label first, then the time).
    assert sum(bool(p.timeline_events) for p in london) == 39
    assert sum("key-events list" in " ".join(p.recognised["notes"]) for p in london) == 25
    assert sum(len(p.timeline_events) for p in london) == 268
    assert {p.zone.source for p in london if p.zone} == {"--tz Europe/London"}


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "count", "first", "last"), [
    # BST (UTC+1) in July; the list is "YYYY-MM-DD HH:MM - text" bullets.
    ("2023-07-21-vpc-cni-not-allocating-ip-addresses.md", 8, _utc(2023, 7, 21, 7, 15),
     _utc(2023, 7, 21, 11, 42)),
    # Only a "Key events" list ("- First detected 2020-08-07 15:51"), in BST.
    ("2020-08-07-master-node-provisioning-failure.md", 4, _utc(2020, 8, 7, 14, 51),
     _utc(2020, 8, 14, 9, 6)),
    # Clock-only lines dated by the incident date, then a "24/07/25" line for the next day.
    ("2025-07-23-multiple-secrets-leaked-to-public.md", 20, _utc(2025, 7, 23, 14, 35),
     _utc(2025, 7, 24, 11, 34)),
])
def test_moj_hand_checked(corpus: Path, name: str, count: int, first: datetime,
                          last: datetime) -> None:
    path = corpus / "postmortems" / "moj_cloud-platform_incidents" / name
    pm = parse_postmortem(path.read_text(encoding="utf-8"), name,
                          default_tz=ZoneInfo("Europe/London"))
    events = pm.timeline_events
    assert (len(events), events[0].occurred_at, events[-1].occurred_at) == (count, first, last)


@pytest.mark.corpus
def test_icco_folder(corpus: Path) -> None:
    files, skipped, parsed, errors = _parse_folder(corpus, "icco_postmortems")
    assert (len(files), len(errors), skipped) == (242, 0, [])
    assert sum(p.recognised["title"] == "front matter" for p in parsed) == 196
    # 170 carry a start_time key, one of them empty.
    assert sum(p.date is not None for p in parsed) == 169
    assert sum(bool(p.tags) for p in parsed) >= 195
    assert sum(bool(p.timeline_events) for p in parsed) == 0  # prose bodies, no timelines
    assert sum(p.summary is not None for p in parsed) >= 195
