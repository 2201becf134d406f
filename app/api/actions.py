"""Follow-up actions: list with the web list's filters, create, read with ETag, set status."""

from __future__ import annotations

from flask import current_app, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from app.actions import queries, service, sla
from app.db import session
from app.models import Role

from . import serialize
from .access import visible_action, visible_incident
from .auth import api_user, require_role
from .blueprint import bp
from .bodies import plain_date, validated
from .paging import page_args, paged
from .preconditions import require_match
from .problems import ApiProblem, field_error


def _with_etag(action, status: int = 200, extra: dict[str, str] | None = None):
    headers = {"ETag": serialize.action_etag(action), "Cache-Control": "no-cache"}
    return serialize.action(action), status, {**headers, **(extra or {})}


@bp.get("/actions")
def list_actions():
    """Actions the user may see, with the filters of the web list."""
    try:
        flt = queries.ActionFilter.from_args(request.args)
    except ValueError as exc:
        name, _, message = str(exc).partition(": ")
        raise field_error(400, name, message or str(exc)) from None
    number, size = page_args()
    rows, total = queries.page(session(), queries.actions_query(
        api_user(), flt, service.today_utc()), number, size)
    body, headers = paged([serialize.action(a) for a, _ in rows], total, number, size)
    return body, 200, headers


@bp.post("/actions")
def create_action():
    """Create an action, standalone or for an incident; the due date defaults from the SLA."""
    require_role(Role.EDITOR)
    data = validated("ActionCreate")
    if data.get("incident_id") is not None:
        visible_incident(data["incident_id"])
    db = session()
    try:
        action = service.create_action(db, api_user(), service.ActionData(
            title=data["title"], description=data.get("description", ""),
            owner_id=data.get("owner_id"), team_id=data.get("team_id"),
            priority=data.get("priority", "medium"), type=data.get("type", "prevent"),
            due_date=plain_date(data.get("due_date"), "due_date"),
            due_reason=data.get("due_reason", ""), factor_id=data.get("factor_id"),
            tracker_url=data.get("tracker_url", ""), incident_id=data.get("incident_id")),
            sla_days=sla.parse_days(current_app.config["DEBRIEF_ACTION_SLA_DAYS"]))
    except service.ActionError as exc:
        db.rollback()
        raise field_error(422, exc.field or "title", str(exc)) from None
    except service.PermissionDenied:
        db.rollback()
        raise ApiProblem(403, "you may not add actions to this incident") from None
    db.commit()
    return _with_etag(action, 201, {"Location": url_for("api.get_action", action_id=action.id)})


@bp.get("/actions/<int:action_id>")
def get_action(action_id: int):
    """One action, with its version as ETag."""
    return _with_etag(visible_action(action_id))


@bp.patch("/actions/<int:action_id>")
def update_action_status(action_id: int):
    """Change the status (wont_do needs a reason); If-Match must carry the current ETag."""
    action = visible_action(action_id)
    require_role(Role.EDITOR)
    data = validated("ActionStatusUpdate")
    require_match(serialize.action_etag(action))
    db = session()
    try:
        service.set_status(db, api_user(), action, data["status"], data.get("reason", ""))
        db.commit()
    except service.ActionError as exc:
        db.rollback()
        raise field_error(422, exc.field or "status", str(exc)) from None
    except service.PermissionDenied:
        db.rollback()
        raise ApiProblem(403, "you may not change this action") from None
    except StaleDataError:
        db.rollback()
        raise ApiProblem(412, "the action changed while saving; read it again") from None
    return _with_etag(action)
