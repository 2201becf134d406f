"""Check query arguments against the operation's parameters in the OpenAPI document."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask import request
from jsonschema import Draft202012Validator

from .blueprint import PREFIX
from .openapi import document
from .problems import field_error

_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
_INTEGER = re.compile(r"-?[0-9]{1,18}")


def _template(rule: str) -> str:
    """``/incidents/{incident_id}`` from ``/api/v1/incidents/<int:incident_id>``."""
    return _CONVERTER.sub(r"{\1}", rule.removeprefix(PREFIX))


@cache
def _query_parameters(template: str, method: str) -> dict[str, Draft202012Validator]:
    operation = document()["paths"].get(template, {}).get(method, {})
    return {p["name"]: Draft202012Validator(p["schema"]) for p in
            operation.get("parameters", []) if p["in"] == "query"}


def _typed(value: str, schema: dict[str, Any]) -> Any:
    if schema.get("type") == "integer":
        return int(value) if _INTEGER.fullmatch(value) else value
    return value


def check_query() -> None:
    """400 naming the argument when a documented query argument breaks its schema.

    An unknown argument is refused too (a typo must not silently widen a list), and an
    empty value counts as given (``sort=`` is refused).
    """
    if request.url_rule is None:
        return
    params = _query_parameters(_template(request.url_rule.rule), request.method.lower())
    for name in request.args:
        if name not in params:
            known = ", ".join(params) or "none"
            raise field_error(400, name[:60], f"not a query argument here (known: {known})")
    for name, validator in params.items():
        values = request.args.getlist(name)
        if len(values) > 1:
            raise field_error(400, name, "give it once")
        if not values:
            continue
        error = next(validator.iter_errors(_typed(values[0], validator.schema)), None)
        if error is not None:
            raise field_error(400, name, error.message[:200])
