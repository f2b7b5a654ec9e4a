"""drop the provisioning log's source index

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 19:30:00.000000

No query reads the log by ``(app_id, source_id)``: the user filter compares source id, target
id, name and displayName case-insensitively, which no plain index serves, and a cycle reads its
own records by cycle. Keyed by random source ids, the index cost a random page write for every
record of every cycle.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_provisioning_log_source", table_name="provisioning_log")


def downgrade() -> None:
    op.create_index(
        "ix_provisioning_log_source", "provisioning_log", ["app_id", "source_id"], unique=False
    )
