"""The OpenAPI document: served without a token, valid, and covering exactly the routes."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from app.api.blueprint import PREFIX
from app.api.openapi import document_copy
from tests.api.conftest import API


def test_served_without_a_token_and_equal_to_the_module(client):
    resp = client.get(API + "/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    served = resp.get_json()
    assert served == document_copy()
    assert served["openapi"].startswith("3.1")


def test_every_api_route_is_documented_and_nothing_else(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(p, m) for p, item in document_copy()["paths"].items() for m in item}
    assert routes == documented


def test_every_schema_is_valid_json_schema_and_every_operation_answers_problems():
    doc = document_copy()
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op["operationId"] and op["responses"]["default"], (path, method)
            if op.get("security") != []:
                assert "401" in op["responses"] and "429" in op["responses"], (path, method)
