"""worker_job: the worker, cycle and outcome of each job taken from the queue

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_job",
        sa.Column("job_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("worker", sa.String(length=300), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_worker_job")),
    )
    with op.batch_alter_table("worker_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_worker_job_app_id"), ["app_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("worker_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_job_app_id"))
    op.drop_table("worker_job")
