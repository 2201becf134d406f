"""The form to create a personal API token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.choices import choices

from .tokens import MAX_EXPIRY_DAYS, SCOPES


class TokenForm(FlaskForm):
    name = StringField("Name (what will use it)", validators=[DataRequired(), Length(max=120)])
    scope = SelectField("Scope", choices=choices((s, s) for s in SCOPES), default="read")
    expires_days = IntegerField("Expires after (days, empty: never)",
                                validators=[Optional(), NumberRange(1, MAX_EXPIRY_DAYS)])
