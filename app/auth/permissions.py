"""Who may see and change what: roles and restricted-incident membership."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from app.models import Incident, Role, User, incident_member


def is_admin(user: Any) -> bool:
    """True for an active admin."""
    return bool(getattr(user, "is_authenticated", False)) and user.can(Role.ADMIN)


def can_view_incident(user: Any, incident: Incident) -> bool:
    """Anyone logged in sees open incidents; restricted ones only members and admins."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if not incident.restricted or is_admin(user):
        return True
    return any(m.id == user.id for m in incident.members)


def can_edit_incident(user: Any, incident: Incident) -> bool:
    """Editors and above who can see the incident may change it."""
    return can_view_incident(user, incident) and user.can(Role.EDITOR)


def visible_incidents_clause(user: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting Incident rows to those `user` may see."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return false()
    if is_admin(user):
        return true()
    member = exists(
        select(incident_member.c.user_id).where(
            incident_member.c.incident_id == Incident.id,
            incident_member.c.user_id == user.id,
        )
    )
    return or_(Incident.restricted.is_(False), member)


def role_at_least(user: User | Any, role: Role) -> bool:
    """True when the logged-in user has `role` or more."""
    return bool(getattr(user, "is_authenticated", False)) and user.can(role)
