"""directory: users, groups, memberships, the change feed and its counter

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 14:06:14.801835
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scimitar.store.tables.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_change",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_type", sa.String(length=8), nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("member_type", sa.String(length=8), nullable=True),
        sa.Column("attributes", sa.Text(), nullable=True),
        sa.Column(
            "changed_at", scimitar.store.tables.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_directory_change")),
    )
    counter = op.create_table(
        "directory_counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_directory_counter")),
    )
    # The change feed's counter row exists from the start, so writers only ever UPDATE it
    # (an UPDATE takes the row lock that orders their commits; see directory/changes.py).
    op.bulk_insert(counter, [{"name": "change", "value": 0}])
    op.create_table(
        "directory_group",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("name_key", sa.String(length=256), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column(
            "deleted_at", scimitar.store.tables.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "updated_at", scimitar.store.tables.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_directory_group")),
        sa.UniqueConstraint("object_id", name=op.f("uq_directory_group_object_id")),
    )
    with op.batch_alter_table("directory_group", schema=None) as batch_op:
        batch_op.create_index("ix_directory_group_deleted_at", ["deleted_at"], unique=False)
        batch_op.create_index("ix_directory_group_name_key", ["name_key"], unique=False)

    op.create_table(
        "directory_user",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("upn_key", sa.String(length=113), nullable=False),
        sa.Column("manager_id", sa.String(length=36), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column(
            "deleted_at", scimitar.store.tables.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "updated_at", scimitar.store.tables.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_directory_user")),
        sa.UniqueConstraint("object_id", name=op.f("uq_directory_user_object_id")),
        sa.UniqueConstraint("upn_key", name=op.f("uq_directory_user_upn_key")),
    )
    with op.batch_alter_table("directory_user", schema=None) as batch_op:
        batch_op.create_index("ix_directory_user_deleted_at", ["deleted_at"], unique=False)
        batch_op.create_index("ix_directory_user_manager_id", ["manager_id"], unique=False)

    op.create_table(
        "directory_member",
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("member_type", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["directory_group.object_id"],
            name=op.f("fk_directory_member_group_id_directory_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_directory_member")),
    )
    with op.batch_alter_table("directory_member", schema=None) as batch_op:
        batch_op.create_index("ix_directory_member_member_id", ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("directory_member", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_member_member_id")

    op.drop_table("directory_member")
    with op.batch_alter_table("directory_user", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_user_manager_id")
        batch_op.drop_index("ix_directory_user_deleted_at")

    op.drop_table("directory_user")
    with op.batch_alter_table("directory_group", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_group_name_key")
        batch_op.drop_index("ix_directory_group_deleted_at")

    op.drop_table("directory_group")
    op.drop_table("directory_counter")
    op.drop_table("directory_change")
