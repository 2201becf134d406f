"""A restricted incident's unique word is invisible to non-members through every path."""

import json

from app.search import service

WORD = "quetzalcoatl"


def test_non_member_never_sees_the_restricted_word(db, world, make_user):
    outsider = make_user("editor")
    page = service.search(db, outsider, WORD)
    assert page.results.hits == [] and page.results.total == 0
    assert all(v == [] for v in page.results.facets.values())
    # One letter off: the vocabulary holds the word, but no visible document does.
    assert service.search(db, outsider, "quetzalcoat").suggestion is None
    assert service.search(db, outsider, "quetzalcoatll").suggestion is None


def test_counts_and_facets_leave_restricted_incidents_out(db, world, make_user):
    outsider = make_user("viewer")
    page = service.search(db, outsider, "service:checkout")
    assert page.results.total == 1
    facets = {v.value: v.count for v in page.results.facets["service"]}
    assert facets == {"checkout": 1}
    assert service.search(db, outsider, "factor:process").results.total == 0


def test_member_and_admin_find_it(db, world):
    for user in (world["member"], world["admin"]):
        page = service.search(db, user, WORD)
        assert [h.incident_id for h in page.results.hits] == [world["secret"].id]
    assert service.search(db, world["member"], "quetzalcoat").suggestion == WORD


def test_similar_never_offers_a_restricted_incident(db, world, make_user, make_incident):
    outsider = make_user("viewer")
    lookalike = make_incident(title="Credential exposure", services=["checkout"],
                              summary=f"A {WORD} token was found in a public repository.")
    assert world["secret"].id not in [
        h.incident_id for h in service.similar_incidents(db, outsider, lookalike)]
    assert world["secret"].id in [
        h.incident_id for h in service.similar_incidents(db, world["member"], lookalike)]


def test_web_page_hides_it(client, login, world, make_user):
    login(make_user("viewer"))
    for q in (WORD, "quetzalcoat", "service:checkout", "type:security", "credential"):
        html = client.get("/search", query_string={"q": q}).get_data(as_text=True)
        assert WORD not in html.replace(f"q={WORD}", "").replace(f'value="{WORD}"', "")
        assert "Credential exposure" not in html


def test_cli_as_a_non_member_hides_it(app, world, make_user):
    outsider = make_user("viewer")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["search", "query", WORD, "--as", outsider.email, "--json"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == ""
    out = runner.invoke(args=["search", "query", WORD, "--as", world["member"].email,
                              "--json"])
    assert json.loads(out.output.splitlines()[0])["id"] == world["secret"].id


def test_a_reused_similar_list_drops_what_the_viewer_lost(app, db, world, make_incident):
    """Similar lists are reused for a minute, but losing membership hides the incident
    on the very next view, and a change to the incident computes its list afresh."""
    from datetime import UTC, datetime

    assert app.config["DEBRIEF_SIMILAR_CACHE_SECONDS"] > 0  # the default is on
    lookalike = make_incident(title="Credential exposure", services=["checkout"],
                              summary=f"A {WORD} token was found in a public repository.")
    member = world["member"]
    with app.app_context():
        assert world["secret"].id in [
            h.incident_id for h in service.similar_incidents(db, member, lookalike)]
        world["secret"].members.remove(member)
        db.commit()
        assert world["secret"].id not in [
            h.incident_id for h in service.similar_incidents(db, member, lookalike)]
        newer = make_incident(title="Another credential exposure", services=["checkout"],
                              summary=f"A {WORD} token leaked into a public repository.")
        assert newer.id not in [  # within the minute, the list is the one computed above
            h.incident_id for h in service.similar_incidents(db, member, lookalike)]
        lookalike.updated_at = datetime.now(UTC)
        db.commit()
        assert newer.id in [
            h.incident_id for h in service.similar_incidents(db, member, lookalike)]
