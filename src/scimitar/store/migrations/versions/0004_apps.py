"""apps (instances of gallery templates), their assignments and provisioning jobs

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app")),
        sa.UniqueConstraint("name_key", name=op.f("uq_app_name_key")),
    )
    op.create_table(
        "app_assignment",
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("principal_type", sa.String(length=8), nullable=False),
        sa.Column("principal_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["app.id"], name=op.f("fk_app_assignment_app_id_app"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "app_id", "principal_type", "principal_id", "role", name=op.f("pk_app_assignment")
        ),
    )
    with op.batch_alter_table("app_assignment") as batch_op:
        batch_op.create_index("ix_app_assignment_principal_id", ["principal_id"], unique=False)

    op.create_table(
        "provisioning_job",
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_url", sa.Text(), nullable=True),
        sa.Column("token_ciphertext", sa.Text(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("notify_email", sa.String(length=320), nullable=True),
        sa.Column("notify_on_failure", sa.Boolean(), nullable=False),
        sa.Column("delete_threshold", sa.Integer(), nullable=True),
        sa.Column("skip_out_of_scope_deletions", sa.Boolean(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("dialect", sa.String(length=8), nullable=False),
        sa.Column("disabled_object_types", sa.String(length=64), nullable=False),
        sa.Column("mappings", sa.Text(), nullable=False),
        sa.Column("discovery", sa.Text(), nullable=True),
        sa.Column("is_on", sa.Boolean(), nullable=False),
        sa.Column("needs_initial_cycle", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["app.id"], name=op.f("fk_provisioning_job_app_id_app"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_provisioning_job")),
    )


def downgrade() -> None:
    op.drop_table("provisioning_job")
    with op.batch_alter_table("app_assignment") as batch_op:
        batch_op.drop_index("ix_app_assignment_principal_id")

    op.drop_table("app_assignment")
    op.drop_table("app")
