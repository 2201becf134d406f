"""Users: create, authenticate, change role or password."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import LoginFailure, Role, User

from .passwords import dummy_verify, hash_password, verify_password


class UserError(ValueError):
    """Invalid user data, with the field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    """Lower-cased, trimmed e-mail."""
    return email.strip().lower()


def get_by_email(db: Session, email: str) -> User | None:
    """The user with this e-mail, if any."""
    return db.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def create_user(db: Session, email: str, password: str, *, role: Role | str = Role.VIEWER,
                display_name: str | None = None, timezone: str = "UTC") -> User:
    """Create a user after checking e-mail, password length, role and zone."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 254 or email.startswith("@"):
        raise UserError(f"not an e-mail address: {email!r}", "email")
    if get_by_email(db, email) is not None:
        raise UserError(f"a user with e-mail {email} already exists", "email")
    validate_password(password)
    try:
        role = Role(role)
    except ValueError:
        raise UserError(
            f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}", "role"
        ) from None
    validate_timezone(timezone)
    user = User(
        email=email,
        display_name=(display_name or email.split("@")[0]).strip()[:120],
        password_hash=hash_password(password),
        role=role,
        timezone=timezone,
        session_token=secrets.token_hex(8),
    )
    db.add(user)
    db.flush()
    return user


def validate_password(password: str) -> None:
    """Refuse passwords too short to be worth hashing."""
    if len(password) < 10:
        raise UserError("the password must have at least 10 characters", "password")


def validate_timezone(name: str) -> None:
    """Refuse zone names the tz database does not know."""
    if name not in _zones():
        raise UserError(f"unknown time zone {name!r} (use an IANA name like Europe/Paris)",
                        "timezone")


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = set(available_timezones()) | {"UTC"}
    return _ZONES


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, else None (constant-ish time)."""
    user = get_by_email(db, email)
    if user is None:
        dummy_verify(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def set_password(user: User, password: str) -> None:
    """Change the password and end the user's other sessions."""
    validate_password(password)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(8)


def end_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of the user (on logout).

    Sessions live in signed cookies, so forgetting one in the browser is not enough: a copy
    taken before the logout would stay valid until the token it names changes.
    """
    user.session_token = secrets.token_hex(8)


def update_user(user: User, *, role: str | None = None, active: bool | None = None,
                display_name: str | None = None, timezone: str | None = None) -> None:
    """Change a user's role, active flag, name or zone."""
    if role is not None:
        try:
            user.role = Role(role)
        except ValueError:
            raise UserError(f"unknown role {role!r}", "role") from None
    if active is not None:
        if not active and user.active:
            user.session_token = secrets.token_hex(8)
        user.active = active
    if display_name is not None:
        if not display_name.strip():
            raise UserError("the display name cannot be empty", "display_name")
        user.display_name = display_name.strip()[:120]
    if timezone is not None:
        validate_timezone(timezone)
        user.timezone = timezone


LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 10


def too_many_failures(db: Session, email: str, remote_addr: str, now: datetime) -> bool:
    """True when this address or this e-mail failed too often in the last 15 minutes."""
    since = now - LOGIN_WINDOW
    count = db.scalar(
        select(func.count(LoginFailure.id)).where(
            LoginFailure.created_at >= since,
            or_(LoginFailure.email == normalize_email(email),
                LoginFailure.remote_addr == remote_addr),
        )
    )
    return (count or 0) >= LOGIN_MAX_FAILURES


def record_failure(db: Session, email: str, remote_addr: str) -> None:
    """Count one failed login."""
    db.add(LoginFailure(email=normalize_email(email)[:254], remote_addr=remote_addr[:64]))
    db.flush()
