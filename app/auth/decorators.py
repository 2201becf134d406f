"""View decorators and lookups that enforce roles and restricted-incident visibility."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from app.db import session
from app.models import Incident, Role

from .permissions import can_view_incident

F = TypeVar("F", bound=Callable[..., Any])


def role_required(role: Role) -> Callable[[F], F]:
    """Require a login and at least `role` (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(role):
                abort(403, f"This needs the {role.value} role.")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def visible_incident_or_404(incident_id: int) -> Incident:
    """The incident if the current user may see it; 404 otherwise, never 403."""
    incident = session().get(Incident, incident_id)
    # A restricted incident answers exactly like a missing one, so its existence leaks not.
    if incident is None or not can_view_incident(current_user, incident):
        abort(404)
    return incident


def editable_incident_or_404(incident_id: int) -> Incident:
    """The incident if visible and the user may edit (404 if hidden, 403 if read-only)."""
    incident = visible_incident_or_404(incident_id)
    if not current_user.can(Role.EDITOR):
        abort(403, "Viewers cannot change incidents.")
    return incident
