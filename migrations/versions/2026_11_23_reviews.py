"""Review meetings: parking lot, attendee feedback, dismissed findings; publish version.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review") as batch:
        batch.add_column(sa.Column("published_version", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("status_reason", sa.Text(), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("review") as batch:
        # The defaults only filled existing rows; the models give new rows their values.
        batch.alter_column("published_version", server_default=None)
        batch.alter_column("status_reason", server_default=None)
    op.create_table(
        "parking_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"],
                                name=op.f("fk_parking_item_review_id_review"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"],
                                name=op.f("fk_parking_item_action_id_action"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"],
                                name=op.f("fk_parking_item_created_by_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_item")),
    )
    op.create_table(
        "review_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("learned", sa.Boolean(), nullable=False),
        sa.Column("would_return", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"],
                                name=op.f("fk_review_feedback_review_id_review"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_review_feedback_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_feedback")),
        sa.UniqueConstraint("review_id", "user_id", name=op.f("uq_review_feedback_review_id_user_id")),
    )
    op.create_table(
        "finding_dismissal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("section_key", sa.String(length=60), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"],
                                name=op.f("fk_finding_dismissal_review_id_review"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_finding_dismissal_user_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_dismissal")),
    )


def downgrade() -> None:
    op.drop_table("finding_dismissal")
    op.drop_table("review_feedback")
    op.drop_table("parking_item")
    with op.batch_alter_table("review") as batch:
        batch.drop_column("status_reason")
        batch.drop_column("published_version")
