"""Bearer-token authentication for the API: never the session cookie, so CSRF cannot apply."""

from __future__ import annotations

from flask import g, request

from app.auth import tokens
from app.db import session
from app.models import ApiToken, Role, User

from .problems import ApiProblem

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Endpoints anyone may fetch: the document describing the API.
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
_UNSET = object()


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_token() -> ApiToken | None:
    """The valid token of this request, or None (looked up once per request)."""
    cached = g.get("api_token", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    secret = _bearer()
    token = tokens.authenticate(session(), secret) if secret else None
    if token is not None:
        # last_used_at is its own small write, kept even if the request itself fails.
        session().commit()
    g.api_token = token
    return token


def api_user() -> User:
    """The user the token acts for (only after `require_token`)."""
    return g.api_token.user


def rate_limit_key() -> str:
    """Flask-Limiter's key: the token (by its prefix, never the secret), else the address."""
    token = current_token() if request.blueprint == "api" else None
    if token is not None:
        return f"token:{token.prefix}"
    return f"addr:{request.remote_addr or 'unknown'}"


def require_token() -> None:
    """401 without a valid token; 403 for a write with a read token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = current_token()
    if token is None:
        detail = ("send a personal API token as 'Authorization: Bearer <token>'"
                  if _bearer() is None else "the token is unknown, expired or revoked")
        raise ApiProblem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="debrief"'})
    if request.method not in READ_METHODS and token.scope != "write":
        raise ApiProblem(403, "this token has the read scope; writing needs a write token")


def require_role(role: Role) -> None:
    """403 unless the token's user has `role` (the same roles as the web pages)."""
    if not api_user().can(role):
        raise ApiProblem(403, f"this needs the {role.value} role")
