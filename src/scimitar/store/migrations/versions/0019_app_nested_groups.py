"""provisioning jobs choose how nested groups count: direct members (Entra) or flattened

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provisioning_job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("nested_groups", sa.String(length=8), server_default="direct", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("provisioning_job", schema=None) as batch_op:
        batch_op.drop_column("nested_groups")
