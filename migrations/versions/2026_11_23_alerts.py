"""Alert intake: integrations (hashed tokens) and received alerts.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_integration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("service_label", sa.String(length=60), nullable=False),
        sa.Column("service_map", sa.JSON(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_integration")),
        sa.UniqueConstraint("name", name=op.f("uq_alert_integration_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_alert_integration_token_hash")),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("starts_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("received_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["integration_id"], ["alert_integration.id"],
                                name=op.f("fk_alert_integration_id_alert_integration"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"],
                                name=op.f("fk_alert_service_id_service"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"],
                                name=op.f("fk_alert_incident_id_incident"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["event_id"], ["timeline_event.id"],
                                name=op.f("fk_alert_event_id_timeline_event"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("integration_id", "dedupe_key",
                            name=op.f("uq_alert_integration_id_dedupe_key")),
    )


def downgrade() -> None:
    op.drop_table("alert")
    op.drop_table("alert_integration")
