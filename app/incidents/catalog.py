"""Services and teams: the catalogue incidents refer to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.models import Service, Team, User

from .service import IncidentError


def save_service(db: Session, actor: Any, service: Service | None, *, name: str,
                 description: str = "", team_id: int | None = None,
                 rto_minutes: int | None = None, rpo_minutes: int | None = None) -> Service:
    """Create or update a service; names are unique."""
    name = name.strip()
    if not name:
        raise IncidentError("the name cannot be empty", "name")
    clash = db.scalar(select(Service).where(Service.name == name))
    if clash is not None and clash is not service:
        raise IncidentError(f"a service called {name!r} exists", "name")
    if team_id is not None and db.get(Team, team_id) is None:
        raise IncidentError("no such team", "team_id")
    for field, value in (("rto_minutes", rto_minutes), ("rpo_minutes", rpo_minutes)):
        if value is not None and value < 0:
            raise IncidentError("cannot be negative", field)
    if service is None:
        service = Service(name=name)
        db.add(service)
        db.flush()
        verb = "create"
    else:
        verb = "update"
    changes = audit.diff(service, {"name": name, "description": description,
                                   "team_id": team_id, "rto_minutes": rto_minutes,
                                   "rpo_minutes": rpo_minutes})
    audit.record(db, actor, "service", service.id, verb, changes)
    db.flush()
    return service


def save_team(db: Session, actor: Any, team: Team | None, *, name: str,
              manager_id: int | None = None) -> Team:
    """Create or update a team; names are unique."""
    name = name.strip()
    if not name:
        raise IncidentError("the name cannot be empty", "name")
    clash = db.scalar(select(Team).where(Team.name == name))
    if clash is not None and clash is not team:
        raise IncidentError(f"a team called {name!r} exists", "name")
    if manager_id is not None and db.get(User, manager_id) is None:
        raise IncidentError("no such user", "manager_id")
    if team is None:
        team = Team(name=name)
        db.add(team)
        db.flush()
    changes = audit.diff(team, {"name": name, "manager_id": manager_id})
    audit.record(db, actor, "team", team.id, "save", changes)
    db.flush()
    return team
