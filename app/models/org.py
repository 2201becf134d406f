"""Users, teams, services and tags: who and what incidents are about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

from .enums import Role, enum_column

team_member = Table(
    "team_member",
    Base.metadata,
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A person who logs in; their role decides what they may do."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.VIEWER)
    active: Mapped[bool] = mapped_column(default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Bumped when the password changes or the user is deactivated: invalidates sessions.
    session_token: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    teams: Mapped[list[Team]] = relationship(
        secondary=team_member, back_populates="members", lazy="selectin"
    )

    # Flask-Login's user interface, written out so models import nothing but app.db.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the token makes old sessions invalid
        return f"{self.id}:{self.session_token}"

    def can(self, role: Role | str) -> bool:
        """True when the user's role includes `role`."""
        return self.active and Role(self.role).at_least(role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Team(Base):
    """A group that owns services and actions; its manager gets escalations."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    members: Mapped[list[User]] = relationship(secondary=team_member, back_populates="teams")
    services: Mapped[list[Service]] = relationship(back_populates="team")


class Service(Base):
    """Something users rely on, with its recovery objectives."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    rto_minutes: Mapped[int | None] = mapped_column()
    rpo_minutes: Mapped[int | None] = mapped_column()

    team: Mapped[Team | None] = relationship(back_populates="services")


class Tag(Base):
    """A free label on incidents."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class LoginFailure(Base):
    """A failed login, counted per address and per e-mail to slow down guessing."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
