"""target member order index

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 16:55:00.000000

A group's members are read in the order they were added (``seq``), a page at a time, and
every member add reads the largest ``seq``; without this index both scan the whole group.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_target_member_order", "target_member", ["tenant_id", "group_id", "seq"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_target_member_order", table_name="target_member")
