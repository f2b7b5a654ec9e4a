"""audit log of admin changes, append-only

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:30:00.000000

Rows are only inserted. On PostgreSQL a trigger refuses UPDATE, TRUNCATE and DELETE, except a
DELETE inside a transaction that set ``scimitar.audit_pruning`` (retention pruning does, with
``set_config(..., true)``, so the setting ends with its transaction). On SQLite a trigger
refuses UPDATE; SQLite has no session settings a trigger could read, so only the pruning code
deletes (see docs/audit.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scimitar.store.tables.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION audit_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('scimitar.audit_pruning', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_PG_ROW_TRIGGER = (
    "CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record "
    "FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()"
)
_PG_TRUNCATE_TRIGGER = (
    "CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()"
)
_SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END"
)


def upgrade() -> None:
    op.create_table(
        "audit_record",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("actor_session", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=36), nullable=True),
        sa.Column("app_name", sa.String(length=200), nullable=True),
        sa.Column("object", sa.String(length=400), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_record")),
    )
    op.create_index("ix_audit_record_at", "audit_record", ["at"], unique=False)
    op.create_index("ix_audit_record_app_id", "audit_record", ["app_id", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_ROW_TRIGGER)
        op.execute(_PG_TRUNCATE_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_record")
        op.execute("DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record")
        op.execute("DROP FUNCTION IF EXISTS audit_record_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_record_no_update")
    op.drop_index("ix_audit_record_app_id", table_name="audit_record")
    op.drop_index("ix_audit_record_at", table_name="audit_record")
    op.drop_table("audit_record")
