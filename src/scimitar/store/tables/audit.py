"""The audit log of admin changes: one row per change, append-only."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.store.tables.base import Base, UTCDateTime

__all__ = ["AUDIT", "AuditRecordRow"]


class AuditRecordRow(Base):
    """Who changed what, when, with the object's state before and after (secrets redacted).

    ``app_id`` is deliberately not a foreign key: the record of an app's deletion, and every
    record before it, outlive the app. ``before`` and ``after`` are JSON documents.
    Rows are only ever inserted, and deleted by retention (see ``docs/audit.md``).
    """

    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(300))
    actor_session: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    app_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    app_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    object: Mapped[str] = mapped_column(String(400), default="")
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_audit_record_at", "at"),
        Index("ix_audit_record_app_id", "app_id", "id"),
    )


AUDIT = cast(Table, AuditRecordRow.__table__)
