"""The API's own description: the OpenAPI document and who the token is."""

from __future__ import annotations

from flask import g, jsonify

from . import serialize
from .blueprint import bp
from .openapi import document_copy


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API (no token needed)."""
    return jsonify(document_copy())


@bp.get("/me")
def me():
    """The token in use and the user it acts for."""
    return serialize.token(g.api_token)
