"""Service and team administration (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import role_required
from app.choices import choices
from app.db import session
from app.models import Role, Service, Team, User

from . import catalog
from .forms import ServiceForm, TeamForm
from .service import IncidentError

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _choices(form: ServiceForm, team_form: TeamForm) -> None:
    db = session()
    form.team_id.choices = choices([(0, "—")] + [(t.id, t.name) for t in db.scalars(
        select(Team).order_by(Team.name))])
    team_form.manager_id.choices = choices([(0, "—")] + [(u.id, u.display_name) for u in db.scalars(
        select(User).order_by(User.display_name))])


def _render(form: ServiceForm, team_form: TeamForm, status: int = 200):
    db = session()
    return render_template(
        "admin/services.html", form=form, team_form=team_form,
        services=db.scalars(select(Service).order_by(Service.name)).all(),
        teams=db.scalars(select(Team).order_by(Team.name)).all()), status


@bp.get("/services")
@role_required(Role.ADMIN)
def services():
    """List services and teams, with forms to add them."""
    form, team_form = ServiceForm(prefix="svc"), TeamForm(prefix="team")
    _choices(form, team_form)
    return _render(form, team_form)


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@bp.post("/services")
@role_required(Role.ADMIN)
def save_service(service_id: int | None = None):
    """Create or update a service."""
    db = session()
    svc = db.get(Service, service_id) or abort(404) if service_id else None
    form, team_form = ServiceForm(prefix="svc", obj=svc), TeamForm(prefix="team")
    _choices(form, team_form)
    if request.method == "GET":
        form.team_id.data = svc.team_id or 0
        return render_template("admin/service_edit.html", form=form, service=svc)
    if form.validate_on_submit():
        try:
            catalog.save_service(db, current_user, svc, name=form.name.data,
                                 description=form.description.data or "",
                                 team_id=form.team_id.data or None,
                                 rto_minutes=form.rto_minutes.data,
                                 rpo_minutes=form.rpo_minutes.data)
        except IncidentError as exc:
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.commit()
            flash(f"Service {form.name.data} saved.", "success")
            return redirect(url_for("admin.services"))
    return _render(form, team_form, 400)


@bp.post("/teams")
@role_required(Role.ADMIN)
def save_team():
    """Create a team."""
    db = session()
    form, team_form = ServiceForm(prefix="svc"), TeamForm(prefix="team")
    _choices(form, team_form)
    if team_form.validate_on_submit():
        try:
            catalog.save_team(db, current_user, None, name=team_form.name.data,
                              manager_id=team_form.manager_id.data or None)
        except IncidentError as exc:
            getattr(team_form, exc.field or "name").errors.append(str(exc))
        else:
            db.commit()
            flash(f"Team {team_form.name.data} saved.", "success")
            return redirect(url_for("admin.services"))
    return _render(form, team_form, 400)
