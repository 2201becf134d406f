"""Outgoing webhooks admin: endpoints, the delivery log, retry now."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import role_required
from app.db import session
from app.models import Role, WebhookDelivery, WebhookEndpoint

from . import outbox, webhooks

bp = Blueprint("webhooks", __name__)
STATUSES = ("pending", "delivered", "failed")


@bp.route("/admin/webhooks", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index():
    """List endpoints; add one (its secret is shown once)."""
    db = session()
    secret = None
    if request.method == "POST":
        try:
            _, secret = webhooks.create_endpoint(
                db, current_user, request.form.get("name", ""), request.form.get("url", ""),
                request.form.get("secret", ""), request.form.getlist("events"),
                allow_private=bool(current_app.config["DEBRIEF_WEBHOOKS_ALLOW_PRIVATE"]))
        except ValueError as exc:
            db.rollback()
            flash(str(exc), "error")
            return render_template("chatops/webhooks.html", endpoints=_endpoints(),
                                   events=outbox.EVENTS, secret=None, form=request.form), 400
        db.commit()
    return render_template("chatops/webhooks.html", endpoints=_endpoints(), events=outbox.EVENTS,
                           secret=secret, form={})


def _endpoints() -> list[WebhookEndpoint]:
    return list(session().scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.name)))


@bp.post("/admin/webhooks/<int:webhook_id>/active")
@role_required(Role.ADMIN)
def toggle(webhook_id: int):
    """Enable or disable an endpoint."""
    db = session()
    endpoint = db.get(WebhookEndpoint, webhook_id) or abort(404)
    webhooks.set_active(db, current_user, endpoint, request.form.get("active") == "1")
    db.commit()
    return redirect(url_for("webhooks.index"))


@bp.post("/admin/webhooks/<int:webhook_id>/delete")
@role_required(Role.ADMIN)
def delete(webhook_id: int):
    """Remove an endpoint and its deliveries."""
    db = session()
    webhooks.delete_endpoint(db, current_user, db.get(WebhookEndpoint, webhook_id) or abort(404))
    db.commit()
    flash("Endpoint removed.", "success")
    return redirect(url_for("webhooks.index"))


@bp.get("/admin/webhooks/deliveries")
@role_required(Role.ADMIN)
def deliveries():
    """The delivery log, newest first: status, attempts, last response, next retry."""
    status = request.args.get("status")
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(200)
    if status in STATUSES:
        query = query.where(WebhookDelivery.status == status)
    rows = session().scalars(query).all()
    return render_template("chatops/deliveries.html", deliveries=rows, status=status,
                           statuses=STATUSES)


@bp.post("/admin/webhooks/deliveries/<int:delivery_id>/retry")
@role_required(Role.ADMIN)
def retry(delivery_id: int):
    """Attempt a delivery again now (also one marked failed)."""
    db = session()
    outbox.requeue(db, db.get(WebhookDelivery, delivery_id) or abort(404))
    db.commit()
    flash("Delivery queued; it is attempted right after this page.", "success")
    return redirect(url_for("webhooks.deliveries"))
