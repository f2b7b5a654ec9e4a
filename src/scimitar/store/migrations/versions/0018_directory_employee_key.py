"""directory users keep their employeeId lower-cased and indexed: sources match on it first

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("directory_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employee_key", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_directory_user_employee_key", ["employee_key"], unique=False)
    connection = op.get_bind()
    users = sa.table(
        "directory_user", sa.column("seq", sa.Integer), sa.column("data", sa.Text),
        sa.column("employee_key", sa.String),
    )  # fmt: skip
    after = 0
    while True:
        rows = connection.execute(
            sa.select(users.c.seq, users.c.data).where(users.c.seq > after)
            .order_by(users.c.seq).limit(_BATCH)
        ).all()  # fmt: skip
        if not rows:
            break
        updates = []
        for seq, data in rows:
            value = json.loads(data).get("employeeId")
            if value is not None:
                updates.append({"b_seq": seq, "b_key": str(value).lower()})
        if updates:
            connection.execute(
                users.update().where(users.c.seq == sa.bindparam("b_seq"))
                .values(employee_key=sa.bindparam("b_key")),
                updates,
            )  # fmt: skip
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("directory_user", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_user_employee_key")
        batch_op.drop_column("employee_key")
