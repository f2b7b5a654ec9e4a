"""Persistence: SQLAlchemy tables, the database handle and Alembic migrations."""

from scimitar.store.database import Database, open_database

__all__ = ["Database", "open_database"]
