"""Read request bodies: JSON only, checked against the OpenAPI document's own schemas."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from flask import request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .openapi import DOCUMENT_ID, document
from .problems import ApiProblem, field_error

MAX_ERRORS = 50


def json_body() -> Any:
    """The parsed JSON body: 415 for another media type, 400 for malformed JSON."""
    if not request.is_json:
        raise ApiProblem(415, "send the body as JSON with 'Content-Type: application/json'")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ApiProblem(400, "the body is nested too deeply to be a request") from None
    if data is None:
        raise ApiProblem(400, "the body is not valid JSON")
    return data


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    registry: Registry = Registry().with_resource(
        DOCUMENT_ID, DRAFT202012.create_resource(document()))
    return Draft202012Validator({"$ref": f"{DOCUMENT_ID}#/components/schemas/{schema_name}"},
                                registry=registry)


def field_path(path: Any) -> str:
    """``events[3].occurred_at`` from a jsonschema path."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _describe(error: ValidationError) -> list[dict[str, str]]:
    field = field_path(error.absolute_path)
    prefix = "" if field == "body" else f"{field}."
    if error.validator == "required" and isinstance(error.instance, dict):
        # One error per missing property; its message names it as a Python literal.
        quoted = error.message.removesuffix(" is a required property")
        try:
            name = str(ast.literal_eval(quoted))
        except (ValueError, SyntaxError):
            name = quoted
        return [{"field": prefix + name, "message": "is required"}]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return [{"field": prefix + str(k)[:60], "message": "is not a known field"}
                for k in sorted(error.instance) if k not in allowed]
    return [{"field": field, "message": error.message[:300]}]


def unstorable(value: Any, path: tuple[Any, ...] = ()) -> str | None:
    """The path of the first string no database can store (NUL, lone surrogate), if any."""
    if isinstance(value, str):
        if "\x00" in value:
            return field_path(path) or "body"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return field_path(path) or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            found = unstorable(key, path) or unstorable(item, (*path, key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable(item, (*path, index))
            if found:
                return found
    return None


def _whole_numbers(value: Any) -> Any:
    """JSON allows 2.0 for an integer; the services and the databases want 2."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def validated(schema_name: str) -> Any:
    """The JSON body, valid against components/schemas/`schema_name` (422 naming fields)."""
    try:
        data = _whole_numbers(json_body())
        bad = unstorable(data)
        errors = sorted(_validator(schema_name).iter_errors(data),
                        key=lambda e: [str(p) for p in e.absolute_path])
    except RecursionError:
        raise ApiProblem(400, "the body is nested too deeply to be a request") from None
    if bad:
        raise field_error(422, bad, "contains a NUL character or an invalid surrogate")
    if errors:
        described = [d for e in errors[:MAX_ERRORS] for d in _describe(e)][:MAX_ERRORS] or [
            {"field": "body", "message": errors[0].message[:300]}]
        first = described[0]
        more = f" (and {len(described) - 1} more)" if len(described) > 1 else ""
        raise ApiProblem(422, f"{first['field']}: {first['message']}{more}", errors=described)
    return data


def aware_time(value: str | None, field: str) -> datetime | None:
    """An RFC 3339 time with its offset, in UTC; 422 naming `field` otherwise."""
    if value is None:
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise field_error(422, field, "not a date-time (e.g. 2025-03-04T10:15:00Z)") from None
    if parsed.utcoffset() is None:
        raise field_error(422, field, "give the time with its offset (Z or +01:00)")
    return parsed.astimezone(UTC)


def plain_date(value: str | None, field: str) -> date | None:
    """A YYYY-MM-DD date; 422 naming `field` otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise field_error(422, field, "not a date (YYYY-MM-DD)") from None
