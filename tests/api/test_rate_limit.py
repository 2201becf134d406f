"""Rate limiting per token (Flask-Limiter): 429 with Retry-After, other tokens unaffected."""

from __future__ import annotations

import pytest

from tests.api.conftest import API, bearer


@pytest.fixture()
def low_limit(app):
    app.config["DEBRIEF_API_RATE_LIMIT"] = "3 per minute"
    try:
        yield
    finally:
        app.config["DEBRIEF_API_RATE_LIMIT"] = "600 per minute"


def test_a_token_over_its_limit_gets_429_with_retry_after(low_limit, client, make_user,
                                                          make_token):
    busy, other = make_token(make_user("viewer"), "read"), make_token(make_user("viewer"),
                                                                      "read")
    answers = [client.get(API + "/incidents", headers=bearer(busy)) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    refused = answers[-1]
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # The limit is per token: another script of the same installation is not slowed down.
    assert client.get(API + "/incidents", headers=bearer(other)).status_code == 200

