"""target member index covers the group id

Revision ID: 0017
Revises: 0016

"Which groups is this user in" (a user's ``groups``, rendered on every user answer, PATCH and
PUT included) reads ``target_member`` by member. With an index on ``(tenant_id, member_id)``
only, SQLite preferred scanning the primary key ``(tenant_id, group_id, member_id)``, which
covers the query, over the member index, which does not: every user PATCH scanned all the
tenant's memberships (20-40 ms at 126,000 memberships). With ``group_id`` in the member index
it is covering too, and the lookup is a search of the member's own entries.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_target_member_member", table_name="target_member")
    op.create_index(
        "ix_target_member_member",
        "target_member",
        ["tenant_id", "member_id", "group_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_target_member_member", table_name="target_member")
    op.create_index(
        "ix_target_member_member", "target_member", ["tenant_id", "member_id"], unique=False
    )
