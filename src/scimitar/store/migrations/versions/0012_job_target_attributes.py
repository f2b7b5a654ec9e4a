"""the attributes an admin added to a job's target attribute list

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 18:30:00.000000

Entra's "Edit attribute list for ...": custom target attributes (name, type, multi-valued,
required, referenced object type) by object type, as JSON text; ``NULL`` when none were added.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provisioning_job") as batch:
        batch.add_column(sa.Column("target_attributes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provisioning_job") as batch:
        batch.drop_column("target_attributes")
