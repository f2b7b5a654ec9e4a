"""learned quirks: what an app was found not to implement (PATCH, filters, kept attributes)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engine_learned_quirk",
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=8), nullable=False),
        sa.Column("attribute", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["app.id"],
            name=op.f("fk_engine_learned_quirk_app_id_app"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "app_id", "kind", "object_type", "attribute", name=op.f("pk_engine_learned_quirk")
        ),
    )


def downgrade() -> None:
    op.drop_table("engine_learned_quirk")
