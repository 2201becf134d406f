"""Alert webhooks (token-authenticated), the unlinked-alerts list, integrations admin."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import editable_incident_or_404, role_required
from app.auth.permissions import can_view_incident, visible_incidents_clause
from app.db import session
from app.models import Alert, AlertIntegration, Incident, Role
from app.security import csrf

from . import alert_intake
from .importers import ImportFormatError

bp = Blueprint("alerts", __name__)


def _token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.args.get("token")


def _hook(kind: str):
    db = session()
    integration = alert_intake.authenticate(db, kind, _token())
    if integration is None:
        return jsonify(title="Unauthorized", status=401,
                       detail="missing or wrong integration token"), 401
    payload = request.get_json(silent=True)
    if payload is None:
        return jsonify(title="Bad Request", status=400, detail="the body must be JSON"), 400
    try:
        counts = alert_intake.receive(db, integration, payload)
    except ImportFormatError as exc:
        db.rollback()
        return jsonify(title="Bad Request", status=400, detail=str(exc)), 400
    db.commit()
    return jsonify(counts), 200


@bp.post("/hooks/alertmanager")
@csrf.exempt
def alertmanager():
    """Prometheus Alertmanager webhook (version 4); Bearer token or ?token=."""
    return _hook("alertmanager")


@bp.post("/hooks/checkly")
@csrf.exempt
def checkly():
    """Checkly webhook alert channel; Bearer token or ?token=."""
    return _hook("checkly")


@bp.get("/alerts")
@role_required(Role.EDITOR)
def unlinked():
    """Alerts that matched no open incident, newest first, with incidents to attach to."""
    db = session()
    alerts = db.scalars(select(Alert).where(Alert.incident_id.is_(None))
                        .order_by(Alert.starts_at.desc()).limit(200)).all()
    incidents = db.scalars(select(Incident).where(visible_incidents_clause(current_user))
                           .order_by(Incident.started_at.desc().nulls_last()).limit(50)).all()
    return render_template("timeline/alerts.html", alerts=alerts, incidents=incidents)


@bp.post("/alerts/<int:alert_id>/attach")
@role_required(Role.EDITOR)
def attach(alert_id: int):
    """Attach an unlinked alert to an incident the user may edit."""
    db = session()
    alert = db.get(Alert, alert_id) or abort(404)
    if alert.incident_id is not None:
        # Only unlinked alerts move: one on a restricted incident the user cannot see
        # answers like a missing one, so it can neither be revealed nor pulled out.
        linked = db.get(Incident, alert.incident_id)
        if linked is None or not can_view_incident(current_user, linked):
            abort(404)
        abort(409, f"This alert is already attached to {linked.ref}.")
    incident_id = request.form.get("incident_id", type=int)
    if not incident_id:
        abort(400, "incident_id: choose an incident")
    incident = editable_incident_or_404(incident_id)
    alert_intake.attach(db, current_user, alert, incident)
    db.commit()
    flash(f"Alert attached to {incident.ref}.", "success")
    return redirect(url_for("alerts.unlinked"))


@bp.route("/admin/integrations", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def integrations():
    """List integrations; create one (its token is shown once)."""
    db = session()
    token = None
    if request.method == "POST":
        try:
            _, token = alert_intake.create_integration(
                db, current_user, request.form.get("name", ""), request.form.get("kind", ""),
                request.form.get("service_label", "service").strip())
        except ValueError as exc:
            flash(str(exc), "error")
        else:
            db.commit()
    rows = db.scalars(select(AlertIntegration).order_by(AlertIntegration.name)).all()
    return render_template("timeline/integrations.html", integrations=rows, token=token)
