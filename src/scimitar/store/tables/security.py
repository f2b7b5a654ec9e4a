"""Tables of sign-in security: portal sessions, and failed sign-ins per client and account."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = ["AUTH_THROTTLE", "PORTAL_SESSION", "AuthThrottleRow", "PortalSession"]


class PortalSession(Base):
    """A signed-in portal session; deleting the row ends it (sign out, revocation).

    The cookie carries the session's random id, signed; the table keeps only its SHA-256, so
    reading the store gives no cookie that works.
    """

    __tablename__ = "portal_session"
    __table_args__ = (
        Index("ix_portal_session_key_id", "key_id"),
        Index("ix_portal_session_expires_at", "expires_at"),
    )

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: ``password`` (the admin password) or ``key`` (an API key, named by ``key_id``).
    method: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuthThrottleRow(Base):
    """Recent authentication failures of one client address or one account, and its block."""

    __tablename__ = "auth_throttle"

    #: ``<face>:<addr|account>:<value>``, e.g. ``portal:addr:203.0.113.7``, ``api:key:3fa2c1``.
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


PORTAL_SESSION = cast(Table, PortalSession.__table__)
AUTH_THROTTLE = cast(Table, AuthThrottleRow.__table__)
