"""Forms for login and user administration."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.choices import choices
from app.models import Role

ROLE_CHOICES = choices((r.value, r.value) for r in Role)


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField("Keep me logged in")


class UserCreateForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(),
                                             Length(max=254)])
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")
    timezone = StringField("Time zone", default="UTC", validators=[DataRequired(),
                                                                   Length(max=64)])
    password = PasswordField("Initial password", validators=[DataRequired(), Length(10, 1000)])


class UserEditForm(FlaskForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    timezone = StringField("Time zone", validators=[DataRequired(), Length(max=64)])
    active = BooleanField("Active")
    password = PasswordField("New password (leave empty to keep)",
                             validators=[Optional(), Length(10, 1000)])


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=120)])
    timezone = StringField("Time zone", validators=[DataRequired(), Length(max=64)])
