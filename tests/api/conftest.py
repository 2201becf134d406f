"""API fixtures: tokens, bearer requests, and responses checked against the OpenAPI document."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from app.api.openapi import DOCUMENT_ID

API = "/api/v1"


@pytest.fixture()
def make_token(db):
    """make_token(user, scope='write', **kw) -> the token's secret (as a script holds it)."""
    from app.auth import tokens

    def make(user, scope: str = "write", name: str = "script", **kw) -> str:
        issued = tokens.create_token(db, user, user, name=name, scope=scope, **kw)
        db.commit()
        return issued.secret

    return make


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for `secret`."""
    return {"Authorization": f"Bearer {secret}"}


class Api:
    """A test client that sends a token and checks every answer against the document."""

    def __init__(self, client, document, secret: str | None):
        self.client = client
        self.document = document
        self.secret = secret

    def __call__(self, method: str, path: str, *, headers=None, **kw):
        headers = dict(headers or {})
        if self.secret:
            headers.update(bearer(self.secret))
        resp = self.client.open(API + path, method=method, headers=headers, **kw)
        conforms(self.document, method, path, resp)
        return resp

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def post(self, path, **kw):
        return self("POST", path, **kw)

    def patch(self, path, **kw):
        return self("PATCH", path, **kw)

    def put(self, path, **kw):
        return self("PUT", path, **kw)


def _template(document, path: str) -> str | None:
    """The document's path template matching a concrete path (query removed)."""
    parts = path.split("?")[0].strip("/").split("/")
    for template in document["paths"]:
        tparts = template.strip("/").split("/")
        if len(tparts) == len(parts) and all(
                t.startswith("{") or t == p for t, p in zip(tparts, parts, strict=True)):
            return template
    return None


def conforms(document, method: str, path: str, resp) -> None:
    """Fail unless the response's status, media type and body are those the document says."""
    template = _template(document, path)
    if template is None or method.lower() not in document["paths"][template]:
        # Unknown routes and methods still answer problem details.
        assert resp.mimetype == "application/problem+json", (path, resp.status_code)
        _validate(document, "Problem", resp.get_json())
        return
    responses = document["paths"][template][method.lower()]["responses"]
    spec = responses.get(str(resp.status_code)) or responses["default"]
    if "$ref" in spec:
        spec = document["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
    if resp.status_code >= 400:
        assert resp.mimetype == "application/problem+json", resp.get_data(as_text=True)[:300]
    for name, header in (spec.get("headers") or {}).items():
        if header.get("required"):
            assert name in resp.headers, f"{method} {path}: header {name} missing"
    content = spec.get("content")
    if not content:
        return
    media, schema = next(iter(content.items()))
    assert resp.mimetype == media, (method, path, resp.status_code, resp.mimetype)
    schema = schema["schema"]
    if "$ref" in schema:
        _validate(document, schema["$ref"].rsplit("/", 1)[1], resp.get_json())


def _validate(document, name: str, instance) -> None:
    registry = Registry().with_resource(DOCUMENT_ID, DRAFT202012.create_resource(document))
    validator = Draft202012Validator(
        {"$ref": f"{DOCUMENT_ID}#/components/schemas/{name}"}, registry=registry)
    errors = list(validator.iter_errors(instance))
    assert not errors, f"{name} does not match the document: {errors[0].message} at " \
                       f"{list(errors[0].absolute_path)}"


@pytest.fixture()
def document():
    """The OpenAPI document (test_document.py checks the served one is the same)."""
    from app.api.openapi import document_copy

    return document_copy()


@pytest.fixture()
def api(client, document):
    """api(secret) -> an Api client for that token (None: no token)."""
    return lambda secret=None: Api(client, document, secret)
