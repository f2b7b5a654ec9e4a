"""Tables of admin sign-in: API keys (hashed) and the admin password (a scrypt hash)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = ["ADMIN_CREDENTIAL", "API_KEY", "AdminAPIKey", "AdminCredential"]


class AdminAPIKey(Base):
    """An API key of the admin API: its public id and the SHA-256 of the whole key."""

    __tablename__ = "admin_api_key"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AdminCredential(Base):
    """A named admin credential; today only ``password``, stored as a scrypt hash."""

    __tablename__ = "admin_credential"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


API_KEY = cast(Table, AdminAPIKey.__table__)
ADMIN_CREDENTIAL = cast(Table, AdminCredential.__table__)
