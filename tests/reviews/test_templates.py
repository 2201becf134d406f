"""Tests for review templates as data: the built-ins, validation errors, hashes, suggestions."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from app.reviews.templates import (
    HOLDS,
    ReviewTemplate,
    TemplateError,
    load_directory,
    load_template,
    parse_template,
    suggest_template,
)

BUILT_INS = Path(__file__).resolve().parents[2] / "review_templates"

# REVIEWS.md's table: template -> (section titles in order, what the key sections hold)
EXPECTED = {
    "standard": ["Summary", "Impact", "Timeline", "Contributing factors", "Detection",
                 "Response and recovery", "What went well", "What was hard",
                 "Where we got lucky", "Actions", "Messaging"],
    "learning": ["Summary", "Timeline, annotated by the room", "Surprises",
                 "What others should know", "What this shares with other incidents",
                 "Learning points", "Actions"],
    "quick": ["Summary", "Impact", "Timeline", "Follow-ups", "Lessons"],
    "leadership": ["Summary", "Customer impact", "Key moments and durations",
                   "Contributing factors (categories)", "Actions with owners and dates",
                   "Status of earlier actions in the same area"],
    "near_miss": ["What almost happened", "How it was caught",
                  "What made catching it possible", "Actions"],
}

MINIMAL = """\
key = "mine"
name = "My template"

[[sections]]
key = "summary"
title = "Summary"
holds = "text"
"""


@pytest.fixture(scope="module")
def built_ins() -> dict[str, ReviewTemplate]:
    return load_directory(BUILT_INS)


def test_all_five_built_ins_load(built_ins: dict[str, ReviewTemplate]) -> None:
    assert set(built_ins) == set(EXPECTED)
    for key, template in built_ins.items():
        assert template.filename == f"{key}.toml"
        assert [s.title for s in template.sections] == EXPECTED[key]


def test_built_ins_are_complete(built_ins: dict[str, ReviewTemplate]) -> None:
    for template in built_ins.values():
        assert template.name and template.description
        assert template.agenda, template.key
        assert sum(p.minutes for p in template.agenda) <= template.default_duration_minutes
        for s in template.sections:
            assert s.prompt and s.guidance, f"{template.key}.{s.key}"
            assert s.holds in HOLDS


def test_built_in_sections_hold_the_right_things(built_ins: dict[str, ReviewTemplate]) -> None:
    standard = built_ins["standard"]
    holds = {s.key: s.holds for s in standard.sections}
    assert holds["impact"] == "impact" and holds["timeline"] == "timeline"
    assert holds["contributing_factors"] == "factors" and holds["actions"] == "actions"
    assert holds["messaging"] == "messaging"
    assert {holds[k] for k in ("went_well", "went_wrong", "lucky")} == {"list"}
    assert {s.key for s in standard.sections if s.required} >= {
        "summary", "impact", "timeline", "contributing_factors", "actions"}
    assert built_ins["leadership"].section("customer_impact").holds == "impact"
    assert built_ins["near_miss"].section("what_almost_happened").required
    assert built_ins["quick"].section("follow_ups").holds == "actions"


def test_standard_agenda_follows_the_facilitation_steps(
        built_ins: dict[str, ReviewTemplate]) -> None:
    agenda = {p.key: p.minutes for p in built_ins["standard"].agenda}
    assert agenda["opening"] == 5
    assert 35 <= agenda["timeline"] <= 40
    assert list(agenda)[-3:] == ["learning", "actions", "impact"]


def test_template_is_plain_data(built_ins: dict[str, ReviewTemplate]) -> None:
    snapshot = dataclasses.asdict(built_ins["standard"])
    assert json.loads(json.dumps(snapshot))["sections"][0]["key"] == "summary"
    with pytest.raises(dataclasses.FrozenInstanceError):
        built_ins["standard"].key = "x"  # type: ignore[misc]


def test_minimal_template_gets_defaults() -> None:
    t = parse_template(MINIMAL, "mine.toml")
    assert (t.key, t.name, t.description, t.default_duration_minutes) == (
        "mine", "My template", "", 60)
    assert t.agenda == () and t.sections[0].required is False
    assert t.sections[0].prompt == ""


def test_content_hash_changes_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    first = load_template(path)
    assert len(first.content_hash) == 12
    assert first.content_hash == parse_template(MINIMAL, "other.toml").content_hash
    path.write_text(MINIMAL.replace("My template", "My template v2"), encoding="utf-8")
    second = load_template(path)
    assert second.content_hash != first.content_hash
    path.write_text(MINIMAL + "\n", encoding="utf-8")  # even a blank line is a new version
    assert load_template(path).content_hash not in (first.content_hash,
                                                    second.content_hash)


def _section(**fields: object) -> str:
    lines = ["[[sections]]"] + [f"{k} = {json.dumps(v)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


GOOD = {"key": "summary", "title": "Summary", "holds": "text"}

# (template text, field path named in the error, words in the message)
BAD = [
    ('name = "x"\n' + _section(**GOOD), "key", "required"),
    ('key = "x"\n' + _section(**GOOD), "name", "required"),
    ('key = "x"\nname = "X"\n', "sections", "required"),
    ('key = "x"\nname = "X"\nsections = []\n', "sections", "at least one"),
    ('key = "Bad Key"\nname = "X"\n' + _section(**GOOD), "key", "slug"),
    ('key = "x"\nname = "X"\n' + _section(**GOOD) + _section(**{**GOOD, "key": "s2"})
     + _section(**{**GOOD, "key": "s3"}) + _section(**{**GOOD, "key": "s4",
                                                         "holds": "essay"}),
     "sections[3].holds", "must be one of text, timeline"),
    ('key = "x"\nname = "X"\n' + _section(**GOOD) + _section(**GOOD),
     "sections[1].key", "duplicate section key"),
    ('key = "x"\nname = "X"\n' + _section(**{**GOOD, "key": "Went Well"}),
     "sections[0].key", "not a slug"),
    ('key = "x"\nname = "X"\n' + _section(**{**GOOD, "requierd": True}),
     "sections[0].requierd", "unknown key"),
    ('key = "x"\nname = "X"\ndescripton = "typo"\n' + _section(**GOOD),
     "descripton", "unknown key"),
    ('key = "x"\nname = "X"\n' + _section(**{**GOOD, "required": "yes"}),
     "sections[0].required", "true or false"),
    ('key = "x"\nname = "X"\n' + _section(**{k: v for k, v in GOOD.items() if k != "title"}),
     "sections[0].title", "required"),
    ('key = "x"\nname = "X"\n[[agenda]]\nkey = "open"\ntitle = "Open"\nminutes = 0\n'
     + _section(**GOOD), "agenda[0].minutes", "positive"),
    ('key = "x"\nname = "X"\n[[agenda]]\nkey = "open"\ntitle = "Open"\nminutes = 7.5\n'
     + _section(**GOOD), "agenda[0].minutes", "positive"),
    ('key = "x"\nname = "X"\n[[agenda]]\nkey = "open"\ntitle = "Open"\nminutes = "5"\n'
     + _section(**GOOD), "agenda[0].minutes", "positive"),
    ('key = "x"\nname = "X"\ndefault_duration_minutes = 30\n[[agenda]]\nkey = "a"\n'
     'title = "A"\nminutes = 40\n' + _section(**GOOD), "agenda", "more than"),
    ('key = "x"\nname = "X"\n[agenda]\nkey = "a"\n' + _section(**GOOD), "agenda",
     "list of tables"),
    ('key = "x"\nname = "X"\nsuits_types = ["outage", "incident"]\n' + _section(**GOOD),
     "suits_types[1]", "must be one of"),
    ('key = "x"\nname = "X"\nsuits_severities = "SEV1"\n' + _section(**GOOD),
     "suits_severities", "list"),
    ('key = "x"\nname = 3\n' + _section(**GOOD), "name", "string"),
]


@pytest.mark.parametrize(("text", "field", "words"), BAD)
def test_validation_error_names_file_and_field(text: str, field: str, words: str) -> None:
    with pytest.raises(TemplateError) as info:
        parse_template(text, "custom.toml")
    err = info.value
    assert (err.file, err.field) == ("custom.toml", field)
    assert str(err).startswith(f"custom.toml: {field}: ")
    assert words in str(err)


def test_toml_syntax_error_gives_the_line() -> None:
    text = 'key = "x"\nname = "X"\nthis is not toml\n'
    with pytest.raises(TemplateError) as info:
        parse_template(text, "broken.toml")
    assert str(info.value).startswith("broken.toml: TOML syntax error")
    assert "line 3" in str(info.value)


def test_errors_name_the_file_not_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'key = "x"\nname = "\xff"\n')
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert str(info.value).startswith("bad.toml: not UTF-8")
    assert str(tmp_path) not in str(info.value)


def test_duplicate_template_keys_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.toml").write_text(MINIMAL.replace("My template", "Other"),
                                     encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_directory(tmp_path)
    assert str(info.value) == "b.toml: key: duplicate template key 'mine' (also in a.toml)"


def test_directory_ignores_other_files(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "README.md").write_text("not a template", encoding="utf-8")
    assert list(load_directory(tmp_path)) == ["mine"]


@pytest.mark.parametrize(("severity", "incident_type", "expected"), [
    ("SEV1", "outage", "standard"),
    ("SEV2", "degradation", "standard"),
    ("SEV3", "degradation", "quick"),
    ("SEV4", "user-issue", "quick"),
    ("SEV1", "near-miss", "near_miss"),
    ("SEV4", "near-miss", "near_miss"),
    (3, "outage", "quick"),
    ("sev2", "security", "standard"),
    (None, "outage", "standard"),
    ("P0", None, "standard"),
])
def test_suggest_template(built_ins: dict[str, ReviewTemplate], severity: object,
                          incident_type: str | None, expected: str) -> None:
    chosen = suggest_template(built_ins, severity, incident_type)  # type: ignore[arg-type]
    assert chosen.key == expected


def test_suggest_falls_back_on_what_templates_suit(built_ins: dict[str, ReviewTemplate]) -> None:
    trimmed = {k: v for k, v in built_ins.items() if k not in ("quick", "near_miss")}
    assert suggest_template(trimmed, "SEV4", "user-issue").key == "learning"
    only = {"mine": parse_template(MINIMAL, "mine.toml")}
    assert suggest_template(only, "SEV1", "outage").key == "mine"
    with pytest.raises(LookupError):
        suggest_template({}, "SEV1", "outage")
