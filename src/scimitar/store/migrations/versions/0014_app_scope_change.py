"""the scope change log: assignment changes the next incremental cycle takes up

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_scope_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("object_type", sa.String(length=8), nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["app.id"], name=op.f("fk_app_scope_change_app_id_app"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_scope_change")),
    )
    with op.batch_alter_table("app_scope_change", schema=None) as batch_op:
        batch_op.create_index("ix_app_scope_change_app_at", ["app_id", "changed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("app_scope_change", schema=None) as batch_op:
        batch_op.drop_index("ix_app_scope_change_app_at")
    op.drop_table("app_scope_change")
