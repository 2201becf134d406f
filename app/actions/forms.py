"""Action forms (every one posts a CSRF token) and their translation to ActionData."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from app.choices import choices
from app.models import (
    ActionPriority,
    ActionType,
    ContributingFactor,
    Incident,
    Team,
    User,
)

from .service import ActionData


def _opt_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


STATUS_LABELS = {"open": "open", "in_progress": "in progress", "done": "done",
                 "wont_do": "won't do"}


class ActionForm(FlaskForm):
    """Create or edit an action."""

    title = StringField("Title", [InputRequired(), Length(max=300)])
    description = TextAreaField("Description (Markdown)", [Optional(), Length(max=20000)])
    owner_id = SelectField("Owner", coerce=_opt_int)
    team_id = SelectField("Team", coerce=_opt_int)
    priority = SelectField("Priority", choices=choices((p.value, p.value) for p in ActionPriority),
                           default=ActionPriority.MEDIUM.value)
    type = SelectField("Type", choices=choices((t.value, t.value) for t in ActionType),
                       default=ActionType.PREVENT.value)
    due_date = DateField("Due date", [Optional()])
    due_reason = StringField("Reason for a due date past the SLA", [Optional(), Length(max=500)])
    factor_id = SelectField("Contributing factor it addresses", coerce=_opt_int)
    tracker_url = StringField("Tracker link (Jira, GitHub, Linear, ServiceNow)",
                              [Optional(), Length(max=500)])
    version = HiddenField()


class StatusForm(FlaskForm):
    """Change one action's status."""

    status = SelectField("Status", choices=choices(STATUS_LABELS.items()))
    reason = TextAreaField("Reason (required for won't do)", [Optional(), Length(max=2000)])


class BulkStatusForm(FlaskForm):
    """Change the status of the checked actions."""

    ids = SelectMultipleField("Actions", coerce=int, validate_choice=False)
    status = SelectField("Status", choices=choices(STATUS_LABELS.items()))
    reason = StringField("Reason (required for won't do)", [Optional(), Length(max=2000)])


def fill_choices(form: ActionForm, db: Session, incident: Incident | None) -> None:
    """Owners, teams and (for an incident's action) its contributing factors."""
    form.owner_id.choices = choices([("", "— nobody yet —")] + [
        (u.id, f"{u.display_name} <{u.email}>") for u in db.scalars(
            select(User).where(User.active.is_(True)).order_by(User.display_name))])
    form.team_id.choices = choices([("", "— none —")] + [
        (t.id, t.name) for t in db.scalars(select(Team).order_by(Team.name))])
    factors = [] if incident is None else db.scalars(select(ContributingFactor).where(
        ContributingFactor.incident_id == incident.id).order_by(ContributingFactor.id))
    form.factor_id.choices = choices([("", "— none —")] + [
        (f.id, f"{f.category.value}: {f.description[:80]}") for f in factors])


def to_data(form: ActionForm, incident_id: int | None = None) -> ActionData:
    """The form's values for the service."""
    return ActionData(
        title=form.title.data or "", description=form.description.data or "",
        owner_id=form.owner_id.data, team_id=form.team_id.data,
        priority=form.priority.data, type=form.type.data, due_date=form.due_date.data,
        due_reason=form.due_reason.data or "", factor_id=form.factor_id.data,
        tracker_url=form.tracker_url.data or "", incident_id=incident_id)


def from_action(form: ActionForm, action: Any) -> None:
    """Load an action into the form for editing."""
    form.title.data, form.description.data = action.title, action.description
    form.owner_id.data, form.team_id.data = action.owner_id, action.team_id
    form.priority.data, form.type.data = action.priority.value, action.type.value
    form.due_date.data, form.factor_id.data = action.due_date, action.factor_id
    form.tracker_url.data, form.version.data = action.tracker_url or "", str(action.version)

