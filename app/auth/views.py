"""Login, logout, profile and user administration pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.db import session as db_session
from app.db import utcnow
from app.models import Role, User

from . import service
from .decorators import role_required
from .forms import LoginForm, ProfileForm, UserCreateForm, UserEditForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("incidents.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        db = db_session()
        addr = request.remote_addr or "unknown"
        if service.too_many_failures(db, form.email.data, addr, utcnow()):
            return render_template("auth/login.html", form=form,
                                   error="Too many failed attempts. Wait 15 minutes."), 429
        user = service.authenticate(db, form.email.data, form.password.data)
        if user is None:
            service.record_failure(db, form.email.data, addr)
            db.commit()
            return render_template("auth/login.html", form=form,
                                   error="Wrong e-mail or password."), 401
        session.clear()  # a new session on login: nothing set before survives (fixation)
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("incidents.dashboard"))
    return render_template("auth/login.html", form=form, error=None)


@bp.post("/logout")
@login_required
def logout():
    """Log out, forget the session and make copies of its cookie worthless."""
    service.end_sessions(current_user)
    db_session().commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Change my display name and time zone."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            service.update_user(current_user, display_name=form.display_name.data,
                                timezone=form.timezone.data.strip())
        except service.UserError as exc:
            getattr(form, exc.field or "display_name").errors.append(str(exc))
            return render_template("auth/profile.html", form=form), 400
        db_session().commit()
        flash("Profile saved.", "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)


@bp.get("/admin/users")
@role_required(Role.ADMIN)
def users():
    """List users."""
    rows = db_session().scalars(select(User).order_by(User.email)).all()
    return render_template("auth/users.html", users=rows, form=UserCreateForm())


@bp.post("/admin/users")
@role_required(Role.ADMIN)
def create_user():
    """Create a user."""
    form = UserCreateForm()
    db = db_session()
    if form.validate_on_submit():
        try:
            service.create_user(db, form.email.data, form.password.data, role=form.role.data,
                                display_name=form.display_name.data,
                                timezone=form.timezone.data.strip())
        except service.UserError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.commit()
            flash(f"User {form.email.data} created.", "success")
            return redirect(url_for("auth.users"))
    rows = db.scalars(select(User).order_by(User.email)).all()
    return render_template("auth/users.html", users=rows, form=form), 400


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int):
    """Change a user's role, zone, active flag or password."""
    db = db_session()
    user = db.get(User, user_id) or abort(404)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        try:
            service.update_user(user, role=form.role.data, active=form.active.data,
                                display_name=form.display_name.data,
                                timezone=form.timezone.data.strip())
            if form.password.data:
                service.set_password(user, form.password.data)
        except service.UserError as exc:
            getattr(form, exc.field or "role").errors.append(str(exc))
            return render_template("auth/user_edit.html", form=form, user=user), 400
        db.commit()
        flash("User saved.", "success")
        return redirect(url_for("auth.users"))
    return render_template("auth/user_edit.html", form=form, user=user)
