"""Follow-up actions: normalised tracker key on action, reminder log.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("action") as batch:
        batch.add_column(sa.Column("tracker_key", sa.String(length=200), nullable=True))
        batch.create_index("ix_action_tracker_key", ["tracker_key"], unique=False)
    op.create_table(
        "reminder_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action_count", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_log")),
        sa.UniqueConstraint("recipient", "kind", "day",
                            name=op.f("uq_reminder_log_recipient_kind_day")),
    )


def downgrade() -> None:
    op.drop_table("reminder_log")
    with op.batch_alter_table("action") as batch:
        batch.drop_index("ix_action_tracker_key")
        batch.drop_column("tracker_key")
