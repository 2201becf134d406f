"""What the fuzzers aim at: each importer's real seed fixtures, and one checked parse."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from app.timeline.importers import (
    ImportFormatError,
    ImportOptions,
    NormalizedEvent,
    ParseReport,
    Source,
    get,
)
from app.timeline.importers.base import KINDS
from tests.fuzz.mutations import DATA, fixture_files, make_zip, time_limit

SLACK_EXPORT = DATA / "slack" / "export"
# The real fixtures each importer's fuzzing starts from.
SEEDS: dict[str, list[Path]] = {
    "csv": fixture_files("generic", ".csv"),
    "jsonl": fixture_files("generic", ".jsonl"),
    "discord": fixture_files("discord", ".json"),
    "github": fixture_files("github", ".json"),
    "irc": fixture_files("irc", ".log"),
    "jira": fixture_files("jira", ".json"),
    "jira-csv": fixture_files("jira", ".csv"),
    "mattermost": fixture_files("mattermost", ".jsonl"),
    "oncall": fixture_files("oncall", ".json"),
    "opsgenie": fixture_files("opsgenie", ".json"),
    "pagerduty": fixture_files("pagerduty", ".json"),
    "servicenow": fixture_files("servicenow", ".json"),
    "slack": fixture_files("slack", ".json"),  # members of the export, fuzzed inside a ZIP
    "teams": fixture_files("teams", ".json"),
}
NAMES = sorted(SEEDS)
# Fixtures written to be refused (a log with clock times and no date).
REFUSED_SEEDS = {"znc_nodate.log"}
ZONES = [None, UTC, ZoneInfo("America/St_Johns"), ZoneInfo("Asia/Kathmandu")]


def parse(name: str, source: Source, tz=UTC) -> list[NormalizedEvent] | ImportFormatError:
    """Run one importer on one input under the watchdog; the events or the documented error."""
    importer = get(name)
    options = ImportOptions(tz=tz if tz is not None or not importer.needs_zone else UTC)
    with time_limit(f"the {name} importer"):
        try:
            events = list(importer.parse(source, options, ParseReport()))
        except ImportFormatError as exc:
            assert str(exc).strip(), "an import error must tell the user what was wrong"
            return exc
    for event in events:
        assert_storable(event, name)
    return events


def assert_storable(event: NormalizedEvent, name: str) -> None:
    """What the timeline table needs: aware UTC-convertible time, text the database takes."""
    # jira-csv yields source "jira", the name its events share with the Jira JSON import.
    assert event.source == name or name.startswith(f"{event.source}-")
    assert event.occurred_at.utcoffset() is not None
    event.occurred_at.astimezone(UTC)  # no overflow when stored as UTC
    assert event.kind in KINDS
    assert isinstance(event.source_id, str) and event.source_id
    for value in (event.text, event.text_original, event.source_id, event.event_type,
                  event.author_id, event.author_name, event.channel, event.thread_ref):
        if value is not None:
            assert isinstance(value, str)
            value.encode("utf-8")  # a lone surrogate would fail at INSERT time


def slack_zip(members: dict[str, bytes]) -> Source:
    return Source.from_bytes("slack-export.zip", make_zip(members))
