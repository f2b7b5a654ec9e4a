"""admin sign-in: API keys of the admin API and the admin password

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_api_key",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_api_key")),
        sa.UniqueConstraint("name_key", name=op.f("uq_admin_api_key_name_key")),
    )
    op.create_table(
        "admin_credential",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_admin_credential")),
    )


def downgrade() -> None:
    op.drop_table("admin_credential")
    op.drop_table("admin_api_key")
