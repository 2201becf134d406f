"""Optimistic locking over HTTP: ETag on reads, If-Match required on updates."""

from __future__ import annotations

from flask import request

from .problems import ApiProblem


def require_match(current: str) -> None:
    """428 without If-Match, 412 when it names another version than `current`."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise ApiProblem(428, "send If-Match with the ETag from your last read, so you "
                              "never overwrite a change you have not seen",
                         headers={"ETag": current})
    # Strong comparison (RFC 9110): a weak tag never matches.
    tags = {t.strip() for t in header.split(",")}
    if "*" not in tags and current not in tags:
        raise ApiProblem(412, "it changed since you read it; read it again and re-apply "
                              "your change", headers={"ETag": current})
