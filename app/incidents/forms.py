"""Incident and service forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.choices import choices
from app.models import IncidentStatus, IncidentType

TYPE_CHOICES = choices((t.value, t.value) for t in IncidentType)
STATUS_CHOICES = choices((s.value, s.value) for s in IncidentStatus)


class IncidentForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    type = SelectField("Type", choices=TYPE_CHOICES)
    severity = SelectField("Severity", coerce=int)
    status = SelectField("Status", choices=STATUS_CHOICES)
    services = SelectMultipleField("Services", coerce=str)
    tags = StringField("Tags (comma-separated)", validators=[Length(max=500)])
    started_at = StringField("Started at (your zone)", validators=[Optional(), Length(max=40)])
    summary = TextAreaField("Summary (Markdown)", validators=[Length(max=200_000)])
    impact_description = TextAreaField("Customer impact (Markdown)",
                                       validators=[Length(max=200_000)])
    users_affected = IntegerField("Users affected", validators=[Optional(), NumberRange(min=0)])
    downtime_minutes = IntegerField("Downtime (minutes)",
                                    validators=[Optional(), NumberRange(min=0)])
    support_tickets = IntegerField("Support tickets", validators=[Optional(), NumberRange(min=0)])
    data_loss_from = StringField("Data lost from", validators=[Optional(), Length(max=40)])
    data_loss_to = StringField("Data lost until", validators=[Optional(), Length(max=40)])
    commander_id = SelectField("Incident commander", coerce=int)
    resolution_lead_id = SelectField("Resolution lead", coerce=int)
    restricted = BooleanField("Restricted (only members and admins can see it)")


class MomentForm(FlaskForm):
    moment = SelectField("Moment", choices=[])
    value = StringField("Time (your zone; empty clears)", validators=[Optional(),
                                                                      Length(max=40)])


class MembersForm(FlaskForm):
    members = SelectMultipleField("Members", coerce=int)
    responders = SelectMultipleField("Resolution team", coerce=int)


class ServiceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    team_id = SelectField("Owning team", coerce=int)
    rto_minutes = IntegerField("RTO (minutes)", validators=[Optional(), NumberRange(min=0)])
    rpo_minutes = IntegerField("RPO (minutes)", validators=[Optional(), NumberRange(min=0)])


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=120)])
    manager_id = SelectField("Manager", coerce=int)
