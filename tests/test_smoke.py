"""The app starts on both databases and answers health checks."""

def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["database"] == "ok"


def test_login_page_and_dashboard(client, make_user, login):
    user = make_user("facilitator")
    login(user)
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Dashboard" in resp.get_data(as_text=True)
