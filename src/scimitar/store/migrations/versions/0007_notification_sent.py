"""notification sent

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 16:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scimitar.store.tables.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_sent",
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=True),
        sa.Column("sent_at", scimitar.store.tables.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["app.id"],
            name=op.f("fk_notification_sent_app_id_app"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "kind", name=op.f("pk_notification_sent")),
    )


def downgrade() -> None:
    op.drop_table("notification_sent")
