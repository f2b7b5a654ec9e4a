"""identity sources: the source, the objects it owns, its provisioning log, its uploads

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=True),
        sa.Column("key_hash", sa.String(length=64), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("delete_threshold", sa.Integer(), nullable=True),
        sa.Column("deletion_rule", sa.String(length=16), nullable=False),
        sa.Column("precedence", sa.Integer(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("mappings", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("next_run_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint("name_key", name=op.f("uq_source_name_key")),
    )
    op.create_table(
        "source_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("change_id", sa.String(length=160), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("object_type", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("anchor", sa.String(length=300), nullable=True),
        sa.Column("object_id", sa.String(length=36), nullable=True),
        sa.Column("object_name", sa.String(length=300), nullable=True),
        sa.Column("error_code", sa.String(length=120), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_source_log_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_log")),
    )
    op.create_index("ix_source_log_run", "source_log", ["source_id", "run_id"], unique=False)
    op.create_index("ix_source_log_source_at", "source_log", ["source_id", "at"], unique=False)
    op.create_table(
        "source_object",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("object_type", sa.String(length=8), nullable=False),
        sa.Column("anchor", sa.String(length=300), nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("contributed", sa.Text(), nullable=False),
        sa.Column("vanished_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_source_object_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_object")),
        sa.UniqueConstraint(
            "source_id",
            "object_type",
            "anchor",
            name=op.f("uq_source_object_source_id_object_type_anchor"),
        ),
    )
    op.create_index("ix_source_object_object_id", "source_object", ["object_id"], unique=False)
    op.create_table(
        "source_upload",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("operations", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_source_upload_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_upload")),
    )
    op.create_index(
        "ix_source_upload_status", "source_upload", ["status", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_source_upload_status", table_name="source_upload")
    op.drop_table("source_upload")
    op.drop_index("ix_source_object_object_id", table_name="source_object")
    op.drop_table("source_object")
    op.drop_index("ix_source_log_source_at", table_name="source_log")
    op.drop_index("ix_source_log_run", table_name="source_log")
    op.drop_table("source_log")
    op.drop_table("source")
