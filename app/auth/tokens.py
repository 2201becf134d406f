"""Personal API tokens: create (the secret is shown once), find by secret, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.models import ApiToken, User

SCOPES = ("read", "write")
# Every token starts with this, so secret scanners and people recognise a Debrief token.
TOKEN_MARK = "dbt_"
MAX_EXPIRY_DAYS = 3650
# last_used_at is rewritten at most this often, so a busy script does not write on every call.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(ValueError):
    """Invalid token input, naming the field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret: the only moment the secret exists in clear."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest stored for a secret (the secret has 256 bits of entropy)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(db: Session, actor: User | None, user: User, *, name: str, scope: str,
                 expires_days: int | None = None, now: datetime | None = None
                 ) -> IssuedToken:
    """Issue a token for `user`; the caller shows `secret` once and never stores it."""
    name = (name or "").strip()
    if not name:
        raise TokenError("give the token a name (what will use it?)", "name")
    if len(name) > 120:
        raise TokenError("the name is longer than 120 characters", "name")
    if scope not in SCOPES:
        raise TokenError(f"scope: one of {', '.join(SCOPES)}", "scope")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise TokenError(f"expiry: between 1 and {MAX_EXPIRY_DAYS} days", "expires_days")
    if not user.active:
        raise TokenError("the user is not active", "user")
    now = now or utcnow()
    body = secrets.token_urlsafe(32)
    secret = TOKEN_MARK + body
    token = ApiToken(user_id=user.id, name=name, scope=scope, prefix=secret[:12],
                     secret_hash=hash_secret(secret), created_at=now,
                     expires_at=now + timedelta(days=expires_days) if expires_days else None)
    db.add(token)
    db.flush()
    audit.record(db, actor, "api_token", token.id, "create",
                 {"user": user.email, "name": name, "scope": scope, "prefix": token.prefix})
    return IssuedToken(token, secret)


def authenticate(db: Session, secret: str, now: datetime | None = None) -> ApiToken | None:
    """The active token with this secret (its user active too), else None.

    Marks the token used; the caller commits.
    """
    now = now or utcnow()
    if not secret.startswith(TOKEN_MARK) or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    token = db.scalar(select(ApiToken).where(ApiToken.secret_hash == digest))
    # The lookup is by digest; comparing digests in constant time keeps timing flat anyway.
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    if not token.active_at(now) or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.flush()
    return token


def revoke(db: Session, actor: User | None, token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke a token at once; False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    audit.record(db, actor, "api_token", token.id, "revoke", {"prefix": token.prefix})
    db.flush()
    return True


def tokens_of(db: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included, marked)."""
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                           .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_of_user(db: Session, user: User, token_id: int) -> ApiToken | None:
    """The token if it belongs to `user`."""
    token = db.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None
