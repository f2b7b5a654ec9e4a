"""Alembic environment: migrations always run on a connection handed in by Scimitar."""

from __future__ import annotations

from alembic import context

from scimitar.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through scimitar.store.Database.migrate()")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
