"""What a person sees on /search, beside the review editor and on the incident page."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.models import Review, ReviewStatus, Role

WORD = "quetzalcoatl"


def _page(client, **params):
    resp = client.get("/search", query_string=params)
    return resp.status_code, resp.get_data(as_text=True)


def _hit_titles(html: str) -> list[str]:
    return [htmllib.unescape(t).strip() for t in
            re.findall(r'<li class="hit">\s*<a [^>]*><strong>INC-\d+</strong>([^<]*)</a>', html)]


def _facet_links(html: str) -> dict[str, tuple[str, int]]:
    """Facet label -> (href, count) from the Refine column."""
    aside = html.split('aria-label="Refine"', 1)[1]
    return {htmllib.unescape(label).strip(): (htmllib.unescape(href), int(count))
            for href, label, count in re.findall(
                r'<li><a href="([^"]+)">([^<]+)</a> <span class="count">(\d+)</span>', aside)}


def test_facet_counts_render_and_a_facet_link_filters(client, login, world, make_user):
    login(make_user("viewer"))
    status, html = _page(client, q="database")
    assert status == 200
    assert set(_hit_titles(html)) == {"Database failover during checkout peak",
                                      "Login page errors"}
    facets = _facet_links(html)
    assert facets["checkout"][1] == 1 and facets["auth"][1] == 1
    assert facets["2024"][1] == 1 and facets["2025"][1] == 1
    # The link carries the filter in the URL: following it narrows the hits.
    href = facets["checkout"][0]
    assert parse_qs(urlsplit(href).query)["q"] == ["database service:checkout"]
    status, html = _page(client, **{k: v[0] for k, v in parse_qs(urlsplit(href).query).items()})
    assert status == 200
    assert _hit_titles(html) == ["Database failover during checkout peak"]
    assert 'value="database service:checkout"' in html


def test_highlighted_snippets_are_escaped_html(client, login, world, make_user, make_incident):
    make_incident(title="Widget outage", summary="<b>bold</b> claim: the widget pool broke")
    login(make_user("viewer"))
    _, html = _page(client, q="widget")
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.S).group(1)
    assert "<mark>" in snippet.lower() and "<b>" not in snippet


def test_sort_newest_and_oldest(client, login, world, make_user):
    login(make_user("viewer"))
    _, newest = _page(client, q="status:investigating", sort="newest")
    _, oldest = _page(client, q="status:investigating", sort="oldest")
    order = ["Login page errors", "Slow search results", "Database failover during checkout peak"]
    assert _hit_titles(newest) == order and _hit_titles(oldest) == order[::-1]
    assert "<option selected>oldest</option>" in oldest


def test_pagination_links_keep_the_query(app, client, login, world, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "DEBRIEF_SEARCH_PAGE_SIZE", 2)
    login(make_user("viewer"))
    _, first = _page(client, q="status:investigating", sort="oldest")
    assert "Page 1 of 2" in first and len(_hit_titles(first)) == 2
    nxt = htmllib.unescape(re.search(r'<a href="([^"]+)" rel="next"', first).group(1))
    params = parse_qs(urlsplit(nxt).query)
    assert params["q"] == ["status:investigating"] and params["page"] == ["2"]
    _, second = _page(client, **{k: v[0] for k, v in params.items()})
    assert _hit_titles(second) == ["Login page errors"] and 'rel="prev"' in second
    status, _ = _page(client, q="status:investigating", page="0")
    assert status == 400


def test_bad_queries_are_explained_with_400(client, login, world, make_user):
    login(make_user("viewer"))
    for q, words in [("colour:blue", 'unknown field "colour:"'),
                     ("type:meltdown", "type: must be one of"),
                     ("severity:9", "severity: must be 1-4"),
                     ("after:2025-13-40", "is not a date"),
                     ("database OR", "OR needs a term on its right"),
                     ("(database", "parenthesis is not closed")]:
        status, html = _page(client, q=q)
        assert status == 400, q
        assert words in htmllib.unescape(html), q
        assert 'role="alert"' in html
    resp = client.get("/search?q=x&sort=sideways")
    assert resp.status_code == 400 and "sort" in resp.get_data(as_text=True)


def test_question_with_no_exact_match_shows_best_partial_matches(client, login, world,
                                                                make_user):
    login(make_user("viewer"))
    _, html = _page(client, q="why did the failover drain our zebra pool")
    assert "No incident contains all of these words" in html
    assert _hit_titles(html)[0] == "Database failover during checkout peak"
    # A phrase stays exact: no partial matches for it.
    _, html = _page(client, q='"zebra pool"')
    assert "Nothing found." in html and "No incident contains all" not in html


def test_partial_matches_never_include_a_restricted_incident(client, login, world, make_user):
    login(make_user("viewer"))
    _, html = _page(client, q=f"{WORD} credential zebra exposure")
    assert "Credential exposure" not in _hit_titles(html)
    assert f"<mark>{WORD}</mark>" not in html.lower()
    assert 'class="count"' not in html  # no facet counts the restricted incident


def _twin(make_incident, add_review):
    twin = make_incident(title="Database failover again at checkout", services=["checkout"],
                         summary="Failover exhausted the connection pool once more.")
    add_review(twin, draft={"summary": "Second failover this year."})
    return twin


def test_review_editor_says_what_this_looks_like(client, login, world, make_user,
                                                make_incident, add_review, db):
    twin = _twin(make_incident, add_review)
    login(make_user("editor"))
    resp = client.get(f"/incidents/{twin.id}/review")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    box = html.split('id="looks-like"', 1)[1].split("</aside>", 1)[0]
    assert "This looks like" in box and f"INC-{world['a'].id}" in box
    assert f'href="/incidents/{world["a"].id}"' in box
    assert f"INC-{twin.id}<" not in box  # never itself


def test_similar_boxes_hide_restricted_incidents_from_non_members(
        client, login, world, make_user, make_incident, add_review, db):
    lookalike = make_incident(title="Credential exposure", services=["checkout"],
                              summary=f"A {WORD} token was found in a public repository.")
    add_review(lookalike, draft={"summary": f"{WORD} rotation again."})
    secret_ref = f"INC-{world['secret'].id}"

    login(make_user("editor"))  # not a member of the restricted incident
    page = client.get(f"/incidents/{lookalike.id}").get_data(as_text=True)
    editor = client.get(f"/incidents/{lookalike.id}/review").get_data(as_text=True)
    for html in (page, editor):
        assert f'href="/incidents/{world["secret"].id}"' not in html
        assert f"{secret_ref}<" not in html and f"{secret_ref} " not in html

    # A member of the restricted incident is shown it in both places.
    member = world["member"]
    member.role = Role.EDITOR
    db.commit()
    login(member)
    page = client.get(f"/incidents/{lookalike.id}").get_data(as_text=True)
    editor = client.get(f"/incidents/{lookalike.id}/review").get_data(as_text=True)
    assert f'href="/incidents/{world["secret"].id}"' in page.split('id="similar"', 1)[1]
    assert f'href="/incidents/{world["secret"].id}"' in editor.split('id="looks-like"', 1)[1]


def test_viewer_sees_similar_beside_a_published_review(client, login, world, make_user, db):
    twin_review = db.scalar(select(Review).where(Review.incident_id == world["a"].id))
    assert twin_review.status is ReviewStatus.PUBLISHED
    login(make_user("viewer"))
    html = client.get(f"/incidents/{world['a'].id}/review").get_data(as_text=True)
    # Incident c mentions the database only in its timeline: still the closest one.
    assert 'id="looks-like"' in html and f"INC-{world['c'].id}" in html
