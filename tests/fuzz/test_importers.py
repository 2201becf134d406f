"""Every timeline importer under fuzzing: damaged real fixtures give events or a clear error.

The contract (app/timeline/importers/base.py): bad input raises ImportFormatError (or
UnknownFormatError when detection fails), nothing else, within a few seconds; whatever
is yielded can be stored (aware times, text the database accepts).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.timeline.importers import (
    ImportFormatError,
    Source,
    UnknownFormatError,
    all_importers,
    detect,
)
from tests.fuzz.mutations import (
    folder_members,
    fuzz_settings,
    mutated_bytes,
    mutated_json_bytes,
    time_limit,
)
from tests.fuzz.targets import (
    NAMES,
    REFUSED_SEEDS,
    SEEDS,
    SLACK_EXPORT,
    ZONES,
    parse,
    slack_zip,
)


def test_every_importer_is_fuzzed() -> None:
    """A new importer without seeds here would escape fuzzing."""
    assert sorted(i.name for i in all_importers()) == NAMES
    assert all(SEEDS.values()), "every importer needs at least one real fixture"


def test_fixtures_parse_cleanly_before_mutation() -> None:
    """The seeds themselves import, so mutations start from inputs that reach deep code."""
    for name in NAMES:
        if name == "slack":
            events = parse(name, slack_zip(folder_members(SLACK_EXPORT)))
            assert isinstance(events, list) and events
            continue
        for path in SEEDS[name]:
            events = parse(name, Source.from_bytes(path.name, path.read_bytes()))
            if path.name in REFUSED_SEEDS:
                assert isinstance(events, ImportFormatError), path
            else:
                assert isinstance(events, list), f"{path}: {events}"


@pytest.mark.parametrize("name", NAMES)
@fuzz_settings(examples=50)
@given(data=st.data())
def test_damaged_bytes_give_events_or_a_format_error(name: str, data: st.DataObject) -> None:
    """Flipped, cut, repeated bytes and odd unicode never crash or hang an importer."""
    seed = data.draw(st.sampled_from(SEEDS[name]), label="seed")
    damaged = data.draw(mutated_bytes(seed.read_bytes()), label="bytes")
    tz = data.draw(st.sampled_from(ZONES), label="tz")
    if name == "slack":
        members = folder_members(SLACK_EXPORT)
        members[seed.relative_to(SLACK_EXPORT).as_posix()] = damaged
        parse(name, slack_zip(members), tz)
    else:
        parse(name, Source.from_bytes(seed.name, damaged), tz)


JSON_NAMES = [n for n in NAMES if n not in ("csv", "irc", "jira-csv")]


@pytest.mark.parametrize("name", JSON_NAMES)
@fuzz_settings(examples=50)
@given(data=st.data())
def test_json_of_the_right_shape_with_wrong_values(name: str, data: st.DataObject) -> None:
    """The fixture's structure kept, values swapped for wrong types, huge numbers, odd text."""
    seed = data.draw(st.sampled_from(SEEDS[name]), label="seed")
    lines = seed.suffix == ".jsonl"
    mutated = data.draw(mutated_json_bytes(seed.read_bytes(), lines=lines), label="json")
    if name == "slack":
        members = folder_members(SLACK_EXPORT)
        members[seed.relative_to(SLACK_EXPORT).as_posix()] = mutated
        parse(name, slack_zip(members))
    else:
        parse(name, Source.from_bytes(seed.name, mutated))


@pytest.mark.parametrize("name", NAMES)
@fuzz_settings(examples=30)
@given(blob=st.binary(max_size=2048))
def test_random_bytes_give_a_format_error_or_events(name: str, blob: bytes) -> None:
    """Noise under any format name: an error naming the problem, never a traceback."""
    parse(name, Source.from_bytes("upload.bin", blob))


@fuzz_settings(examples=120)
@given(data=st.data())
def test_detection_only_ever_says_unknown_format(data: st.DataObject) -> None:
    """Format detection on damaged fixtures picks an importer or says it cannot tell."""
    name = data.draw(st.sampled_from([n for n in NAMES if n != "slack"]), label="format")
    seed = data.draw(st.sampled_from(SEEDS[name]), label="seed")
    blob = data.draw(mutated_bytes(seed.read_bytes()) | st.binary(max_size=512), label="bytes")
    source = Source.from_bytes(seed.name, blob)
    with time_limit("format detection"):
        try:
            found = detect(source)
        except UnknownFormatError as exc:
            assert "Formats understood" in str(exc)
            return
    parse(found.name, source)


@fuzz_settings(examples=20)
@given(data=st.data())
def test_damaged_slack_folder_gives_events_or_a_format_error(data: st.DataObject) -> None:
    """An unpacked export (a folder) goes through the same guards as its ZIP."""
    members = folder_members(SLACK_EXPORT)
    name = data.draw(st.sampled_from(sorted(members)), label="member")
    members[name] = data.draw(mutated_bytes(members[name]), label="bytes")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "export"
        for rel, blob in members.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(blob)
        parse("slack", Source.from_path(root))
