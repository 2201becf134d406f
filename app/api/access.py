"""Look-ups that apply the web pages' visibility rules to the token's user."""

from __future__ import annotations

from sqlalchemy import select

from app.actions import service as actions
from app.auth.permissions import can_view_incident
from app.db import session
from app.models import Action, Incident, Review, ReviewStatus, Role

from .auth import api_user, require_role
from .problems import ApiProblem


def not_found(what: str) -> ApiProblem:
    """The 404 used for missing and for hidden objects alike."""
    return ApiProblem(404, f"no such {what}, or you may not see it")


def visible_incident(incident_id: int) -> Incident:
    """The incident if the user may see it; a restricted one answers like a missing one."""
    incident = session().get(Incident, incident_id)
    if incident is None or not can_view_incident(api_user(), incident):
        raise not_found("incident")
    return incident


def editable_incident(incident_id: int) -> Incident:
    """The incident if visible and the user is an editor (404 hidden, 403 viewer)."""
    incident = visible_incident(incident_id)
    require_role(Role.EDITOR)
    return incident


def review_of(incident: Incident, *, writing: bool) -> Review:
    """The incident's review; viewers read only published ones (403), as on the page."""
    if writing:
        require_role(Role.EDITOR)
    review = session().scalar(select(Review).where(Review.incident_id == incident.id))
    if review is None:
        raise not_found("review (none was started for this incident)")
    if not api_user().can(Role.EDITOR) and review.status is not ReviewStatus.PUBLISHED:
        raise ApiProblem(403, "this review is not published yet")
    return review


def visible_action(action_id: int) -> Action:
    """The action if the user may see it (an action of a hidden incident: 404)."""
    action = session().get(Action, action_id)
    if action is None or not actions.can_view_action(session(), api_user(), action):
        raise not_found("action")
    return action
