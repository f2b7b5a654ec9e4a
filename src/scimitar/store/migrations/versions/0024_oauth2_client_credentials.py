"""provisioning_job: an app's OAuth2 client credentials grant, its client secret encrypted

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provisioning_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oauth2", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("oauth2_secret_ciphertext", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provisioning_job", schema=None) as batch_op:
        batch_op.drop_column("oauth2_secret_ciphertext")
        batch_op.drop_column("oauth2")
