"""The back-catalogue Markdown postmortem parser under fuzzing.

Its contract (app/reviews/postmortem_parser.py): a document parses, or raises
PostmortemParseError naming the file and line, within a few seconds; placed timeline
entries carry aware times.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.reviews.postmortem_parser import (
    ParsedPostmortem,
    PostmortemParseError,
    parse_postmortem,
)
from tests.fuzz.mutations import (
    fixture_files,
    fuzz_settings,
    json_values,
    mutated_bytes,
    time_limit,
)

SEEDS = fixture_files("postmortems", ".md")
ZONES = [None, UTC, ZoneInfo("Europe/London"), ZoneInfo("Pacific/Chatham")]
# Markdown and YAML fragments that steer the parser into its branches.
FRAGMENTS = [
    "---\n", "...\n", "title: x\n", "date: 2021-13-45\n", "date: 99999-01-01\n",
    "severity: [1, 2]\n", "tags: {a: b}\n", "timezone: Mars/Olympus\n", "tz: +25:00\n",
    "services: !!python/object:os.system echo\n", "a: &a [x, x]\nb: *a\n",
    "## Timeline\n", "## Action items\n", "## Contributing factors\n", "# Title\n",
    "| time | event |\n|---|---|\n| 25:61 | x |\n", "| 14:02 UTC | alert |\n",
    "- 14:02 alert fired\n", "- [ ] fix it (@owner, due 2021-02-30)\n",
    "* **Date:** 31 February 2021\n", "**Severity**: SEV-99999999999999999999\n",
    "- 23:59 BST something\n- 00:01 next day\n", "\t\t\t- nested\n", "```\n",
    "Detected at: yesterday\n", "| | | |\n", "|" * 500 + "\n", "- " * 300 + "\n",
]


def check(text: str, filename: str, tz) -> ParsedPostmortem | PostmortemParseError:
    """Parse under the watchdog; the result or the documented error."""
    with time_limit("the postmortem parser"):
        try:
            pm = parse_postmortem(text, filename, default_tz=tz)
        except PostmortemParseError as exc:
            assert exc.filename == filename and exc.message
            return exc
    assert isinstance(pm.title, str) and pm.title.strip()
    for event in pm.timeline_events:
        assert event.occurred_at.utcoffset() is not None
        event.occurred_at.astimezone(UTC)
        assert isinstance(event.text, str)
    return pm


def test_seeds_parse() -> None:
    """The fixtures parse (one is written to be refused), so mutations reach deep code."""
    results = {p.name: check(p.read_text(), p.name, None) for p in SEEDS}
    assert isinstance(results.pop("bad-front-matter.md"), PostmortemParseError)
    assert all(isinstance(r, ParsedPostmortem) for r in results.values())


@fuzz_settings(examples=150)
@given(data=st.data())
def test_damaged_postmortem_parses_or_names_the_problem(data: st.DataObject) -> None:
    """Byte damage, read the way the back-catalogue import reads files (invalid UTF-8
    replaced), never crashes or hangs the parser."""
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    blob = data.draw(mutated_bytes(seed.read_bytes()), label="bytes")
    tz = data.draw(st.sampled_from(ZONES), label="tz")
    check(blob.decode("utf-8", errors="replace"), seed.name, tz)


@fuzz_settings(examples=150)
@given(data=st.data())
def test_spliced_markdown_and_front_matter(data: st.DataObject) -> None:
    """Lines inserted where headings, tables, front matter and clock lists are parsed."""
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    lines = seed.read_text().splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 6), label="splices")):
        at = data.draw(st.integers(0, len(lines)), label="at")
        piece = data.draw(st.sampled_from(FRAGMENTS) | st.text(max_size=80).map(
            lambda t: t + "\n") | json_values().map(lambda v: f"key: {v!r}\n"), label="line")
        lines.insert(at, piece)
    check("".join(lines), seed.name, data.draw(st.sampled_from(ZONES), label="tz"))


def test_billion_laughs_front_matter_stays_cheap() -> None:
    """YAML aliases nesting 9**9 references under every key the parser reads stay cheap."""
    keys = ("title", "date", "severity", "services", "tags", "timezone", "summary", "impact",
            "started_at", "components", "keywords")
    laughs = "---\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
        for i in range(8)) + "".join(f"{k}: *i\n" for k in keys) + "---\n# Outage\n"
    pm = check(laughs, "laughs.md", None)
    assert isinstance(pm, ParsedPostmortem)
    assert pm.title == "Outage" and pm.tags == [] and pm.services == []
