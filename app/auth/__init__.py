"""Authentication: Flask-Login wiring; users are loaded by id and session token."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from app.db import session
from app.models import User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"
# "strong" drops the session when the client's identifier changes; "basic" is enough with
# the per-user session token, and avoids logging people out behind changing proxies.
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = session().get(User, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def init_app(app: Flask) -> None:
    """Attach the login manager."""
    login_manager.init_app(app)
