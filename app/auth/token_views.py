"""My API tokens, under the profile: create one (its secret shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.db import session

from . import tokens
from .token_forms import TokenForm

bp = Blueprint("tokens", __name__)


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    rows = tokens.tokens_of(session(), current_user)
    return render_template("auth/tokens.html", form=form, tokens=rows, secret=secret), status


@bp.get("/profile/tokens")
@login_required
def index():
    """My tokens: name, scope, prefix, created, last used, expiry, state."""
    return _page(TokenForm())


@bp.post("/profile/tokens")
@login_required
def create():
    """Create a token and show its secret this once (the page is never cached)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    db = session()
    try:
        issued = tokens.create_token(db, current_user, current_user, name=form.name.data,
                                     scope=form.scope.data, expires_days=form.expires_days.data)
    except tokens.TokenError as exc:
        getattr(form, exc.field or "name", form.name).errors.append(str(exc))
        return _page(form, status=400)
    db.commit()
    return _page(TokenForm(formdata=None), secret=issued.secret)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of my tokens; it stops working at once."""
    db = session()
    token = tokens.token_of_user(db, current_user, token_id) or abort(404)
    tokens.revoke(db, current_user, token)
    db.commit()
    flash(f"Token {token.prefix}… revoked.", "success")
    return redirect(url_for("tokens.index"))
