"""a job's fault state: escrows, quarantine and staged (held) deletions

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _app_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["app_id"], ["app.id"], name=op.f(f"fk_{table}_app_id_app"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "engine_escrow",
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("object_type", sa.String(length=8), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("display", sa.String(length=300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("error_code", sa.String(length=120), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("resolved_in", sa.String(length=36), nullable=True),
        _app_fk("engine_escrow"),
        sa.PrimaryKeyConstraint(
            "app_id", "object_type", "source_id", name=op.f("pk_engine_escrow")
        ),
    )
    with op.batch_alter_table("engine_escrow", schema=None) as batch_op:
        batch_op.create_index("ix_engine_escrow_due", ["app_id", "next_attempt_at"], unique=False)

    op.create_table(
        "engine_quarantine",
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("series_began", UTCDateTime(timezone=True), nullable=False),
        sa.Column("current_began", UTCDateTime(timezone=True), nullable=False),
        sa.Column("series_count", sa.Integer(), nullable=False),
        sa.Column("next_attempt", UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True),
        _app_fk("engine_quarantine"),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_engine_quarantine")),
    )
    op.create_table(
        "engine_staged_delete",
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("object_type", sa.String(length=8), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("display", sa.String(length=300), nullable=False),
        sa.Column("target_id", sa.String(length=300), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=True),
        sa.Column("change", sa.String(length=32), nullable=True),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("staged_at", UTCDateTime(timezone=True), nullable=False),
        _app_fk("engine_staged_delete"),
        sa.PrimaryKeyConstraint(
            "app_id", "object_type", "source_id", name=op.f("pk_engine_staged_delete")
        ),
    )


def downgrade() -> None:
    op.drop_table("engine_staged_delete")
    op.drop_table("engine_quarantine")
    with op.batch_alter_table("engine_escrow", schema=None) as batch_op:
        batch_op.drop_index("ix_engine_escrow_due")
    op.drop_table("engine_escrow")
