"""The search page, the similar box on the incident page, and `flask search`."""

import json


def test_search_page_shows_hits_facets_and_pager(client, login, world, make_user):
    login(make_user("viewer"))
    resp = client.get("/search", query_string={"q": "database"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Database failover during checkout peak" in html and "<mark>" in html
    assert "service%3Acheckout" in html or "service:checkout" in html  # facet link
    assert 'class="count">1<' in html


def test_search_page_explains_syntax_errors_with_400(client, login, world, make_user):
    login(make_user("viewer"))
    resp = client.get("/search", query_string={"q": 'database "unclosed'})
    assert resp.status_code == 400
    assert "quote is not closed" in resp.get_data(as_text=True)
    assert client.get("/search?q=x&page=abc").status_code == 400
    assert client.get("/search?q=x&sort=sideways").status_code == 400


def test_did_you_mean_link(client, login, world, make_user):
    login(make_user("viewer"))
    html = client.get("/search", query_string={"q": "databse"}).get_data(as_text=True)
    assert "Did you mean" in html and "database" in html


def test_anonymous_goes_to_login(client):
    resp = client.get("/search?q=x")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_incident_page_shows_similar_incidents(client, login, world, make_user,
                                              make_incident):
    twin = make_incident(title="Database failover again", services=["checkout"],
                         summary="Failover exhausted the connection pool once more.")
    login(make_user("viewer"))
    html = client.get(f"/incidents/{twin.id}").get_data(as_text=True)
    assert "Similar incidents" in html and "Database failover during checkout peak" in html


def test_cli_reindex_status_query(app, world):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["search", "reindex"])
    assert out.exit_code == 0 and "incidents indexed" in out.output
    out = runner.invoke(args=["search", "status"])
    assert "pending: 0" in out.output and "documents: 4" in out.output
    out = runner.invoke(args=["search", "query", "database", "--limit", "1", "--json"])
    line = json.loads(out.output)
    assert line["id"] == world["a"].id and "<mark>" not in line["snippet"]
    out = runner.invoke(args=["search", "query", "database"])
    assert "INC-" in out.output and "found" in out.output
    out = runner.invoke(args=["search", "query", '"oops'])
    assert out.exit_code != 0 and "quote is not closed" in out.output
    out = runner.invoke(args=["search", "query", "x", "--as", "nobody@example.com"])
    assert out.exit_code != 0 and "no user" in out.output
