"""`flask search query TEXT [--as EMAIL] [--limit N] [--json]`: ranked hits for scripts."""

from __future__ import annotations

import json

WORD = "quetzalcoatl"


def _query(app, *args: str):
    return app.test_cli_runner().invoke(args=["search", "query", *args])


def test_text_output_lists_ref_score_title_and_plain_snippet(app, world):
    out = _query(app, "database")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    first = lines[0].split("\t")
    assert first[0] == f"INC-{world['a'].id}"
    assert float(first[1]) > 0 and first[2] == "Database failover during checkout peak"
    assert lines[1].startswith("    ") and "database" in lines[1].lower()
    assert "<mark>" not in out.output
    assert lines[-1] == "2 found"


def test_json_lines_are_ranked_and_limited(app, world):
    out = _query(app, "database", "--json")
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["id"] for r in rows] == [world["a"].id, world["c"].id]
    assert rows[0]["score"] >= rows[1]["score"]
    assert set(rows[0]) == {"id", "ref", "title", "score", "snippet"}
    out = _query(app, "database", "--json", "--limit", "1")
    assert [json.loads(line)["id"] for line in out.output.splitlines()] == [world["a"].id]
    out = _query(app, "database", "--limit", "0")
    assert out.exit_code == 2 and "--limit" in out.output


def test_filters_and_syntax_errors(app, world):
    out = _query(app, "service:checkout", "--json")
    assert {json.loads(line)["id"] for line in out.output.splitlines()} == {
        world["a"].id, world["secret"].id}  # the operator at the console sees everything
    out = _query(app, "type:meltdown")
    assert out.exit_code == 2 and "type: must be one of" in out.output


def test_as_a_non_member_never_shows_restricted_hits(app, world, make_user):
    outsider = make_user("editor")
    for text in (WORD, "service:checkout", "credential exposure", f"{WORD} OR database"):
        out = _query(app, text, "--as", outsider.email, "--json")
        assert out.exit_code == 0, out.output
        ids = [json.loads(line)["id"] for line in out.output.splitlines()]
        assert world["secret"].id not in ids, text
        assert WORD not in out.output.replace(text, "")
    out = _query(app, WORD, "--as", outsider.email)
    assert out.output.strip().splitlines()[-1] == "0 found"
    # E-mail case does not matter; the member sees the restricted incident.
    out = _query(app, WORD, "--as", world["member"].email.upper(), "--json")
    assert json.loads(out.output.splitlines()[0])["id"] == world["secret"].id


def test_question_falls_back_to_partial_matches_with_a_note(app, world):
    out = _query(app, "why did the failover drain our zebra pool")
    assert out.exit_code == 0
    lines = out.output.splitlines()
    assert lines[0] == "no incident has all of these words; these have some of them"
    assert lines[1].startswith(f"INC-{world['a'].id}\t")
