"""real-time runs: the per-app switch and deletion window, what the last run applied, triggers

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Apps that exist before the upgrade keep the behaviour they were set up with (changes at
    # the next cycle); apps added from now on start with real-time runs on.
    with op.batch_alter_table("provisioning_job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("realtime", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("delete_window_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("engine_job_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("applied_changed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("applied_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("deletions_counted_from", UTCDateTime(), nullable=True))
    with op.batch_alter_table("engine_cycle", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trigger", sa.String(length=16), nullable=False, server_default="cycle")
        )


def downgrade() -> None:
    with op.batch_alter_table("engine_cycle", schema=None) as batch_op:
        batch_op.drop_column("trigger")
    with op.batch_alter_table("engine_job_state", schema=None) as batch_op:
        batch_op.drop_column("deletions_counted_from")
        batch_op.drop_column("applied_at")
        batch_op.drop_column("applied_changed_at")
        batch_op.drop_column("applied_seq")
    with op.batch_alter_table("provisioning_job", schema=None) as batch_op:
        batch_op.drop_column("delete_window_minutes")
        batch_op.drop_column("realtime")
