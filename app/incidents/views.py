"""Dashboard, incident list, incident page, create and edit."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.decorators import editable_incident_or_404, role_required, visible_incident_or_404
from app.choices import choices
from app.db import session
from app.models import MOMENTS, Role
from app.timefmt import input_value, parse_local

from . import dashboard as dash
from . import formdata, service
from .display import incident_page_context, people_choices
from .filters import filter_from_args
from .forms import IncidentForm, MembersForm, MomentForm

bp = Blueprint("incidents", __name__)


@bp.get("/")
@login_required
def dashboard():
    """Recent incidents, reviews in progress, my open actions, overdue count."""
    return render_template("incidents/dashboard.html", **dash.dashboard(session(), current_user))


@bp.get("/incidents")
@login_required
def index():
    """Incidents the user may see, filtered, sorted, paginated."""
    try:
        flt = filter_from_args(request.args, current_user.timezone)
    except ValueError as exc:
        abort(400, str(exc))
    number = request.args.get("page", 1, type=int) or 1
    size = current_app.config["DEBRIEF_PAGE_SIZE"]
    rows, total = service.page(session(), service.incidents_query(current_user, flt), number,
                               size)
    return render_template("incidents/index.html", incidents=rows, total=total, page=number,
                           pages=max(1, -(-total // size)), flt=flt, args=request.args)


@bp.route("/incidents/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def create():
    """Open a new incident record."""
    db = session()
    form = IncidentForm()
    formdata.fill_choices(form, db, current_app.config["DEBRIEF_SEVERITY_LABELS"])
    if form.validate_on_submit():
        try:
            incident = service.create_incident(
                db, current_user, formdata.to_data(form, current_user.timezone, creating=True))
        except service.IncidentError as exc:
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            db.commit()
            flash(f"{incident.ref} created.", "success")
            return redirect(url_for("incidents.show", incident_id=incident.id))
    status = 400 if request.method == "POST" else 200
    return render_template("incidents/form.html", form=form, incident=None), status


@bp.get("/incidents/<int:incident_id>")
@login_required
def show(incident_id: int):
    """The incident page: summary, impact, moments and durations, roles, timeline."""
    incident = visible_incident_or_404(incident_id)
    ctx = incident_page_context(session(), current_user, incident, request.args,
                                current_app.config["DEBRIEF_STATUS_MOMENTS"] or None)
    return render_template("incidents/show.html", **ctx)


@bp.route("/incidents/<int:incident_id>/edit", methods=["GET", "POST"])
@login_required
def edit(incident_id: int):
    """Edit an incident."""
    incident = editable_incident_or_404(incident_id)
    db = session()
    form = IncidentForm()
    formdata.fill_choices(form, db, current_app.config["DEBRIEF_SEVERITY_LABELS"])
    if request.method == "GET":
        formdata.from_incident(form, incident, current_user.timezone)
    elif form.validate_on_submit():
        shown = input_value(incident.started_at, current_user.timezone)
        try:
            data = formdata.to_data(form, current_user.timezone)
            service.update_incident(db, current_user, incident, data)
            # The start is a lifecycle moment with its provenance: a start typed over the
            # one the form showed is set by hand; one left as shown keeps its exact value.
            if data.started_at is not None and (form.started_at.data or "").strip() != shown:
                service.set_moment(db, current_user, incident, "started_at", data.started_at)
        except service.IncidentError as exc:
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            db.commit()
            flash("Incident saved.", "success")
            return redirect(url_for("incidents.show", incident_id=incident.id))
    status = 400 if request.method == "POST" else 200
    return render_template("incidents/form.html", form=form, incident=incident), status


@bp.post("/incidents/<int:incident_id>/moments")
@login_required
def set_moment(incident_id: int):
    """Set or clear one lifecycle moment by hand (provenance: manual)."""
    incident = editable_incident_or_404(incident_id)
    form = MomentForm()
    form.moment.choices = choices((m, m) for m in MOMENTS)
    if not form.validate_on_submit():
        abort(400, "Choose a moment and a time.")
    try:
        value = parse_local(form.value.data, current_user.timezone)
    except ValueError:
        abort(400, "value: not a date and time (YYYY-MM-DD HH:MM)")
    service.set_moment(session(), current_user, incident, form.moment.data, value)
    session().commit()
    return redirect(url_for("incidents.show", incident_id=incident.id) + "#moments")


@bp.post("/incidents/<int:incident_id>/people")
@login_required
def set_people(incident_id: int):
    """Replace members (who may see a restricted incident) and the resolution team."""
    incident = editable_incident_or_404(incident_id)
    form = MembersForm()
    form.members.choices = form.responders.choices = people_choices(session())
    if not form.validate_on_submit():
        abort(400, "Unknown people selected.")
    service.set_members(session(), current_user, incident, form.members.data)
    service.set_responders(session(), current_user, incident, form.responders.data)
    session().commit()
    flash("People saved.", "success")
    return redirect(url_for("incidents.show", incident_id=incident.id) + "#people")
