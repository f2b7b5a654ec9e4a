"""Tables of a job's fault state: escrows, quarantine and held (staged) deletions."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = [
    "ESCROW",
    "QUARANTINE",
    "STAGED_DELETE",
    "EngineEscrow",
    "EngineQuarantine",
    "EngineStagedDelete",
]


class EngineEscrow(Base):
    """An object whose export failed, retried in later cycles on a growing schedule (§3.6).

    ``cycle_id`` is the cycle of the last failure; ``resolved_in`` the cycle that exported the
    object since (the row is deleted when that cycle ends).
    """

    __tablename__ = "engine_escrow"
    __table_args__ = (Index("ix_engine_escrow_due", "app_id", "next_attempt_at"),)

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    object_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    display: Mapped[str] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    error_code: Mapped[str | None] = mapped_column(String(120), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    cycle_id: Mapped[str] = mapped_column(String(36))
    resolved_in: Mapped[str | None] = mapped_column(String(36), nullable=True)


class EngineQuarantine(Base):
    """A quarantined job (Graph ``synchronizationQuarantine``, docs/entra.md §3.7)."""

    __tablename__ = "engine_quarantine"

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(48))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    series_began: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    current_began: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    series_count: Mapped[int] = mapped_column(Integer, default=1)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EngineStagedDelete(Base):
    """A disable or delete held back by accidental-deletion prevention (docs/entra.md §2.6)."""

    __tablename__ = "engine_staged_delete"

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    object_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    display: Mapped[str] = mapped_column(String(300))
    target_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str | None] = mapped_column(String(32), nullable=True)
    change: Mapped[str | None] = mapped_column(String(32), nullable=True)
    cycle_id: Mapped[str] = mapped_column(String(36))
    staged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


ESCROW = cast(Table, EngineEscrow.__table__)
QUARANTINE = cast(Table, EngineQuarantine.__table__)
STAGED_DELETE = cast(Table, EngineStagedDelete.__table__)
